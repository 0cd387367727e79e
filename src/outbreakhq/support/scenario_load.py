"""Residents' support requests and stranded travellers for a simulated scenario (called by
wiring/scenario_loader.py after tracing's load, inside its transaction; dates shifted like
tracing's, the simulation's last day being today).

- Teams: one community team per township of the region, serving its township, named in the
  deployment's language (core/data_language.py, as screening's names): "<township> community
  team" / "<township>社区保障组".
- Requests: the simulator's kinds and urgencies read as the residents' answers would make them
  (chronic medicine "soon": runs out tomorrow; mental health "soon": a crisis), triaged by
  support/rules.py. Only the last HISTORY_DAYS days are loaded (a queue's work and its recent
  response times; older requests are long closed): those of earlier days are delivered and
  closed, yesterday's delivered; today's are in every step of the queue (received, triaged,
  assigned to the township's team, in progress), received through the day until now. Each has
  a reference and a check code (hashed, as the services keep it) like one taken on the hotline.
- Stranded travellers: waiting in the compound where they are staying, going home to the
  province they came from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from outbreakhq.core import bulk
from outbreakhq.core.data_language import names_in
from outbreakhq.core.models import Area
from outbreakhq.support import rules
from outbreakhq.support.models import (
    DepartureBatch,
    MedicalPass,
    Source,
    Status,
    SupportRequest,
    SupportTeam,
    TeamKind,
    Traveller,
)
from outbreakhq.support.services.requests import deadlines, hash_code, new_code, new_reference

KIND = {"medicine": rules.Kind.CHRONIC_MEDICINE}  # the simulator's word -> ours (others alike)
ANSWERS_WHEN_SOON = {"medicine": {"medicine_days_left": 1}, "mental_health": {"crisis": True}}
TODAY_STEPS = (Status.RECEIVED, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS)
SOURCES = (Source.HOTLINE, Source.COMMUNITY, Source.PUBLIC)
HISTORY_DAYS = 3
# The demo's team names and the provinces the simulator's travellers come from (GB/T 2260
# codes, as a destination reads), by deployment language (core/data_language.py): data for
# the records.
NAMES = {
    "en": {"team": "{area} community team",
           "11": "Beijing", "31": "Shanghai", "44": "Guangdong", "51": "Sichuan",
           "33": "Zhejiang", "32": "Jiangsu", "42": "Hubei", "61": "Shaanxi"},
    "zh": {"team": "{area}社区保障组",
           "11": "北京市", "31": "上海市", "44": "广东省", "51": "四川省",
           "33": "浙江省", "32": "江苏省", "42": "湖北省", "61": "陕西省"},
}


@dataclass(frozen=True)
class SupportLoad:
    teams: int
    requests: int
    open: int
    travellers: int


def delete_tenant(tenant_id: int) -> None:
    """Remove a tenant's support rows (before its people and areas), set-based."""
    with connection.cursor() as cursor:
        for model in (MedicalPass, SupportRequest, Traveller, DepartureBatch):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s',
                           [tenant_id])
    for team in SupportTeam.objects.filter(tenant_id=tenant_id):
        team.areas.clear()
        team.delete()


def _teams(tenant_id: int) -> dict[str, SupportTeam]:
    """A community team per township, by township code."""
    column, words = names_in(NAMES)
    towns = list(Area.objects.filter(root_id=tenant_id, level="township").order_by("code"))
    teams = {t.code: SupportTeam(tenant_id=tenant_id, area_id=t.pk, kind=TeamKind.COMMUNITY,
                                 name=words["team"].format(area=getattr(t, column)))
             for t in towns}
    bulk.insert_models(list(teams.values()))
    links = SupportTeam.areas.through
    links.objects.bulk_create([links(supportteam_id=teams[t.code].pk, area_id=t.pk)
                               for t in towns])
    return teams


def _moment(day: date, n: int, latest: datetime) -> datetime:
    """A time of day for the n-th request of a day, spread over 07:00-21:00, never after now."""
    at = timezone.make_aware(datetime.combine(day, time(7)) + timedelta(minutes=(n * 37) % 840))
    return min(at, latest - timedelta(minutes=n % 50 + 1))


def load_scenario(scenario, *, tenant_id: int, area_ids: dict[str, int],
                  person_ids: list[int], today: date, offset: int) -> SupportLoad:
    shift, now, limits = timedelta(days=offset), timezone.now(), deadlines()
    teams = _teams(tenant_id)
    people = scenario["persons"].select(["name", "phone", "address"]).to_pydict()
    t = scenario["support_requests"].to_pydict()
    per_day: dict[date, int] = defaultdict(int)
    requests = []
    for n, (day, person, code, kind, urgency) in enumerate(zip(
            t["date"], t["person"], t["area_code"], t["kind"], t["urgency"], strict=True)):
        day = day + shift
        if day <= today - timedelta(days=HISTORY_DAYS):
            continue
        per_day[day] += 1
        received = _moment(day, per_day[day], now)
        answers = ANSWERS_WHEN_SOON.get(kind, {}) if urgency == "soon" else {}
        ours = KIND.get(kind, kind)
        triage = rules.triage(ours, answers)
        reference = new_reference()
        request = SupportRequest(
            tenant_id=tenant_id, area_id=area_ids[code], person_id=person_ids[person],
            kind=ours, answers=answers, urgency=triage.urgency.value, urgency_rank=triage.rank,
            name=people["name"][person], address=people["address"][person],
            phone=people["phone"][person], reference=reference,
            code_hash=hash_code(reference, new_code()), source=SOURCES[n % len(SOURCES)],
            received_at=received, deadline=rules.deadline(received, triage.urgency, limits))
        if day < today:
            delivered = received + timedelta(hours=2 + n % 10)
            request.status = Status.CLOSED if day < today - timedelta(days=1) \
                else Status.DELIVERED
            request.triaged_at = received + timedelta(minutes=10)
            request.assigned_at = received + timedelta(minutes=30)
            request.team = teams.get(code[:9])
            request.delivered_at, request.is_open = delivered, False
            if request.status == Status.CLOSED:
                request.closed_at = delivered + timedelta(hours=1)
        else:
            request.status = TODAY_STEPS[n % len(TODAY_STEPS)]
            if request.status != Status.RECEIVED:
                request.triaged_at = received + timedelta(minutes=1)
            if request.status in (Status.ASSIGNED, Status.IN_PROGRESS):
                request.team = teams.get(code[:9])
                request.assigned_at = received + timedelta(minutes=2)
            if request.status == Status.IN_PROGRESS:
                request.started_at = received + timedelta(minutes=3)
        requests.append(request)
    bulk.insert_models(requests)

    s = scenario["stranded_travellers"].to_pydict()
    _column, words = names_in(NAMES)
    travellers = [Traveller(tenant_id=tenant_id, area_id=area_ids[code],
                            person_id=person_ids[person], staying_at=people["address"][person],
                            home_destination=words.get(str(province), str(province)),
                            since=since + shift,
                            contact=people["phone"][person])
                  for person, province, code, since in zip(
                      s["person"], s["origin_province"], s["area_code"], s["stranded_date"],
                      strict=True)]
    bulk.insert_models(travellers)
    return SupportLoad(teams=len(teams), requests=len(requests),
                       open=sum(r.is_open for r in requests), travellers=len(travellers))
