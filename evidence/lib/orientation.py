"""Which way up a photo is: its EXIF Orientation, as browsers and Pillow's
`ImageOps.exif_transpose` apply it. A phone's camera stores the pixels as the sensor read them
and records the turn needed to show them upright; the page shows the picture turned. Whatever
is drawn over the picture (OCR boxes, redaction boxes) and the redacted copy itself use that
upright frame, so a box the user draws covers the pixels they see under it.
"""
from __future__ import annotations

from PIL import Image, ImageOps

TAG = 0x0112  # EXIF Orientation
# 5 to 8 are turned a quarter: the upright picture is the stored one with width and height swapped.
_QUARTER_TURNS = (5, 6, 7, 8)


def of(img: Image.Image) -> int | None:
    """The orientation `exif_transpose` applies (1 when none, or when the tag is not one of
    the eight defined values, which it and the browsers ignore); None when the EXIF block
    cannot be read, so the frame the picture is shown in is not known."""
    try:
        value = img.getexif().get(TAG, 1)
    except Exception:  # noqa: BLE001 - Pillow raises many kinds of error on a broken EXIF block
        return None
    return value if value in range(1, 9) else 1


def upright_size(width: int, height: int, orientation: int | None) -> tuple[int, int]:
    """The size of the picture as it is shown, from its stored size."""
    return (height, width) if orientation in _QUARTER_TURNS else (width, height)


def upright(img: Image.Image) -> Image.Image:
    """The picture as it is shown (a new image when it is turned, else `img` itself)."""
    return ImageOps.exif_transpose(img) if of(img) not in (1, None) else img

