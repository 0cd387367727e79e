"""The tracing pages at scale: p50/p95 of the case list (first and a later page), the contact
list, today's follow-up worklist, the overdue list and the chains page and graph, for a county
user and a region user, against the lightest page of the shell (API tokens) measured in the same
run.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/tracing_pages.py --cases 100000
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pages_bench \
        .venv/bin/python bench/tracing_pages.py --cases 100000

The database is migrated and filled once (a person per case and per contact, 80 % of cases
linked to an earlier case, two contacts per case with follow-up windows around today, bulk
inserts, then ANALYZE on PostgreSQL). Every page is fetched `--runs` times in-process through
Django's test client (no network), after one warm-up fetch; the chains page keeps its last
summary per process, so its p50 is the warm figure and its first fetch is printed apart.
The aim (issue 4): every page under 200 ms at p95.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")

PAGES = ["/cases/", "/cases/?after={cursor}", "/contacts/", "/followups/?who=all",
         "/followups/?list=overdue&who=all", "/chains/", "/chains/graph.json"]


def fill(cases: int) -> None:
    """People, cases (80 % linked to an earlier one) and two contacts per case."""
    from django.db import connection, transaction

    from outbreakhq.core.models import Person
    from outbreakhq.tracing.fields import today
    from outbreakhq.tracing.models import Case, Contact
    from tests.factories import make_user, territory

    rng = random.Random(1)
    with transaction.atomic():
        land = territory()
        make_user("commander", land.region, username="bench-region")
        make_user("tracer", land.county1, username="bench-county")
        areas = [land.compound1, land.compound2, land.compound3]
        people = Person.objects.bulk_create(
            [Person(tenant_id=land.region.pk, home_area=areas[i % 3], name=f"P{i}")
             for i in range(cases * 3)], batch_size=5000)
        day = today()
        made = Case.objects.bulk_create(
            [Case(tenant_id=land.region.pk, area=people[i].home_area, person=people[i],
                  classification="confirmed", detection_route="clinic",
                  report_date=day - timedelta(days=rng.randrange(60))) for i in range(cases)],
            batch_size=5000)
        for i in range(1, cases):
            if rng.random() < 0.8:
                made[i].source_case_id = made[rng.randrange(i)].pk
        Case.objects.bulk_update(made, ["source_case"], batch_size=5000)
        contacts = []
        for j in range(cases * 2):
            seen = day - timedelta(days=rng.randrange(12))
            contacts.append(Contact(
                tenant_id=land.region.pk, area=people[cases + j].home_area,
                person=people[cases + j], source_case=made[rng.randrange(cases)],
                category="close_contact", contact_type="household", last_exposure=seen,
                followup_start=seen + timedelta(days=1), followup_end=seen + timedelta(days=10)))
        Contact.objects.bulk_create(contacts, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(client, url: str, runs: int) -> tuple[float, float, float]:
    """First fetch, p50 and p95 in milliseconds."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    first, rest = times[0], sorted(times[1:])
    return first, statistics.median(rest), rest[min(len(rest) - 1, int(len(rest) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from outbreakhq.tracing.models import Case

    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        started = time.perf_counter()
        fill(args.cases)
        print(f"filled {args.cases} cases in {time.perf_counter() - started:.0f} s")
    middle = Case.objects.order_by("-report_date", "-pk")[Case.objects.count() // 2]
    cursor = f"{middle.report_date.isoformat()}~{middle.pk}"
    print(f"{'user':7} {'page':36} {'first':>8} {'p50':>8} {'p95':>8} {'p95/base':>9}")
    for username in ("bench-county", "bench-region"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username=username))
        _first, _p50, base = timed(client, "/tokens/", args.runs)
        print(f"{username[6:]:7} {'/tokens/ (baseline: the page shell)':36} {'':>8} "
              f"{_p50:8.1f} {base:8.1f}")
        for page in PAGES:
            first, p50, p95 = timed(client, page.format(cursor=cursor), args.runs)
            label = page.replace("{cursor}", "…")
            print(f"{username[6:]:7} {label:36} {first:8.1f} {p50:8.1f} {p95:8.1f} "
                  f"{p95 / base:9.1f}")


if __name__ == "__main__":
    main()
