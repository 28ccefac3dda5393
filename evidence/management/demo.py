"""Realistic-looking evidence files made on the fly, for the demo case (seed_demo).

Nothing here touches the database or the disk: each function returns bytes that
go through the normal encrypted-upload path, so the demo exercises the same code
as a real borrower's upload (sniffing, thumbnails, durations, custody).
"""
from __future__ import annotations

import functools
import io
import math
import os
import random
import re
import sys
import wave
from array import array
from datetime import datetime, timedelta

from PIL import Image, ImageDraw, ImageFont

# --------------------------------------------------------------------------- fonts

# One font finder for the whole app: catalog.pdf and the demo screenshots use the
# same CJK face (Noto Sans CJK SC from fonts-noto-cjk, or what LIUZHENG_CJK_FONT names).
from evidence.pdf.fonts import find_cjk_font  # noqa: E402


def _bold_variant(path: str) -> str:
    bold = path.replace("Regular", "Bold")
    return bold if bold != path and os.path.isfile(bold) else path


@functools.lru_cache(maxsize=32)
def _font(size: int, bold: bool = False):
    found = find_cjk_font()
    if found:
        path, index = found
        try:
            return ImageFont.truetype(_bold_variant(path) if bold else path, size, index=index)
        except OSError:
            pass
    # No CJK font: the screenshot shows boxes instead of characters, but seeding goes on.
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def _text(draw, xy, text, font, fill, **kw):
    try:
        draw.text(xy, text, font=font, fill=fill, **kw)
    except UnicodeError:
        # Pillow's bitmap fallback font only knows Latin-1.
        draw.text(xy, text.encode("latin-1", "replace").decode("latin-1"), font=font, fill=fill, **kw)


def _length(font, text) -> float:
    try:
        return font.getlength(text)
    except UnicodeError:
        return font.getlength(text.encode("latin-1", "replace").decode("latin-1"))


# --------------------------------------------------------------------------- SMS screenshot

_TOKENS = re.compile(r"[A-Za-z0-9_.,:;%@/+\-*#]+|\s+|.", re.S)
# Chinese typesetting keeps these off the start of a line (避头尾).
_NO_LINE_START = set("，。！？、；：）」』》”’,.!?;:)")
_WEEKDAYS = "一二三四五六日"


def _wrap(text: str, font, width: float) -> list[str]:
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKENS.findall(paragraph):
            if not line or _length(font, line + token) <= width or token in _NO_LINE_START:
                line += token
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
            # A token wider than the bubble (a long URL or number): break it anywhere.
            while len(token) > 1 and _length(font, line) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and _length(font, line[:cut]) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _date_label(when: datetime, shot_at: datetime) -> str:
    if when.date() == shot_at.date():
        day = "今天"
    elif when.date() == (shot_at - timedelta(days=1)).date():
        day = "昨天"
    else:
        day = f"{when.month}月{when.day}日 周{_WEEKDAYS[when.weekday()]}"
    return f"{day} {when:%H:%M}"


def _status_bar(draw, s, width, shot_at, font_bold, font_small):
    _text(draw, (30 * s, 14 * s), f"{shot_at:%H:%M}", font_bold, "black")
    right = width - 20 * s
    # Battery outline with a fill level, then the network type and signal bars.
    draw.rounded_rectangle((right - 25 * s, 17 * s, right, 29 * s), radius=3 * s, outline="#8e8e93", width=s)
    draw.rounded_rectangle((right - 23 * s, 19 * s, right - 9 * s, 27 * s), radius=2 * s, fill="black")
    draw.rectangle((right + s, 21 * s, right + 2 * s, 25 * s), fill="#8e8e93")
    _text(draw, (right - 50 * s, 15 * s), "4G", font_small, "black")
    for i in range(4):
        x = right - 78 * s + i * 6 * s
        draw.rounded_rectangle((x, (27 - 3 * i) * s, x + 4 * s, 29 * s), radius=s, fill="black" if i < 3 else "#c7c7cc")


