"""Support rows for tests, written straight to the database (the services are tested on their
own): a request, a medical pass, a team, a traveller and a departure batch."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outbreakhq.support import rules
from outbreakhq.support.models import (
    DepartureBatch,
    MedicalPass,
    SupportRequest,
    SupportTeam,
    Traveller,
)
from outbreakhq.support.services.requests import hash_code, new_reference
from tests.factories import make_person, make_user


def make_request(area, *, kind="food", code="12345678", received=None, **fields):
    received = received or timezone.now()
    triage = rules.triage(kind, fields.pop("answers", {}))
    reference = fields.pop("reference", None) or new_reference()
    defaults = {"name": "Resident", "address": "Building 1, room 101", "phone": "13800000000",
                "source": "public"}
    return SupportRequest.objects.create(
        tenant_id=area.tenant_id, area=area, kind=kind, urgency=triage.urgency,
        urgency_rank=triage.rank, reference=reference, code_hash=hash_code(reference, code),
        received_at=received,
        deadline=rules.deadline(received, triage.urgency, rules.DEFAULT_DEADLINES),
        **{**defaults, **fields})


def make_team(area, *, kind="medical", name=None):
    team = SupportTeam.objects.create(tenant_id=area.tenant_id, area=area, kind=kind,
                                      name=name or f"{kind} team {area.code}")
    team.areas.add(area)
    return team


def make_traveller(area, **fields):
    person = fields.pop("person", None) or make_person(area)
    defaults = {"staying_at": "Hotel", "home_destination": "Chengdu",
                "since": timezone.localdate() - timedelta(days=5), "contact": "13900000000"}
    return Traveller.objects.create(tenant_id=area.tenant_id, area=area, person=person,
                                    **{**defaults, **fields})


def make_batch(area, **fields):
    defaults = {"means": "Coach", "destination": "Chengdu",
                "date": timezone.localdate() + timedelta(days=1), "capacity": 40}
    return DepartureBatch.objects.create(tenant_id=area.tenant_id, area=area,
                                         **{**defaults, **fields})


def support_ids(area) -> dict:
    """URL arguments of support's pages and API for tests/core/test_access.py."""
    req = make_request(area, kind="dialysis")
    issuer = make_user("community", area)
    medical_pass = MedicalPass.objects.create(
        tenant_id=area.tenant_id, area=area, request=req, holder="Resident",
        destination="Hospital", rule_text="rule", issued_by=issuer, issued_at=timezone.now(),
        valid_until=timezone.now() + timedelta(hours=24))
    return {"request_id": req.pk, "request": req.pk, "medical_pass": medical_pass.pk,
            "traveller": make_traveller(area).pk, "batch": make_batch(area).pk}
