"""The PDF layout engine on fpdf2: A4 pages, one embedded CJK face, wrapped text, tables, images, page footers."""
from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image as PILImage

from .faces import attach, shared_face
from .fonts import FontMissing, require_cjk_font
from .images import printable_image
from .text import clean_text, kept_as_is

log = logging.getLogger("liuzheng.pdf")


# Each CJK face fpdf2 loads costs fontTools ~0.4 s and ~55 MB (its CFF tables are parsed
# whole), on every export. A Renderer therefore loads ONE face: bold is drawn by
# stroking the glyph outline as well as filling it, and hashes and paths use the same
# face (its digits are even-width enough to read a SHA-256). That keeps an export's
# peak memory under the 200 MB budget (docs/benchmarks.md).
BOLD_STROKE_EM = 0.035  # outline width for synthetic bold, as a share of the font size

_NO_LINE_START = set("，。、；：？！）》」』】〕〉…‥,.;:!?)]}%·”’")
_NO_LINE_END = set("（《「『【〔〈“‘([{")
# A run of characters that are not CJK and not spaces is a "word" kept on one line if it fits.
_TOKEN = re.compile(r" +|[^\s\u2e80-\U0010ffff]+|.", re.S)

PT = 25.4 / 72  # mm per point
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18.0, 16.0, 20.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
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
    """A table row across all columns: a group heading."""

    text: str


