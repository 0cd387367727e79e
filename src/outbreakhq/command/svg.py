"""Charts drawn on the server as SVG: the situation report's (HTML and PDF alike) and the
dashboard's fallback before its Vega-Lite charts load. Presentation attributes only (no
style attribute: the CSP forbids inline styles)."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from django.utils.translation import gettext as _

from outbreakhq.command.figures import INCOMPLETE_DAYS, INCOMPLETE_ONSET_DAYS, Figures

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 236, 40, 28, 28
CONTROL, COMMUNITY, GREY, INK = "#2e7d32", "#c75000", "#b8b8b8", "#333333"


def _frame(body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{escape(label)}" class="chart-svg" '
            f'font-family="sans-serif" font-size="11">' + "".join(body) + "</svg>")


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000,
                 20_000, 50_000, 100_000):
        if value <= step * 4:
            return step * -(-value // step)
    return value


def _axes(body: list[str], figures: Figures, top: float, fmt=lambda v: f"{v:g}") -> None:
    plot_h = HEIGHT - BOTTOM - TOP
    for frac in (0, 0.5, 1):
        y = TOP + plot_h * (1 - frac)
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#e0e0e0"/>')
        body.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" '
                    f'fill="{INK}">{fmt(top * frac)}</text>')
    days = figures.days
    if days:
        for i, anchor in ((0, "start"), (len(days) // 2, "middle"), (len(days) - 1, "end")):
            x = LEFT + (i + 0.5) * (WIDTH - LEFT - 4) / len(days)
            if anchor != "middle":
                x = LEFT if anchor == "start" else WIDTH - 4
            body.append(f'<text x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
                        f'fill="{INK}">{days[i].isoformat()}</text>')


def curve_svg(figures: Figures, *, by_onset: bool = False) -> str:
    """New cases by report date (or onset date): found under control (green) and in the
    community (orange), the incomplete last days in grey."""
    body: list[str] = []
    totals = figures.by_onset if by_onset else figures.reported
    under_control = figures.onset_under_control if by_onset else figures.under_control
    top = _nice_top(max(totals or [0]))
    _axes(body, figures, top, lambda v: f"{v:.0f}")
    n = len(figures.days) or 1
    bar_w = (WIDTH - LEFT - 4) / n
    plot_h = HEIGHT - BOTTOM - TOP
    last_complete = figures.day - timedelta(
        days=INCOMPLETE_ONSET_DAYS if by_onset else INCOMPLETE_DAYS)
    for i, (d, total, under) in enumerate(zip(figures.days, totals, under_control,
                                              strict=True)):
        if not total:
            continue
        x = LEFT + i * bar_w + 0.5
        incomplete = d > last_complete
        y = HEIGHT - BOTTOM
        for count, colour in ((under, CONTROL), (total - under, COMMUNITY)):
            if count:
                h = plot_h * count / top
                y -= h
                body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                            f'height="{h:.1f}" fill="{GREY if incomplete else colour}"/>')
    legend = ((CONTROL, _("found under control")), (COMMUNITY, _("found in the community")),
              (GREY, _("still incomplete")))
    x = LEFT + 6
    for colour, text in legend:
        body.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14}" y="13" fill="{INK}">{escape(str(text))}</text>')
        x += 24 + 6.2 * len(str(text))
    return _frame(body, _("New cases by onset date") if by_onset
                  else _("New cases by report date"))


def rt_svg(figures: Figures) -> str:
    """Rt over time: the 95% interval as a band, the mean as a line, R = 1 dashed; windows of
    fewer than 12 cases in grey."""
    body: list[str] = []
    if not figures.rt:
        body.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
                    f'fill="{INK}">{escape(_("Too few cases to estimate Rt."))}</text>')
        return _frame(body, _("Reproduction number"))
    top = _nice_top(min(max(e.upper for e in figures.rt), 10) * 1.05)
    _axes(body, figures, top, lambda v: f"{v:.1f}")
    plot_h = HEIGHT - BOTTOM - TOP
    index = {d: i for i, d in enumerate(figures.days)}
    step = (WIDTH - LEFT - 4) / (len(figures.days) or 1)

    def xy(d, v):
        return LEFT + (index[d] + 0.5) * step, TOP + plot_h * (1 - min(v, top) / top)

    upper = [xy(d, e.upper) for d, e in zip(figures.rt_days, figures.rt, strict=True)]
    lower = [xy(d, e.lower) for d, e in zip(figures.rt_days, figures.rt, strict=True)]
    band = " ".join(f"{x:.1f},{y:.1f}" for x, y in upper + lower[::-1])
    body.append(f'<polygon points="{band}" fill="#90caf9" fill-opacity="0.5"/>')
    one = TOP + plot_h * (1 - 1 / top)
    body.append(f'<line x1="{LEFT}" x2="{WIDTH - 4}" y1="{one:.1f}" y2="{one:.1f}" '
                f'stroke="{INK}" stroke-dasharray="4 3"/>')
    points = [(xy(d, e.mean), e.cases >= 12) for d, e in zip(figures.rt_days, figures.rt,
                                                                 strict=True)]
    for ((x1, y1), _ok1), ((x2, y2), ok2) in zip(points, points[1:], strict=False):
        colour = "#0d47a1" if ok2 else GREY
        body.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="{colour}" stroke-width="2"/>')
    return _frame(body, _("Reproduction number"))
