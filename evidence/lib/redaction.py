"""Redacted copies of screenshots (issue 15): which boxes to black out, and the copy itself.

PIPL: a complaint to a regulator should carry no more of third parties' personal data than it
needs. The proposal covers what the OCR read (evidence.lib.ocr: line boxes, in the picture as it is
shown) that is a phone number other than the collector's, or a third party's name the case
records. The collector's numbers are the evidence and stay visible. The user checks, drops and
draws boxes; `render` paints them opaque black on a fresh image (PNG, no EXIF, no ICC, no text
chunks carried over). Every box and the copy are in the picture as the page shows it: a photo
stored turned (EXIF orientation) is turned upright first (evidence.lib.orientation). The
original is never touched: this works on a copy of its bytes.
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image

from . import ocr, orientation

# What Pillow reads without a plugin: the formats a redacted copy can be made from.
REDACTABLE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")
MAX_BOXES = 200
# The largest image a copy is made of: the OCR's own cap (a render holds the decoded image, a
# few bytes a pixel, and an 80 MP PNG can be a 0.3 MB upload).
MAX_PIXELS = ocr.MAX_PIXELS


class BadBoxes(ValueError):
    """The boxes a form sent cannot be used as they are (too many, or a coordinate that is not
    a finite number): refused whole, so no box the user marked is dropped silently."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message, self.params = message, params


class NotRedactable(ValueError):
    """This image is not made into a redacted copy; `reason` is "pixels", "orientation" (its
    EXIF block cannot be read: which way up the page shows it is not known) or "unreadable"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason
_DIGITS = re.compile(r"\D+")
# A person's number: a mainland mobile (optionally +86) or a landline with its area code, spaced
# or dashed as phones print them. Service numbers (95…, 10…) and SMS gateways (106…) belong to
# companies, not to third parties, and are left visible.
PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(?:1[3-9]\d[ -]?\d{4}[ -]?\d{4}|0\d{2,3}[ -]?\d{7,8})(?!\d)")


@dataclass(frozen=True)
class Frame:
    """The picture as the page shows it: its size upright, and the EXIF orientation turned."""
    width: int
    height: int
    orientation: int = 1


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int
    y1: int
    why: str = ""  # "number" | "name" | "" (drawn by the user)

    def as_value(self) -> str:
        return f"{self.x0},{self.y0},{self.x1},{self.y1}"

    @property
    def width(self):
        return self.x1 - self.x0

    @property
    def height(self):
        return self.y1 - self.y0


def number_key(number: str) -> str:
    """A phone number reduced for comparison: digits only, without +86/0086."""
    digits = _DIGITS.sub("", number or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            return digits[len(prefix):]
    return digits


def _weight(ch: str) -> float:
    """How wide a character prints, relative to a CJK character (one em)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.3 if ch == " " else 0.58


