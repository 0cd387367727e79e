"""The tracing pages: they render, they write through the services, they keep to the scope."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact, FollowUp, PlaceVisit
from tests.factories import make_user
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tina(desk) -> Client:
    return client_for(desk.tracer)


@pytest.mark.parametrize("url", ["/cases/", "/cases/new/", "/contacts/", "/followups/",
                                 "/followups/?list=overdue&who=team", "/chains/"])
def test_every_list_page_renders_with_a_title_and_says_what_is_empty(db, url):
    from tests.factories import territory

    land = territory()
    response = client_for(make_user("tracer", land.county1)).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>" in html and ('class="empty"' in html or 'class="muted"' in html)


def test_case_list_shows_the_scope_and_pages_with_a_cursor(desk, tina):
    for _ in range(3):
        open_case(desk.tracer, desk.person())
    first = tina.get("/cases/", {"q": ""}).content.decode()
    assert "Patient Zero" in first
    response = tina.get("/cases/")
    page = response.context["page"]
    assert len(page.rows) == 4 and page.next_cursor is None


def test_case_list_keyset_pagination_walks_every_case_once(desk, tina):
    from outbreakhq.tracing import worklists

    for days in range(5):
        open_case(desk.tracer, desk.person(), report_date=ago(days), onset_date=ago(days + 1))
    seen, cursor = [], None
    while True:
        page = worklists.case_list(actor=Actor.of(desk.tracer), after=cursor, limit=2)
        seen += [c.pk for c in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(Case.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 6


def test_opening_a_case_with_a_new_person_registers_both(desk, tina):
    response = tina.post("/cases/new/", {
        "name": "Lin Qing", "home_area": desk.land.compound1.code, "sex": "F",
        "classification": "confirmed", "detection_route": "community_screening",
        "report_date": ago(0).isoformat(), "onset_date": ago(1).isoformat()})
    case = Case.objects.get(person__name="Lin Qing")
    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"


def test_a_refused_case_form_names_the_field_and_writes_nothing(desk, tina):
    response = tina.post("/cases/new/", {
        "name": "Lin Qing", "home_area": desk.land.compound1.code,
        "classification": "confirmed", "detection_route": "clinic",
        "report_date": ago(1).isoformat(), "onset_date": ago(0).isoformat()})
    assert response.status_code == 200
    assert "after the report date" in response.content.decode()
    assert not Case.objects.filter(person__name="Lin Qing").exists()


def test_a_refused_case_form_keeps_the_picked_person_without_a_second_view_event(desk, tina):
    picked = desk.person(name="Picked Person")
    response = tina.post("/cases/new/", {
        "person": picked.pk, "classification": "confirmed", "detection_route": "clinic",
        "report_date": ago(1).isoformat(), "onset_date": ago(0).isoformat()})
    assert response.status_code == 200 and "Picked Person" in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="person", action="view").exists()


def test_case_page_is_audited_and_its_sections_add_visits_and_contacts(desk, tina):
    response = tina.get(f"/cases/{desk.case.pk}/")
    assert response.status_code == 200 and "Patient Zero" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="case", action="view").count() == 1
    visit = tina.post(f"/cases/{desk.case.pk}/visits/", {
        "place": "Wet market", "area": desk.land.compound1.code,
        "date_from": ago(1).isoformat(), "hours": "4"}, headers={"HX-Request": "true"})
    assert visit.status_code == 200 and "Wet market" in visit.content.decode()
    assert PlaceVisit.objects.get().hours == 4
    contact = tina.post(f"/cases/{desk.case.pk}/contacts/", {
        "name": "Neighbour", "home_area": desk.land.compound1.code,
        "contact_type": "household", "last_exposure": ago(1).isoformat()})
    assert contact.status_code == 302
    assert Contact.objects.get().person.name == "Neighbour"


def test_a_bad_section_form_swaps_back_with_the_message(desk, tina):
    response = tina.post(f"/cases/{desk.case.pk}/exposures/", {
        "setting": "work", "date": ago(-3).isoformat()}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="exposures"' in html and "future" in html


def test_contact_page_records_a_followup_hands_over_and_converts(desk, tina):
    contact = desk.contact()
    page = tina.get(f"/contacts/{contact.pk}/")
    assert page.status_code == 200 and "due today" in page.content.decode()
    swapped = tina.post(f"/contacts/{contact.pk}/followups/", {"status": "well"},
                        headers={"HX-Request": "true"})
    assert 'id="followup"' in swapped.content.decode() and FollowUp.objects.count() == 1
    assert tina.post(f"/contacts/{contact.pk}/quarantine/").status_code == 302
    converted = tina.post(f"/contacts/{contact.pk}/convert/", {
        "classification": "confirmed", "report_date": ago(0).isoformat()})
    case = Case.objects.get(person=contact.person)
    assert converted.url == f"/cases/{case.pk}/" and case.source_case == desk.case


def test_followup_worklist_lists_due_contacts_and_records_in_one_click(desk, tina):
    due = desk.contact()
    later = desk.contact(days_ago=0)  # follow-up starts tomorrow
    html = tina.get("/followups/").content.decode()
    assert f"wl-{due.pk}" in html and f"wl-{later.pk}" not in html
    row = tina.post(f"/contacts/{due.pk}/followups/", {"from": "worklist", "status": "well"},
                    headers={"HX-Request": "true"}).content.decode()
    assert "recorded" in row
    assert f"wl-{due.pk}" not in tina.get("/followups/").content.decode()


def test_overdue_lists_a_contact_missed_yesterday(desk, tina):
    missed = desk.contact(days_ago=3)
    services.record_followup(actor=Actor.of(desk.tracer), contact_id=missed.pk,
                             data={"status": "well", "date": ago(2)})
    html = tina.get("/followups/?list=overdue").content.decode()
    assert f"wl-{missed.pk}" in html


def test_team_worklist_holds_the_teams_contacts(desk):
    from outbreakhq.tracing.models import Team

    team = Team.objects.create(area=desk.land.county1, name="North team")
    mate = make_user("tracer", desk.land.county1)
    team.members.add(desk.tracer, mate)
    contact = desk.contact()
    html = client_for(mate).get("/followups/?who=team").content.decode()
    assert f"wl-{contact.pk}" in html
    assert f"wl-{contact.pk}" not in client_for(mate).get("/followups/?who=mine").content.decode()


def test_chain_graph_json_has_the_nodes_and_links(desk, tina):
    child = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    data = tina.get("/chains/graph.json").json()
    ids = {e["data"]["id"] for e in data["elements"]}
    assert {f"c{desk.case.pk}", f"c{child.pk}", f"e{child.pk}"} <= ids
    assert data["chains_shown"] == 1
    page = tina.get("/chains/").content.decode()
    assert "chain-graph" in page and "cytoscape" in page


@pytest.mark.parametrize("url", ["/cases/{case}/", "/contacts/{contact}/",
                                 "/cases/{case}/edit/"])
def test_a_tracer_of_county_2_cannot_open_county_1_records(desk, url):
    contact = desk.contact()
    stranger = client_for(make_user("tracer", desk.land.county2))
    response = stranger.get(url.format(case=desk.case.pk, contact=contact.pk))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="denied").count() == 1


def test_a_tracer_of_county_2_sees_none_of_county_1_in_lists_or_chains(desk):
    desk.contact()
    stranger = client_for(make_user("tracer", desk.land.county2))
    assert not stranger.get("/cases/").context["page"].rows
    assert not stranger.get("/contacts/").context["page"].rows
    assert stranger.get("/chains/graph.json").json()["elements"] == []


def test_a_tracer_of_county_2_cannot_write_to_county_1_records(desk):
    contact = desk.contact()
    stranger = client_for(make_user("tracer", desk.land.county2))
    assert stranger.post(f"/contacts/{contact.pk}/followups/",
                         {"status": "well"}).status_code == 404
    assert stranger.post(f"/cases/{desk.case.pk}/visits/", {
        "place": "x", "area": desk.land.compound1.code,
        "date_from": ago(0).isoformat()}).status_code == 404
    assert not FollowUp.objects.exists() and not PlaceVisit.objects.exists()


def test_an_analyst_cannot_see_the_case_list(desk):
    analyst = client_for(make_user("analyst", desk.land.region))
    assert analyst.get("/cases/").status_code == 403


def test_a_chain_too_large_to_draw_is_cut_from_its_roots_and_the_page_says_so(desk, tina):
    from outbreakhq.tracing import scope_chains as chains

    parent = desk.case
    for _ in range(5):
        parent = open_case(desk.tracer, desk.person(), source_case=parent.pk)
    found = chains.scope_chains(actor=Actor.of(desk.tracer))
    data = chains.graph(found, max_nodes=3)
    assert data["truncated"] and data["cases_shown"] == 3
    assert {e["data"]["id"] for e in data["elements"]} >= {f"c{desk.case.pk}"}
    edges = [e for e in data["elements"] if "source" in e["data"]]
    assert len(edges) == 2  # the first three generations, linked


def test_the_chain_summary_is_recomputed_after_any_new_link(desk):
    from outbreakhq.tracing import scope_chains as chains

    actor = Actor.of(desk.tracer)
    before = chains.scope_chains(actor=actor)
    assert before is chains.scope_chains(actor=actor)  # the page and its graph share it
    open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    after = chains.scope_chains(actor=actor)
    assert after.summary.chains[0].size == 2 and before.summary.chains[0].size == 1


def test_the_chain_page_counts_lone_cases_and_cases_infected_outside_the_scope(desk, tina):
    from outbreakhq.tracing import scope_chains as chains

    child = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    open_case(desk.tracer, desk.person(), source_case=child.pk)
    lone = open_case(desk.tracer, desk.person())
    outsider = open_case(make_user("tracer", desk.land.county2), desk.person(desk.land.compound2))
    imported = open_case(desk.tracer, desk.person())
    Case.objects.filter(pk=imported.pk).update(source_case_id=outsider.pk)
    response = tina.get("/chains/")
    context = response.context
    assert (context["linked_chains"], context["largest"], context["deepest"]) == (1, 3, 3)
    assert [(c.roots, c.size) for c in context["table"]] == [((desk.case.pk,), 3)]
    found = context["found"]
    assert found.cases == 5 and found.summary.count == 3
    assert found.summary.singles == (lone.pk, imported.pk)
    assert found.without_source == (desk.case.pk, lone.pk)
    assert found.source_outside == (imported.pk,)
    assert "1 case was infected by a case outside this scope" in response.content.decode()
    data = chains.as_dict(found)
    assert [(s["root"], s["size"], s["depth"]) for s in data["sizes"]] == [
        ([desk.case.pk], 3, 3), ([lone.pk], 1, 1), ([imported.pk], 1, 1)]
    assert data["source_outside_scope"] == [imported.pk] and data["cases"] == 5
    graph = tina.get("/chains/graph.json").json()
    assert (graph["chains_shown"], graph["chains_total"], graph["cases_shown"],
            graph["cases_total"]) == (1, 1, 3, 5)
    assert len([e for e in graph["elements"] if "source" in e["data"]]) == 2


def test_a_contact_is_corrected_on_its_own_page_and_can_be_marked_lost(desk, tina):
    contact = desk.contact()
    assert tina.get(f"/contacts/{contact.pk}/edit/").status_code == 200
    bad = tina.post(f"/contacts/{contact.pk}/edit/", {"contact_type": "work",
                                                      "last_exposure": ago(-1).isoformat()})
    assert bad.status_code == 200 and "future" in bad.content.decode()
    good = tina.post(f"/contacts/{contact.pk}/edit/", {"contact_type": "work",
                                                       "last_exposure": ago(2).isoformat()})
    assert good.status_code == 302
    contact.refresh_from_db()
    assert contact.contact_type == "work" and contact.followup_start == ago(1)
    assert tina.post(f"/contacts/{contact.pk}/lost/").status_code == 302
    contact.refresh_from_db()
    assert contact.status == "lost"


def test_ended_followups_are_closed_from_the_overdue_list(desk, tina):
    from datetime import timedelta

    from outbreakhq import protocols

    days = protocols.current().rule_for("close_contact").followup_days
    ended = desk.contact(days_ago=2)
    Contact.objects.filter(pk=ended.pk).update(
        last_exposure=ago(days + 2), followup_start=ago(days + 1),
        followup_end=ago(days + 2) + timedelta(days=days))
    assert f"wl-{ended.pk}" in tina.get("/followups/?list=overdue").content.decode()
    response = tina.post("/followups/close/")
    assert response.status_code == 302
    ended.refresh_from_db()
    assert ended.status == "completed"


def test_the_team_worklist_says_when_the_user_is_in_no_team(desk, tina):
    html = tina.get("/followups/?who=team").content.decode()
    assert "no tracing team" in html


def test_a_case_page_shows_the_latest_contacts_and_links_to_the_rest(desk, tina, monkeypatch):
    from outbreakhq.tracing.views import cases as views

    monkeypatch.setattr(views, "CONTACTS_ON_CASE_PAGE", 2)
    for _ in range(3):
        desk.contact()
    response = tina.get(f"/cases/{desk.case.pk}/")
    assert len(response.context["contacts"]) == 2 and response.context["contacts_total"] == 3
    assert f"/contacts/?case={desk.case.pk}" in response.content.decode()


def test_a_case_joins_a_cluster_of_its_scope_by_number(desk, tina):
    from outbreakhq.tracing.models import Cluster

    market = Cluster.objects.create(tenant=desk.land.region, area=desk.land.compound1,
                                    name="Wet market")
    response = tina.post(f"/cases/{desk.case.pk}/edit/", {
        "classification": "confirmed", "detection_route": "clinic",
        "report_date": desk.case.report_date.isoformat(), "severity": "mild",
        "cluster": str(market.pk)})
    assert response.status_code == 302
    desk.case.refresh_from_db()
    assert desk.case.cluster == market
    assert "Wet market" in tina.get(f"/cases/{desk.case.pk}/").content.decode()
