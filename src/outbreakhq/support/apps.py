from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "outbreakhq.support"
    label = "support"
    verbose_name = _("Residents' support and stranded travellers")

    def ready(self) -> None:
        """Plug support in through core's extension points (core/hooks.py)."""
