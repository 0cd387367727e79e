"""The daily situation report of a jurisdiction: one template (command/_sitrep.html) for the
page and the PDF (WeasyPrint), in the active language. Aggregates only: no person is named,
so every role with `aggregate.view` may read it; directives appear without their owners."""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from outbreakhq.command.figures import child_rows, figures_for
from outbreakhq.command.models import Commentary, Directive, DirectiveStatus
from outbreakhq.command.svg import curve_svg, rt_svg
from outbreakhq.core import hooks, periodic
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.pdf import html_to_pdf
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.epi.rt import UNRELIABLE_BELOW


def context(actor: Actor | None, area: Area, day: date) -> dict:
    figures = figures_for(area, day)
    directives = list(Directive.objects.filter(tenant_id=area.tenant_id,
                                               area__path__startswith=area.path)
                      .exclude(status=DirectiveStatus.CANCELLED)
                      .filter(issued_at__date__lte=day)
                      .select_related("area").order_by("deadline", "id")[:100])
    for d in directives:
        d.is_overdue = d.overdue_on(day)
    open_ = [d for d in directives if d.status == DirectiveStatus.OPEN]
    note = Commentary.objects.filter(area=area, day=day).first()
    # The CLI and the morning task make the report as nobody (actor None): no user's tiles.
    tiles = [(t, t.context(actor, area)) for t in hooks.TILES
             if actor is not None and can(actor, t.capability)]
    return {
        "area": area, "day": day, "figures": figures, "children": child_rows(area, day),
        "curve_svg": curve_svg(figures), "rt_svg": rt_svg(figures), "tiles": tiles,
        "onset_svg": curve_svg(figures, by_onset=True),
        "directives_open": open_, "directives_overdue": [d for d in open_ if d.is_overdue],
        "directives_done": [d for d in directives if d.status == DirectiveStatus.DONE
                            and d.closed_on == day],
        "commentary": note.text if note else "",
        "may_edit": actor is not None and can(actor, Can.ISSUE_DIRECTIVES, area),
        "unreliable_below": UNRELIABLE_BELOW, "generated_at": timezone.localtime(),
        "morning": morning_of(area, day),
        **other_modules(area, day),
    }


def other_modules(area: Area, day: date) -> dict:
    """What the other modules tell the report, asked (core/hooks.py); None when the module
    is not installed, so the template leaves its section out."""
    return {"turnaround": hooks.ask("screening.turnaround_of", area.path, day),
            "zone_changes": hooks.ask("zones.changes_on", area.path, day),
            "alerts": hooks.ask("zones.alerts_on", area.path, day)}


def file_name(area: Area, day: date) -> str:
    return f"sitrep-{area.code}-{day.isoformat()}.pdf"


MORNING_JOB = "command.sitrep"  # the scheduler's job (command/morning.py)


def morning_time() -> time:
    return periodic.parse_time(settings.OUTBREAKHQ_SITREP_TIME, setting="OUTBREAKHQ_SITREP_TIME")


def morning_of(area: Area, day: date) -> dict:
    """What the report says of the morning run: its time and, for a top-level jurisdiction,
    when that day's PDF was made (None while not yet)."""
    run = None
    if area.parent_id is None:
        run = next((r for r in periodic.last_runs(MORNING_JOB, 7)
                    if periodic.local_day(r.slot) == day and r.status == r.DONE), None)
    return {"at": morning_time(), "made_at": run.finished_at if run else None,
            "time_zone": settings.TIME_ZONE}


def html(actor: Actor | None, area: Area, day: date) -> str:
    return render_to_string("command/sitrep_document.html", {**context(actor, area, day),
                                                             "for_pdf": True})


def pdf(actor: Actor | None, area: Area, day: date, *, base_url: str | None = None) -> bytes:
    return html_to_pdf(html(actor, area, day), stylesheets=["outbreakhq/command.css"],
                       base_url=base_url)
