"""Draws the app icons of the web app manifest (static/img/icon-*.png) with Pillow.

A white document with a check mark on the brand red: no font needed (the system may
have no CJK font), the same at every size. `maskable` keeps the drawing inside the
centre 80 % circle that Android may crop to. Run: .venv/bin/python tools/make_icons.py
"""
from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (122, 31, 31, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "img"


def draw(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    scale = 4  # drawn large, scaled down: smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable or not rounded:
        d.rectangle([0, 0, s, s], fill=BRAND)
    else:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=s // 5, fill=BRAND)
    inner = 0.56 if maskable else 0.68  # the drawing's share of the icon
    w, h = s * inner * 0.78, s * inner
    x0, y0 = (s - w) / 2, (s - h) / 2
    fold = w * 0.28
    d.polygon([(x0, y0), (x0 + w - fold, y0), (x0 + w, y0 + fold), (x0 + w, y0 + h), (x0, y0 + h)], fill=WHITE)
    d.polygon([(x0 + w - fold, y0), (x0 + w - fold, y0 + fold), (x0 + w, y0 + fold)], fill=(230, 200, 200, 255))
    lw = max(2, int(w * 0.11))
    d.line([(x0 + w * 0.2, y0 + h * 0.58), (x0 + w * 0.42, y0 + h * 0.78), (x0 + w * 0.82, y0 + h * 0.36)],
           fill=BRAND, width=lw, joint="curve")
    return img.resize((size, size), Image.LANCZOS)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192).save(OUT / "icon-192.png", optimize=True)
    draw(512).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    draw(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
