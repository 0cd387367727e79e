"""Tracing's record kinds for the retention purge (core/retention.py): follow-up records go
first, then contacts (with what follow-ups were entered late), then cases (with their exposures
and visits, and any contact still hanging from them)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from outbreakhq.core import retention
from outbreakhq.core.models import Area
from outbreakhq.tracing.models import Case, Contact, FollowUp


def followup_rows(tenant: Area, entered_before: datetime) -> QuerySet:
    return FollowUp.objects.filter(tenant=tenant, recorded_at__lt=entered_before)


def contact_rows(tenant: Area, entered_before: datetime) -> QuerySet:
    return Contact.objects.filter(tenant=tenant, created_at__lt=entered_before)


def case_rows(tenant: Area, entered_before: datetime) -> QuerySet:
    return Case.objects.filter(tenant=tenant, created_at__lt=entered_before)


def register() -> None:
    retention.register(retention.RecordKind(
        "followup", _("follow-up records"), followup_rows, order=10, deleted_with="contact"))
    retention.register(retention.RecordKind(
        "contact", _("contacts"), contact_rows, order=20, deleted_with="case",
        note=_("A contact's follow-up records go with it.")))
    retention.register(retention.RecordKind(
        "case", _("cases"), case_rows, order=30,
        note=_("A case's exposures and visited places go with it, and so do contacts traced "
               "from it.")))
