"""catalog.pdf: the part of the evidence bundle a lawyer prints and files.

    cover          case, parties, period, export time, manifest SHA-256, how to verify
    证据目录        序号 | 证据名称 | 证据来源 | 证明目的 | 页码 | 原件/复印件 | 备注
    one section    per item: facts, files (SHA-256, times, timestamp status), the printed
                   screenshot, the 录音文字整理稿 or a "transcript missing" marker
    统计 / 时间线   statistics and the full timeline

Every page carries "第 N 页 共 M 页". All text is set in one embedded CJK font
(subset), so Chinese never turns into boxes; characters the font cannot draw
(emoji, control characters) are replaced before they reach the PDF.

Pagination is our own (not fpdf2's multi_cell): text is wrapped with the font's
advance widths and drawn line by line, which keeps a 2,000-row timeline fast and
lets the catalog be laid out twice with identical results — once, without drawing,
to learn how many pages it needs, then for real at the end through fpdf2's ToC
placeholder, when the page of every item section is known (页码 column).
"""
from __future__ import annotations

import functools
import glob
import io
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageOps

log = logging.getLogger("liuzheng.catalog")

# --------------------------------------------------------------------------- fonts

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


class CatalogFontMissing(Exception):
    """No font that can draw Chinese: refuse rather than print boxes."""


def _configured_font() -> str:
    try:
        from django.conf import settings

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
    from PIL import ImageFont

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
        from fontTools.ttLib import TTFont

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


# Each CJK face fpdf2 loads costs fontTools ~0.4 s and ~55 MB (its CFF tables are parsed
# whole), on every export. The catalog therefore loads ONE face: bold is drawn by
# stroking the glyph outline as well as filling it, and hashes and paths use the same
# face (its digits are even-width enough to read a SHA-256). That keeps an export's
# peak memory under the 200 MB budget (docs/benchmarks.md).
BOLD_STROKE_EM = 0.035  # outline width for synthetic bold, as a share of the font size


# --------------------------------------------------------------------------- text

REPLACEMENT = "?"
EMOJI = "[表情]"
_DROP = {"Cc", "Cf", "Cs", "Co", "Cn"}
_NO_LINE_START = set("，。、；：？！）》」』】〕〉…‥,.;:!?)]}%·”’")
_NO_LINE_END = set("（《「『【〔〈“‘([{")
# A run of characters that are not CJK and not spaces is a "word" kept on one line if it fits.
_TOKEN = re.compile(r" +|[^\s\u2e80-\U0010ffff]+|.", re.S)


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


# --------------------------------------------------------------------------- layout

PT = 25.4 / 72  # mm per point
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18.0, 16.0, 20.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
MAX_IMAGE_PX = 1200  # ≈ 170 dpi at the largest printed size: sharp on paper, and fpdf2 holds every image until the end
IMAGE_MAX_H = PAGE_H * 0.6  # printed images: at most 60 % of the page height
IMAGE_SIDE_W = 72.0  # a tall screenshot printed beside its file facts
TEXT = (34, 34, 34)
MUTED = (110, 110, 110)
RULE = (150, 150, 150)
HEAD_FILL = (232, 234, 238)
GROUP_FILL = (245, 241, 230)
LABEL_FILL = (246, 246, 246)
CODE_FILL = (243, 243, 243)
ALERT = (176, 0, 32)


@dataclass
class Col:
    title: str
    width: float
    align: str = "L"  # L or C
    font: str = "r"  # r regular, b bold, m mono
    nowrap: bool = False


@dataclass
class Group:
    text: str


KIND_LABELS = {"audio": "录音", "image": "图片", "video": "视频", "document": "文件"}
_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(value: str) -> str:
    """'1' → '一', '12' → '十二'; anything else unchanged."""
    if not str(value).isdigit() or not 0 < int(value) < 100:
        return str(value)
    n = int(value)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


