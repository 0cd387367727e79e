from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "outbreakhq.quarantine"
    label = "quarantine"
    verbose_name = _("Quarantine sites and stays")

    def ready(self) -> None:
        """Plug quarantine in through core's extension points (core/hooks.py).

        Questions provided:
        - `quarantine.results_of(person_id) -> list[tuple[datetime, str]]`: tests recorded
          during the person's stays, newest first.
        - `quarantine.in_stay(person_id, day) -> bool`: under quarantine that day.
        """
        from outbreakhq.core import access, hooks
        from outbreakhq.core.events import ContactHandedToQuarantine
        from outbreakhq.core.roles import Can
        from outbreakhq.quarantine import panels, worklists
        from outbreakhq.quarantine.services.awaiting import contact_handed_over

        hooks.subscribe(ContactHandedToQuarantine)(contact_handed_over)
        hooks.provide("quarantine.results_of", worklists.results_of)
        hooks.provide("quarantine.in_stay", worklists.in_stay)
        hooks.provide("quarantine.results_of_many", worklists.results_of_many)
        hooks.provide("quarantine.in_stay_many", worklists.in_stay_many)
        hooks.navigation(hooks.NavEntry(_("Quarantine"), "quarantine_sites", Can.MANAGE_STAYS,
                                        30))
        hooks.navigation(hooks.NavEntry(_("Quarantine rules"), "quarantine_switch",
                                        Can.OVERRIDE_RULES, 31))
        hooks.home_panel(hooks.HomePanel(_("Quarantine today"), "quarantine/_home_panel.html",
                                         panels.home_panel, Can.MANAGE_STAYS, 30))
        hooks.home_panel(hooks.HomePanel(_("Closed-loop staff"), "quarantine/_home_staff.html",
                                         panels.staff_panel, Can.MANAGE_STAYS, 31))
        hooks.person_panel(hooks.PersonPanel("quarantine/_person_panel.html", panels.person, 30))
        hooks.dashboard_tile(hooks.DashboardTile(_("Quarantine occupancy"),
                                                 "quarantine/_tile.html", panels.tile,
                                                 Can.VIEW_AGGREGATES, 30))
        hooks.urls("outbreakhq.quarantine.urls")
        hooks.api_router("/quarantine", "outbreakhq.quarantine.api.router")
        r, w = access.read, access.write
        access.declare(
            pages={
                "quarantine_sites": r(Can.MANAGE_STAYS),
                "quarantine_site": r(Can.MANAGE_STAYS),
                "quarantine_awaiting": r((Can.MANAGE_STAYS, Can.OVERRIDE_RULES)),
                "quarantine_bulk": w(Can.MANAGE_STAYS),
                "quarantine_person": r((Can.MANAGE_STAYS, Can.OVERRIDE_RULES)),
                "quarantine_place": w((Can.MANAGE_STAYS, Can.OVERRIDE_RULES)),
                "quarantine_test": w((Can.MANAGE_STAYS, Can.OVERRIDE_RULES)),
                "quarantine_release": w((Can.MANAGE_STAYS, Can.OVERRIDE_RULES)),
                "quarantine_transfer": w(Can.MANAGE_STAYS),
                "quarantine_switch": r(Can.OVERRIDE_RULES),
                "quarantine_staff": r(Can.MANAGE_STAYS),
                "quarantine_cohort": r(Can.MANAGE_STAYS),
                "quarantine_cohort_member": w(Can.MANAGE_STAYS),
                "quarantine_staff_test": w(Can.MANAGE_STAYS),
                "quarantine_breach": w(Can.MANAGE_STAYS),
            },
            api={
                "GET /quarantine/sites": r(Can.MANAGE_STAYS),
                "GET /quarantine/stays": r(Can.MANAGE_STAYS),
                "GET /quarantine/day": r(Can.MANAGE_STAYS),
                "GET /quarantine/forecast": r(Can.MANAGE_STAYS),
                "GET /quarantine/switch": r(Can.OVERRIDE_RULES),
                "GET /quarantine/awaiting": r(Can.MANAGE_STAYS),
                "GET /quarantine/schedule": r(Can.MANAGE_STAYS),
                "GET /quarantine/people/{person_id}/stays": r(Can.MANAGE_STAYS),
                "POST /quarantine/people/{person_id}/place": w((Can.MANAGE_STAYS,
                                                                 Can.OVERRIDE_RULES)),
                "POST /quarantine/people/{person_id}/tests": w((Can.MANAGE_STAYS,
                                                                 Can.OVERRIDE_RULES)),
                "POST /quarantine/people/{person_id}/release": w((Can.MANAGE_STAYS,
                                                                   Can.OVERRIDE_RULES)),
                "POST /quarantine/people/{person_id}/transfer": w(Can.MANAGE_STAYS),
                "GET /quarantine/staff/cohorts": r(Can.MANAGE_STAYS),
                "POST /quarantine/staff/cohorts": w(Can.MANAGE_STAYS),
                "POST /quarantine/staff/members": w(Can.MANAGE_STAYS),
                "GET /quarantine/staff/untested": r(Can.MANAGE_STAYS),
                "POST /quarantine/staff/tests": w(Can.MANAGE_STAYS),
                "POST /quarantine/staff/breaches": w(Can.MANAGE_STAYS),
            })
