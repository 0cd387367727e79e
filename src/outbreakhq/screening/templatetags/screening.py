"""Turnaround figures for the screening pages."""

from django import template

register = template.Library()


@register.filter
def figures(summary: dict) -> str:
    """mean / median / max hours, one decimal ("—" when nothing is known yet)."""
    if not summary or not summary.get("count"):
        return "—"
    return " / ".join(f"{summary[k]:.1f}" for k in ("mean", "median", "max"))


@register.filter
def shares(summary: dict) -> str:
    if not summary or not summary.get("count"):
        return "—"
    return " / ".join(f"{share:.0%}" for share in summary["within"].values())


@register.filter
def percent(value, digits: int = 3) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
