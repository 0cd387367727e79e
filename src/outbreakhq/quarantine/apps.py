from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "outbreakhq.quarantine"
    label = "quarantine"
    verbose_name = _("Quarantine sites and stays")

    def ready(self) -> None:
        """Plug quarantine in through core's extension points (core/hooks.py)."""
