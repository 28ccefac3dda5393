from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

from evidence.lib.labels import format_duration
from evidence.lib.recording_names import patterns_json

register = template.Library()


@register.filter
def duration(seconds):
    """205 -> '3:25' (calls are remembered in minutes and seconds, not raw seconds)."""
    return format_duration(seconds)


@register.simple_tag
def recording_name_patterns():
    """The call-recording file-name patterns for static/js/recording-name.js, as JSON (the
    template escapes it into its attribute)."""
    return patterns_json()


@register.simple_tag
def quick_exit_url():
    """The neutral page the quick-exit control leaves to (settings.LIUZHENG_QUICK_EXIT_URL)."""
    return settings.LIUZHENG_QUICK_EXIT_URL


# The names in static/img/icons.svg (tests/test_icons.py checks both ways).
ICONS = {"phone", "message", "camera", "mic", "record", "stop", "user", "link", "inbox", "file", "trash", "share"}


@register.simple_tag
def icon(name):
    """An SVG icon from our own sprite, in the text's colour; decorative (the words beside it
    say what it is), so hidden from screen readers. Replaces emoji (issue 14)."""
    if name not in ICONS:
        raise template.TemplateSyntaxError(f"no icon {name!r} in static/img/icons.svg")
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
                       static("img/icons.svg"), name)
