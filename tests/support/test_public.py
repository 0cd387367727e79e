"""The public pages: a resident asks for help without signing in, gets a reference number and
a check code, and follows the request; duplicates, floods and guesses get nowhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from outbreakhq.support.models import SupportRequest


def form(community, **extra):
    return {"kind": "dialysis", "name": "Li Na", "area": community.code,
            "address": "Building 3, unit 2, room 401", "phone": "138 0013 8000",
            "text": "Dialysis every Tuesday and Friday", **extra}


def sent(answer) -> tuple[str, str]:
    html = answer.content.decode()
    reference = re.search(r'id="reference">([A-Z0-9]+)<', html).group(1)
    code = re.search(r'id="code">(\d+)<', html).group(1)
    return reference, code


@pytest.mark.django_db
def test_a_resident_submits_and_follows_a_request(land, community) -> None:
    client = Client()
    page = client.get(reverse("support_public"))
    assert page.status_code == 200 and community.name_en in page.content.decode()
    answer = client.post(reverse("support_public"), form(community))
    assert answer.status_code == 200
    reference, code = sent(answer)
    request = SupportRequest.objects.get(reference=reference)
    assert request.urgency == "urgent" and request.source == "public"
    assert request.phone == "13800138000" and code not in request.code_hash
    status = client.post(reverse("support_public_status"), {"reference": reference.lower(),
                                                            "code": code})
    assert status.status_code == 200
    assert "Received" in status.content.decode()


@pytest.mark.django_db
def test_a_wrong_code_and_an_unknown_reference_get_the_same_answer(land, community) -> None:
    client = Client()
    reference, code = sent(client.post(reverse("support_public"), form(community)))
    wrong = client.post(reverse("support_public_status"), {"reference": reference,
                                                           "code": "00000000"})
    unknown = client.post(reverse("support_public_status"), {"reference": "SZZZZZZZ",
                                                             "code": code})
    assert wrong.status_code == unknown.status_code == 404

    def body(answer):  # the form echoes the reference typed, and the CSRF token is masked
        html = answer.content.decode().replace(reference, "R").replace("SZZZZZZZ", "R")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert body(wrong) == body(unknown)
    assert "Li Na" not in wrong.content.decode()


@pytest.mark.django_db
def test_the_same_request_sent_again_answers_with_the_first_reference(land, community) -> None:
    client = Client()
    reference, _code = sent(client.post(reverse("support_public"), form(community)))
    again = client.post(reverse("support_public"), form(community, phone="13800138000"))
    assert again.status_code == 200
    assert reference in again.content.decode() and 'id="code"' not in again.content.decode()
    assert SupportRequest.objects.count() == 1
    other_kind = client.post(reverse("support_public"), form(community, kind="food"))
    assert sent(other_kind)[0] != reference and SupportRequest.objects.count() == 2


@pytest.mark.django_db
@override_settings(OUTBREAKHQ_SUPPORT_PUBLIC_PER_10_MIN=3)
def test_a_flood_from_one_address_is_refused(land, community) -> None:
    client = Client()
    answers = [client.post(reverse("support_public"), form(community, phone=f"1380000000{i}"))
               for i in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    assert SupportRequest.objects.count() == 3
    assert "Too many requests" in answers[-1].content.decode()
    # the status checks count too: guessing codes is a flood as well
    assert client.post(reverse("support_public_status"), {"reference": "S", "code": "1"}
                       ).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("support_public"), form(community, phone="13900000000")
                      ).status_code == 200


@pytest.mark.django_db
def test_bad_input_is_named_and_nothing_is_saved(land, community) -> None:
    answer = Client().post(reverse("support_public"), form(community, kind="spa", phone="12",
                                                           area=land.county1.code))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "spa is not one of" in html and "does not look like a phone number" in html
    assert "choose your community from the list" in html
    assert SupportRequest.objects.count() == 0


@pytest.mark.django_db
def test_csrf_stays_on(land, community) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("support_public"), form(community)).status_code == 403
    assert SupportRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_public_page_is_small_and_script_free(land) -> None:
    html = Client().get(reverse("support_public")).content.decode()
    assert "<script" not in html and "htmx" not in html
    assert len(html.encode()) < 12_000


@pytest.mark.django_db
def test_the_resident_sees_a_valid_medical_pass_with_the_request(land, community) -> None:
    from outbreakhq.core.actor import Actor
    from outbreakhq.support import services
    from tests.factories import make_user

    client = Client()
    reference, code = sent(client.post(reverse("support_public"), form(community,
                                                                       kind="maternity")))
    worker = make_user("community", community, first_name="Chen", last_name="Hua")
    req = SupportRequest.objects.get(reference=reference)
    services.issue_pass(actor=Actor.for_command(worker), request_id=req.pk,
                        data={"destination": "Maternity hospital"})
    html = client.post(reverse("support_public_status"), {"reference": reference,
                                                          "code": code}).content.decode()
    assert 'id="medical-pass"' in html and "Maternity hospital" in html
    assert "No checkpoint may refuse this pass" in html and "Chen Hua" in html
