"""Dashboards, directives, situation reports and home panels, through the pages."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from outbreakhq.command.models import Commentary, Directive, DirectiveStatus
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Contact
from tests.browser.conftest import SHOTS
from tests.command.pdf import first_page_png, pdf_text
from tests.factories import logged_in, make_user

NAMES = ("Patient", "Contact Person", "Followed Person")


def _text_of_pdf(pdf: bytes, tmp_path) -> str:
    return pdf_text(pdf)


def pdf_through_the_worker(client, code: str):
    """The download as a user meets it (issue 15): the request queues the PDF for the task
    worker and answers with a page that follows it; once made, the page offers the file. Tasks
    run at once here (Django's immediate backend)."""
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        queued = client.get(reverse("sitrep_pdf", args=[code]))
    assert queued.status_code == 302, queued.content[:500]
    page = client.get(queued["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="sitrep-pdf-download"' in body and "hx-trigger" not in body
    link = body.split('id="sitrep-pdf-download" href="', 1)[1].split('"', 1)[0]
    answer = client.get(link)
    answer.body, answer.link = b"".join(answer.streaming_content), link
    return answer


def test_an_analyst_sees_no_name_anywhere_on_dashboards_or_reports(outbreak, tmp_path):
    client = logged_in(outbreak.analyst)
    land = outbreak.land
    pages = [reverse("home"), reverse("dashboard"),
             reverse("dashboard_area", args=[land.region.code]),
             reverse("dashboard_area", args=[land.county1.code]),
             reverse("dashboard_data", args=[land.region.code]),
             reverse("directives", args=[land.region.code]),
             reverse("sitrep", args=[land.region.code])]
    for url in pages:
        answer = client.get(url, follow=True)
        assert answer.status_code == 200, url
        body = answer.content.decode()
        assert not [n for n in NAMES if n in body], url
    pdf = pdf_through_the_worker(client, land.region.code)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _text_of_pdf(pdf.body, tmp_path)
    assert "Test Region" in text and not [n for n in NAMES if n in text]


def test_the_dashboard_shows_todays_figures_rt_and_the_areas_below(outbreak):
    client = logged_in(outbreak.commander)
    answer = client.get(reverse("dashboard_area", args=[outbreak.land.region.code]))
    body = answer.content.decode()
    assert "North Prefecture" in body and "South Prefecture" in body
    assert 'id="command-data"' in body and "<svg" in body
    data = json.loads(client.get(reverse("dashboard_data",
                                         args=[outbreak.land.region.code])).content)
    assert data["rt"] and data["curve"]
    assert any(row["incomplete"] for row in data["curve"])  # the last days are marked
    assert data["rt"][-1]["reliable"]


def test_a_small_county_marks_rt_as_unreliable(outbreak):
    client = logged_in(outbreak.commander)
    body = client.get(reverse("dashboard_area", args=[outbreak.land.county3.code])).content
    assert "unreliable" in body.decode()


def test_a_dashboard_outside_the_scope_is_refused(outbreak):
    county_user = make_user("analyst", outbreak.land.county1)
    client = logged_in(county_user)
    assert client.get(reverse("dashboard_area", args=[outbreak.land.county2.code])
                      ).status_code == 403
    assert client.get(reverse("dashboard_area", args=[outbreak.land.county1.code])
                      ).status_code == 200


def test_directives_are_issued_updated_by_their_owner_and_escalate(outbreak):
    land = outbreak.land
    chief = logged_in(outbreak.commander)
    board = reverse("directives", args=[land.region.code])
    answer = chief.post(reverse("directive_issue", args=[land.region.code]), {
        "title": "Screen every resident of Alder County", "area": land.county1.code,
        "expected_result": "Everyone sampled by Friday", "owner": "tina",
        "deadline": (today() - timedelta(days=1)).isoformat(), "department": "Health bureau"})
    assert answer.status_code == 302
    directive = Directive.objects.get()
    assert directive.area == land.county1 and directive.owner == outbreak.tracer
    # Overdue: marked on the board and escalated to the commander's home.
    assert "Overdue: escalated" in chief.get(board).content.decode()
    home = chief.get(reverse("home")).content.decode()
    assert "Screen every resident" in home and "overdue" in home
    # The owner (a tracer, who may not issue directives) posts an update and closes it.
    tina = logged_in(outbreak.tracer)
    assert "Screen every resident" in tina.get(reverse("home")).content.decode()
    answer = tina.post(reverse("directive_update", args=[land.county1.code]),
                       {"directive": directive.pk, "text": "Half done", "status": "open"})
    assert answer.status_code == 302
    tina.post(reverse("directive_update", args=[land.county1.code]),
              {"directive": directive.pk, "text": "All sampled", "status": "done"})
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.DONE and directive.updates.count() == 2
    assert "All sampled" in chief.get(board).content.decode()


def test_directives_are_refused_with_reasons(outbreak):
    land = outbreak.land
    analyst = logged_in(outbreak.analyst)
    data = {"title": "x", "expected_result": "y", "owner": "tina", "deadline": "2030-01-01"}
    assert analyst.post(reverse("directive_issue", args=[land.region.code]),
                        data).status_code == 403
    chief = logged_in(outbreak.commander)
    answer = chief.post(reverse("directive_issue", args=[land.region.code]),
                        {**data, "owner": "nobody"})
    assert answer.status_code == 400 and "no active user is called nobody" in \
        answer.content.decode()
    answer = chief.post(reverse("directive_issue", args=[land.region.code]),
                        {**data, "deadline": "soon"})
    assert answer.status_code == 400 and "not a date" in answer.content.decode()
    assert not Directive.objects.exists()
    chief.post(reverse("directive_issue", args=[land.region.code]), data)
    directive = Directive.objects.get()
    # Someone who neither owns it nor may issue directives cannot post updates.
    answer = analyst.post(reverse("directive_update", args=[land.region.code]),
                          {"directive": directive.pk, "text": "hi"})
    assert answer.status_code in (403, 404)
    assert not directive.updates.exists()


def test_the_situation_report_has_an_editable_commentary_and_a_chinese_pdf(outbreak,
                                                                          tmp_path):
    land = outbreak.land
    chief = logged_in(outbreak.commander)
    url = reverse("sitrep_commentary", args=[land.county1.code])
    assert chief.post(url + f"?date={today().isoformat()}",
                      {"text": "Cases are rising in Alder County."}).status_code == 302
    assert Commentary.objects.get().text == "Cases are rising in Alder County."
    page = chief.get(reverse("sitrep", args=[land.county1.code])).content.decode()
    assert "Cases are rising in Alder County." in page and "Epidemic curve" in page
    assert logged_in(outbreak.analyst).post(url, {"text": "x"}).status_code == 403
    chief.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    pdf = pdf_through_the_worker(chief, land.county1.code)
    assert pdf.status_code == 200
    assert logged_in(outbreak.analyst).get(pdf.link).status_code == 404  # the chief's own
    assert "桤木县" in _text_of_pdf(pdf.body, tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    first_page_png(pdf.body, SHOTS / "command-sitrep-zh-page1.png")  # to look at


def test_the_sitrep_command_writes_a_pdf(outbreak, tmp_path, capsys):
    out = tmp_path / "report.pdf"
    call_command("sitrep", "--area", outbreak.land.region.code, "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert "Test Region" in _text_of_pdf(out.read_bytes(), tmp_path)
    with pytest.raises(Exception, match="no area has the code"):
        call_command("sitrep", "--area", "nowhere", "--out", str(out))


def test_the_tracers_home_shows_todays_follow_up_work(outbreak):
    Contact.objects.update(tracer=outbreak.tracer)
    body = logged_in(outbreak.tracer).get(reverse("home")).content.decode()
    assert "Follow-up today" in body and "mine due today" in body
    assert "Today in your jurisdiction" in body
    # An analyst has no follow-up work: no such panel.
    analyst_home = logged_in(outbreak.analyst).get(reverse("home")).content.decode()
    assert "Follow-up today" not in analyst_home


def test_the_areas_below_show_their_risk_grade_when_zones_answer(outbreak, monkeypatch):
    from outbreakhq.core import hooks

    client = logged_in(outbreak.commander)
    url = reverse("dashboard_area", args=[outbreak.land.region.code])
    monkeypatch.delitem(hooks.PROVIDERS, "zones.grades_of_many", raising=False)
    assert "Risk grade" not in client.get(url).content.decode()  # a deployment without zones
    monkeypatch.setitem(hooks.PROVIDERS, "zones.grades_of_many", lambda paths, day: {
        path: "high" if "990100" in path else None for path in paths})
    body = client.get(url).content.decode()
    assert "Risk grade" in body and ">high risk<" in body


def test_the_curve_by_onset_greys_the_last_week(outbreak):
    client = logged_in(outbreak.commander)
    data = json.loads(client.get(reverse("dashboard_data",
                                         args=[outbreak.land.region.code])).content)
    incomplete = {row["day"] for row in data["onset"] if row["incomplete"]}
    assert (today() - timedelta(days=6)).isoformat() in incomplete
    assert (today() - timedelta(days=7)).isoformat() not in incomplete
    assert {row["group"] for row in data["onset"]} == {"control", "community"}