class Renderer:
    """A4 pages in one embedded CJK face (subset), so Chinese never turns into boxes.

    Pagination is our own (not fpdf2's multi_cell): text is wrapped with the font's
    advance widths and drawn line by line, which keeps a 2,000-row table fast and lets
    a part be laid out twice with identical results: dry (`dry`: nothing is drawn, new
    pages are only counted in `dry_pages`) to learn its size, then for real.
    Callers pass text through t() first: characters the font cannot draw (emoji,
    control characters) are replaced before they reach the PDF.
    """

    def __init__(self, font: tuple[str, int] | None = None, *, title=None, shared_font: bool = True):
        """`font`: (path, face index), by default the system's CJK font (FontMissing if there is none);
        `title`: the document title in the PDF's metadata, if any; `shared_font`: use the face
        parsed once per process (faces.py), not a fresh fpdf2 add_font() (the same PDF, slower)."""
        path, index = font or require_cjk_font()
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)  # we paginate ourselves
        pdf.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        pdf.set_creator("留证 Liuzheng")
        pdf.set_lang("zh-CN")
        self.pdf = pdf
        face = shared_face(path, index) if shared_font else None
        if face is not None:
            attach(pdf, "cjk", face)
        else:
            try:
                pdf.add_font("cjk", "", path, collection_font_number=index)
            except Exception as exc:
                raise FontMissing(f"cannot load CJK font {path} (face {index}): {exc}") from exc
        self._bold = False
        self._rgb = TEXT
        # One face for every style key (r regular, b synthetic bold, m hashes): its metrics
        # are built once and shared.
        font_obj = pdf.fonts["cjk"]
        # On output fontTools would recompute the bounding box of every subset glyph from its
        # CFF outline, in pure Python: about half of each PDF's time. The full face's boxes,
        # kept instead, bound the subset's too.
        font_obj.ttfont.recalcBBoxes = False
        self.cw = dict.fromkeys("rbm", font_obj.cw)
        if face is not None:  # derived once per process, read only
            self.renderable, self.plain, char_widths = face.renderable, face.plain, face.char_widths
        else:
            self.renderable = set(font_obj.cmap)
            # Characters that pass clean_text() unchanged: the fast path for ordinary text.
            self.plain = kept_as_is(self.renderable)
            char_widths = {chr(o): w for o, w in font_obj.cw.items()}
        self.widths = dict.fromkeys("rbm", char_widths)
        self._clean_cache: dict[str, str] = {}
        self._wrap_cache: dict[tuple, list[str]] = {}
        if self.t(title):
            pdf.set_title(self.t(title))
        self.y = MARGIN_TOP
        self.y_max = PAGE_H - MARGIN_BOTTOM
        self.dry = False
        self.dry_pages = 0
        self._font_key = None
        # A heading drawn with nothing after it yet; a page break then would orphan it
        # at the page foot: recorded in `orphans` (a test reads it), never meant to happen.
        self._open_heading: str | None = None
        self.orphans: list[str] = []

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
        # explicitly ("q … rg … Q"): right even on pages drawn out of order (a ToC placeholder, footers).
        if not self.dry:
            self.pdf.set_text_color(*rgb)
            self._rgb = rgb

    def sync_state(self):
        """Re-emit the graphics state on the current page: fpdf2 only writes changes, and
        a ToC placeholder and the footers are drawn after later pages were started."""
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
        self._open_heading = None
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
            if self._open_heading:
                self.orphans.append(self._open_heading)
                self._open_heading = None
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
        if not self.dry:
            self._open_heading = text

    def fit_size(self, text: str, width: float, fk: str = "m", size: float = 8.8, smallest: float = 5.5) -> float:
        """The largest size ≤ `size` at which `text` fits `width` on one line (a SHA-256, a path)."""
        while size > smallest and self.width(text, fk, size) > width:
            size = round(size - 0.1, 2)
        return size

    def shorten(self, text: str, width: float, fk: str = "r", size: float = 9) -> str:
        """`text` cut to one line of `width`, ending with … when cut."""
        text = " ".join(text.split())
        if self.width(text, fk, size) <= width:
            return text
        while text and self.width(text + "…", fk, size) > width:
            text = text[:-1]
        return text.rstrip() + "…"

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

    def measure(self, draw: Callable[[], None]) -> float | None:
        """Height of `draw` laid out from the top of an empty page; None if it needs more than a page."""
        saved = self.y, self.dry, self.dry_pages
        self.y, self.dry, self.dry_pages = MARGIN_TOP, True, 0
        try:
            draw()
            return None if self.dry_pages else self.y - MARGIN_TOP
        finally:
            self.y, self.dry, self.dry_pages = saved

    # ---------------------------------------------------------------- images

    def load_image(self, loader, path: str):
        """printable_image(loader()), or None (logged) if the image cannot be printed."""
        try:
            return printable_image(loader())
        except Exception as exc:  # broken bytes, unsupported format, decompression bomb …
            log.warning("Image %s cannot be printed: %s", path, exc)
            return None

    def image_below(self, img, caption: str):
        """A loaded image, centred at full width with its caption below."""
        payload, w_px, h_px = img
        scale = min(CONTENT_W / w_px, IMAGE_MAX_H / h_px)
        w, h = w_px * scale, h_px * scale
        cap_h = len(self.wrap(caption, CONTENT_W, "r", 7.8)) * 7.8 * PT * 1.5 + 4.5
        room = self.y_max - self.y - cap_h
        if h > room:
            if room >= h * 0.8:  # shrink a little rather than leave the page empty
                w, h = w * room / h, room
            else:
                self.new_page()
        x = MARGIN_X + (CONTENT_W - w) / 2
        self._open_heading = None
        self.pdf.image(payload, x=x, y=self.y, w=w, h=h)
        self.rect(x, self.y, w, h)
        self.y += h + 1.5
        self.para(caption, size=7.8, rgb=MUTED, align="C", after=3)

    def image_slices(self, w_px: int, h_px: int, min_mm: float = 60.0) -> list[tuple[int, int, bool]]:
        """How a tall image printed at the full content width falls over pages, from self.y:
        [(first px row, px rows, starts a new page), …]. Pure arithmetic (dry layouts use it)."""
        scale = CONTENT_W / w_px  # mm per px
        y, top, out = self.y, 0, []
        while top < h_px:
            room = self.y_max - y - 8
            fresh = False
            if room < min(min_mm, (h_px - top) * scale):
                y, room, fresh = MARGIN_TOP, self.y_max - MARGIN_TOP - 8, True
            take = min(h_px - top, max(1, int(room / scale)))
            out.append((top, take, fresh))
            top += take
            y += take * scale + 2
        return out

    def image_full_width(self, img, caption: str):
        """A screenshot at the full content width; a long one continues over pages, in slices."""
        payload, w_px, h_px = img
        src = payload if isinstance(payload, PILImage.Image) else PILImage.open(payload)
        jpeg = not isinstance(payload, PILImage.Image)
        scale = CONTENT_W / w_px
        slices = self.image_slices(w_px, h_px)
        for i, (top, take, fresh) in enumerate(slices):
            if fresh:
                self.new_page()
            part = src.crop((0, top, w_px, top + take)) if len(slices) > 1 else src
            if jpeg and len(slices) > 1:
                buf = io.BytesIO()
                part.save(buf, "JPEG", quality=85, optimize=True)
                buf.seek(0)
                part = buf
            elif jpeg:
                payload.seek(0)
                part = payload
            h = take * scale
            self._open_heading = None
            self.pdf.image(part, x=MARGIN_X, y=self.y, w=CONTENT_W, h=h)
            self.rect(MARGIN_X, self.y, CONTENT_W, h)
            self.y += h + 1.5
            if len(slices) > 1:
                label = f"（第 {i + 1}/{len(slices)} 段{'，续见下页' if i + 1 < len(slices) else ''}）"
                if i + 1 < len(slices):
                    self.para(label, size=7.5, rgb=MUTED, align="C", after=0)
                else:
                    caption += label
        self.para(caption, size=7.8, rgb=MUTED, align="C", after=3)

    def image_beside(self, rows: list, img, caption: str):
        """kv_table(rows) on the left, the (tall) image and its caption on the right, kept on one page."""
        payload, w_px, h_px = img
        col_w = IMAGE_SIDE_W
        table_w = CONTENT_W - col_w - 4
        table_h = self.measure(lambda: self.kv_table(rows, size=8.3, label_w=24, width=table_w)) or 0.0
        scale = min(col_w / w_px, IMAGE_MAX_H / h_px)
        w, h = w_px * scale, h_px * scale
        cap_h = len(self.wrap(caption, col_w, "r", 7.8)) * 7.8 * PT * 1.5 + 1.5
        room = self.y_max - self.y
        if max(table_h, h + cap_h) > room:
            if table_h <= room and room - cap_h >= h * 0.8:
                w, h = w * (room - cap_h) / h, room - cap_h
            else:
                self.new_page()
        top = self.y
        self.kv_table(rows, size=8.3, label_w=24, width=table_w)
        table_end = self.y
        x = MARGIN_X + table_w + 4 + (col_w - w) / 2
        self.pdf.image(payload, x=x, y=top, w=w, h=h)
        self.rect(x, top, w, h)
        self.y = top + h + 1.5
        self.para(caption, size=7.8, rgb=MUTED, x=MARGIN_X + table_w + 4, w=col_w, align="C", after=0)
        self.y = max(self.y, table_end) + 4

    def chart(self, caption: str, svg: str, width: float = 150.0):
        """A server-rendered SVG chart (the same one the statistics page shows), centred."""
        box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
        vw, vh = (float(box.group(1)), float(box.group(2))) if box else (4.0, 3.0)
        h = width * vh / vw
        self.ensure(h + 10)
        self.para(self.t(caption), fk="b", size=9.5, after=1)
        if not self.dry:
            self.pdf.image(io.BytesIO(svg.encode("utf-8")), x=MARGIN_X + (CONTENT_W - width) / 2, y=self.y,
                           w=width, h=h)
            self.sync_state()
        self.y += h + 5

    # ---------------------------------------------------------------- footer

    def footers(self, left: str = "", right: str = ""):
        """第 N 页 共 M 页 on every page, stamped once the page count is known; `left` (cut to
        60 mm) and `right` in small print at the sides. Both clean()ed by the caller."""
        pdf = self.pdf
        total, current = pdf.pages_count, pdf.page
        full = left
        while left and self.width(left, "r", 6.8) > 60:
            left = left[:-2]
        if left != full:
            left += "…"
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
