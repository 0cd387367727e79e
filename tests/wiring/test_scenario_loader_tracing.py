"""The loader writes the simulator's tracing records (cases, contacts, follow-ups, teams) with
the platform's rules, in the same transaction as the territory (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Person
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.tracing import scenario_load, worklists
from outbreakhq.tracing.models import Case, Contact, ContactStatus, FollowUp, Team
from outbreakhq.tracing.services import followup_window
from outbreakhq.wiring import scenario_loader as loader
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# 16 days: the response is at work on the last day, so every contact status occurs (followed,
# in centralised quarantine, completed, became a case) and today's worklist has rows.
RESPONSE = Config(population=3_000, days=16, seed=1)


@pytest.fixture(scope="module")
def scenario():
    return simulate(RESPONSE)


@pytest.fixture(scope="module")
def other_scenario():
    return simulate(Config(population=2_500, days=12, seed=6))


@pytest.fixture
def loaded(scenario):
    return loader.load(scenario)


def _infection_day(scenario) -> dict[int, object]:
    """Person row -> infection date, from the simulator's ground truth."""
    t = scenario["infections"].select(["person", "infection_date"]).to_pydict()
    return dict(zip(t["person"], t["infection_date"], strict=True))


def test_counts_of_cases_and_contacts_match_the_scenario(scenario, loaded):
    assert loaded.tracing.cases == Case.objects.count() == scenario["cases"].num_rows > 100
    assert loaded.tracing.contacts == Contact.objects.count() == scenario["contacts"].num_rows
    assert loaded.tracing.followups == FollowUp.objects.count() > 0
    categories = Counter(scenario["contacts"].column("category").to_pylist())
    assert Contact.objects.filter(category="close_contact").count() == categories["close"]
    assert Contact.objects.filter(category="secondary_contact").count() == categories["secondary"]
    assert set(Contact.objects.values_list("status", flat=True)) == {
        ContactStatus.FOLLOWING, ContactStatus.QUARANTINE, ContactStatus.COMPLETED,
        ContactStatus.CONVERTED}


def test_the_last_simulated_day_is_today(scenario, loaded):
    today = timezone.localdate()
    last = max(scenario["cases"].column("report_date").to_pylist())
    shift = today - (RESPONSE.start_date + timedelta(days=RESPONSE.days - 1))
    assert Case.objects.order_by("-report_date").first().report_date == last + shift
    assert not FollowUp.objects.filter(date__gte=today).exists()  # today's checks are to do


def test_no_case_has_an_onset_after_its_report(loaded):
    assert Case.objects.filter(onset_date__isnull=False).exists()
    assert not Case.objects.filter(onset_date__gt=F("report_date")).exists()


def test_a_contact_is_created_the_day_it_was_traced_before_any_check(scenario, loaded):
    """The contact page counts the days before a contact was traced as not yet traced, not as
    missed: the record is created the day the simulator traced the contact."""
    from django.db.models import Min

    shift = timezone.localdate() - (RESPONSE.start_date + timedelta(days=RESPONSE.days - 1))
    traced = Counter(day + shift for day in scenario["contacts"].column("traced_date").to_pylist())
    created = {pk: timezone.localdate(at)
               for pk, at in Contact.objects.values_list("pk", "created_at")}
    assert Counter(created.values()) == traced
    first_check = dict(FollowUp.objects.values_list("contact").annotate(first=Min("date")))
    assert first_check and all(created[pk] <= day for pk, day in first_check.items())
    assert Contact.objects.filter(followup_start__lt=F("created_at__date")).exists()


def test_every_contact_window_is_the_protocols(loaded):
    for category, exposure, start, end in Contact.objects.values_list(
            "category", "last_exposure", "followup_start", "followup_end"):
        assert (start, end) == followup_window(category, exposure)


def test_chain_links_follow_the_infector_and_point_at_earlier_cases(scenario, loaded):
    infected_on = _infection_day(scenario)
    row_of = {pid: row for row, pid in enumerate(
        Person.objects.order_by("pk").values_list("pk", flat=True))}
    infector = dict(zip(*scenario["infections"].select(["person", "infector"]).to_pydict()
                        .values(), strict=True))
    cases = {pk: (row_of[person], source) for pk, person, source in
             Case.objects.values_list("pk", "person_id", "source_case_id")}
    linked = [(pk, source) for pk, (_row, source) in cases.items() if source is not None]
    assert len(linked) == loaded.tracing.linked_cases > len(cases) // 2
    for pk, source in linked:
        row, source_row = cases[pk][0], cases[source][0]
        assert infector[row] == source_row
        assert infected_on[source_row] < infected_on[row]


