from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "outbreakhq.support"
    label = "support"
    verbose_name = _("Residents' support and stranded travellers")

    def ready(self) -> None:
        """Plug support in through core's extension points (core/hooks.py).

        Support asks (never imports): `zones.grade_of(area_path, day)`,
        `screening.results_of(person_id)`, `quarantine.results_of(person_id)` and
        `quarantine.in_stay(person_id, day)`, each with a default for a deployment without
        that module. It provides no question."""
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from outbreakhq.core import access, hooks
        from outbreakhq.core.access import PUBLIC, read, write
        from outbreakhq.core.roles import Can
        from outbreakhq.support import panels, rules

        try:
            rules.parse_deadlines(settings.OUTBREAKHQ_SUPPORT_DEADLINES)
        except rules.BadDeadlines as exc:
            raise ImproperlyConfigured(f"OUTBREAKHQ_SUPPORT_DEADLINES: {exc}") from None

        from outbreakhq.support.services import escalate_overdue
        hooks.periodic(hooks.Job("support.escalate", lambda slot: f"{escalate_overdue()} escalated",
                                 every_minutes=5))  # the scheduler (core/periodic.py)
        hs, mt = Can.HANDLE_SUPPORT, Can.MANAGE_TRAVELLERS
        command = (Can.HANDLE_SUPPORT, Can.ISSUE_DIRECTIVES)
        access.declare(pages={
            "support_public": read(PUBLIC),  # residents, no sign-in; rate-limited per address
            "support_public_status": read(PUBLIC),  # reference + check code
            "support_queue": read(hs),
            "support_request_new": read(hs),
            "support_request": read(hs),
            "support_request_step": write(hs),
            "support_pass_issue": write(hs),
            "support_pass": read(hs),
            "support_teams": read(hs),
            "support_escalated": read(command),
            "support_travellers": read(mt),
            "support_traveller": read(mt),
            "support_batches": read(mt),
            "support_batch": read(mt),
            "support_batch_assign": write(mt),
            "support_batch_status": write(mt),
            "support_batch_manifest": read(mt),
        }, api={
            "GET /support/requests/": read(hs),
            "POST /support/requests/": write(hs),
            "GET /support/requests/{request_id}": read(hs),
            "POST /support/requests/{request_id}/status": write(hs),
            "GET /support/travellers/": read(mt),
            "POST /support/travellers/": write(mt),
            "GET /support/travellers/{traveller_id}": read(mt),
            "GET /support/batches/": read(mt),
            "POST /support/batches/": write(mt),
            "POST /support/batches/{batch_id}/travellers": write(mt),
        })
        hooks.navigation(hooks.NavEntry(_("Support"), "support_queue", hs, 50))
        hooks.navigation(hooks.NavEntry(_("Travellers"), "support_travellers", mt, 51))
        hooks.navigation(hooks.NavEntry(_("Escalated requests"), "support_escalated",
                                        Can.ISSUE_DIRECTIVES, 52))
        hooks.person_panel(hooks.PersonPanel("support/_person_panel.html", panels.person, 40))
        hooks.urls("outbreakhq.support.urls")
        hooks.api_router("/support", "outbreakhq.support.api.router")
        hooks.home_panel(hooks.HomePanel(_("Residents' requests: urgent, overdue, new"),
                                         "support/_home_worker.html", panels.worker, hs, 20))
        hooks.home_panel(hooks.HomePanel(_("Support requests escalated to command"),
                                         "support/_home_command.html", panels.command,
                                         Can.ISSUE_DIRECTIVES, 15))
        hooks.dashboard_tile(hooks.DashboardTile(_("Residents' support and travellers"),
                                                 "support/_tile.html", panels.tile,
                                                 Can.VIEW_AGGREGATES, 60))
