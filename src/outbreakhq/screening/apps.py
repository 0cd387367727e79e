from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "outbreakhq.screening"
    label = "screening"
    verbose_name = _("Mass screening and lab logistics")

    def ready(self) -> None:
        """Plug screening in through core's extension points (core/hooks.py)."""