def _header(draw, s, width, sender, font, font_small):
    # Back chevron, the contact's round avatar and the number below it.
    draw.line(((22 * s, 62 * s), (14 * s, 72 * s), (22 * s, 82 * s)), fill="#007aff", width=3 * s, joint="curve")
    cx, cy, r = width // 2, 70 * s, 20 * s
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill="#a4a9b4")
    draw.ellipse((cx - 7 * s, cy - 12 * s, cx + 7 * s, cy + 2 * s), fill="white")
    draw.pieslice((cx - 14 * s, cy + 3 * s, cx + 14 * s, cy + 27 * s), 180, 360, fill="white")
    label = f"{sender} ›"
    _text(draw, ((width - _length(font_small, label)) / 2, 94 * s), label, font_small, "black")
    draw.line(((0, 118 * s), (width, 118 * s)), fill="#d1d1d6", width=max(1, s // 2))


def sms_screenshot_png(sender: str, lines, when: datetime, *, shot_at: datetime | None = None,
                       width: int = 390, height: int = 844, scale: int = 2, exif: bool = True) -> bytes:
    """A phone screenshot of received text messages, as PNG bytes.

    `lines` are the messages (one bubble each), all received at `when`; an item may
    also be a (datetime, text) pair for a thread spread over time. Times are drawn
    as given (pass local wall-clock times). The screenshot itself is "taken" at
    `shot_at` (default: two minutes after the last message), which is the status-bar
    clock and, like a phone's, the EXIF capture time.
    """
    messages = [(m[0], m[1]) if isinstance(m, tuple) else (when, m) for m in lines]
    last = max(t for t, _ in messages) if messages else when
    shot_at = shot_at or last + timedelta(minutes=2)
    s = max(1, int(scale))
    W = width * s
    body, small, bold = _font(17 * s), _font(12 * s), _font(16 * s, bold=True)
    line_h = int(23 * s)
    max_text = int(W * 0.68) - 28 * s

    # Lay out first: a long thread grows the canvas rather than being cut off.
    blocks, y, previous = [], 134 * s, None
    for t, text in messages:
        if previous is None or t - previous > timedelta(hours=1):
            label = ("短信/彩信\n" if previous is None else "") + _date_label(t, shot_at)
            blocks.append(("label", y, label))
            y += (len(label.split("\n")) * 16 + 10) * s
        wrapped = _wrap(text, body, max_text)
        h = len(wrapped) * line_h + 16 * s
        blocks.append(("bubble", y, wrapped))
        y += h + 6 * s
        previous = t
    H = max(height * s, y + 70 * s)

    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    _status_bar(draw, s, W, shot_at, bold, small)
    _header(draw, s, W, sender, body, small)
    for kind, top, payload in blocks:
        if kind == "label":
            for i, part in enumerate(payload.split("\n")):
                _text(draw, ((W - _length(small, part)) / 2, top + i * 16 * s), part, small, "#8e8e93")
            continue
        text_w = max(_length(body, ln) for ln in payload) if payload else 0
        box = (14 * s, top, 14 * s + text_w + 28 * s, top + len(payload) * line_h + 16 * s)
        draw.rounded_rectangle(box, radius=18 * s, fill="#e9e9eb")
        for i, ln in enumerate(payload):
            _text(draw, (box[0] + 14 * s, top + 7 * s + i * line_h), ln, body, "black")

    # The input bar at the bottom of the Messages app.
    bar_top = H - 58 * s
    draw.rounded_rectangle((52 * s, bar_top, W - 14 * s, bar_top + 36 * s), radius=18 * s, outline="#c7c7cc", width=s)
    _text(draw, (66 * s, bar_top + 8 * s), "短信/彩信", body, "#c7c7cc")
    draw.ellipse((14 * s, bar_top + 3 * s, 44 * s, bar_top + 33 * s), fill="#e9e9eb")
    _text(draw, (23 * s, bar_top + 5 * s), "+", bold, "#8e8e93")
    draw.rounded_rectangle(((W - 134 * s) // 2, H - 12 * s, (W + 134 * s) // 2, H - 7 * s), radius=3 * s, fill="black")

    # Few colours: a palette PNG is a fraction of the size of an RGB one.
    img = img.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        tags = Image.Exif()
        stamp = shot_at.strftime("%Y:%m:%d %H:%M:%S")
        tags[306] = stamp  # DateTime
        tags.get_ifd(0x8769)[36867] = stamp  # DateTimeOriginal
        kwargs["exif"] = tags.tobytes()
    img.save(out, "PNG", **kwargs)
    return out.getvalue()


# --------------------------------------------------------------------------- call recording

def recording_wav(seconds: float = 5.0, *, seed: int = 0, rate: int = 8000) -> bytes:
    """A short "call recording": 8 kHz mono 16-bit WAV of two alternating voices.

    Not speech, but it sounds like a phone call at a glance (voiced syllables in a
    telephone band, pauses, line noise, the busy tone after hang-up), and it is a
    real WAV whose duration every player and mutagen read.
    """
    rng = random.Random(seed)
    n = max(1, int(seconds * rate))
    samples = [rng.gauss(0.0, 0.012) for _ in range(n)]  # line hiss

    tone_len = int(0.35 * rate)
    busy = n - 4 * tone_len if seconds >= 3 else n  # the last 1.4 s: two beeps of the 450 Hz busy tone
    if busy < n:
        for k in (0, 2):
            start = busy + k * tone_len
            for i in range(tone_len):
                samples[start + i] += 0.25 * math.sin(2 * math.pi * 450 * i / rate)

    # Voices: a loud, low collector and a quieter, higher borrower taking turns.
    speakers = [(rng.uniform(110, 140), 0.55), (rng.uniform(195, 235), 0.3)]
    pos, turn = int(0.25 * rate), 0
    while pos < busy - int(0.3 * rate):
        f0_base, loudness = speakers[turn % 2]
        turn_end = min(busy - int(0.2 * rate), pos + int(rng.uniform(0.8, 2.2) * rate))
        while pos < turn_end:
            length = min(int(rng.uniform(0.12, 0.26) * rate), turn_end - pos)
            formant = rng.uniform(500, 1500)  # the vowel's colour
            glide = rng.uniform(-0.25, 0.2)
            amp = loudness * rng.uniform(0.7, 1.0)
            harmonics = []
            k = 1
            while k * f0_base * 1.3 < rate / 2 and k <= 14:
                f = k * f0_base
                # A phone line passes about 300-3400 Hz; the vowel peaks at its formant.
                band = 0.15 if f < 300 else (0.2 if f > 3400 else 1.0)
                harmonics.append((k, band * math.exp(-((f - formant) / 700) ** 2) / math.sqrt(k)))
                k += 1
            phase = 0.0
            for i in range(length):
                f0 = f0_base * (1 + glide * i / length)
                phase += 2 * math.pi * f0 / rate
                env = math.sin(math.pi * i / length) ** 2
                v = 0.0
                for k, a in harmonics:
                    v += a * math.sin(k * phase)
                samples[pos + i] += amp * env * v
            pos += length + int(rng.uniform(0.02, 0.09) * rate)
        pos += int(rng.uniform(0.2, 0.5) * rate)
        turn += 1

    peak = max(1e-9, max(abs(v) for v in samples))
    gain = min(1.0, 0.8 / peak) * 32767
    pcm = array("h", (max(-32768, min(32767, int(v * gain))) for v in samples))
    if sys.byteorder == "big":
        pcm.byteswap()  # WAV is little-endian
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()
