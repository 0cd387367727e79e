"""Who may do what in tracing (issue 7, item 3): field roles propose cases, tracers decide them
and trace contacts, follow-up is recorded by those who meet the contacts, the lab sees no case
file. Each rule is checked in the service (the API and imports use the same services)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotPermitted, OutOfScope
from outbreakhq.core.models import AuditEvent
from outbreakhq.interop.pipeline import run_import
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Classification, Contact
from tests.factories import make_user
from tests.tracing.conftest import ago
from tests.tracing.test_import import CASE_HEADER, case_rows, ids, write_csv

pytestmark = pytest.mark.django_db


def suspected(**data) -> dict:
    return {"classification": "suspected", "report_date": ago(0), "onset_date": ago(1),
            "detection_route": "community_screening", **data}


def worker(desk, role: str = "community"):
    """A field user over the patient's township (the community worker's usual assignment)."""
    township = desk.land.compound1.parent.parent
    return make_user(role, township)


def fields_of(exc: InvalidInput) -> set[str]:
    return {e.field for e in exc.errors}


def test_community_worker_may_propose_a_suspected_case(desk) -> None:
    case = services.open_case(actor=Actor.of(worker(desk)), person_id=desk.person().pk,
                              data=suspected())
    assert case.classification == Classification.SUSPECTED


def test_community_worker_may_propose_a_case_of_a_person_registered_on_the_way(desk) -> None:
    case = services.open_case(actor=Actor.of(worker(desk)), data=suspected(), new_person={
        "name": "Ma Li", "home_area": desk.land.compound1.code})
    assert (case.person.name, case.classification) == ("Ma Li", "suspected")


@pytest.mark.parametrize("role", ["community", "screening", "quarantine"])
def test_field_roles_cannot_open_a_confirmed_case(desk, role) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.open_case(actor=Actor.of(worker(desk, role)), person_id=desk.person().pk,
                           data=suspected(classification="confirmed"))
    assert fields_of(refused.value) == {"classification"}
    assert "suspected cases only" in str(refused.value)


def test_community_worker_cannot_set_a_source_link_or_a_cluster_on_a_proposal(desk) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.open_case(actor=Actor.of(worker(desk)), person_id=desk.person().pk,
                           data=suspected(source_case=desk.case.pk, cluster=1))
    assert fields_of(refused.value) == {"source_case", "cluster"}
    assert Case.objects.count() == 1


def test_community_worker_cannot_reclassify_a_case(desk) -> None:
    with pytest.raises(NotPermitted):
        services.update_case(actor=Actor.of(worker(desk)), case_id=desk.case.pk,
                             changes={"classification": "discarded"})
    desk.case.refresh_from_db()
    assert desk.case.classification == "confirmed"


def test_community_worker_cannot_reclassify_the_case_they_proposed(desk) -> None:
    user = worker(desk)
    case = services.open_case(actor=Actor.of(user), person_id=desk.person().pk, data=suspected())
    with pytest.raises(NotPermitted):
        services.update_case(actor=Actor.of(user), case_id=case.pk,
                             changes={"classification": "confirmed"})


def test_screening_operator_cannot_link_a_source_record_a_visit_or_an_exposure(desk) -> None:
    user = worker(desk, "screening")
    case = services.open_case(actor=Actor.of(user), person_id=desk.person().pk, data=suspected())
    for attempt in (
            lambda: services.link_source(actor=Actor.of(user), case_id=case.pk,
                                         source_case_id=desk.case.pk),
            lambda: services.record_visit(actor=Actor.of(user), case_id=case.pk, data={
                "area": desk.land.compound1.code, "place": "Market", "date_from": ago(1)}),
            lambda: services.record_exposure(actor=Actor.of(user), case_id=case.pk,
                                             data={"setting": "household"})):
        with pytest.raises(NotPermitted):
            attempt()
    case.refresh_from_db()
    assert case.source_case is None and not case.visits.exists()


def test_the_tracer_still_opens_a_confirmed_case_with_its_source(desk) -> None:
    case = services.open_case(actor=Actor.of(desk.tracer), person_id=desk.person().pk,
                              data=suspected(classification="confirmed",
                                             source_case=desk.case.pk))
    assert (case.classification, case.source_case) == ("confirmed", desk.case)


def test_quarantine_manager_cannot_add_a_contact(desk) -> None:
    with pytest.raises(NotPermitted):
        services.add_contact(actor=Actor.of(worker(desk, "quarantine")), case_id=desk.case.pk,
                             person_id=desk.person().pk,
                             data={"contact_type": "household", "last_exposure": ago(1)})
    assert not Contact.objects.exists()


def test_community_worker_records_a_daily_follow_up_but_does_not_end_it(desk) -> None:
    contact, user = desk.contact(), worker(desk)
    services.record_followup(actor=Actor.of(user), contact_id=contact.pk, data={"status": "well"})
    for attempt in (services.mark_lost, services.hand_over_to_quarantine):
        with pytest.raises(NotPermitted):
            attempt(actor=Actor.of(user), contact_id=contact.pk)
    with pytest.raises(NotPermitted):
        services.convert_contact_to_case(actor=Actor.of(user), contact_id=contact.pk,
                                         data=suspected())
    with pytest.raises(NotPermitted):
        services.close_followups(actor=Actor.of(user))
    contact.refresh_from_db()
    assert (contact.status, contact.last_followup) == ("following", contact.followup_start)


def test_screening_operator_does_not_record_follow_up(desk) -> None:
    with pytest.raises(NotPermitted):
        services.record_followup(actor=Actor.of(worker(desk, "screening")),
                                 contact_id=desk.contact().pk,
                                 data={"status": "well"})


def test_a_contact_cannot_be_assigned_to_someone_who_does_not_follow_contacts(desk) -> None:
    make_user("commander", desk.land.county1, username="chief")
    with pytest.raises(InvalidInput) as refused:
        desk.contact(tracer="chief")
    assert fields_of(refused.value) == {"tracer"}


def test_lab_technician_sees_no_case_file(desk) -> None:
    lab = make_user("lab", desk.land.county1)
    with pytest.raises(OutOfScope):
        services.view_case(actor=Actor.of(lab), case_id=desk.case.pk)
    assert not Case.objects.visible_to(lab).exists()
    assert not Contact.objects.visible_to(lab).exists()
    assert AuditEvent.objects.filter(user=lab, action="denied").exists()


def test_lab_technician_gets_no_names_through_the_api(desk) -> None:
    client = Client()
    client.force_login(make_user("lab", desk.land.county1))
    for path in ("/api/v1/cases/", "/api/v1/contacts/", f"/api/v1/cases/{desk.case.pk}",
                 "/api/v1/followups/due", "/api/v1/people/?q=Patient"):
        answer = client.get(path)
        assert answer.status_code in (403, 404), path
        assert "Patient Zero" not in answer.content.decode()


def test_the_commander_reads_a_case_but_changes_nothing(desk) -> None:
    chief = make_user("commander", desk.land.region)
    assert services.view_case(actor=Actor.of(chief), case_id=desk.case.pk) == desk.case
    with pytest.raises(NotPermitted):
        services.update_case(actor=Actor.of(chief), case_id=desk.case.pk,
                             changes={"outcome": "recovered"})
    with pytest.raises(NotPermitted):
        services.open_case(actor=Actor.of(chief), person_id=desk.person().pk, data=suspected())


def test_a_screening_operator_cannot_import_cases(desk, tmp_path) -> None:
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, case_rows(desk.land, ids(3)))
    with pytest.raises(NotPermitted):
        run_import(actor=Actor.of(worker(desk, "screening")), kind="cases", path=path)
    assert Case.objects.count() == 1


def test_community_worker_through_the_api_proposes_but_does_not_decide(desk) -> None:
    """The attack of issue 7 item 3, repeated: create, reclassify, set a source link."""
    client = Client()
    client.force_login(worker(desk))

    def send(method, path, body):
        return getattr(client, method)(f"/api/v1{path}", json.dumps(body),
                                       content_type="application/json")

    body = {**suspected(report_date=str(ago(0)), onset_date=str(ago(1))),
            "person": desk.person().pk}
    confirmed = send("post", "/cases/", {**body, "classification": "confirmed"})
    assert confirmed.status_code == 400
    assert [e["field"] for e in confirmed.json()["errors"]] == ["classification"]
    assert send("post", "/cases/", body).status_code == 201
    assert send("patch", f"/cases/{desk.case.pk}",
                {"classification": "discarded"}).status_code == 403
    assert send("put", f"/cases/{desk.case.pk}/source",
                {"source_case": None}).status_code == 403


def test_the_case_pages_show_a_proposer_no_action_they_cannot_take(desk) -> None:
    client = Client()
    client.force_login(worker(desk))
    page = client.get(f"/cases/{desk.case.pk}/").content.decode()
    for action in ("edit/", "visits/", "exposures/", "contacts/", "source/"):
        assert f"/cases/{desk.case.pk}/{action}" not in page
    form = client.get("/cases/new/").content.decode()
    assert 'name="source_case"' not in form and 'name="cluster"' not in form
    assert 'value="confirmed"' not in form and 'value="suspected"' in form


def test_the_contact_page_offers_a_community_worker_the_follow_up_form_only(desk) -> None:
    contact = desk.contact()
    client = Client()
    client.force_login(worker(desk))
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f"/contacts/{contact.pk}/followups/" in page
    for action in ("edit/", "quarantine/", "lost/", "convert/", "secondary/"):
        assert f"/contacts/{contact.pk}/{action}" not in page


def test_the_worklist_shows_the_commander_no_follow_up_buttons(desk) -> None:
    desk.contact(days_ago=1)
    client = Client()
    client.force_login(make_user("commander", desk.land.region))
    page = client.get("/followups/", {"who": "all"}).content.decode()
    assert 'id="wl-' in page
    assert 'value="worklist"' not in page


def test_the_commander_is_offered_exports_but_not_imports(desk) -> None:
    client = Client()
    client.force_login(make_user("commander", desk.land.region))
    page = client.get("/cases/").content.decode()
    assert "/export/cases/" in page and 'href="/import/"' not in page
    assert client.get("/import/").status_code == 403