class _Renderer:
    def __init__(self, data: dict, font: tuple[str, int]):
        self.d = data or {}
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)  # we paginate ourselves
        pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        pdf.set_creator("留证 Liuzheng")
        pdf.set_lang("zh-CN")
        self.pdf = pdf
        path, index = font
        try:
            pdf.add_font("cjk", "", path, collection_font_number=index)
        except Exception as exc:
            raise CatalogFontMissing(f"cannot load CJK font {path} (face {index}): {exc}") from exc
        self._bold = False
        self._rgb = TEXT
        # One face for every style key (r regular, b synthetic bold, m hashes): its metrics
        # are built once and shared.
        font_obj = pdf.fonts["cjk"]
        self.cw = dict.fromkeys("rbm", font_obj.cw)
        self.renderable = set(font_obj.cmap)
        # Characters that pass clean_text() unchanged: the fast path for ordinary text.
        self.plain = {chr(o) for o in self.renderable if unicodedata.category(chr(o)) not in _DROP} | {"\n"}
        self.widths = dict.fromkeys("rbm", {chr(o): w for o, w in font_obj.cw.items()})
        self._clean_cache: dict[str, str] = {}
        self._wrap_cache: dict[tuple, list[str]] = {}
        pdf.set_title(self.t(self.d.get("title")) or "证据目录")
        self.y = MARGIN_TOP
        self.y_max = PAGE_H - MARGIN_BOTTOM
        self.dry = False
        self.dry_pages = 0
        self.item_pages: dict[tuple[int, int], int] = {}
        self.fresh_y = -1.0
        self._font_key = None

    # ---------------------------------------------------------------- primitives

    def _raw(self, value) -> str:
        return "" if value is None else str(value)

    def t(self, value) -> str:
        if value is None:
            return ""
        value = str(value)
        cached = self._clean_cache.get(value)
        if cached is None:
            if set(value) <= self.plain and "\r" not in value:
                cached = unicodedata.normalize("NFC", value)
                if not set(cached) <= self.plain:
                    cached = clean_text(value, self.renderable)
            else:
                cached = clean_text(value, self.renderable)
            if len(self._clean_cache) < 50_000:
                self._clean_cache[value] = cached
        return cached

    def width(self, text: str, fk: str, size: float) -> float:
        cw = self.cw[fk]
        return sum(cw[ord(c)] for c in text) * size / 1000 * PT

    def wrap(self, text: str, width: float, fk: str = "r", size: float = 9) -> list[str]:
        key = (text, width, fk, size)
        lines = self._wrap_cache.get(key)
        if lines is None:
            lines = self._wrap(text, width, fk, size)
            if len(self._wrap_cache) < 50_000:
                self._wrap_cache[key] = lines
        return lines

    def _wrap(self, text: str, width: float, fk: str, size: float) -> list[str]:
        """Greedy line breaking: CJK anywhere, Latin words whole when they fit, over-long
        words (hashes, URLs) anywhere, no line starting with closing punctuation."""
        cw = self.cw[fk]
        wd = self.widths[fk]
        scale = size / 1000 * PT
        lines: list[str] = []
        for para in text.split("\n"):
            line: list[str] = []
            lw = 0.0
            continued = False  # a wrapped line: leading spaces are dropped
            for tok in _TOKEN.findall(para):
                if tok[0] == " " and continued and not line:
                    continue
                tw = (wd[tok] if len(tok) == 1 and tok in wd else sum(cw[ord(c)] for c in tok)) * scale
                if lw + tw <= width:
                    line.append(tok)
                    lw += tw
                    continue
                if tok[0] == " ":
                    lines.append("".join(line).rstrip())
                    line, lw, continued = [], 0.0, True
                    continue
                if tw > width:  # a word longer than the line (hash, URL): break anywhere
                    for ch in tok:
                        w = cw[ord(ch)] * scale
                        if line and lw + w > width:
                            lines.append("".join(line).rstrip())
                            line, lw, continued = [], 0.0, True
                        line.append(ch)
                        lw += w
                    continue
                # Break before tok. Kinsoku: a line must not start with ，。）” nor end
                # with （“《 — carry the last character(s) down with it instead.
                carry = [tok]
                if tok in _NO_LINE_START:
                    while len(line) > 1 and line[-1][0] != " " and (
                            len(carry) == 1 or carry[0] in _NO_LINE_START):
                        carry.insert(0, line.pop())
                        if carry[0] not in _NO_LINE_START:
                            break
                while len(line) > 1 and line[-1] in _NO_LINE_END:
                    carry.insert(0, line.pop())
                if not line or carry == [tok] and tok in _NO_LINE_START:  # nothing to carry: hang it
                    line += carry
                    lw = sum(cw[ord(c)] for t in line for c in t) * scale
                    continue
                lines.append("".join(line).rstrip())
                continued = True
                line = carry
                lw = sum(cw[ord(c)] for t in line for c in t) * scale
            lines.append("".join(line).rstrip())
        return lines or [""]

    def font(self, fk: str, size: float):
        if self.dry:
            return
        key = (self.pdf.page, fk, size)
        if key != self._font_key:
            self.pdf.set_font("cjk", "", size)
            self.pdf.current_font_is_set_on_page = False
            self._font_key = key
            self._bold = fk == "b"

    def color(self, rgb):
        # Text colours never equal a fill colour, so FPDF.text() always states its colour
        # explicitly ("q … rg … Q"): right even on pages drawn out of order (catalog, footers).
        if not self.dry:
            self.pdf.set_text_color(*rgb)
            self._rgb = rgb

    def sync_state(self):
        """Re-emit the graphics state on the current page: fpdf2 only writes changes, and
        the catalog and the footers are drawn after later pages were started."""
        pdf = self.pdf
        pdf.set_draw_color(1, 2, 3)
        pdf.set_draw_color(*RULE)
        pdf.set_fill_color(1, 2, 3)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_line_width(0.123)
        pdf.set_line_width(0.2)
        pdf.current_font_is_set_on_page = False
        self._font_key = None

    def text(self, x: float, baseline: float, s: str):
        if self.dry or not s:
            return
        pdf = self.pdf
        if not self._bold:
            pdf.text(x, baseline, s)
            return
        pdf.set_draw_color(*self._rgb)
        pdf.set_line_width(pdf.font_size * BOLD_STROKE_EM)
        pdf.text_mode = TextMode.FILL_STROKE
        pdf.text(x, baseline, s)
        pdf.text_mode = TextMode.FILL
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)

    @staticmethod
    def baseline(top: float, lh: float, size: float) -> float:
        em = size * PT
        return top + (lh - em) / 2 + 0.88 * em

    def new_page(self):
        if self.dry:
            self.dry_pages += 1
        else:
            self.pdf.add_page()
            self.sync_state()
        self.y = MARGIN_TOP

    def ensure(self, h: float) -> bool:
        """Page break unless h mm are left; True if it broke."""
        if self.y + h > self.y_max and self.y > MARGIN_TOP + 0.01:
            self.new_page()
            return True
        return False

    def rect(self, x, y, w, h, fill=None, border=True):
        # Lines are always RULE, 0.2 mm: set by sync_state() and restored by whoever changes them.
        if self.dry:
            return
        pdf = self.pdf
        if fill:
            pdf.set_fill_color(*fill)
            pdf.rect(x, y, w, h, style="DF" if border else "F")
        elif border:
            pdf.rect(x, y, w, h, style="D")

    def hline(self, x1, x2, y, rgb=RULE, width=0.2):
        if not self.dry:
            self.pdf.set_draw_color(*rgb)
            self.pdf.set_line_width(width)
            self.pdf.line(x1, y, x2, y)
            self.pdf.set_draw_color(*RULE)
            self.pdf.set_line_width(0.2)

    # ---------------------------------------------------------------- blocks

    def para(self, text: str, *, fk="r", size=9.5, x=MARGIN_X, w=CONTENT_W, rgb=TEXT, spacing=1.5,
             align="L", fill=None, after=1.5):
        """Wrapped text, clean()ed by the caller, flowing over pages."""
        lh = size * PT * spacing
        lines = self.wrap(text, w - (4 if fill else 0), fk, size)
        for line in lines:
            if self.ensure(lh):
                pass
            if fill:
                self.rect(x, self.y, w, lh, fill=fill, border=False)
            self.font(fk, size)
            self.color(rgb)
            tx = x + (2 if fill else 0)
            if align == "C":
                tx = x + (w - self.width(line, fk, size)) / 2
            self.text(tx, self.baseline(self.y, lh, size), line)
            self.y += lh
        self.y += after

    def heading(self, text: str, size=12.0, keep=30.0, rule=True, rgb=TEXT, before=2.0):
        lh = size * PT * 1.35
        lines = self.wrap(text, CONTENT_W, "b", size)
        self.ensure(before + len(lines) * lh + keep)
        if self.y > MARGIN_TOP + 0.01:
            self.y += before
        self.para(text, fk="b", size=size, rgb=rgb, spacing=1.35, after=0.8)
        if rule:
            self.hline(MARGIN_X, MARGIN_X + CONTENT_W, self.y, rgb=(90, 90, 90), width=0.35)
            self.y += 1.8

    def table(self, cols: list[Col], rows: list, *, size=8.5, header=True, zebra=False,
              label_fill=False, pad_x=1.4, pad_y=0.9):
        """Bordered table; wraps cells, splits tall rows over pages, repeats the header."""
        lh = size * PT * 1.38
        total = sum(c.width for c in cols)

        def layout(cells):
            out = []
            for col, cell in zip(cols, cells):
                fk = col.font
                if isinstance(cell, tuple):
                    cell, fk = cell
                cell = cell or ""
                if col.nowrap:
                    out.append(([cell], fk))
                else:
                    out.append((self.wrap(cell, col.width - 2 * pad_x, fk, size), fk))
            return out

        head = layout([(c.title, "b") for c in cols]) if header else None
        head_h = (max(len(lines) for lines, _ in head) * lh + 2 * pad_y) if header else 0.0

        def draw_cells(cells, first, last, fill_row=None):
            h = (last - first) * lh + 2 * pad_y
            x = MARGIN_X
            for ci, (col, (lines, fk)) in enumerate(zip(cols, cells)):
                fill = fill_row
                if label_fill and ci == 0 and fill is None:
                    fill = LABEL_FILL
                self.rect(x, self.y, col.width, h, fill=fill)
                if not self.dry:
                    self.font(fk, size)
                    self.color(TEXT)
                    shown = lines[first:last]
                    if label_fill and ci == 0 and first > 0 and not shown and lines and lines[0]:
                        shown = [lines[0] + "（续）"]  # a row split over pages: name it again
                    for i, line in enumerate(shown):
                        tx = x + pad_x
                        if col.align == "C":
                            tx = x + (col.width - self.width(line, fk, size)) / 2
                        self.text(tx, self.baseline(self.y + pad_y + i * lh, lh, size), line)
                x += col.width
            self.y += h

        def draw_header():
            if header:
                draw_cells(head, 0, max(len(lines) for lines, _ in head), fill_row=HEAD_FILL)

        def page_break():
            self.new_page()
            draw_header()

        fresh = self.y_max - MARGIN_TOP - head_h
        # Header plus the first row must fit where the table starts.
        first_h = 0.0
        if rows:
            r0 = rows[0]
            first_h = (len(self.wrap(r0.text, total - 2 * pad_x, "b", size)) if isinstance(r0, Group)
                       else min(3, max(len(ls) for ls, _ in layout(r0)))) * lh + 2 * pad_y
        self.ensure(head_h + first_h)
        draw_header()
        for ri, row in enumerate(rows):
            if isinstance(row, Group):
                lines = self.wrap(row.text, total - 2 * pad_x, "b", size)
                h = len(lines) * lh + 2 * pad_y
                nxt = 0.0
                if ri + 1 < len(rows) and not isinstance(rows[ri + 1], Group):
                    nxt = min(3, max(len(ls) for ls, _ in layout(rows[ri + 1]))) * lh + 2 * pad_y
                if self.y + h + nxt > self.y_max:
                    page_break()
                self.rect(MARGIN_X, self.y, total, h, fill=GROUP_FILL)
                self.font("b", size)
                self.color(TEXT)
                for i, line in enumerate(lines):
                    self.text(MARGIN_X + pad_x, self.baseline(self.y + pad_y + i * lh, lh, size), line)
                self.y += h
                continue
            cells = layout(row)
            n = max(len(lines) for lines, _ in cells)
            fill_row = (250, 250, 250) if zebra and ri % 2 else None
            start = 0
            while start < n:
                avail = self.y_max - self.y
                if (n - start) * lh + 2 * pad_y <= avail:
                    draw_cells(cells, start, n, fill_row)
                    break
                fit = int((avail - 2 * pad_y) / lh)
                if (start == 0 and n * lh + 2 * pad_y <= fresh) or fit < 3:
                    page_break()
                    continue
                draw_cells(cells, start, start + fit, fill_row)
                start += fit
                page_break()

    def kv_table(self, rows: list[tuple[str, str] | tuple[str, str, str]], *, label_w=30.0, size=8.8,
                 width=CONTENT_W):
        cols = [Col("", label_w, font="b"), Col("", width - label_w)]
        body = []
        for row in rows:
            label, value = row[0], row[1]
            fk = row[2] if len(row) > 2 else "r"
            body.append([self.t(label), (self.t(value) if value not in (None, "") else "—", fk)])
        self.table(cols, body, size=size, header=False, label_fill=True)

    # ---------------------------------------------------------------- footer

    def footers(self):
        """第 N 页 共 M 页 on every page, stamped once the page count is known."""
        pdf = self.pdf
        total, current = pdf.pages_count, pdf.page
        left = self.t(self.d.get("bundle_name") or "")
        while left and self.width(left, "r", 6.8) > 60:
            left = left[:-2]
        if left != self.t(self.d.get("bundle_name") or ""):
            left += "…"
        sha = self.t(self.d.get("manifest_sha256") or "")[:16]
        right = f"manifest SHA-256 {sha}…" if sha else ""
        for page in range(1, total + 1):
            pdf.page = page
            self.sync_state()
            y = PAGE_H - 13
            self.hline(MARGIN_X, PAGE_W - MARGIN_X, y)
            # Drawn word by word with half-em gaps: a plain space (¼ em in CJK fonts) is
            # too narrow for text extraction (pdftotext, copy & paste) to keep it.
            words = ["第", str(page), "页", "共", str(total), "页"]
            gap = 8.5 * PT * 0.5
            x = MARGIN_X + (CONTENT_W - sum(self.width(w, "r", 8.5) for w in words) - gap * 5) / 2
            self.font("r", 8.5)
            self.color(TEXT)
            for w in words:
                self.text(x, y + 4.6, w)
                x += self.width(w, "r", 8.5) + gap
            self.font("r", 6.8)
            self.color(MUTED)
            self.text(MARGIN_X, y + 4.4, left)
            self.text(PAGE_W - MARGIN_X - self.width(right, "r", 6.8), y + 4.4, right)
        pdf.page = current

    # ---------------------------------------------------------------- cover

    def cover(self):
        d, case, period = self.d, self.d.get("case") or {}, self.d.get("period") or {}
        pdf = self.pdf
        pdf.add_page()
        self.y = MARGIN_TOP
        pdf.start_section(self.t(d.get("title")) or "证据目录")
        self.para("留证 Liuzheng · 证据包 Evidence bundle", size=8, rgb=MUTED, after=14)
        self.para(self.t(d.get("title") or "证据目录"), fk="b", size=26, align="C", spacing=1.3, after=1)
        self.para("证据包 · Evidence bundle", size=11.5, rgb=MUTED, align="C", after=9)
        frm, to = self.t(period.get("from")), self.t(period.get("to"))
        rows = [
            ("借款人", case.get("borrower")),
            ("出借方 / 平台", case.get("lender")),
            ("借款产品", case.get("product")),
            ("欠款金额", case.get("amount_owed")),
            ("逾期起始日", case.get("overdue_since")),
            ("催收号码", "、".join(self._raw(n) for n in case.get("collector_numbers") or [])),
            ("催收机构", "、".join(self._raw(a) for a in case.get("agencies") or [])),
            ("证据期间", f"{frm} 至 {to}" if frm or to else ""),
            ("导出时间", d.get("exported_at")),
            ("证据包文件", d.get("bundle_name"), "m"),
            ("可信时间戳", d.get("timestamp_note")),
        ]
        if case.get("notes"):
            rows.append(("案件说明", case.get("notes")))
        self.kv_table(rows, label_w=32, size=9.5)
        self.y += 5

        sha = re.sub(r"[^0-9a-fA-F]", "", self._raw(d.get("manifest_sha256"))).lower()
        self.heading("manifest.json SHA-256（证据包指纹 / bundle fingerprint）", size=10.5, keep=22, rule=False)
        if sha:
            groups = [sha[i:i + 8] for i in range(0, len(sha), 8)]
            lines = [" ".join(groups[i:i + 4]) for i in range(0, len(groups), 4)]
        else:
            lines = ["（未提供）"]
        self.para("\n".join(lines), fk="m", size=11.5, fill=CODE_FILL, spacing=1.55, after=1)
        self.para("本文件每页页脚印有该指纹的前 16 位；与证据包中 manifest.json 的 SHA-256 一致，即表明本目录属于该证据包。",
                  size=8, rgb=MUTED, after=5)

        self.heading("如何核验 / How to verify", size=10.5, keep=25, rule=False)
        self.para("解压证据包后，在其目录中运行以下命令（需 coreutils 与 openssl），无需本软件：", size=8.5, rgb=MUTED, after=1.5)
        for cmd in d.get("verify_howto") or []:
            self.para(self.t(cmd), fk="m", size=8, fill=CODE_FILL, spacing=1.5, after=0)
        self.y += 6
        note = ("本工具不构成法律意见 / not legal advice。"
                f"无法以本字体显示的字符（如表情符号）在本目录中以“{EMOJI}”或“{REPLACEMENT}”代替，原始内容以证据包中的原件为准。")
        self.ensure(12)
        self.y = max(self.y, self.y_max - 10)
        self.para(note, size=7.2, rgb=MUTED, after=0)

    # ---------------------------------------------------------------- catalog

    CATALOG_COLS = [
        Col("序号", 12, "C"),
        Col("证据名称", 38),
        Col("证据来源", 24),
        Col("证明目的", 52),
        Col("页码", 10, "C", nowrap=True),
        Col("原件/\n复印件", 18, "C"),
        Col("备注", 20),
    ]

    def catalog(self):
        """Laid out twice: dry (page count only) and for real; the same code, same breaks."""
        d, case = self.d, self.d.get("case") or {}
        self.y = MARGIN_TOP
        if not self.dry:
            self.sync_state()
        self.para(self.t(d.get("title") or "证据目录"), fk="b", size=18, align="C", spacing=1.3, after=1.5)
        who = " · ".join(x for x in (self.t(case.get("lender")), self.t(case.get("product"))) if x)
        sub = "案件：" + (who or "—") + (f"　借款人：{self.t(case.get('borrower'))}" if case.get("borrower") else "")
        self.para(sub, size=8.5, rgb=MUTED, align="C", after=4)
        rows = []
        for gi, group in enumerate(self.d.get("groups") or []):
            items = group.get("items") or []
            rows.append(Group(f"{self.group_title(group)}（{len(items)} 项）"))
            for ii, item in enumerate(items):
                page = self.item_pages.get((gi, ii))
                rows.append([
                    self.t(item.get("number")), self.t(item.get("name")), self.t(item.get("source")),
                    self.t(item.get("purpose")), str(page) if page else "", self.t(item.get("original")),
                    self.t(item.get("remarks")),
                ])
        self.table(self.CATALOG_COLS, rows, size=8.5)
        self.y += 8
        self.ensure(16)
        self.para("提交人（签名）：____________________　　　日期：________ 年 ____ 月 ____ 日", size=10, after=0)

    def group_title(self, group: dict) -> str:
        return f"第{_cn_number(self.t(group.get('number')))}组　{self.t(group.get('title'))}"

    def catalog_pages(self) -> int:
        self.dry, self.dry_pages = True, 1
        try:
            self.catalog()
        finally:
            self.dry = False
        return self.dry_pages

    # ---------------------------------------------------------------- items

    def sections(self):
        for gi, group in enumerate(self.d.get("groups") or []):
            items = group.get("items") or []
            if self.y > MARGIN_TOP + 0.01:
                self.new_page()
            title = self.group_title(group)
            self.pdf.y = self.y
            self.pdf.start_section(title, level=0)
            self.para(title, fk="b", size=15, spacing=1.3, after=0.5)
            self.para(f"本组共 {len(items)} 项证据", size=8.5, rgb=MUTED, after=3)
            self.fresh_y = self.y  # nothing but the group title above: as good as a new page
            for ii, item in enumerate(items):
                self.item(gi, ii, item)

    def measure(self, draw: Callable[[], None]) -> float | None:
        """Height of `draw` laid out from the top of an empty page; None if it needs more than a page."""
        saved = self.y, self.dry, self.dry_pages
        self.y, self.dry, self.dry_pages = MARGIN_TOP, True, 0
        try:
            draw()
            return None if self.dry_pages else self.y - MARGIN_TOP
        finally:
            self.y, self.dry, self.dry_pages = saved

    def item(self, gi: int, ii: int, item: dict):
        # An item that fits on one page is not split; a longer one starts on a new page
        # unless most of the current page is still free.
        height = self.measure(lambda: self.item_body(item))
        remaining, full = self.y_max - self.y - 4, self.y_max - MARGIN_TOP
        if (height is not None and height <= remaining) or abs(self.y - self.fresh_y) < 0.01:
            pass
        elif (height is not None and height <= full) or remaining < full * 0.4:
            self.new_page()
        if self.y > MARGIN_TOP + 0.01:
            self.y += 4
        self.item_pages[(gi, ii)] = self.pdf.page
        self.pdf.y = self.y
        self.pdf.start_section(f"{self.t(item.get('number'))} {self.t(item.get('name'))}"[:120], level=1)
        self.item_body(item)

    def item_body(self, item: dict):
        heading = f"证据 {self.t(item.get('number'))}  {self.t(item.get('name'))}"
        self.heading(heading, size=12.5, keep=20, before=0)
        rows = [(self._raw(k), self._raw(v)) for k, v in (item.get("facts") or [])]
        rows += [
            ("证据来源", item.get("source")),
            ("证明目的", item.get("purpose")),
            ("原件/复印件", item.get("original")),
        ]
        if item.get("remarks"):
            rows.append(("备注", item.get("remarks")))
        self.kv_table(rows)
        files = item.get("files") or []
        for fi, f in enumerate(files):
            self.file(item, fi, len(files), f)
        self.y += 3

    def file(self, item: dict, fi: int, count: int, f: dict):
        kind = self._raw(f.get("kind"))
        label = KIND_LABELS.get(kind, "文件")
        num = f"{fi + 1}/{count}" if count > 1 else ""
        path = self.t(f.get("path"))
        self.y += 3
        self.heading(f"附件{num}：{self.t(f.get('name'))}", size=10, keep=28, rule=False, before=1)
        media = self.t(f.get("media_type"))
        info = [
            ("文件类型", f"{label}（{media}）" if media else label),
            ("大小", f.get("size")),
            ("SHA-256", f.get("sha256"), "m"),
            ("原件位置", f.get("path"), "m"),
            ("拍摄/生成时间", f.get("captured_at") or "未记录"),
            ("上传/接收时间", f.get("uploaded_at")),
            ("可信时间戳", f.get("timestamp")),
        ]
        if kind == "image" and callable(f.get("image")):
            if self.dry:  # measuring: never load the image (it is loaded once, when printed)
                self.kv_table(info, size=8.3)
                self.y += 2 + IMAGE_MAX_H + 8
                return
            img = self.load_image(f.get("image"), path)
            if img and img[2] >= img[1] * 1.25:  # a phone screenshot: beside its facts
                self.image_beside(info, img, f, path)
                return
            self.kv_table(info, size=8.3)
            self.y += 2
            self.image_below(img, f, path)
            return
        self.kv_table(info, size=8.3)
        self.y += 2
        if kind == "image":
            self.para(f"（未生成打印件）图片原件见证据包 {path}。", size=8.8, after=2)
        elif kind == "audio":
            self.para(f"录音原件见证据包 {path}；录音应以原始载体或原件播放核对。", size=8.3, rgb=MUTED, after=2)
            self.transcript(f.get("transcript"))
        elif kind == "video":
            self.para(f"视频不在本目录中打印，原件见证据包 {path}，请以原件播放核对。", size=8.8, after=2)
        else:
            self.para(f"文件不在本目录中打印，原件见证据包 {path}。", size=8.8, after=2)

    def transcript(self, text):
        text = self.t(text).strip() if text is not None else ""
        if text:
            self.heading("录音文字整理稿", size=10, keep=12, rule=False, before=1)
            self.para("（由提交人根据录音整理；与录音原件不一致的，以录音原件为准）", size=7.8, rgb=MUTED, after=1.5)
            self.para(text, size=9.3, spacing=1.6, x=MARGIN_X + 3, w=CONTENT_W - 3, after=2)
            return
        size, lh = 10, 10 * PT * 1.5
        msg = "录音文字整理稿缺失 / transcript missing"
        hint = "法院通常要求录音附文字整理稿。请在提交前为该录音补充整理稿后重新导出。"
        hint_lines = self.wrap(hint, CONTENT_W - 8, "r", 8.5)
        box_h = lh + len(hint_lines) * 8.5 * PT * 1.5 + 5
        self.ensure(box_h + 2)
        top = self.y
        if not self.dry:
            self.pdf.set_draw_color(*ALERT)
            self.pdf.set_line_width(0.6)
            self.pdf.rect(MARGIN_X, top, CONTENT_W, box_h, style="D")
            self.pdf.set_draw_color(*RULE)
            self.pdf.set_line_width(0.2)
        self.y += 2.5
        self.para(msg, fk="b", size=size, rgb=ALERT, x=MARGIN_X + 4, w=CONTENT_W - 8, after=0)
        self.para(hint, size=8.5, rgb=ALERT, x=MARGIN_X + 4, w=CONTENT_W - 8, after=0)
        self.y = top + box_h + 2

    def load_image(self, loader, path: str):
        try:
            return _printable_image(loader())
        except Exception as exc:  # broken bytes, unsupported format, decompression bomb …
            log.warning("Image %s cannot be printed: %s", path, exc)
            return None

    def caption(self, f: dict, path: str) -> str:
        return f"图：{self.t(f.get('name'))}（打印件，原件见证据包 {path}）"

    def image_below(self, img, f: dict, path: str):
        if img is None:
            self.para(f"图片无法显示（原件见证据包 {path}）", fk="b", size=10, rgb=ALERT, after=2)
            return
        payload, w_px, h_px = img
        scale = min(CONTENT_W / w_px, IMAGE_MAX_H / h_px)
        w, h = w_px * scale, h_px * scale
        cap_h = len(self.wrap(self.caption(f, path), CONTENT_W, "r", 7.8)) * 7.8 * PT * 1.5 + 4.5
        room = self.y_max - self.y - cap_h
        if h > room:
            if room >= h * 0.8:  # shrink a little rather than leave the page empty
                w, h = w * room / h, room
            else:
                self.new_page()
        x = MARGIN_X + (CONTENT_W - w) / 2
        self.pdf.image(payload, x=x, y=self.y, w=w, h=h)
        self.rect(x, self.y, w, h)
        self.y += h + 1.5
        self.para(self.caption(f, path), size=7.8, rgb=MUTED, align="C", after=3)

    def image_beside(self, info: list, img, f: dict, path: str):
        """Facts table on the left, the (tall) screenshot on the right, kept on one page."""
        payload, w_px, h_px = img
        col_w = IMAGE_SIDE_W
        table_w = CONTENT_W - col_w - 4
        table_h = self.measure(lambda: self.kv_table(info, size=8.3, label_w=24, width=table_w)) or 0.0
        scale = min(col_w / w_px, IMAGE_MAX_H / h_px)
        w, h = w_px * scale, h_px * scale
        cap = self.caption(f, path)
        cap_h = len(self.wrap(cap, col_w, "r", 7.8)) * 7.8 * PT * 1.5 + 1.5
        room = self.y_max - self.y
        if max(table_h, h + cap_h) > room:
            if table_h <= room and room - cap_h >= h * 0.8:
                w, h = w * (room - cap_h) / h, room - cap_h
            else:
                self.new_page()
        top = self.y
        self.kv_table(info, size=8.3, label_w=24, width=table_w)
        table_end = self.y
        x = MARGIN_X + table_w + 4 + (col_w - w) / 2
        self.pdf.image(payload, x=x, y=top, w=w, h=h)
        self.rect(x, top, w, h)
        self.y = top + h + 1.5
        self.para(cap, size=7.8, rgb=MUTED, x=MARGIN_X + table_w + 4, w=col_w, align="C", after=0)
        self.y = max(self.y, table_end) + 4

    # ---------------------------------------------------------------- stats & timeline

    def tail(self):
        if self.y > MARGIN_TOP + 0.01:
            self.new_page()
        self.pdf.y = self.y
        self.pdf.start_section("统计与时间线", level=0)
        stats = self.d.get("stats") or []
        if stats:
            self.heading("统计 / Statistics", size=13, keep=20)
            self.table([Col("项目", 110), Col("数量", 30, "C")],
                       [[self.t(a), self.t(b)] for a, b, *_ in (list(r) + ["", ""] for r in stats)], size=9)
            self.y += 4
        for caption, svg in self.d.get("charts") or []:
            self.chart(caption, svg)
        findings = self.d.get("findings") or []
        if findings:
            self.heading(f"规则比对 / Findings（{self.t(self.d.get('rule_set'))}）", size=13, keep=30)
            self.para("以下为本系统按记录的时间、次数和标签与有关规定逐条比对的结果：法律、司法解释和部门规章写作"
                      "“涉嫌违反”，标准和行业自律规范写作“不符合”；是否违法由有关机关认定。本工具不构成法律意见。",
                      size=8.5, rgb=MUTED, after=2)
            self.table([Col("情形", 34), Col("记录", 52), Col("依据", 58), Col("证据编号", CONTENT_W - 144)],
                       [[self.t(c) for c in row] for row in findings], size=8)
            self.y += 6
        timeline = self.d.get("timeline") or []
        self.heading(f"时间线 / Timeline（共 {len(timeline)} 条）", size=13, keep=20)
        if not timeline:
            self.para("（无记录）", size=9)
            return
        cols = [Col("时间", 29), Col("类型", 25), Col("号码", 32, font="r"), Col("摘要", CONTENT_W - 86)]
        rows = []
        for row in timeline:
            row = list(row) + [""] * (4 - len(row))
            rows.append([self.t(row[0]), self.t(row[1]), self.t(row[2]), " ".join(self.t(row[3]).split())])
        self.table(cols, rows, size=8, zebra=True, pad_y=0.7)

    def chart(self, caption: str, svg: str, width: float = 150.0):
        """A server-rendered SVG chart (the same one the statistics page shows), centred."""
        import re as _re

        box = _re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
        vw, vh = (float(box.group(1)), float(box.group(2))) if box else (4.0, 3.0)
        h = width * vh / vw
        self.ensure(h + 10)
        self.para(self.t(caption), fk="b", size=9.5, after=1)
        if not self.dry:
            self.pdf.image(io.BytesIO(svg.encode("utf-8")), x=MARGIN_X + (CONTENT_W - width) / 2, y=self.y,
                           w=width, h=h)
            self.sync_state()
        self.y += h + 5

    # ---------------------------------------------------------------- document

    def render(self) -> bytes:
        self.cover()
        pages = self.catalog_pages()
        self.pdf.add_page()
        self.pdf.y = MARGIN_TOP
        self.pdf.start_section(self.t(self.d.get("title")) or "证据目录")
        self.pdf.insert_toc_placeholder(lambda pdf, outline: self.catalog(), pages=pages)
        self.y = MARGIN_TOP  # the placeholder left us on a fresh page
        self.sections()
        self.tail()
        self.footers()
        return bytes(self.pdf.output())


