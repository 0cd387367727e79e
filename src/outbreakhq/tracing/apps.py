from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "outbreakhq.tracing"
    label = "tracing"
    verbose_name = _("Cases and contact tracing")

    def ready(self) -> None:
        """Plug tracing in through core's extension points (core/hooks.py)."""
        from outbreakhq.core import hooks
        from outbreakhq.core.roles import Can

        for label, url_name, order in ((_("Cases"), "cases", 20), (_("Contacts"), "contacts", 21),
                                       (_("Follow-up"), "followups", 22),
                                       (_("Chains"), "chains", 23)):
            hooks.navigation(hooks.NavEntry(label, url_name, Can.VIEW_PERSON, order))
        # Analysts reach their pseudonymised exports here (they see no case lists).
        hooks.navigation(hooks.NavEntry(_("Exports"), "exports", Can.EXPORT_PSEUDONYMS, 80))

        from outbreakhq.tracing.person_panel import person_tracing

        hooks.person_panel(hooks.PersonPanel("tracing/_person_panel.html", person_tracing, 20))

        from outbreakhq.tracing.home import followup_panel

        hooks.home_panel(hooks.HomePanel(_("Follow-up today"), "tracing/_home_followups.html",
                                         followup_panel, Can.RECORD_FOLLOWUP, 20))
        for prefix, router in (("/cases", "api.cases.cases_router"),
                               ("/contacts", "api.contacts.contacts_router"),
                               ("/followups", "api.contacts.followups_router"),
                               ("/chains", "api.contacts.chains_router"),
                               ("", "api.import_export.imports_router")):  # /imports/…, /exports/…
            hooks.api_router(prefix, f"outbreakhq.tracing.{router}")
        hooks.urls("outbreakhq.tracing.urls")  # cases/, contacts/, followups/, chains/
        hooks.urls("outbreakhq.tracing.urls_io")  # import/, export/, exports/
        from outbreakhq.core import access

        # A background export's state and file: the user's own only, and only while they may
        # export that kind of list (others' files, and theirs without the right, are 404), as
        # GET /imports/jobs/{token}.
        mine = access.read(access.LOGIN_ONLY)
        access.declare(api={"GET /exports/jobs/{name}": mine, "GET /exports/files/{name}": mine})

        from outbreakhq.tracing.models import Case

        # Other modules ask, never import (core/hooks.py): zones counts confirmed and
        # asymptomatic cases as infections, not suspected or discarded ones.
        hooks.provide("tracing.case_classification", lambda case_id: Case.objects.filter(
            pk=case_id).values_list("classification", flat=True).first())
        # zones dates an imported case's infection by its report (or onset) date, not the
        # day the import ran, and leaves out those that are no infection: a query of the
        # cases' rows (number, tree, place, reported, onset, classed) that zones inserts its
        # events from in the database, one statement a batch.
        hooks.provide("tracing.case_days", _case_days)

        from outbreakhq.tracing import zone_answers

        # zones' early warning (a case with no known source) and stays (a case's visits).
        hooks.provide("tracing.source_facts", zone_answers.source_facts)
        hooks.provide("tracing.visit", zone_answers.visit_facts)
        hooks.provide("tracing.visits_of", zone_answers.visits_of)

        from outbreakhq.tracing import retention

        retention.register()

        from outbreakhq.tracing.importer import register_importers

        register_importers()  # cases, contacts, links: interop/registry.py

        from outbreakhq.core.events import PositiveResultsRecorded
        from outbreakhq.tracing.subscribers import propose_cases

        hooks.subscribe(PositiveResultsRecorded)(propose_cases)  # screening's, quarantine's


def _case_days(case_ids):
    """The rows of these cases (an import batch's: one range, core/bulk.with_ids) as a query
    with named columns: `number`, `tree` (tenant), `place` (area), `reported`, `onset` (or null) and
    `classed`, for a subscriber to read from in SQL without any row coming to Python."""
    from django.db.models import F

    from outbreakhq.core.bulk import with_ids
    from outbreakhq.tracing.models import Case

    return with_ids(Case.objects.all(), case_ids).order_by().values(
        number=F("pk"), tree=F("tenant_id"), place=F("area_id"), reported=F("report_date"),
        onset=F("onset_date"), classed=F("classification"))
