"""Text the embedded font can draw: what clean_text() drops, replaces and keeps."""
from __future__ import annotations

import unicodedata

REPLACEMENT = "?"
EMOJI = "[表情]"
_DROP = {"Cc", "Cf", "Cs", "Co", "Cn"}


def _is_emoji(ch: str) -> bool:
    o = ord(ch)
    return (0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or 0x2B00 <= o <= 0x2BFF
            or 0x1F3FB <= o <= 0x1F3FF or unicodedata.category(ch) == "So")


def clean_text(text, renderable: set[int]) -> str:
    """Text the font can draw: control and format characters dropped, tabs expanded,
    emoji → [表情] (one per run), anything else the font lacks → '?'."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    out = []
    emoji_run = False
    for ch in text:
        o = ord(ch)
        if ch == "\n":
            out.append(ch)
            emoji_run = False
            continue
        if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF or o in (0x200D, 0x20E3):
            continue  # variation selectors, zero-width joiner, keycap: part of an emoji sequence
        cat = unicodedata.category(ch)
        if o in renderable and cat not in _DROP:
            out.append(ch)
            emoji_run = False
            continue
        if cat in _DROP:
            if cat in ("Co", "Cn") or (cat == "Cs"):
                out.append(REPLACEMENT)
                emoji_run = False
            continue  # control / format characters (bidi overrides, soft hyphen, BOM …)
        if cat.startswith("Z"):
            out.append(" " if cat == "Zs" else "\n")  # U+2028/2029: line/paragraph separators
            emoji_run = False
        elif _is_emoji(ch):
            if not emoji_run:
                out.append(EMOJI)
            emoji_run = True
        else:
            out.append(REPLACEMENT)
            emoji_run = False
    return "".join(out)


def kept_as_is(renderable: set[int]) -> set[str]:
    """The characters clean_text() passes through unchanged (plus newline): its fast path."""
    return {chr(o) for o in renderable if unicodedata.category(chr(o)) not in _DROP} | {"\n"}