def test_converted_contacts_link_their_own_case_once(loaded):
    converted = Contact.objects.filter(converted_case__isnull=False).select_related(
        "converted_case")
    assert converted.count() > 50
    for contact in converted:
        assert contact.status == ContactStatus.CONVERTED
        assert contact.converted_case.person_id == contact.person_id
        assert contact.converted_case.report_date <= contact.followup_end
    linked = list(converted.values_list("converted_case_id", flat=True))
    assert len(linked) == len(set(linked))
    assert not Contact.objects.filter(converted_case__isnull=False).exclude(
        status=ContactStatus.CONVERTED).exists()


def test_contacts_of_close_contacts_come_through_a_close_contact_of_their_household(loaded):
    secondary = Contact.objects.filter(category="secondary_contact").select_related(
        "source_contact__person", "person")
    assert secondary.exists()
    for contact in secondary:
        assert contact.source_case_id is None
        assert contact.source_contact.category == "close_contact"
        assert contact.source_contact.person.address == contact.person.address


def test_followups_lie_in_the_window_and_last_followup_is_the_latest(loaded):
    last = {}
    for contact_id, day, status, start, end, became in FollowUp.objects.values_list(
            "contact_id", "date", "status", "contact__followup_start", "contact__followup_end",
            "contact__status"):
        assert start <= day <= end
        assert status == "well" or became == ContactStatus.CONVERTED
        last[contact_id] = max(day, last.get(contact_id, day))
    stored = dict(Contact.objects.exclude(last_followup=None).values_list("pk", "last_followup"))
    assert stored == last


def test_every_record_lies_in_the_tenant(loaded):
    region = Area.objects.get(code=loaded.region_code)
    for model in (Case, Contact):
        assert not model.objects.exclude(tenant=region).exists()
        assert not model.objects.exclude(area__path__startswith=region.path).exists()
        assert not model.objects.exclude(area=F("person__home_area")).exists()
    assert not FollowUp.objects.exclude(tenant=region).exists()


def test_one_team_per_county_holds_its_contacts(loaded):
    counties = Area.objects.filter(level="county")
    assert Team.objects.count() == loaded.tracing.teams == counties.count()
    for contact in Contact.objects.select_related("team__area", "area")[:500]:
        assert contact.area.path.startswith(contact.team.area.path)


def test_a_county_tracer_joins_the_team_and_gets_a_days_worklist(loaded):
    county = Area.objects.filter(level="county").order_by("path").first()
    tracer = make_user("tracer", county)
    assigned = scenario_load.join_county_team(tracer, county)
    assert 0 < assigned <= scenario_load.CASELOAD
    assert scenario_load.join_county_team(tracer, county) == 0  # re-running changes nothing
    mine = worklists.due_today(actor=Actor.of(tracer), who="mine")
    team = worklists.due_today(actor=Actor.of(tracer), who="team")
    assert mine.rows and team.rows
    assert all(c.tracer_id == tracer.pk for c in mine.rows)


def test_a_community_worker_gets_the_follow_up_of_contacts_in_their_township_only(loaded):
    today = timezone.localdate()
    followed = Contact.objects.filter(status=ContactStatus.FOLLOWING, followup_start__lte=today,
                                      followup_end__gte=today).select_related("area").first()
    township = next(a for a in followed.area.ancestors() if a.level == "township")
    worker = make_user("community", township)
    scenario_load.join_county_team(worker, township.parent, within=township)
    mine = Contact.objects.filter(tracer=worker)
    assert mine.exists()
    assert not mine.exclude(area__path__startswith=township.path).exists()


def test_loading_the_same_region_twice_refuses_and_writes_nothing(loaded, other_scenario):
    with pytest.raises(loader.ScenarioExists, match="--replace"):
        loader.load(other_scenario)
    assert Case.objects.count() == loaded.tracing.cases


def test_replace_swaps_the_tracing_records_too(loaded, other_scenario):
    county = Area.objects.filter(level="county").first()
    Team.objects.get(area=county).members.add(make_user("analyst"))
    result = loader.load(other_scenario, replace=True)
    assert result.tracing.cases == Case.objects.count() == other_scenario["cases"].num_rows
    assert Contact.objects.count() == other_scenario["contacts"].num_rows
    assert Team.objects.count() == result.tracing.teams


def test_a_scenario_without_response_loads_no_tracing_records():
    result = loader.load(simulate(Config(population=1_000, days=10, seed=2, respond=False)))
    assert result.tracing.cases == result.tracing.contacts == Case.objects.count() == 0


def test_a_chinese_deployment_names_its_tracing_teams_in_chinese(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # OUTBREAKHQ_LANGUAGE=zh-hans
    loader.load(scenario)
    teams = Team.objects.select_related("area")
    assert teams.exists()
    for team in teams:
        assert team.name == f"{team.area.name_zh}流调组"


def test_an_english_deployment_names_its_tracing_teams_in_english(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "en"
    loader.load(scenario)
    teams = Team.objects.select_related("area")
    assert teams.exists()
    for team in teams:
        assert team.name == f"{team.area.name_en} tracing team"
