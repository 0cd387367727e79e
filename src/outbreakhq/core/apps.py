from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "outbreakhq.core"
    label = "core"
    verbose_name = _("Core: areas, people, users, audit")

    def ready(self) -> None:
        from django.core import checks

        from outbreakhq.core import (
            lockout,  # noqa: F401  (connects the lockout audit receiver)
            retention,
            retention_kinds,
        )

        retention_kinds.register()
        from outbreakhq.core import audit_events

        audit_events.connect()
        checks.register(retention.system_check)
        from outbreakhq.core import hooks
        from outbreakhq.core.who_looked import person_panel

        # Last on the person's page, for the administrators of their area only.
        hooks.person_panel(hooks.PersonPanel("core/_who_looked.html", person_panel, 900))
        # The retention purge, daily (core/periodic.py; `outbreakhq purge` by hand).
        from outbreakhq.core import purge

        hooks.periodic(hooks.Job("core.purge", purge.daily, daily_at=purge.DAILY_AT))
        hooks.api_router("/areas", "outbreakhq.core.api.areas_router")
        hooks.api_router("/people", "outbreakhq.core.api.people_router")

