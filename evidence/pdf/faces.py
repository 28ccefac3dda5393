"""The CJK face parsed once per process and shared, read-only, by every PDF; each PDF gets
its own subset state, so it embeds exactly the glyphs it uses.

fpdf2's add_font() has fontTools parse the face for every document (its cmap of ~44,000
characters, its advance widths: ~0.4 s for Noto Sans CJK), and on output fontTools'
subsetter cuts the face down to the glyphs used, in place (~0.5 s, most of it reading the
vertical metrics, layout and cmap tables of the whole face, which a PDF never embeds). An
export writes catalog.pdf and up to three complaint PDFs, and the test suite hundreds.

Here, once per (file, face, mtime):
  * a throwaway fpdf2 font is built the ordinary way, and what it derived from the face
    (cmap, glyph ids, advance widths, descriptor figures, names) is kept: immutable;
  * which tables the subsetter and fpdf2's output need (for a CID-keyed CFF face such as
    Noto CJK, fpdf2 embeds the CFF table alone).
Each document then gets a fresh fpdf2 font object sharing the immutable part, with its
own width table (fpdf2's is a defaultdict that grows on look-ups), descriptor (output
writes into it), SubsetMap and missing-glyph list, and its own fontTools TTFont opened
lazily on the file with the other tables left out of its directory: the subsetter
mutates that one only, and no longer reads the vertical metrics, layout tables and cmap.

The embedded CFF is byte-identical to the uncached path's (tests/pdf/test_faces.py). A
colour or bitmap face, or anything unexpected, takes fpdf2's ordinary add_font().
"""
from __future__ import annotations

import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import PDFFontDescriptor, SubsetMap, TTFFont

from .text import kept_as_is

log = logging.getLogger("liuzheng.pdf")

# Tables fpdf2 2.8's output drops before subsetting (output.py, _add_fonts): never embedded.
_FPDF_DROPS = {"FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC",
               "EBSC", "SVG ", "CPAL", "COLR"}
# fpdf2 renders these faces through a Type 3 colour font: left to add_font().
_COLOUR_TABLES = {"CBDT", "EBDT", "COLR", "SVG ", "sbix"}
# A CID-keyed CFF face: fpdf2 embeds the subset's CFF table alone (FontFile3/CIDFontType0C) and
# maps codes to CIDs itself; the subsetter needs head, maxp, name and post beside it.
_CFF_KEEP = {"CFF ", "head", "maxp", "name", "post"}
# Attributes of fpdf2's TTFFont that never change after add_font() (copied by reference).
_FIXED = ("type", "name", "sp", "ss", "up", "ut", "ttffile", "scale", "is_compressed", "is_cff", "is_cid_keyed",
          "is_symbol", "cff_ros", "collection_font_number")
_DESC = ("ascent", "descent", "cap_height", "flags", "font_b_box", "italic_angle", "stem_v", "missing_width")


@dataclass
class Face:
    """One face, as every PDF of this process shares it. Nothing here is written after _load()
    but `spare`, popped once."""

    path: str
    index: int
    fixed: dict
    desc: dict
    cmap: dict  # code point → glyph name
    glyph_ids: dict  # code point → glyph id
    widths: dict  # code point → advance width (1/1000 em)
    default_width: int
    drop: frozenset  # tables neither the subsetter nor the output needs: hidden from each PDF's TTFont
    # Derived for evidence.pdf.layout.Renderer: characters drawable, and clean_text()'s fast path.
    renderable: frozenset = field(default_factory=frozenset)
    plain: frozenset = field(default_factory=frozenset)
    char_widths: dict = field(default_factory=dict)  # character → advance width
    spare: list = field(default_factory=list)  # the loading parse's TTFont, for the first PDF to take


_lock = threading.Lock()
_faces: dict[tuple, Face | None] = {}
loads = 0  # how many times a face was parsed in this process (tests read it)


