from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "outbreakhq.interop"
    label = "interop"
    verbose_name = _("Import")

    def ready(self) -> None:
        from outbreakhq.interop import areas

        areas.register_importer()  # core's area tree; the apps register theirs in their ready()
