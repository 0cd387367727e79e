"""Quarantine at scale: bulk placement into 500 sites (one of 40,000 beds), then the occupancy
and due-list pages with many active stays.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/quarantine_placement.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/quarantine_bench \
        .venv/bin/python bench/quarantine_placement.py

1. Placement: `--contacts` people awaiting placement, placed by the bulk placement (preview,
   then one transaction per batch, a savepoint and the room's row lock per household), in
   batches of 5,000 (the preview's page). Prints placements per second and the time per
   person of each batch; the baseline is a bare `Stay` insert, one row per transaction.
2. Pages: stays are topped up to `--stays` active stays (written directly, set-based), then the
   sites page (occupancy of every site), the 40,000-bed site's day (arrivals, releases due, tests
   due and overdue, rooms free), the awaiting list and the API's sites list are timed
   `--runs` times each: p50, p95 and the ratio to the baseline, the page shell `/tokens/`.
Peak memory: the process's maximum resident set size at the end (resource.getrusage).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbreakhq.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from outbreakhq.core.actor import Actor  # noqa: E402
from outbreakhq.core.areas import child_path  # noqa: E402
from outbreakhq.core.models import Area, Assignment, Person  # noqa: E402
from outbreakhq.quarantine import placement  # noqa: E402
from outbreakhq.quarantine.models import (  # noqa: E402
    Awaiting,
    Building,
    Floor,
    Room,
    Site,
    Stay,
)


def area(code: str, level: str, parent: Area | None) -> Area:
    return Area.objects.create(
        code=code, level=level, parent=parent, root=(parent.root or parent) if parent else None,
        path=child_path(parent, code), depth=parent.depth + 1 if parent else 0,
        name_en=code, name_zh=code)


def build(sites: int, big_beds: int, small_beds: int):
    region = area("960000", "region", None)
    counties = [area(f"9601{i:02d}", "county", region) for i in range(10)]
    compounds = [area(f"{c.code}{j:03d}", "compound", c) for c in counties for j in range(5)]
    user = get_user_model().objects.create_user("bench-q", password="bench-password-1")
    Assignment.objects.create(user=user, role="quarantine", area=region)
    rooms = []
    for s in range(sites):
        big = s == 0
        site = Site.objects.create(tenant=region, area=counties[s % 10], name=f"Site {s}",
                                   kind="purpose_built", shared_rooms=False)
        floor = Floor.objects.create(building=Building.objects.create(site=site, name="A"),
                                     name="1")
        # The big site: 40,000 beds in partitions of 2 and of 4 (half the beds in each).
        if big:
            sizes = [2] * (big_beds // 4) + [4] * (big_beds // 8)
        else:
            sizes = [1] * small_beds
        rooms += [Room(site=site, floor=floor, number=str(n), beds=b)
                  for n, b in enumerate(sizes)]
    Room.objects.bulk_create(rooms, batch_size=10_000)
    return region, compounds, user


def people(region: Area, compounds: list[Area], n: int, offset: int) -> list[Person]:
    rows = [Person(tenant=region, home_area=compounds[(offset + i) % len(compounds)],
                   name=f"Bench {offset + i}") for i in range(n)]
    return Person.objects.bulk_create(rows, batch_size=10_000)


def place_all(actor: Actor, region: Area, compounds: list[Area], n: int) -> list[float]:
    """Bulk placement of `n` awaiting people, 5,000 per preview and apply; seconds per person
    of each batch (preview and apply). Prints each batch's preview and apply (the set-based
    write) times apart, as they go."""
    each: list[float] = []
    for offset in range(0, n, 5000):
        batch = people(region, compounds, min(5000, n - offset), offset)
        Awaiting.objects.bulk_create(
            Awaiting(tenant=region, area=p.home_area, person=p, kind="close_contact",
                     household=f"B{offset + i // 3}" if i % 10 < 3 else "")
            for i, p in enumerate(batch))
        started = time.perf_counter()
        plan = placement.plan_for(actor, timezone.localdate())
        planned = time.perf_counter()
        placement.apply(actor, plan)
        done = time.perf_counter()
        print(f"  batch {offset // 5000 + 1}: preview {planned - started:.1f} s, apply "
              f"{done - planned:.1f} s ({len(batch) / (done - planned):.0f} placements/s)",
              flush=True)
        each.append((done - started) / len(batch))
    return each


def top_up(region: Area, compounds: list[Area], target: int) -> None:
    """Active stays up to `target`, written set-based, spread over the sites' rooms and over
    the last 10 days (so that tests are due, overdue and releases due)."""
    have = Stay.objects.filter(status="placed").count()
    missing = target - have
    if missing <= 0:
        return
    today = timezone.localdate()
    rooms = list(Room.objects.select_related("site").order_by("pk").values_list(
        "pk", "site_id", "site__area_id"))
    made = 0
    while made < missing:
        batch = people(region, compounds, min(20_000, missing - made), 10_000_000 + made)
        stays = []
        for i, p in enumerate(batch):
            room, site, site_area = rooms[(made + i) % len(rooms)]
            start = today - timedelta(days=(made + i) % 10)
            stays.append(Stay(tenant=region, area_id=site_area, person=p, site_id=site,
                              room_id=room, kind="close_contact", protocol="cn-9th-edition",
                              start=start, quarantine_end=start + timedelta(days=6),
                              planned_end=start + timedelta(days=9)))
        Stay.objects.bulk_create(stays, batch_size=10_000)
        made += len(batch)


def timed(client: Client, url: str, runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    ordered = sorted(times)
    return times[0], statistics.median(times), ordered[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--stays", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Site.objects.exists():
        sys.exit("the database already holds sites: point OUTBREAKHQ_DATA_DIR at a new folder")
    print(f"database: {connection.vendor}")
    started = time.perf_counter()
    region, compounds, user = build(args.sites, 40_000, 100)
    beds = sum(Room.objects.values_list("beds", flat=True))
    print(f"{args.sites} sites, {beds:,} beds in {time.perf_counter() - started:.1f} s")
    actor = Actor.for_command(user)

    # Baseline of a placement: the same stay inserted bare, one row per transaction (the
    # commit included, as for a placement), without the checks, the room lock or the audit.
    sample = people(region, compounds, 500, 20_000_000)
    room_ids = list(Room.objects.order_by("-pk").values_list("pk", "site_id", "site__area_id")
                    [:500])
    today = timezone.localdate()
    started = time.perf_counter()
    for p, (r, s, a) in zip(sample, room_ids, strict=False):
        with transaction.atomic():
            Stay.objects.create(
                tenant=region, area_id=a, person=p, site_id=s, room_id=r, kind="close_contact",
                protocol="cn-9th-edition", start=today, quarantine_end=today, planned_end=today,
                status="released")
    bare = (time.perf_counter() - started) / len(sample)

    started = time.perf_counter()
    each = place_all(actor, region, compounds, args.contacts)
    wall = time.perf_counter() - started
    placed = Stay.objects.filter(status="placed").count()
    worst = max(each) * 1000
    print(f"placement: {placed:,} of {args.contacts:,} placed in {wall:.0f} s "
          f"({placed / wall:.0f}/s); per person, batches of 5,000: median "
          f"{statistics.median(each) * 1000:.2f} ms, worst {worst:.2f} ms "
          f"({worst / (bare * 1000):.2f}x a bare one-row transaction of {bare * 1000:.2f} ms)")
    print(f"  not placed: {Awaiting.objects.filter(status='waiting').count():,}")

    top_up(region, compounds, args.stays)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"active stays: {Stay.objects.filter(status='placed').count():,}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    big = Site.objects.order_by("pk").first()
    _f, _p, base = timed(client, "/tokens/", args.runs)
    print(f"{'page':44} {'first':>8} {'p50':>8} {'p95':>8} {'p95/base':>9}")
    print(f"{'/tokens/ (baseline: the page shell)':44} {'':>8} {_p:8.1f} {base:8.1f}")
    for url in ("/quarantine/", f"/quarantine/site/?id={big.pk}", "/quarantine/site/",
                "/quarantine/awaiting/", "/api/v1/quarantine/sites"):
        first, p50, p95 = timed(client, url, args.runs)
        print(f"{url:44} {first:8.1f} {p50:8.1f} {p95:8.1f} {p95 / base:9.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
