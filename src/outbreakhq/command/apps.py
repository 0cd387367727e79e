from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "outbreakhq.command"
    label = "command"
    verbose_name = _("Command centre")

    def ready(self) -> None:
        """Plug command in through core's extension points (core/hooks.py)."""