def _printable_image(raw: bytes | None):
    """(what to give FPDF.image, width px, height px): EXIF-rotated, ≤ MAX_IMAGE_PX on each
    side, JPEG for photos, lossless for flat screenshots. None if there is nothing to print."""
    if not raw:
        return None
    try:
        from django.conf import settings

        limit = int(getattr(settings, "LIUZHENG_MAX_IMAGE_PIXELS", 80_000_000))
    except Exception:
        limit = 80_000_000
    src = Image.open(io.BytesIO(raw))
    if src.width * src.height > limit:
        raise ValueError(f"image too large: {src.width}x{src.height}")
    src.draft("RGB", (MAX_IMAGE_PX, MAX_IMAGE_PX))  # JPEG: decode at reduced size
    src.load()
    img = ImageOps.exif_transpose(src)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.thumbnail((MAX_IMAGE_PX, MAX_IMAGE_PX), Image.Resampling.LANCZOS)
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


def renderer_for(data: dict) -> _Renderer:
    """A renderer with the CJK font found on this system (the catalog and the complaint letters)."""
    font = find_cjk_font()
    if not font:
        raise CatalogFontMissing(
            "No CJK font found: install fonts-noto-cjk or set LIUZHENG_CJK_FONT to a .ttc/.otf/.ttf path"
        )
    return _Renderer(data, font)


def render_catalog(data: dict, out) -> int:
    """Write catalog.pdf to the binary stream `out`; returns the number of pages."""
    renderer = renderer_for(data)
    pdf_bytes = renderer.render()
    out.write(pdf_bytes)
    return renderer.pdf.pages_count
