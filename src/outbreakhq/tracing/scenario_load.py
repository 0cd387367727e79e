"""Bulk load of a simulated outbreak's tracing records: cases, contacts, daily follow-ups and
one tracing team per county, through core.bulk (COPY on PostgreSQL, batched executemany on
SQLite). The rules live in scenario_rows.py (pure, vectorised); this module maps scenario rows
to database ids and writes whole columns, inside the caller's transaction (the simulator's
loader holds one around the entire scenario). No per-row ORM, no per-row audit: the rows are
generated, not entered by anyone (docs/simulator.md, "Loading into the database"). The teams'
names are data in the deployment's language (core/data_language.py, as screening's): "天宁县流调组"
in a Chinese deployment, "Tianning County tracing team" in an English one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from outbreakhq.core import bulk
from outbreakhq.core.data_language import names_in
from outbreakhq.protocols import Protocol
from outbreakhq.tracing import scenario_rows as rows
from outbreakhq.tracing.models import (
    Case,
    Cluster,
    Contact,
    ContactStatus,
    Exposure,
    FollowUp,
    PlaceVisit,
    Team,
)

EPOCH = date(1970, 1, 1)
# Above this many follow-up rows (a region-sized epidemic: tens of millions), only windows that
# overlap the last 14 days get their checks; the older ones are completed history.
FOLLOWUP_BUDGET = 5_000_000
CHECK_HOUR = time(10)  # a day's check is stamped 10:00 local time
TRACED_HOUR = time(8)  # a contact is listed 08:00 local time the day it is traced
CASELOAD = 40  # contacts a demo tracer is given: a day's calls for one person
# The demo's team names by deployment language (core/data_language.py): data for the records.
NAMES = {"en": {"team": "{area} tracing team"}, "zh": {"team": "{area}流调组"}}


@dataclass(frozen=True)
class TracingLoad:
    cases: int
    linked_cases: int  # with a source case
    contacts: int
    followups: int
    followups_recent_only: bool  # the budget applied (see FOLLOWUP_BUDGET)
    teams: int


def day_offset(meta: dict, today: date) -> int:
    """Days to add to the scenario's dates so that its last simulated day is `today`."""
    last = date.fromisoformat(str(meta["start_date"])) + timedelta(days=int(meta["days"]) - 1)
    return (today - last).days


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's tracing records (before its people and areas), set-based."""
    with connection.cursor() as cursor:
        for model in (FollowUp, Exposure, PlaceVisit, Contact, Case, Cluster):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s',
                           [tenant_id])
    Team.objects.filter(Q(area_id=tenant_id) | Q(area__root_id=tenant_id)).delete()


def _teams(areas: pa.Table, area_ids: dict[str, int]) -> dict[str, int]:
    """One tracing team per county: {county code: team id}."""
    column, words = names_in(NAMES)
    t = areas.filter(pc.equal(areas.column("level"), "county")).to_pydict()
    made = Team.objects.bulk_create([Team(area_id=area_ids[code],
                                          name=words["team"].format(area=name))
                                     for code, name in zip(t["code"], t[column], strict=True)])
    return {code: team.pk for code, team in zip(t["code"], made, strict=True)}


