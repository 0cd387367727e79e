from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "outbreakhq.screening"
    label = "screening"
    verbose_name = _("Mass screening and lab logistics")

    def ready(self) -> None:
        """Plug screening in through core's extension points (core/hooks.py).

        Provides `screening.results_of(person_id) -> list[(sampled_at, result)]`, newest first
        (a negative pool counts as a negative for each member), `screening.results_of_many(
        person_ids) -> {person_id: [...]}` (the same, one query for a list), and
        `screening.turnaround_of(area_path, day) -> dict` (screening/report_questions.py)."""
        from outbreakhq.core import access, hooks
        from outbreakhq.core.roles import Can
        from outbreakhq.screening import access as rules
        from outbreakhq.screening import importing, panels, services, worklists

        access.declare(pages=rules.PAGES, api=rules.API)
        from outbreakhq.screening.report_questions import turnaround_of
        hooks.provide("screening.turnaround_of", turnaround_of)  # the situation report
        for label, url_name, capability, order in (
                (_("Collect"), "screening_collect", Can.COLLECT_SAMPLES, 30),
                (_("Ship"), "screening_ship", Can.COLLECT_SAMPLES, 31),
                (_("Lab"), "screening_lab", Can.RECORD_RESULTS, 32),
                (_("Recalls"), "screening_recalls", Can.VIEW_PERSON, 33),
                (_("Screening"), "screening_rounds", Can.PLAN_SCREENING, 34)):
            hooks.navigation(hooks.NavEntry(label, url_name, capability, order))
        hooks.urls("outbreakhq.screening.urls")
        hooks.api_router("/screening", "outbreakhq.screening.api.router")
        hooks.home_panel(hooks.HomePanel(_("Collection today"), "screening/_home_operator.html",
                                         panels.operator, Can.COLLECT_SAMPLES, 30))
        hooks.home_panel(hooks.HomePanel(_("Lab bench"), "screening/_home_lab.html",
                                         panels.lab, Can.RECORD_RESULTS, 31))
        hooks.dashboard_tile(hooks.DashboardTile(_("Screening today"), "screening/_tile.html",
                                                 worklists.today_figures, Can.VIEW_AGGREGATES,
                                                 40))
        hooks.provide("screening.results_of", services.results_of)
        hooks.provide("screening.results_of_many", services.results_of_many)
        importing.register()  # `outbreakhq import samples|results FILE` (interop/registry.py)
