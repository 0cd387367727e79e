"""Every extension point of OutbreakHQ, declared in this one file (as Datasette's hookspecs.py).

Core imports no app. An app (tracing today; screening, quarantine, zones, support and the command
centre next) plugs itself in from its AppConfig.ready() by calling the functions below, and
nothing else of core needs to know it exists:

    class QuarantineConfig(AppConfig):
        def ready(self):
            hooks.subscribe(ContactHandedToQuarantine)(open_stay)
            hooks.navigation(NavEntry(_("Quarantine"), "stays", Can.VIEW_PERSON, 30))
            hooks.person_panel(PersonPanel("quarantine/_person_panel.html", person_stays, 30))
            hooks.api_router("/stays", "outbreakhq.quarantine.api.stays_router")
            hooks.urls("outbreakhq.quarantine.urls")

Registering twice is harmless (ready() may run twice in tests). Order: each entry's `order`,
else the order of registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from outbreakhq.core import events, nav, panels
from outbreakhq.core import periodic as periodic_jobs
from outbreakhq.core.nav import NavEntry
from outbreakhq.core.panels import PersonPanel
from outbreakhq.core.periodic import Job

__all__ = ["API_ROUTERS", "HOME_PANELS", "PROVIDERS", "TILES", "URL_INCLUDES", "DashboardTile",
           "HomePanel", "Job", "NavEntry", "PersonPanel", "api_router", "ask",
           "dashboard_tile", "home_panel", "navigation", "periodic", "person_panel", "provide",
           "subscribe", "urls"]


def _add_in_order(registry: list, entry) -> None:
    """The one registration of the ordered extension points: once, then sorted by `order`
    (a stable sort: equal orders keep the order of registration)."""
    if entry not in registry:
        registry.append(entry)
        registry.sort(key=lambda e: e.order)


def subscribe(*kinds: type[events.Event]) -> Callable:
    """Run a function `(event) -> None` on every event of these kinds (core/events.py lists
    them all). Subscribers run inside the publisher's transaction: raising refuses the change.
    Audit subscribes to the record events (core/audit_events.py); hand-overs between apps are
    events, never imports: a future quarantine app subscribes to ContactHandedToQuarantine."""
    return events.subscribe(*kinds)


def navigation(entry: NavEntry) -> None:
    """An entry of the navigation bar: a label, a URL name and the capability a role needs to
    see it (core/roles.py), so that each role sees exactly the modules it can use."""
    _add_in_order(nav.ENTRIES, entry)


def person_panel(panel: PersonPanel) -> None:
    """A section of a person's page (their cases, contacts, stays…): a template and a
    function `(actor, person) -> context` that reads through the app's scoped queryset. The
    other people the section shows go in its "shown_rows": the page's view event names them."""
    _add_in_order(panels.PANELS, panel)


@dataclass(frozen=True)
class DashboardTile:
    """A figure on the overview page: `context(actor, area)` returns the template's context
    (aggregates only: every role with `capability` sees the overview); `area` is the scope
    picked in the switcher, None for the actor's whole scope."""

    label: str | Promise
    template: str
    context: Callable[..., dict]
    capability: str
    order: int = 100


TILES: list[DashboardTile] = []


def dashboard_tile(tile: DashboardTile) -> None:
    """A tile of the overview page (the command centre's first use)."""
    _add_in_order(TILES, tile)


@dataclass(frozen=True)
class HomePanel:
    """A role's work for today on its home page: the tracer's due follow-ups, the collection
    site's open tubes, the lab's tubes waiting, the site manager's arrivals and releases, the
    community worker's urgent requests. `context(actor, area)` returns the template's context,
    or None when there is nothing to show; the panel appears for actors holding `capability`
    (core/roles.py), reads through scoped querysets, and links to the full worklist."""

    label: str | Promise
    template: str
    context: Callable[..., dict | None]
    capability: str
    order: int = 100


HOME_PANELS: list[HomePanel] = []


def home_panel(panel: HomePanel) -> None:
    """A panel of today's work on the home page (issue 13: every role's home is its work)."""
    _add_in_order(HOME_PANELS, panel)


PROVIDERS: dict[str, Callable] = {}  # question name -> the function that answers it


def provide(question: str, answer: Callable) -> None:
    """Answer a question other apps ask without importing this one, e.g. zones provides
    `"zones.grade_of"`: `(area_path, day) -> grade or None`. Names start with the answering
    app's label; each app documents the signatures it provides in its apps.py."""
    PROVIDERS.setdefault(question, answer)


def ask(question: str, *args, default=None, **kwargs):
    """The answer of the app that provides `question`, or `default` when no app does (a
    deployment without that module)."""
    answer = PROVIDERS.get(question)
    return default if answer is None else answer(*args, **kwargs)


API_ROUTERS: dict[str, str] = {}  # URL prefix under /api/v1/ -> dotted path of a ninja Router


def api_router(prefix: str, router: str) -> None:
    """A ninja Router of the JSON API, mounted at /api/v1/<prefix> (outbreakhq/api.py). Given
    as a dotted path, imported when the URLs load, after every app is ready. Every endpoint
    must also be declared in the access table (core/access.py): a test walks it."""
    API_ROUTERS.setdefault(prefix, router)


URL_INCLUDES: list[str] = []  # dotted paths of URL modules, included at the site root


def urls(module: str) -> None:
    """A module of page URLs (`urlpatterns`), included at the root by outbreakhq/urls.py."""
    if module not in URL_INCLUDES:
        URL_INCLUDES.append(module)


def periodic(job: Job) -> None:
    """A job the scheduler runs (`outbreakhq scheduler`, started by `outbreakhq serve`): daily
    at a time of the deployment's time zone or every N minutes, each slot once however many
    schedulers run (core/periodic.py). `job.run(slot)` runs as the system (no user), like the
    command line, in its own transactions; it should call the app's services, never raise for
    a routine "nothing to do"."""
    periodic_jobs.register(job)