def _person_lookups(scenario, area_ids: dict[str, int], teams: dict[str, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per person row: home area id and the team of the home county."""
    homes = scenario["persons"].column("home_area_code").combine_chunks()
    codes = list(area_ids)
    county = rows.county_codes(scenario["areas"])
    index = pc.index_in(homes, value_set=pa.array(codes)).to_numpy(zero_copy_only=False)
    area = np.array([area_ids[c] for c in codes], dtype=np.int64)[index.astype(np.int64)]
    team_of = np.array([teams.get(county.get(c, ""), -1) for c in codes], dtype=np.int64)
    return area, team_of[index.astype(np.int64)]


def _stamp(day_numbers: np.ndarray, at: time = CHECK_HOUR) -> pa.Array:
    """10:00 (or `at`) local time on each day, as UTC timestamps (the zone's offset of today)."""
    offset = timezone.localtime().utcoffset() or timedelta(0)
    seconds = day_numbers * 86_400 + at.hour * 3_600 - int(offset.total_seconds())
    return pa.array(seconds * 1_000_000, type=pa.timestamp("us", tz="UTC"))


def _now(count: int) -> pa.Array:
    return pa.repeat(pa.scalar(datetime.now(UTC), type=pa.timestamp("us", tz="UTC")), count)


def _write_cases(found: rows.Cases, *, tenant_id: int, person_ids: np.ndarray,
                 person_area: np.ndarray) -> np.ndarray:
    n = found.person.size
    case_ids = np.array(bulk.allocate_ids(Case._meta.db_table, n), dtype=np.int64)
    bulk.write_columns(Case._meta.db_table, pa.table({
        "id": case_ids, "tenant_id": pa.repeat(tenant_id, n),
        "area_id": person_area[found.person], "person_id": person_ids[found.person],
        "external_id": pa.repeat("", n), **found.columns,
        "outcome": pa.repeat("active", n), "notes": pa.repeat("", n),
        "source_external_id": pa.repeat("", n),
        "source_case_id": rows.ids(found.source, case_ids),
        "created_at": _now(n), "updated_at": _now(n)}))
    return case_ids


def _write_contacts(found: rows.Contacts, checks: rows.FollowUps, *, tenant_id: int,
                    case_ids: np.ndarray, person_ids: np.ndarray, person_area: np.ndarray,
                    person_team: np.ndarray) -> np.ndarray:
    n = found.person.size
    contact_ids = np.array(bulk.allocate_ids(Contact._meta.db_table, n), dtype=np.int64)
    team = person_team[found.person]
    bulk.write_columns(Contact._meta.db_table, pa.table({
        "id": contact_ids, "tenant_id": pa.repeat(tenant_id, n),
        "area_id": person_area[found.person], "person_id": person_ids[found.person],
        "external_id": pa.repeat("", n),
        "source_case_id": rows.ids(found.source_case, case_ids),
        "source_contact_id": rows.ids(found.source_contact, contact_ids),
        "category": found.category, "contact_type": found.contact_type,
        "last_exposure": rows.as_dates(found.last_exposure),
        "followup_start": rows.as_dates(found.start), "followup_end": rows.as_dates(found.end),
        "status": rows.labels(rows.STATUSES, found.status),
        "team_id": pa.array(team, mask=team < 0),
        "converted_case_id": rows.ids(found.converted, case_ids),
        "last_followup": rows.as_dates(checks.last),
        # Created the day the contact was traced, before that day's check: the calendar shows
        # the days before it as not yet traced, not as missed.
        "created_at": _stamp(np.where(found.traced == rows.NO_DAY, found.start, found.traced),
                             TRACED_HOUR), "updated_at": _now(n)}))
    return contact_ids


def _write_followups(checks: rows.FollowUps, *, tenant_id: int,
                     contact_ids: np.ndarray) -> int:
    n = checks.contact.size
    return bulk.write_columns(FollowUp._meta.db_table, pa.table({
        "tenant_id": pa.repeat(tenant_id, n), "contact_id": contact_ids[checks.contact],
        "date": rows.as_dates(checks.day),
        "status": rows.labels(rows.FOLLOWUP_STATUSES, checks.status),
        "symptoms": pa.repeat("", n), "recorded_at": _stamp(checks.day)}))


def load_scenario(scenario, *, tenant_id: int, area_ids: dict[str, int], person_ids: list[int],
                  protocol: Protocol, today: date, say=lambda _step: None) -> TracingLoad:
    """Write the scenario's cases, contacts and follow-ups, shifted so that its last day is
    `today`, with follow-up windows from `protocol`; inside the caller's transaction."""
    population = scenario["persons"].num_rows
    offset = day_offset(scenario.meta, today)
    rules = rows.Rules(
        followup_days={c: protocol.rule_for(c).followup_days for c in rows.CATEGORIES.values()},
        offset=offset, today=(today - EPOCH).days, followup_budget=FOLLOWUP_BUDGET)
    teams = _teams(scenario["areas"], area_ids)
    person_area, person_team = _person_lookups(scenario, area_ids, teams)
    people = np.array(person_ids, dtype=np.int64)
    say("cases")
    found = rows.cases(scenario["cases"], scenario["infections"], population=population,
                       offset=offset)
    case_ids = _write_cases(found, tenant_id=tenant_id, person_ids=people,
                            person_area=person_area)
    say("contacts")
    centralised = rows.in_centralised_quarantine(scenario["quarantine_stays"],
                                                 population=population, offset=offset,
                                                 today=rules.today)
    household = scenario["persons"].column("household").to_numpy().astype(np.int64)
    listed = rows.contacts(scenario["contacts"], found, household=household,
                           centralised_today=centralised, rules=rules)
    checks = rows.followups(listed, rules)
    contact_ids = _write_contacts(listed, checks, tenant_id=tenant_id, case_ids=case_ids,
                                  person_ids=people, person_area=person_area,
                                  person_team=person_team)
    say("follow-ups")
    written = _write_followups(checks, tenant_id=tenant_id, contact_ids=contact_ids)
    return TracingLoad(cases=case_ids.size, linked_cases=int((found.source >= 0).sum()),
                       contacts=contact_ids.size, followups=written,
                       followups_recent_only=checks.recent_only, teams=len(teams))


def join_county_team(user, area, *, within=None) -> int:
    """Put a tracer in the tracing team of their area and give them a day's caseload of that
    team's followed contacts (for the demo: the "mine" and "team" worklists then show rows);
    `within` (a community worker's township) limits the caseload to contacts living there.
    Returns how many contacts were assigned now; re-running assigns nothing new."""
    team = Team.objects.filter(area=area).order_by("pk").first()
    if team is None:
        return 0
    team.members.add(user)
    mine = Contact.objects.filter(tracer=user).count()
    today = timezone.localdate()
    where = (within or area).path
    # Whole compounds, in area order: a tracer calls the same few buildings, and their
    # contacts are at every day of their windows (not only those whose window ends today).
    free = (Contact.objects.filter(team=team, tracer__isnull=True, area__path__startswith=where,
                                   status=ContactStatus.FOLLOWING, followup_start__lte=today,
                                   followup_end__gte=today)
            .order_by("area_id", "pk").values_list("pk", flat=True)[:max(CASELOAD - mine, 0)])
    return Contact.objects.filter(pk__in=list(free)).update(tracer=user)
