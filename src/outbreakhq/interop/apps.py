from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "outbreakhq.interop"
    label = "interop"
    verbose_name = _("Import")

    def ready(self) -> None:
        from outbreakhq.core import access
        from outbreakhq.core.roles import Can
        from outbreakhq.interop import areas

        areas.register_importer()  # core's area tree; the apps register theirs in their ready()
        # The error file of an upload (issue 14), downloaded from the import pages.
        access.declare(pages={"import_errors": access.read(Can.MANAGE_CASE)})
