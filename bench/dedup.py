"""Duplicate-person search at scale: N synthetic people (simulator names, birth dates, IDs and
phones), 1% of them registered a second time with a typo, then the first page of candidate
pairs and a sweep over every page, timed against one plain scan of the same people.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/dedup.py --people 200000
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/dedup_bench \
        .venv/bin/python bench/dedup.py --people 200000

Prints the times, the ratio of each to the baseline scan, and how many planted duplicates were
found (recall) and how many other pairs were proposed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from outbreakhq.core import dedup  # noqa: E402
from outbreakhq.core.actor import Actor  # noqa: E402
from outbreakhq.core.areas import child_path  # noqa: E402
from outbreakhq.core.models import Area, Assignment, Person  # noqa: E402
from outbreakhq.simulate import identities, names  # noqa: E402

START = date(2026, 11, 1)


def area(code: str, level: str, parent: Area | None) -> Area:
    return Area.objects.create(
        code=code, level=level, parent=parent, root=(parent.root or parent) if parent else None,
        path=child_path(parent, code), depth=parent.depth + 1 if parent else 0,
        name_en=code, name_zh=code)


def typo(name: str, rng: np.random.Generator) -> str:
    """One given-name character replaced, as a pinyin input method does."""
    if len(name) < 3 or rng.random() < 0.4:
        return name
    given = names.GIVEN[rng.integers(0, len(names.GIVEN))]
    return name[:-1] + given


def populate(n: int, seed: int) -> tuple[object, set[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    region = area("970000", "region", None)
    county = area("970101", "county", area("970100", "prefecture", region))
    compounds = [area(f"970101{i:03d}", "compound", county) for i in range(20)]
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    Assignment.objects.create(user=user, role="tracer", area=county)
    base = n - n // 100
    born = identities.birth_days(rng, age=rng.uniform(0, 90, base), start_date=START)
    male = rng.random(base) < 0.5
    ids = identities.resident_ids(county_code=np.full(base, 970101), birth_day=born, male=male)
    phones = identities.phones(count=n)
    who = names.person_names(rng, count=base)
    rows = [Person(tenant=region, home_area=compounds[i % 20], name=str(who[i]),
                   sex="M" if male[i] else "F", birth_date=date.fromordinal(
                       date(1970, 1, 1).toordinal() + int(born[i])),
                   id_type="cn_resident", id_number=ids[i].decode(), phone=phones[i].decode())
            for i in range(base)]
    Person.objects.bulk_create(rows, batch_size=5000)
    originals = list(Person.objects.order_by("pk").values_list("pk", flat=True)[: n // 100])
    twins = rng.choice(len(originals), size=n // 100, replace=False)
    doubles = []
    for k, i in enumerate(twins):
        o = rows[i]
        doubles.append(Person(
            tenant=region, home_area=o.home_area, name=typo(o.name, rng), sex=o.sex,
            birth_date=o.birth_date, id_type="none" if k % 2 else "cn_resident",
            id_number="" if k % 2 else o.id_number,
            phone=o.phone if k % 3 == 0 else phones[base + k].decode()))
    Person.objects.bulk_create(doubles, batch_size=5000)
    first = Person.objects.order_by("pk").values_list("pk", flat=True)
    pks = list(first)
    planted = {(pks[i], pks[base + k]) for k, i in enumerate(twins)}
    return user, planted


def timed(fn):
    begin = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - begin


def sweep(user) -> list[dedup.Candidate]:
    found, after = [], ""
    while True:
        page = dedup.find_duplicates(actor=Actor.of(user), after=after, limit=500)
        found += page.candidates
        if not page.next_cursor:
            return found
        after = page.next_cursor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Person.objects.exists():
        sys.exit("the database already holds people: point OUTBREAKHQ_DATA_DIR at a new folder")
    (user, planted), load = timed(lambda: populate(args.people, args.seed))
    print(f"loaded {Person.objects.count():,} people in {load:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("ANALYZE")
    _, baseline = timed(lambda: sum(1 for _ in Person.objects.values_list("name", "birth_date")
                                    .iterator(chunk_size=5000)))
    first, t_first = timed(lambda: dedup.find_duplicates(actor=Actor.of(user), limit=50))
    found, t_all = timed(lambda: sweep(user))
    keys = {c.key for c in found}
    print(f"baseline: read every name and birth date once  {baseline * 1000:8.0f} ms")
    print(f"first page of 50 pairs                          {t_first * 1000:8.0f} ms"
          f"  ({t_first / baseline:.2f}x baseline)")
    print(f"every page ({len(found):,} pairs)                  {t_all * 1000:8.0f} ms"
          f"  ({t_all / baseline:.2f}x baseline)")
    kinds = {k: sum(c.kind == k for c in found) for k in dedup.KINDS}
    likely = {c.key for c in found if c.score >= 50}  # the page's default floor
    print(f"by block: {kinds}; planted found {len(planted & keys):,} of {len(planted):,};"
          f" other pairs proposed {len(keys - planted):,}")
    print(f"scoring 50 or more: planted {len(planted & likely):,},"
          f" other {len(likely - planted):,}")


if __name__ == "__main__":
    main()