def _span_box(line: ocr.Line, start: int, end: int, why: str) -> Box:
    """The part of a line's box that holds text[start:end], estimated from character widths
    (the OCR gives one box per line), widened by half a character each side so that an
    estimate a little off still covers every digit."""
    text = line.text
    total = sum(_weight(c) for c in text) or 1.0
    before = sum(_weight(c) for c in text[:start])
    upto = before + sum(_weight(c) for c in text[start:end])
    width = line.x1 - line.x0
    pad = max(4, (line.y1 - line.y0) // 2)
    x0 = line.x0 + int(width * before / total) - pad
    x1 = line.x0 + int(width * upto / total + 0.999) + pad
    return Box(max(line.x0 - 2, x0), line.y0 - 2, min(line.x1 + 2, x1), line.y1 + 2, why)


def numbers_in(lines: list[ocr.Line]) -> list[str]:
    """The personal numbers the lines show, as printed (the ones `propose` covers unless kept)."""
    return [m.group(0) for line in lines for m in PERSONAL_NUMBER.finditer(line.text)]


def propose(lines: list[ocr.Line], *, keep_numbers=(), names=()) -> list[Box]:
    """The boxes to black out: every phone number not among `keep_numbers` (the collector's)
    and every occurrence of a name in `names` (third parties the case records)."""
    keep = {number_key(n) for n in keep_numbers if number_key(n)}
    names = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
    boxes = []
    for line in lines:
        for m in PERSONAL_NUMBER.finditer(line.text):
            if number_key(m.group(0)) not in keep:
                boxes.append(_span_box(line, m.start(), m.end(), "number"))
        for name in names:
            start = line.text.find(name)
            while start >= 0:
                boxes.append(_span_box(line, start, start + len(name), "name"))
                start = line.text.find(name, start + len(name))
    return boxes


def parse_boxes(values, width: int, height: int) -> list[Box]:
    """Boxes from a form ("x0,y0,x1,y1" each, in the upright picture's pixels), clipped to it.
    A value that is not four numbers, or a box with no area, is left out. More than MAX_BOXES
    boxes, or a coordinate that is infinite or not a number, raises BadBoxes."""
    values = list(values)
    if len(values) > MAX_BOXES:
        raise BadBoxes("more than %(max)d boxes", max=MAX_BOXES)
    boxes = []
    for value in values:
        parts = str(value).split(",")
        if len(parts) != 4:
            continue
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            continue
        if not all(math.isfinite(n) for n in numbers):  # "1e999", "inf", "nan"
            raise BadBoxes("a coordinate that is not a finite number")
        boxes.append(Box(*(int(round(n)) for n in numbers)))
    return clip(boxes, width, height)


def clip(boxes: list[Box], width: int, height: int) -> list[Box]:
    """The boxes cut to a width × height picture (corners in order); a box left with no area
    is left out."""
    out = []
    for b in boxes:
        x0, x1 = sorted((max(0, min(width, b.x0)), max(0, min(width, b.x1))))
        y0, y1 = sorted((max(0, min(height, b.y0)), max(0, min(height, b.y1))))
        if x1 - x0 >= 1 and y1 - y0 >= 1:
            out.append(Box(x0, y0, x1, y1, b.why))
    return out


def too_large(width, height) -> bool:
    return (width or 0) * (height or 0) > MAX_PIXELS


def _open(image: bytes):
    """The image opened (header only) and its orientation; NotRedactable as `render` would."""
    try:
        src = Image.open(io.BytesIO(image))
    except Image.DecompressionBombError as exc:
        raise NotRedactable("pixels") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise NotRedactable("unreadable") from exc
    if too_large(*src.size):
        src.close()
        raise NotRedactable("pixels")
    turned = orientation.of(src)
    if turned is None:  # a broken EXIF block: not knowing which way up the page shows it, refuse
        src.close()
        raise NotRedactable("orientation")
    return src, turned


def check(image: bytes) -> Frame:
    """The picture as the page shows it (read from the header only); raises NotRedactable if
    `render` would refuse this image."""
    src, turned = _open(image)
    with src:
        return Frame(*orientation.upright_size(*src.size, turned), turned)


def _upright_clean(image: bytes) -> Image.Image:
    """The picture as the page shows it, as a new RGB image with no metadata: a photo stored
    turned is turned upright (as the OCR read it), transparency is composited onto white (as
    the OCR reads it: a pixel the original hides under alpha is not revealed). Raises
    NotRedactable (too many pixels, unknown orientation, unreadable)."""
    src, turned = _open(image)
    with src:
        try:
            src.seek(0)  # a GIF or WebP: its first frame
            if turned != 1:
                src = orientation.upright(src)
            if src.mode in ("RGBA", "LA", "PA") or "transparency" in src.info:
                rgba = src.convert("RGBA")
                clean = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                clean.alpha_composite(rgba)
                del rgba
                clean = clean.convert("RGB")
            else:
                clean = src.convert("RGB")  # a new image: no EXIF, ICC profile or text chunks
        except (OSError, ValueError, SyntaxError) as exc:
            raise NotRedactable("unreadable") from exc
    clean.info.clear()
    return clean


def render(image: bytes, boxes: list[Box]) -> bytes:
    """The redacted copy: the upright picture (`_upright_clean`) with opaque black rectangles,
    as a PNG with no metadata at all. Raises NotRedactable."""
    clean = _upright_clean(image)
    for b in boxes:
        clean.paste((0, 0, 0), (b.x0, b.y0, b.x1, b.y1))
    out = io.BytesIO()
    clean.save(out, "PNG", optimize=False)
    return out.getvalue()


def preview(image: bytes) -> bytes:
    """What the redact page draws the boxes on for a photo stored turned: the very picture
    `render` blacks out, as a JPEG for the phone. Browsers do not agree on when they apply an
    EXIF orientation (a PNG's eXIf chunk after the image data, WebP, an SVG <image>): drawn
    from the original, a box the user places could land on other pixels in the copy.
    Raises NotRedactable."""
    out = io.BytesIO()
    _upright_clean(image).save(out, "JPEG", quality=85)
    return out.getvalue()
