"""What auditing every list page costs: the case list page opened N times with the audit write
(one event and one AuditShown row per person shown, one transaction) and without it (the write
replaced by a no-op in the same process, interleaved in blocks so that both see the same
machine), then the "who looked at this person" query over a large audit trail.

    OUTBREAKHQ_DATA_DIR=$(mktemp -d) .venv/bin/python bench/read_audit.py
    OUTBREAKHQ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/read_audit_bench \
        .venv/bin/python bench/read_audit.py

Prints p50 of each, their ratio and the overhead per page in ms; then fills the trail to
`--shown` rows (events of 50 people each, as list pages write them) and times the panel query
for one person (p50 of `--runs`), against a plain primary-key fetch of one event.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("OUTBREAKHQ_DEBUG", "1")
BLOCK = 10  # pages per block; blocks alternate with and without the audit write


@contextmanager
def audit_off():
    """The baseline: the list's audit write replaced by a no-op."""
    from outbreakhq.core import audit

    real = audit.record_shown
    audit.record_shown = lambda **kwargs: None
    try:
        yield
    finally:
        audit.record_shown = real


def page_times(client, url: str, runs: int) -> tuple[list[float], list[float]]:
    audited, plain = [], []
    client.get(url)  # warm-up
    for block in range(2 * max(runs // BLOCK, 1)):
        target = plain if block % 2 else audited
        for _ in range(BLOCK):
            if target is plain:
                with audit_off():
                    started = time.perf_counter()
                    response = client.get(url)
            else:
                started = time.perf_counter()
                response = client.get(url)
            target.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return audited, plain


def fill_trail(shown: int, people: list[int], tenant: int) -> None:
    """Events of 50 people each (random), as list pages write them, in bulk."""
    from django.db import transaction

    from outbreakhq.core.models import AuditEvent, AuditShown

    rng = random.Random(2)
    per_event, batch = 50, 2000
    with transaction.atomic():
        for start in range(0, shown // per_event, batch):
            count = min(batch, shown // per_event - start)
            events = AuditEvent.objects.bulk_create(
                [AuditEvent(action="view", object_type="case", username="bench",
                            tenant_id=tenant, detail={"list": "cases"}) for _ in range(count)])
            AuditShown.objects.bulk_create(
                [AuditShown(tenant_id=tenant, person_id=pk, event_id=event.pk)
                 for event in events for pk in rng.sample(people, per_event)],
                batch_size=10_000)


def median_ms(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200, help="pages with and without audit")
    parser.add_argument("--shown", type=int, default=1_000_000, help="AuditShown rows")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.tracing_pages import fill
    from outbreakhq.core import audit
    from outbreakhq.core.actor import Actor
    from outbreakhq.core.models import AuditEvent, AuditShown, Person
    from outbreakhq.core.who_looked import events_showing
    from outbreakhq.tracing.models import Case

    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        fill(args.cases)
    print(f"{connection.vendor}: {Case.objects.count()} cases")
    for username in ("bench-county", "bench-region"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(username=username))
        audited, plain = page_times(client, "/cases/", args.runs)
        with_audit, without = statistics.median(audited), statistics.median(plain)
        print(f"{username[6:]:7} /cases/ p50 with audit {with_audit:6.1f} ms, without "
              f"{without:6.1f} ms, ratio {with_audit / without:4.2f}, overhead "
              f"{with_audit - without:5.2f} ms per page ({len(audited)} pages each)")

    people = list(Person.objects.values_list("pk", flat=True)[:100_000])
    rows = [(pk, Person.objects.get(pk=pk).tenant_id) for pk in people[:50]]
    write = median_ms(lambda: audit.record_shown(
        actor=Actor.anonymous(), object_type="case", records=[pk for pk, _ in rows], people=rows,
        places=["/990000/"]), args.runs)
    print(f"the audit write alone (one event naming 50 people): p50 {write:.2f} ms")
    tenant = Person.objects.values_list("tenant_id", flat=True).first()
    missing = args.shown - AuditShown.objects.count()
    if missing > 0:
        started = time.perf_counter()
        fill_trail(missing, people, tenant)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_auditshown; ANALYZE core_auditevent")
        print(f"trail filled to {AuditShown.objects.count()} shown rows in "
              f"{time.perf_counter() - started:.0f} s")
    person = Person.objects.get(pk=random.Random(3).choice(people))
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    panel = median_ms(lambda: events_showing(person), 50)
    fetch = median_ms(lambda: AuditEvent.objects.get(pk=last), 50)
    print(f"who looked at one person ({len(events_showing(person, limit=1000).events)} events "
          f"of {AuditEvent.objects.count()}): p50 {panel:.2f} ms; one event by primary key "
          f"{fetch:.2f} ms; ratio {panel / fetch:.1f}")


if __name__ == "__main__":
    main()
