"""Issue 7, attack 1: walking record numbers must not tell "not yours" from "not there".

A tracer of the second county asks for records of the first county by number, through every page
and API operation that fetches one: each answer has the same status and the same body as for a
number that does not exist (404, no area, no name), costs the same queries, and leaves a `denied`
audit event that names the record's area for the auditor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Can
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact, FollowUp, PlaceVisit
from tests.factories import Territory, make_person, make_user, territory
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db
User = get_user_model()


@dataclass
class FirstCounty:
    land: Territory
    person: Person
    case: Case
    contact: Contact

    def number(self, kind: str) -> int:
        return {"person": self.person, "case": self.case, "contact": self.contact}[kind].pk


@pytest.fixture
def first() -> FirstCounty:
    land = territory()
    tina = make_user("tracer", land.county1, username="tina")
    person = make_person(land.compound1, name="Zhao Alder")
    case = open_case(tina, person)
    contact = services.add_contact(
        actor=Actor.of(tina), case_id=case.pk, person_id=make_person(land.compound1,
                                                                     name="Qian Alder").pk,
        data={"contact_type": "household", "last_exposure": ago(1)})
    services.record_followup(actor=Actor.of(tina), contact_id=contact.pk, data={"status": "well"})
    return FirstCounty(land, person, case, contact)


def missing_number() -> int:
    """A record number nobody has (larger than any of the three kinds)."""
    top = max(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
              for model in (Person, Case, Contact))
    return top + 1000


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


JSON = "application/json"
# (kind of record, request) for every page and API operation that fetches one record by number.
ASKS = {
    "person page": ("person", lambda c, n: c.get(f"/people/{n}/")),
    "person edit page": ("person", lambda c, n: c.get(f"/people/{n}/edit/")),
    "person api": ("person", lambda c, n: c.get(f"/api/v1/people/{n}")),
    "person api patch": ("person", lambda c, n: c.patch(f"/api/v1/people/{n}", {"name": "X"},
                                                        content_type=JSON)),
    "merge page": ("person", lambda c, n: c.get(f"/duplicates/{n}/{n + 1}/")),
    "case page": ("case", lambda c, n: c.get(f"/cases/{n}/")),
    "case edit page": ("case", lambda c, n: c.get(f"/cases/{n}/edit/")),
    "case visit post": ("case", lambda c, n: c.post(f"/cases/{n}/visits/", {
        "place": "Market", "area": "990101", "date_from": ago(1).isoformat()})),
    "case api": ("case", lambda c, n: c.get(f"/api/v1/cases/{n}")),
    "case api visits": ("case", lambda c, n: c.get(f"/api/v1/cases/{n}/visits")),
    "case api patch": ("case", lambda c, n: c.patch(f"/api/v1/cases/{n}", {"notes": "x"},
                                                    content_type=JSON)),
    "case api source": ("case", lambda c, n: c.put(f"/api/v1/cases/{n}/source",
                                                   {"source_case": None}, content_type=JSON)),
    "case move page": ("case", lambda c, n: c.get(f"/cases/{n}/move/")),
    "case move post": ("case", lambda c, n: c.post(f"/cases/{n}/move/", {
        "area": "990102", "reason": "x", "confirm": "1"})),
    "case api move": ("case", lambda c, n: c.post(f"/api/v1/cases/{n}/move", {
        "area": "990102", "reason": "x"}, content_type=JSON)),
    "contact page": ("contact", lambda c, n: c.get(f"/contacts/{n}/")),
    "contact edit page": ("contact", lambda c, n: c.get(f"/contacts/{n}/edit/")),
    "contact api": ("contact", lambda c, n: c.get(f"/api/v1/contacts/{n}")),
    "contact api lost": ("contact", lambda c, n: c.post(f"/api/v1/contacts/{n}/lost")),
    "follow-up page post": ("contact", lambda c, n: c.post(f"/contacts/{n}/followups/",
                                                           {"status": "well"})),
    "follow-up api list": ("contact", lambda c, n: c.get(f"/api/v1/contacts/{n}/followups")),
    "follow-up api post": ("contact", lambda c, n: c.post(
        f"/api/v1/contacts/{n}/followups", {"status": "well"}, content_type=JSON)),
}
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def normalised(response, number: int) -> tuple[int, bytes]:
    """Status and body with the asked number and the (per-response random) CSRF token blanked:
    the only two things that may differ between the two answers."""
    body = response.content.decode()
    body = _TOKEN.sub(r"\1…", body)
    body = body.replace(f"/{number}/", "/N/").replace(f"/{number + 1}/", "/N+1/")
    body = body.replace(f"record number {number}.", "record number N.")
    return response.status_code, body.encode()


@pytest.mark.parametrize("ask", list(ASKS))
def test_a_tracer_of_county_2_gets_the_same_answer_for_a_county_1_record_as_for_none(
        first: FirstCounty, ask: str) -> None:
    kind, request = ASKS[ask]
    stranger = client_of(make_user("tracer", first.land.county2, username="tom"))
    real, missing = first.number(kind), missing_number()

    with CaptureQueriesContext(connection) as real_queries:
        theirs = request(stranger, real)
    with CaptureQueriesContext(connection) as missing_queries:
        nobodys = request(stranger, missing)

    assert theirs.status_code == 404
    assert normalised(theirs, real) == normalised(nobodys, missing)
    # The same work either way, so neither can be told from the other by its time either.
    assert len(real_queries) == len(missing_queries)
    for secret in ("Zhao Alder", "Qian Alder", "Alder County", first.land.county1.code,
                   first.land.compound1.code):
        assert secret.encode() not in theirs.content


def test_nothing_is_written_to_a_county_1_record_by_a_refused_write(first: FirstCounty) -> None:
    stranger = client_of(make_user("tracer", first.land.county2))
    before = (FollowUp.objects.count(), PlaceVisit.objects.count(),
              list(Case.objects.values_list("notes", flat=True)))
    for ask in ("case visit post", "case api patch", "follow-up page post",
                "follow-up api post", "person api patch"):
        kind, request = ASKS[ask]
        assert request(stranger, first.number(kind)).status_code == 404
    assert (FollowUp.objects.count(), PlaceVisit.objects.count(),
            list(Case.objects.values_list("notes", flat=True))) == before
    assert Person.objects.get(pk=first.person.pk).name == "Zhao Alder"


def test_each_refusal_is_audited_with_the_records_area_and_the_capability(
        first: FirstCounty) -> None:
    stranger = client_of(make_user("tracer", first.land.county2, username="tom"))
    stranger.get(f"/api/v1/cases/{first.case.pk}")
    stranger.get(f"/api/v1/cases/{missing_number()}")

    real, missing = AuditEvent.objects.filter(action="denied", username="tom").order_by("pk")
    assert (real.object_type, real.object_id) == ("case", str(first.case.pk))
    assert real.area_path == first.land.compound1.path
    assert real.person_id == first.person.pk
    assert real.detail == {"capability": Can.VIEW_PERSON, "found": True}
    assert (missing.area_path, missing.person_id) == ("", None)
    assert missing.detail == {"capability": Can.VIEW_PERSON, "found": False}


def test_walking_the_case_numbers_tells_nothing_of_the_first_county(first: FirstCounty) -> None:
    """The attack of the issue: /api/v1/cases/N over every number, by a second-county tracer."""
    stranger = client_of(make_user("tracer", first.land.county2))
    answers = set()
    for number in range(1, missing_number() + 3):
        response = stranger.get(f"/api/v1/cases/{number}")
        answers.add((response.status_code,
                     response.json()["error"].replace(str(number), "N")))
    assert answers == {(404, "No case with record number N.")}


def test_a_role_without_the_capability_gets_the_same_403_for_every_number(
        first: FirstCounty) -> None:
    analyst = client_of(make_user("analyst", first.land.region))
    real = analyst.get(f"/cases/{first.case.pk}/")
    missing = analyst.get(f"/cases/{missing_number()}/")
    assert real.status_code == missing.status_code == 403
    assert normalised(real, first.case.pk) == normalised(missing, missing_number())


def test_a_record_the_user_may_see_but_not_change_is_refused_naming_its_area(
        first: FirstCounty) -> None:
    """Seeing the record already tells where it is: a 403 naming the area says nothing more."""
    user = make_user("tracer", first.land.county2)
    from outbreakhq.core.models import Assignment

    Assignment.objects.create(user=user, role="commander", area=first.land.county1)
    response = client_of(user).get(f"/cases/{first.case.pk}/edit/")
    assert response.status_code == 403
    assert first.land.compound1.code.encode() in response.content


def test_the_case_page_does_not_link_a_contact_record_outside_the_scope(
        first: FirstCounty) -> None:
    """A contact of county 1 who moved to county 2 became a case there: the county-2 case page
    does not point at (nor number) the county-1 contact record."""
    tom = make_user("tracer", first.land.county2, username="tom")
    contact = first.contact
    Person.objects.filter(pk=contact.person_id).update(home_area=first.land.compound2)
    case = services.convert_contact_to_case(
        actor=Actor.of(make_user("tracer", first.land.pref1)), contact_id=contact.pk,
        data={"classification": "confirmed", "report_date": ago(0).isoformat()})
    page = client_of(tom).get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert f"/contacts/{contact.pk}/".encode() not in page.content


def test_a_contact_of_a_case_in_another_county_shows_its_number_not_the_case_persons_name(
        first: FirstCounty) -> None:
    """A prefecture tracer recorded a county-2 resident as a contact of the county-1 case: the
    county-2 tracer follows the contact, and reads the link, not the county-1 patient's name."""
    tom = make_user("tracer", first.land.county2, username="tom")
    resident = make_person(first.land.compound2, name="Sun Birch")
    contact = services.add_contact(
        actor=Actor.of(make_user("tracer", first.land.pref1)), case_id=first.case.pk,
        person_id=resident.pk, data={"contact_type": "work", "last_exposure": ago(1)})
    client = client_of(tom)
    for url in (f"/contacts/{contact.pk}/", f"/people/{resident.pk}/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert f"#{first.case.pk}".encode() in page.content
        assert b"Zhao Alder" not in page.content, url
        assert b"outside your jurisdiction" in page.content
    tina_page = client_of(User.objects.get(username="tina")).get(f"/contacts/{contact.pk}/")
    assert tina_page.status_code == 404  # tina's county holds the case, not the contact
