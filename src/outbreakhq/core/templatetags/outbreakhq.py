from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_name(obj) -> str:
    """An area's or key group's name in the interface language (Chinese when available)."""
    return obj.display_name(get_language())
