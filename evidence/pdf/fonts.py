"""Finding a font that draws simplified Chinese: LIUZHENG_CJK_FONT, else Noto Sans CJK SC, else any CJK font."""
from __future__ import annotations

import functools
import glob
import logging
import os
import re

from django.conf import settings
from fontTools.ttLib import TTFont
from PIL import ImageFont

log = logging.getLogger("liuzheng.pdf")

FONT_DIRS = [
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
    "/System/Library/Fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
]
# Relative to a font dir; Debian/Ubuntu's fonts-noto-cjk. Face 2 of the collection is SC.
_PREFERRED = "opentype/noto/NotoSansCJK-Regular.ttc"
_FONT_PATTERNS = [
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJK*-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.*",
    "SourceHanSans*-Regular.tt[cf]",
    "SourceHanSansSC-Regular.otf",
    "NotoSansCJK*.ttc",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "uming.ttc",
    "ukai.ttc",
    "gbsn00lp.ttf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
    "NotoSerifCJK-Regular.ttc",
    "msyh.ttc",
    "simhei.ttf",
    "simsun.ttc",
]
_FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".otc")
_SIMPLIFIED_FACE = re.compile(r"\b(SC|GB|CN|Hans)\b|Simplified|MicroHei|ZenHei|YaHei|SimHei|AR PL", re.I)
_CJK_PROBE = "证据目录第页共录音文字整理稿缺失"


class FontMissing(Exception):
    """No font that can draw Chinese: refuse rather than print boxes."""


def _configured_font() -> str:
    try:
        return str(getattr(settings, "LIUZHENG_CJK_FONT", "") or "")
    except Exception:  # settings not configured (a script): the environment is the setting
        return os.environ.get("LIUZHENG_CJK_FONT", "")


def _parse_configured(value: str) -> tuple[str, int | None]:
    """'path' or 'path:face' (face index in a .ttc collection)."""
    value = value.strip()
    head, sep, tail = value.rpartition(":")
    if sep and tail.isdigit() and head:
        return head, int(tail)
    return value, None


def _face_names(path: str) -> list[str]:
    """Family names of the faces of a font file (one for .ttf/.otf), via Pillow."""
    try:
        return list(_face_names_cached(path, os.path.getmtime(path)))
    except OSError:
        return []


@functools.lru_cache(maxsize=64)
def _face_names_cached(path: str, mtime: float) -> tuple[str, ...]:
    names = []
    for index in range(32 if path.lower().endswith((".ttc", ".otc")) else 1):
        try:
            font = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        names.append(" ".join(n for n in font.getname() if n))
    return tuple(names)


def _simplified_face(path: str) -> int | None:
    names = _face_names(path)
    if not names:
        return None
    for index, name in enumerate(names):
        if _SIMPLIFIED_FACE.search(name) and "Mono" not in name:
            return index
    return 0


@functools.lru_cache(maxsize=64)
def _covers_cjk(path: str, index: int, mtime: float) -> bool:
    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        cmap = font.getBestCmap() or {}
        font.close()
    except Exception as exc:  # unreadable, wrong index, bitmap-only font …
        log.info("Font %s#%s is not usable: %s", path, index, exc)
        return False
    return all(ord(c) in cmap for c in _CJK_PROBE)


def _usable(path: str, index: int | None) -> tuple[str, int] | None:
    if not path or not os.path.isfile(path) or not path.lower().endswith(_FONT_EXTENSIONS):
        return None
    if index is None:
        index = _simplified_face(path)
        if index is None:
            return None
    if _covers_cjk(path, index, os.path.getmtime(path)):
        return path, index
    return None


def find_cjk_font(search_dirs: list[str] | None = None, *, configured: str | None = None) -> tuple[str, int] | None:
    """(path, face index) of a font that draws simplified Chinese, or None.

    settings.LIUZHENG_CJK_FONT ("path" or "path:face") first, then Noto Sans CJK SC,
    then any other CJK font found under `search_dirs` (default FONT_DIRS).
    A configured font that does not exist or cannot draw Chinese is logged and skipped.
    """
    configured = _configured_font() if configured is None else configured
    if configured:
        found = _usable(*_parse_configured(configured))
        if found:
            return found
        log.warning("LIUZHENG_CJK_FONT=%r is not a usable CJK font; searching the system fonts", configured)
    dirs = [d for d in (FONT_DIRS if search_dirs is None else search_dirs) if d and os.path.isdir(d)]
    candidates = [os.path.join(d, _PREFERRED) for d in dirs]
    for pattern in _FONT_PATTERNS:
        for base in dirs:
            candidates += sorted(glob.glob(os.path.join(glob.escape(base), "**", pattern), recursive=True))
    seen = set()
    for path in candidates:
        if path in seen:
            continue
        seen.add(path)
        found = _usable(path, None)
        if found:
            return found
    return None


def require_cjk_font() -> tuple[str, int]:
    """find_cjk_font(), or FontMissing saying how to install one."""
    font = find_cjk_font()
    if not font:
        raise FontMissing(
            "No CJK font found: install fonts-noto-cjk or set LIUZHENG_CJK_FONT to a .ttc/.otf/.ttf path"
        )
    return font
