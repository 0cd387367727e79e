from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZonesConfig(AppConfig):
    name = "outbreakhq.zones"
    label = "zones"
    verbose_name = _("Risk areas")

    def ready(self) -> None:
        """Plug zones in through core's extension points (core/hooks.py)."""
