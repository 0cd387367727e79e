from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "outbreakhq.command"
    label = "command"
    verbose_name = _("Command centre")

    def ready(self) -> None:
        """Plug command in through core's extension points (core/hooks.py)."""
        from outbreakhq.command import aggregates, home, morning
        from outbreakhq.core import access, hooks
        from outbreakhq.core.roles import Can

        aggregates.subscribe()  # daily figures follow tracing's records
        hooks.periodic(morning.job())  # the morning situation reports (core/periodic.py)
        hooks.navigation(hooks.NavEntry(_("Dashboard"), "dashboard", Can.VIEW_AGGREGATES, 10))
        hooks.urls("outbreakhq.command.urls")
        hooks.home_panel(hooks.HomePanel(_("Today in your jurisdiction"),
                                         "command/_home_figures.html", home.figures_panel,
                                         Can.VIEW_AGGREGATES, 10))
        hooks.home_panel(hooks.HomePanel(_("Directives"), "command/_home_directives.html",
                                         home.directives_panel, Can.ISSUE_DIRECTIVES, 15))
        # Owners of directives may be any role: the panel shows only when they own one.
        hooks.home_panel(hooks.HomePanel(_("Directives you own"),
                                         "command/_home_my_directives.html",
                                         home.my_directives_panel, Can.VIEW_AGGREGATES, 16))
        read, write = access.read, access.write
        access.declare(pages={
            "dashboard": read(Can.VIEW_AGGREGATES),
            "dashboard_area": read(Can.VIEW_AGGREGATES),
            "dashboard_data": read(Can.VIEW_AGGREGATES),
            "directives": read(Can.VIEW_AGGREGATES),
            "directive_issue": write(Can.ISSUE_DIRECTIVES),
            # The owner posts updates whatever their role (the service checks who may).
            "directive_update": write(Can.VIEW_AGGREGATES),
            "sitrep": read(Can.VIEW_AGGREGATES),
            "sitrep_pdf": read(Can.VIEW_AGGREGATES),
            "sitrep_pdf_job": read(Can.VIEW_AGGREGATES),  # the user's own (others' are 404)
            "sitrep_pdf_file": read(Can.VIEW_AGGREGATES),
            "sitrep_commentary": write(Can.ISSUE_DIRECTIVES),
        })
