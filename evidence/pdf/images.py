"""Photos and screenshots made printable: EXIF-rotated, downscaled, JPEG or lossless."""
from __future__ import annotations

import io

from django.conf import settings
from PIL import Image, ImageOps

MAX_IMAGE_PX = 1200  # ≈ 170 dpi at the largest printed size: sharp on paper, and fpdf2 holds every image until the end
# A tall screenshot is printed at the page width, over pages: its height may be longer.
MAX_TALL_PX = 3 * MAX_IMAGE_PX


def printable_image(raw: bytes | None):
    """(what to give FPDF.image, width px, height px): EXIF-rotated, ≤ MAX_IMAGE_PX on each
    side, JPEG for photos, lossless for flat screenshots. None if there is nothing to print."""
    if not raw:
        return None
    try:
        limit = int(getattr(settings, "LIUZHENG_MAX_IMAGE_PIXELS", 80_000_000))
    except Exception:  # settings not configured (a script)
        limit = 80_000_000
    src = Image.open(io.BytesIO(raw))
    if src.width * src.height > limit:
        raise ValueError(f"image too large: {src.width}x{src.height}")
    src.draft("RGB", (MAX_IMAGE_PX, MAX_IMAGE_PX))  # JPEG: decode at reduced size (never below either bound)
    src.load()
    img = ImageOps.exif_transpose(src)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    tall = img.height >= img.width * 1.25
    img.thumbnail((MAX_IMAGE_PX, MAX_TALL_PX if tall else MAX_IMAGE_PX), Image.Resampling.LANCZOS)
    size = img.size
    if src.format == "JPEG" or img.mode == "RGB" and _colourful(img):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85, optimize=True)
        buf.seek(0)
        return buf, *size  # embedded as is (DCTDecode)
    return img, *size


def _colourful(img) -> bool:
    """Photos compress far better as JPEG; flat screenshots stay lossless."""
    small = img.copy()
    small.thumbnail((64, 64))
    colours = small.getcolors(maxcolors=512)
    return colours is None
