from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    """Risk areas (issue 11). Provides `zones.grade_of(area_path, day) -> grade or None`: the
    grade in force that day for the area or its nearest designated ancestor, and
    `zones.grades_of_many(area_paths, day) -> {path: grade or None}` (one query); `zones.changes_on`
    and `zones.alerts_on(area_path, day) -> list[dict]` (zones/report_questions.py)."""

    name = "outbreakhq.zones"
    label = "zones"
    verbose_name = _("Risk areas")

    def ready(self) -> None:
        """Plug zones in through core's extension points (core/hooks.py)."""
        from datetime import time

        from outbreakhq.core import access, hooks, periodic
        from outbreakhq.core.access import PUBLIC
        from outbreakhq.core.roles import Can
        from outbreakhq.zones import feed, reads, report_questions
        from outbreakhq.zones.public import publish
        from outbreakhq.zones.services.designations import grade_of, grades_of_many, regrade

        feed.register()
        hooks.provide("zones.grade_of", grade_of)
        hooks.provide("zones.grades_of_many", grades_of_many)
        hooks.provide("zones.changes_on", report_questions.changes_on)  # the situation report
        hooks.provide("zones.alerts_on", report_questions.alerts_on)
        hooks.periodic(hooks.Job("zones.regrade_publish", periodic.for_the_day(regrade, publish),
                                 daily_at=time(0, 5)))  # the scheduler (core/periodic.py)
        hooks.urls("outbreakhq.zones.urls")
        hooks.api_router("/zones", "outbreakhq.zones.api.router")
        hooks.navigation(hooks.NavEntry(_("Risk areas"), "zones", Can.VIEW_AGGREGATES, 40))
        hooks.navigation(hooks.NavEntry(_("Proposals"), "zones_proposals", Can.APPROVE_ZONES,
                                        41))
        hooks.navigation(hooks.NavEntry(_("Alerts"), "zones_alerts", Can.ACKNOWLEDGE_ALERTS, 42))
        hooks.navigation(hooks.NavEntry(_("Key places"), "zones_places", Can.MANAGE_PLACES, 43))
        hooks.dashboard_tile(hooks.DashboardTile(_("Risk areas"), "zones/_tile.html",
                                                 reads.tile_context, Can.VIEW_AGGREGATES, 40))
        hooks.home_panel(hooks.HomePanel(_("Risk areas waiting for you"), "zones/_home.html",
                                         reads.home_context, Can.APPROVE_ZONES, 40))
        access.declare(pages={
            "zones": access.read(Can.VIEW_AGGREGATES),
            "zones_area": access.read(Can.VIEW_AGGREGATES),
            "zones_proposals": access.read(Can.APPROVE_ZONES),
            "zones_decide": access.write(Can.APPROVE_ZONES),
            "zones_designate": access.write(Can.APPROVE_ZONES),
            "zones_alerts": access.read(Can.ACKNOWLEDGE_ALERTS),
            "zones_acknowledge": access.write(Can.ACKNOWLEDGE_ALERTS),
            "zones_places": access.read(Can.MANAGE_PLACES),
            "zones_place_add": access.write(Can.MANAGE_PLACES),
            "zones_place": access.read(Can.MANAGE_PLACES),
            "zones_place_member_add": access.write(Can.MANAGE_PLACES),
            "zones_sample_add": access.write(Can.MANAGE_PLACES),
            # The public list: no login, no personal data (area names and dates only).
            "public_risk_areas": access.read(PUBLIC),
            "public_risk_areas_json": access.read(PUBLIC),
            "public_risk_areas_csv": access.read(PUBLIC),
        }, api={
            "GET /zones/designations/": access.read(Can.VIEW_AGGREGATES),
            "GET /zones/areas/{code}": access.read(Can.VIEW_AGGREGATES),
            "GET /zones/proposals/": access.read(Can.APPROVE_ZONES),
            "POST /zones/proposals/{designation_id}/approve": access.write(Can.APPROVE_ZONES),
            "POST /zones/proposals/{designation_id}/reject": access.write(Can.APPROVE_ZONES),
            "GET /zones/alerts/": access.read(Can.ACKNOWLEDGE_ALERTS),
            "POST /zones/alerts/{alert_id}/acknowledge": access.write(Can.ACKNOWLEDGE_ALERTS),
        })
