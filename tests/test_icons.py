"""Issue 14: icons are our own SVG sprite (static/img/icons.svg), not emoji that render as
empty boxes on phones without an emoji font."""
import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError

from evidence.templatetags.evidence_tags import ICONS

ROOT = Path(__file__).resolve().parent.parent
SPRITE = ROOT / "static" / "img" / "icons.svg"
# The emoji the templates used as icons before.
EMOJI = re.compile("[\U0001F4DE\U0001F4F7\U0001F399\U0001F5D1\U0001F4E5\u2709\U0001F464\U0001F4C4\U0001F517]")


def test_the_sprite_has_exactly_the_icons_the_tag_knows():
    ids = set(re.findall(r'<symbol id="([a-z-]+)"', SPRITE.read_text()))
    assert ids == ICONS
    assert "http" not in SPRITE.read_text().replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere


def test_no_template_uses_emoji_as_icons():
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in (ROOT / "templates").rglob("*.html")
                 for m in EMOJI.finditer(p.read_text())]
    assert not offenders


def test_the_tag_draws_a_decorative_svg_from_our_static_files():
    html = Template('{% load evidence_tags %}{% icon "phone" %}').render(Context())
    assert html == ('<svg class="icon" aria-hidden="true" focusable="false">'
                    '<use href="/static/img/icons.svg#phone"></use></svg>')
    with pytest.raises(TemplateSyntaxError):
        Template('{% load evidence_tags %}{% icon "nope" %}').render(Context())
