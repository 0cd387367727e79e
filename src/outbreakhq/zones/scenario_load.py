"""Risk areas for a simulated scenario (called by wiring/scenario_loader.py after tracing's load,
inside its transaction).

- Shapes: the simulator's territory has no coordinates, so every area of the tree without a
  shape gets a block of the grid layout (zones/shapes.py) in Area.shape.
- The event log: each case is an infection in its home compound on its report day; the tubes of
  a compound's screening (controlled-population and community rounds) on one collection day
  make a round, positive when a tube was. Dates are shifted like tracing's (the simulation's
  last day becomes today).
- Designations: the clocks are run for yesterday and what they ask is approved (the state the
  demo starts from), then for today, which leaves today's changes as proposals for the
  commander's inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from outbreakhq.core import bulk
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.zones import shapes
from outbreakhq.zones.models import Alert, Designation, PublishedList, ZoneEvent
from outbreakhq.zones.services.designations import approve_all_waiting, regrade

ROUND_CLASSES = ("controlled_population", "community")


@dataclass(frozen=True)
class ZonesLoad:
    shapes: int
    events: int
    in_force: int
    proposed: int


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's risk-area rows (before its areas)."""
    with connection.cursor() as cursor:
        for model in (Alert, Designation, ZoneEvent):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s',
                           [tenant_id])
    PublishedList.objects.all().delete()  # lists name the deleted areas; built again on read


def fill_missing_shapes(root: Area) -> int:
    """Grid-layout shapes for the areas of `root`'s tree that have none; returns how many."""
    rows = list(Area.objects.subtree(root).order_by("path").values_list(
        "id", "code", "parent__code", "shape"))
    if all(shape for *_ignored, shape in rows):
        return 0
    layout = shapes.grid_layout(shapes.children_of((code, parent) for _id, code, parent, _s
                                                   in rows), root.code)
    missing = [Area(id=pk, shape=shapes.box_polygon(layout[code]))
               for pk, code, _parent, shape in rows if not shape and code in layout]
    Area.objects.bulk_update(missing, ["shape"], batch_size=2000)
    return len(missing)


def _events(scenario, *, tenant_id: int, area_ids: dict[str, int], offset: int
            ) -> list[ZoneEvent]:
    home = scenario["persons"].column("home_area_code").to_pylist()
    cases = scenario["cases"].select(["person", "report_date"]).to_pydict()
    found = []
    for number, (person, reported) in enumerate(zip(cases["person"], cases["report_date"],
                                                    strict=True)):
        if reported is not None:
            found.append(ZoneEvent(tenant_id=tenant_id, area_id=area_ids[home[person]],
                                   day=reported + timedelta(days=offset), kind="infection",
                                   ref=f"simulated case {number + 1}"))
    tubes = scenario["tubes"]
    tubes = tubes.filter(pc.is_in(tubes.column("population").cast(pa.string()),
                                  value_set=pa.array(ROUND_CLASSES)))
    rounds = tubes.group_by(["area_code", "collection_date"]).aggregate([("positive", "any")])
    for code, day, positive in zip(*rounds.select(
            ["area_code", "collection_date", "positive_any"]).to_pydict().values(), strict=True):
        if code in area_ids and day is not None:
            found.append(ZoneEvent(tenant_id=tenant_id, area_id=area_ids[code],
                                   day=day + timedelta(days=offset),
                                   kind="round_positive" if positive else "round_negative",
                                   ref="simulated round"))
    return found


def load_scenario(scenario, *, tenant_id: int, area_ids: dict[str, int], offset: int,
                  today: date) -> ZonesLoad:
    root = Area.objects.get(pk=tenant_id)
    filled = fill_missing_shapes(root)
    events = _events(scenario, tenant_id=tenant_id, area_ids=area_ids, offset=offset)
    bulk.insert_models(events)
    system = Actor(user=None)
    regrade(day=today - timedelta(days=1), actor=system)
    in_force = approve_all_waiting(tenant_id=tenant_id)
    proposed = regrade(day=today, actor=system).proposed
    return ZonesLoad(filled, len(events), in_force, proposed)