def shared_face(path: str, index: int) -> Face | None:
    """The cached Face of (path, index), parsed on first use; None if it must take add_font()."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key = (os.path.realpath(path), index, stat.st_mtime_ns, stat.st_size)
    face = _faces.get(key, False)
    if face is not False:
        return face
    with _lock:  # one thread parses; the others wait for it rather than parse it again
        face = _faces.get(key, False)
        if face is False:
            try:
                face = _load(path, index)
            except Exception as exc:  # noqa: BLE001 - add_font() will say what is wrong
                log.info("Font %s#%s is not cached (%s): fpdf2 loads it per document", path, index, exc)
                face = None
            _faces[key] = face
    return face


def _load(path: str, index: int) -> Face | None:
    global loads
    pdf = FPDF()
    pdf.add_font("face", "", path, collection_font_number=index)
    font = pdf.fonts["face"]
    spare = None
    try:
        tags = set(font.ttfont.reader.keys())
        if tags & _COLOUR_TABLES or font.color_font is not None:
            return None
        keep = _CFF_KEEP & tags if font.is_cff and font.is_cid_keyed and "CFF " in tags else tags - _FPDF_DROPS
        if "glyf" in tags and ".notdef" not in font.ttfont["glyf"]:
            return None  # add_font() draws a .notdef into this face: leave such faces to it
        renderable = frozenset(font.cmap)
        face = Face(
            path=path, index=index,
            fixed={name: getattr(font, name) for name in _FIXED},
            desc={name: getattr(font.desc, name) for name in _DESC},
            # The throwaway's own dicts, now nobody else's: shared from here on, read only.
            cmap=font.cmap, glyph_ids=font.glyph_ids, widths=font.cw,
            default_width=font.cw.default_factory(), drop=frozenset(tags - keep), renderable=renderable,
            plain=frozenset(kept_as_is(set(renderable))), char_widths={chr(o): w for o, w in font.cw.items()},
        )
        # Its TTFont, never subset, serves the first PDF: a process that makes one PDF parses the face once.
        spare = font.ttfont
        for tag in face.drop:
            del spare[tag]
        face.spare = [spare]
        loads += 1
        return face
    finally:
        if spare is None:
            font.close()
        # SubsetMap's lookups are memoised per class (functools.cache), keyed by the instance: left
        # there, this throwaway font and its parsed tables would stay in memory for good. fpdf2
        # clears the same caches on every output.
        SubsetMap.get_glyph.cache_clear()
        SubsetMap.pick.cache_clear()


def attach(pdf: FPDF, family: str, face: Face) -> TTFFont:
    """Register `face` in `pdf` as font `family` (regular), as add_font() would, with fresh
    per-document state; returns fpdf2's font object."""
    font = TTFFont.__new__(TTFFont)
    for name, value in face.fixed.items():
        setattr(font, name, value)
    font.i = len(pdf.fonts) + 1
    font.fontkey = family
    font._hbfont = None
    font.biggest_size_pt = 0
    font.emphasis = TextEmphasis.coerce("")
    font.palette_index = 0
    font.color_font = None
    try:
        font.ttfont = face.spare.pop()  # atomic: one PDF gets it
    except IndexError:
        # Lazy: only the table directory is read now; on output the subsetter reads the tables it keeps.
        font.ttfont = TTFont(face.path, fontNumber=face.index, recalcTimestamp=False, lazy=True)
        for tag in face.drop:
            del font.ttfont[tag]  # never read: out of the directory, not of the file
    font.cmap = face.cmap  # read only, by fpdf2 and by us
    font.glyph_ids = face.glyph_ids
    default_width = face.default_width
    font.cw = defaultdict(lambda: default_width, face.widths)  # fpdf2 inserts on look-up: its own
    font.desc = PDFFontDescriptor(**face.desc)  # output sets its name, font file and object id
    font.missing_glyphs = []
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as add_font() does for such a face
    return font
