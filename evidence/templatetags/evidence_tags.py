from django import template

from evidence.lib.labels import format_duration

register = template.Library()


@register.filter
def duration(seconds):
    """205 -> '3:25' (calls are remembered in minutes and seconds, not raw seconds)."""
    return format_duration(seconds)
