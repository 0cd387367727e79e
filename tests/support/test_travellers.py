"""Stranded travellers: eligibility from the preset and the other modules' answers, batches,
refusals with their reasons, the manifest (CSV, XLSX, PDF)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.support import services
from outbreakhq.support.models import Traveller
from tests.factories import logged_in, make_person, make_user
from tests.support.factories import make_batch, make_traveller


def negative(answers, traveller, hours):
    answers["results"][traveller.person_id] = [(timezone.now() - timedelta(hours=hours),
                                                "negative")]


@pytest.mark.django_db
def test_eligibility_follows_the_preset_and_the_answers(land, answers, community) -> None:
    t = make_traveller(land.compound1)
    # cn-9th-edition: an ungraded area follows the lowest grade (low: 48-hour negative test)
    result = services.eligibility_of(t)
    assert [r.code for r in result.reasons] == ["no_negative_test"]
    negative(answers, t, 20)
    assert services.eligibility_of(t).eligible
    answers["grades"][community.path] = "medium"
    answers["stays"].add(t.person_id)
    assert [r.code for r in services.eligibility_of(t).reasons] == ["area_closed",
                                                                     "in_quarantine"]


@pytest.mark.django_db
def test_a_list_of_travellers_is_checked_in_a_fixed_number_of_queries(land) -> None:
    """The commander's home tile checks up to a thousand waiting travellers: screening,
    quarantine and zones are asked once for the list (once per area for the grade), not once
    per traveller (1,813 queries for the demo's 443 made the home page 1.4 s)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(travellers) -> int:
        with CaptureQueriesContext(connection) as q:
            services.eligibility_of_many(travellers)
        return len(q.captured_queries)

    two = [make_traveller(land.compound1) for _ in range(2)]
    eight = two + [make_traveller(land.compound1) for _ in range(6)]
    assert queries(eight) == queries(two)
    assert [e.eligible for e in services.eligibility_of_many(eight)] == \
        [services.eligibility_of(t).eligible for t in eight]


@pytest.mark.django_db
def test_without_the_other_modules_the_lowest_grade_applies(land) -> None:
    t = make_traveller(land.compound1)
    assert not services.eligibility_of(t).eligible  # no screening module: no negative test


@pytest.mark.django_db
def test_assigning_refuses_the_ineligible_and_a_full_batch(land, answers, worker) -> None:
    actor = Actor.for_command(worker)
    batch = make_batch(land.compound1, capacity=1)
    ready, other, stuck = (make_traveller(land.compound1) for _ in range(3))
    negative(answers, ready, 10)
    negative(answers, other, 10)
    answers["stays"].add(stuck.person_id)
    with pytest.raises(InvalidInput) as refused:
        services.assign(actor=actor, batch_id=batch.pk, traveller_id=stuck.pk)
    assert "Under quarantine today" in str(refused.value)
    assert "No negative test" in str(refused.value)
    services.assign(actor=actor, batch_id=batch.pk, traveller_id=ready.pk)
    ready.refresh_from_db()
    assert ready.status == "on_batch"
    with pytest.raises(InvalidInput, match="the batch is full"):
        services.assign(actor=actor, batch_id=batch.pk, traveller_id=other.pk)
    with pytest.raises(InvalidInput, match="No traveller with number"):
        services.assign(actor=actor, batch_id=batch.pk, traveller_id=99999)


@pytest.mark.django_db
def test_batch_statuses_carry_their_travellers(land, answers, worker) -> None:
    actor = Actor.for_command(worker)
    batch = make_batch(land.compound1)
    with pytest.raises(InvalidInput, match="nobody is on the batch"):
        services.set_batch_status(actor=actor, batch_id=batch.pk, to="departed")
    t = make_traveller(land.compound1)
    negative(answers, t, 1)
    services.assign(actor=actor, batch_id=batch.pk, traveller_id=t.pk)
    with pytest.raises(InvalidInput, match="can only become Departed"):
        services.set_batch_status(actor=actor, batch_id=batch.pk, to="handed_over")
    services.set_batch_status(actor=actor, batch_id=batch.pk, to="departed")
    assert Traveller.objects.get(pk=t.pk).status == "departed"
    services.set_batch_status(actor=actor, batch_id=batch.pk, to="handed_over")
    assert Traveller.objects.get(pk=t.pk).status == "handed_over"


@pytest.mark.django_db
def test_register_and_manifest(land, answers, worker, worker_client) -> None:
    person = make_person(land.compound1, name="Zhao Lei")
    answer = worker_client.post(reverse("support_travellers"), {
        "person": person.pk, "area": land.compound1.code, "staying_at": "Jinjiang Inn",
        "home_destination": "Kunming", "contact": "13600000000"}, follow=True)
    assert answer.status_code == 200 and "No negative test" in answer.content.decode()
    again = worker_client.post(reverse("support_travellers"), {
        "person": person.pk, "area": land.compound1.code, "staying_at": "x",
        "home_destination": "y", "contact": "z"})
    assert again.status_code == 400 and "already on the register" in again.content.decode()
    t = Traveller.objects.get()
    negative(answers, t, 3)
    batch = make_batch(land.compound1, destination="Kunming")
    page = worker_client.get(reverse("support_batch", args=[batch.pk]))
    assert "Put on this batch" in page.content.decode()
    worker_client.post(reverse("support_batch_assign", args=[batch.pk]), {"traveller": t.pk})
    csv = worker_client.get(reverse("support_batch_manifest", args=[batch.pk]))
    assert "Zhao Lei" in csv.content.decode("utf-8-sig")
    xlsx = worker_client.get(reverse("support_batch_manifest", args=[batch.pk]) + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert any("Zhao Lei" in [str(c) for c in row] for row in sheet.iter_rows(values_only=True))


@pytest.mark.django_db
def test_the_manifest_as_a_pdf(land, answers, worker, worker_client) -> None:
    from outbreakhq.core.models import AuditEvent
    from tests.command.pdf import pdf_text

    t = make_traveller(land.compound1, person=make_person(land.compound1, name="王小明"),
                       home_destination="Kunming")
    negative(answers, t, 1)
    batch = make_batch(land.compound1, destination="Kunming")
    worker_client.post(reverse("support_batch_assign", args=[batch.pk]), {"traveller": t.pk})
    page = worker_client.get(reverse("support_batch", args=[batch.pk]))
    url = reverse("support_batch_manifest", args=[batch.pk]) + "?format=pdf"
    assert url in page.content.decode()
    answer = worker_client.get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = pdf_text(answer.content)
    assert "王小明" in text and "Kunming" in text and worker.get_username() in text
    exported = AuditEvent.objects.filter(object_type="departure_batch", action="export")
    assert exported.count() == 1
    assert exported.get().detail["people"] == [t.person_id]
    outsider = logged_in(make_user("community", land.county2))
    assert outsider.get(url).status_code == 404


@pytest.mark.django_db
def test_a_name_that_looks_like_a_formula_is_written_as_text(land, answers, worker_client):
    t = make_traveller(land.compound1, person=make_person(land.compound1, name="=HYPERLINK(1)"))
    negative(answers, t, 1)
    batch = make_batch(land.compound1)
    worker_client.post(reverse("support_batch_assign", args=[batch.pk]), {"traveller": t.pk})
    csv = worker_client.get(reverse("support_batch_manifest", args=[batch.pk]))
    assert "'=HYPERLINK(1)" in csv.content.decode("utf-8-sig")
