from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "outbreakhq.tracing"
    label = "tracing"
    verbose_name = _("Cases and contact tracing")

    def ready(self) -> None:
        from outbreakhq.core import nav
        from outbreakhq.core.roles import Can

        for label, url_name, order in ((_("Cases"), "cases", 20), (_("Contacts"), "contacts", 21),
                                       (_("Follow-up"), "followups", 22),
                                       (_("Chains"), "chains", 23)):
            nav.register(nav.NavEntry(label, url_name, Can.VIEW_PERSON, order))
        # Analysts reach their pseudonymised exports here (they see no case lists).
        nav.register(nav.NavEntry(_("Exports"), "exports", Can.EXPORT_PSEUDONYMS, 80))

        from outbreakhq.core import panels
        from outbreakhq.tracing.person_panel import person_tracing

        panels.register(panels.PersonPanel("tracing/_person_panel.html", person_tracing, 20))

        from outbreakhq.tracing import retention

        retention.register()

        from outbreakhq.tracing.importer import register_importers

        register_importers()  # cases, contacts, links: interop/registry.py
