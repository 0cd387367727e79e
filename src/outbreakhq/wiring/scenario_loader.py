"""Write a simulated scenario into the database (in wiring/: it imports core and tracing).

Loads what has models today: the area tree, the key groups, the people and their key-group
tags, through `core.bulk` (COPY on PostgreSQL), then the tracing records (cases with their
source cases, contacts, daily follow-ups, a tracing team per county) through
`tracing.scenario_load`, with dates shifted so that the simulation's last day is today; the
other tables (risk areas, quarantine stays, screening tubes and recalls, support requests,
stranded travellers) through their modules' own loaders (zones, quarantine, screening,
support).

All or nothing: one transaction. A database that already holds the scenario's region is left
alone (ScenarioExists) unless `replace=True`, which deletes that region's tracing records,
areas, people and tags first, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.command import aggregates
from outbreakhq.core import bulk
from outbreakhq.core.models import Area, KeyGroup, Person, PersonKeyGroup
from outbreakhq.quarantine import scenario_load as quarantine_load
from outbreakhq.screening import scenario_load as screening_load
from outbreakhq.simulate.output import Scenario
from outbreakhq.support import scenario_load as support_load
from outbreakhq.tracing import scenario_load
from outbreakhq.zones import scenario_load as zones_load


class ScenarioExists(Exception):
    """The region is already in the database; nothing was written."""


class ScenarioInUse(Exception):
    """Replacing failed because other records point at the scenario's areas or people."""


@dataclass(frozen=True)
class LoadResult:
    areas: int
    people: int
    key_group_tags: int
    region_code: str
    tracing: scenario_load.TracingLoad


def _delete_region(root: Area) -> None:
    """Remove a region's risk-area records, daily figures, tracing records, tags, people and
    areas, set-based."""
    zones_load.delete_tenant(root.id)
    screening_load.delete_tenant(root.id)
    aggregates.delete_tenant(root.id)
    quarantine_load.delete_tenant(root.id)
    support_load.delete_tenant(root.id)
    scenario_load.delete_tenant(root.id)
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{PersonKeyGroup._meta.db_table}" WHERE tenant_id = %s',
                       [root.id])
        cursor.execute(f'DELETE FROM "{Person._meta.db_table}" WHERE tenant_id = %s', [root.id])
        cursor.execute(f'DELETE FROM "{Area._meta.db_table}" WHERE path LIKE %s',
                       [root.path + "%"])


def _areas(scenario: Scenario) -> dict[str, int]:
    t = scenario["areas"].to_pydict()
    rows = [bulk.AreaRow(code=c, parent_code=p, level=lv, name_en=en, name_zh=zh, population=n)
            for c, p, lv, en, zh, n in zip(t["code"], t["parent_code"], t["level"], t["name_en"],
                                           t["name_zh"], t["population"], strict=True)]
    return bulk.insert_areas(rows)


def _key_groups(scenario: Scenario) -> dict[str, int]:
    """Ids of the scenario's key groups, creating those the database lacks."""
    t = scenario["key_groups"].to_pydict()
    for code, en, zh in zip(t["code"], t["name_en"], t["name_zh"], strict=True):
        KeyGroup.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh})
    return dict(KeyGroup.objects.filter(code__in=t["code"]).values_list("code", "id"))


def _people(scenario: Scenario, area_ids: dict[str, int], tenant_id: int) -> list[int]:
    t = scenario["persons"].select(["name", "sex", "birth_date", "id_type", "id_number", "phone",
                                    "home_area_code", "address"]).to_pydict()
    rows = [bulk.PersonRow(name=name, sex=sex, birth_date=born, id_type=kind, id_number=number,
                           phone=phone, home_area_id=area_ids[home], address=address)
            for name, sex, born, kind, number, phone, home, address in zip(*t.values(),
                                                                           strict=True)]
    return bulk.insert_people(rows, tenant_id=tenant_id)


def _protocol(scenario: Scenario) -> protocols.Protocol:
    """The rules the simulation ran under: the deployment's protocol (with its overrides, as the
    simulate command passes them) when the scenario names it, else the named preset."""
    name = str(scenario.meta["protocol"])
    return protocols.current() if name == settings.OUTBREAKHQ_PROTOCOL else protocols.load(name)


def load(scenario: Scenario, *, replace: bool = False,
         progress: Callable[[str], None] | None = None) -> LoadResult:
    """Load the scenario's areas, key groups, people, tags and tracing records in one
    transaction; the simulation's last day becomes today."""
    say = progress or (lambda _step: None)
    region = str(scenario.meta["region_code"])
    try:
        with transaction.atomic():
            existing = Area.objects.filter(code=region).first()
            if existing and not replace:
                raise ScenarioExists(
                    f"region {region} ({existing.name_en}) is already loaded with "
                    f"{Person.objects.filter(tenant=existing).count():,} people; nothing was "
                    "written. Use --replace to delete it and load this scenario instead.")
            if existing:
                say("deleting the previous scenario")
                _delete_region(existing)
            say("areas")
            area_ids = _areas(scenario)
            tenant_id = area_ids[region]
            group_ids = _key_groups(scenario)
            say("people")
            person_ids = _people(scenario, area_ids, tenant_id)
            say("key-group tags")
            tags = scenario["person_key_groups"].to_pydict()
            pairs = ((person_ids[p], group_ids[g])
                     for p, g in zip(tags["person"], tags["key_group"], strict=True))
            tagged = bulk.insert_person_key_groups(pairs, tenant_id=tenant_id)
            tracing = scenario_load.load_scenario(
                scenario, tenant_id=tenant_id, area_ids=area_ids, person_ids=person_ids,
                protocol=_protocol(scenario), today=timezone.localdate(), say=say)
            today = timezone.localdate()
            offset = scenario_load.day_offset(scenario.meta, today)
            say("risk areas")
            zones_load.load_scenario(
                scenario, tenant_id=tenant_id, area_ids=area_ids, today=today, offset=offset)
            say("quarantine sites and stays")
            quarantine_load.load_scenario(
                scenario, tenant_id=tenant_id, area_ids=area_ids, person_ids=person_ids,
                today=today, offset=offset, protocol=_protocol(scenario))
            say("screening rounds, tubes and recalls")
            screening_load.load_scenario(
                scenario, tenant_id=tenant_id, area_ids=area_ids, person_ids=person_ids,
                today=today, offset=offset, protocol=_protocol(scenario))
            say("support requests and stranded travellers")
            support_load.load_scenario(
                scenario, tenant_id=tenant_id, area_ids=area_ids, person_ids=person_ids,
                today=today, offset=offset)
            say("daily figures")  # the command centre's aggregates, recounted set-based
            aggregates.rebuild(Area.objects.get(pk=tenant_id))
    except IntegrityError as exc:
        raise ScenarioInUse(
            f"region {region} could not be replaced: other records (users' assignments, cases, "
            f"…) still refer to its areas or people; nothing was changed ({exc})") from exc
    return LoadResult(areas=len(area_ids), people=len(person_ids), key_group_tags=tagged,
                      region_code=region, tracing=tracing)
