"""Form fields for the tracing pages: label, input, the service's error for that field.

The services validate everything; a page only shows what they said, next to the field it names.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today

register = template.Library()


@register.inclusion_tag("tracing/_field.html", takes_context=True)
def field(context, name: str, label: str, kind: str = "text", choices=None, prefix: str = "",
          help: str = "", required: bool = False, value=None, placeholder: str = "") -> dict:
    """`{% field "place" _("Place") %}`; `kind` is an input type, "select" or "textarea"."""
    values = context.get("values") or {}
    errors = context.get("errors") or {}
    current = values.get(name, value if value is not None else "")
    return {"name": name, "label": label, "kind": kind, "choices": choices or [],
            "value": "" if current is None else str(current), "error": errors.get(name),
            "id": f"{prefix}{name}", "help": help, "required": required,
            "placeholder": placeholder}


@register.filter
def progress(contact) -> str:
    """"day 3 of 10": where today falls in the contact's follow-up window."""
    total = (contact.followup_end - contact.followup_start).days + 1
    day = (today() - contact.followup_start).days + 1
    return gettext("day %(day)d of %(total)d") % {"day": day, "total": total}


@register.filter
def test_due_today(contact) -> bool:
    """Today is one of the contact's test days (the preset's schedule for its category)."""
    return services.test_due(contact, today())
