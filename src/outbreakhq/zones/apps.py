from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    """Risk areas (issue 11). Provides `zones.grade_of(area_path, day) -> grade or None`: the
    grade in force that day for the area or its nearest designated ancestor."""

    name = "outbreakhq.zones"
    label = "zones"
    verbose_name = _("Risk areas")

    def ready(self) -> None:
        """Plug zones in through core's extension points (core/hooks.py)."""
        from outbreakhq.core import hooks
        from outbreakhq.zones import feed
        from outbreakhq.zones.services.designations import grade_of

        feed.register()
        hooks.provide("zones.grade_of", grade_of)
