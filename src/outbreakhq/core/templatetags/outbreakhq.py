from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from outbreakhq.core.grades import grade_label

register = template.Library()


@register.filter
def local_name(obj) -> str:
    """An area's or key group's name in the interface language (Chinese when available)."""
    return obj.display_name(get_language())


@register.simple_tag(takes_context=True)
def hooked(context, template_name: str, values: dict | None) -> str:
    """A module's home panel or dashboard tile (core/hooks.py): its template rendered with the
    context its function returned, as the hook promises, and the request (for `{% url %}`,
    the CSRF token and the language)."""
    return render_to_string(template_name, values or {}, request=context.get("request"))


@register.filter(name="grade_label")
def grade_label_filter(grade: str | None) -> str:
    """A risk grade in words (core/grades.py)."""
    return grade_label(grade)
