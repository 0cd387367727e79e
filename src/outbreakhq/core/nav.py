"""The navigation bar: each module adds its entry in its AppConfig.ready() through
hooks.navigation(), so the bar lists exactly the modules this deployment has, each shown only
to roles that can use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from outbreakhq.core.roles import Can


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    capability: str
    order: int = 100


ENTRIES: list[NavEntry] = [
    NavEntry(_("Overview"), "home", Can.VIEW_AGGREGATES, 0),
    NavEntry(_("People"), "people", Can.VIEW_PERSON, 10),
    NavEntry(_("Duplicates"), "duplicates", Can.MERGE_PERSON, 15),
    NavEntry(_("Areas"), "areas", Can.VIEW_AGGREGATES, 90),
    NavEntry(_("Audit"), "audit", Can.VIEW_AUDIT, 95),
    NavEntry(_("Sign-in locks"), "sign_in_security", Can.MANAGE_ACCOUNTS, 96),
    NavEntry(_("Retention"), "retention", Can.MANAGE_RETENTION, 97),
]
