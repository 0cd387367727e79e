"""Roles and what each may do: the one table every permission check reads."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMANDER = "commander", _("Commander")
    TRACER = "tracer", _("Epidemiologist / tracer")
    SCREENING = "screening", _("Screening-site operator")
    LAB = "lab", _("Lab technician")
    QUARANTINE = "quarantine", _("Quarantine-site manager")
    COMMUNITY = "community", _("Community worker")
    ANALYST = "analyst", _("Analyst (aggregates only)")
    ADMIN = "admin", _("Administrator")


class Can(models.TextChoices):
    """Capabilities. `person.*` touch personal data; `aggregate.view` never does."""

    VIEW_PERSON = "person.view", _("view people")
    CHANGE_PERSON = "person.change", _("register and edit people")
    EXPORT_PERSON = "person.export", _("export personal data")
    VIEW_AGGREGATES = "aggregate.view", _("view aggregate figures")
    VIEW_AUDIT = "audit.view", _("browse the audit trail")
    MANAGE_AREAS = "area.manage", _("import and edit areas")
    MANAGE_ACCOUNTS = "account.manage", _("lift sign-in locks and reset two-factor devices")
    EXPORT_PSEUDONYMS = "pseudonym.export", _("export pseudonymised line lists")
    # Retention (core/outbreaks.py, core/purge.py): declare an outbreak over, reopen it, purge.
    MANAGE_RETENTION = "retention.manage", _("declare outbreaks over and purge expired records")


_PERSONAL = {Can.VIEW_PERSON, Can.VIEW_AGGREGATES}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.COMMANDER: frozenset(_PERSONAL | {Can.EXPORT_PERSON}),
    Role.TRACER: frozenset(_PERSONAL | {Can.CHANGE_PERSON, Can.EXPORT_PERSON}),
    Role.SCREENING: frozenset(_PERSONAL | {Can.CHANGE_PERSON}),
    Role.LAB: frozenset(_PERSONAL),
    Role.QUARANTINE: frozenset(_PERSONAL | {Can.CHANGE_PERSON}),
    Role.COMMUNITY: frozenset(_PERSONAL | {Can.CHANGE_PERSON}),
    Role.ANALYST: frozenset({Can.VIEW_AGGREGATES}),
    Role.ADMIN: frozenset(set(Can)),
}
# Pseudonymised line lists (no names, documents, phones; tracing/pseudonyms.py) for analysis.
for _role in (Role.ANALYST, Role.COMMANDER):
    CAPABILITIES[_role] = CAPABILITIES[_role] | {Can.EXPORT_PSEUDONYMS}


def grants(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
