"""The CJK face parsed once per process (evidence/pdf/faces.py): every PDF still embeds exactly
the glyphs it draws, reads back as the same text, and is byte for byte the PDF fpdf2's own
add_font() path makes, also when PDFs are made one after another and in threads at once."""
from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fontTools.cffLib import CFFFontSet
from pyhanko.pdf_utils.reader import PdfFileReader

from evidence.pdf import faces
from evidence.pdf.fonts import find_cjk_font
from evidence.pdf.layout import Renderer

FONT = find_cjk_font()
pytestmark = pytest.mark.skipif(FONT is None, reason="no CJK font installed")
WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

A = "证据目录：催收电话录音，共 3 项。SHA-256 0f3e9a"
B = "借款合同与还款记录（第二组）"  # shares no CJK character with A
C = "证据目录 abc"


def make(text: str, *, shared: bool, repeat: int = 1) -> bytes:
    r = Renderer(FONT, title="测试", shared_font=shared)
    r.pdf.creation_date = WHEN  # the only thing that differs between two runs
    for _ in range(repeat):
        r.new_page() if r.pdf.page else r.pdf.add_page()
        r.y = 20
        r.heading(r.t(text))
        r.para(r.t(text))
        r.kv_table([("名称", r.t(text)), ("哈希", "ab" * 32, "m")])
    r.footers(r.t(text)[:8], "右")
    return bytes(r.pdf.output())


def embedded_glyphs(pdf: bytes) -> set[str]:
    """The glyphs (by CID name) of the one CFF face the PDF embeds."""
    reader = PdfFileReader(io.BytesIO(pdf))
    fonts = []
    for page in range(len(reader.root["/Pages"]["/Kids"])):
        page_obj = reader.find_page_for_modification(page)[0].get_object()
        for font in page_obj["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            fonts.append(descendant["/FontDescriptor"]["/FontFile3"].data)
    assert fonts and all(f == fonts[0] for f in fonts), "one embedded face"
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(fonts[0]), None)
    return set(cff[cff.fontNames[0]].charset) - {".notdef"}


def glyphs_of(text: str) -> set[str]:
    cmap = faces.shared_face(*FONT).cmap
    return {cmap[ord(c)] for c in text}


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_the_face_is_parsed_once_per_process():
    make(A, shared=True)
    loads = faces.loads
    for text in (A, B, C):
        make(text, shared=True)
    assert faces.loads == loads
    assert faces.shared_face(*FONT) is faces.shared_face(*FONT)


def test_pdfs_made_one_after_another_are_those_of_fpdf2s_own_path():
    cached = [make(t, shared=True) for t in (A, B, C, A)]
    own = [make(t, shared=False) for t in (A, B, C, A)]
    assert cached == own  # byte for byte: the same subset, widths, descriptor, CIDs
    assert cached[0] == cached[3]  # nothing of B or C stayed behind in A's second rendering
    assert cached[0] != cached[1]


def test_each_pdf_embeds_exactly_the_glyphs_it_draws():
    pdf_a, pdf_b = make(A, shared=True), make(B, shared=True)
    # What make() draws besides the text: the table's labels and hash, the footer (第 1 页 共 1 页 … 右),
    # and the space the subset always holds; the title (测试) is metadata, never drawn.
    furniture = "名称哈希ab第1页共右 "
    got_a, got_b = embedded_glyphs(pdf_a), embedded_glyphs(pdf_b)
    assert got_a == glyphs_of(A + furniture)
    assert got_b == glyphs_of(B + furniture)  # not the union with A's
    assert not got_b & (glyphs_of(A) - glyphs_of(B + furniture))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_same_text_reads_back():
    for text in (A, B):
        assert text_of(make(text, shared=True)) == text_of(make(text, shared=False))
        assert text.replace(" ", "")[:10] in text_of(make(text, shared=True)).replace(" ", "")


def test_threads_rendering_at_once_each_get_their_own_pdf():
    texts = [f"{t}（第 {i} 份）" for i in range(2) for t in (A, B, C)]
    # One after another (the same bytes as fpdf2's own path, test above), then all at once.
    expected = {t: make(t, shared=True, repeat=3) for t in texts}
    start = threading.Barrier(6)

    def work(text):
        start.wait(timeout=60) if text in texts[:6] else None
        return text, make(text, shared=True, repeat=3)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(work, texts * 2))
    assert len(results) == 2 * len(texts)
    for text, pdf in results:
        assert pdf == expected[text], text


def test_a_font_that_is_not_cached_still_works(tmp_path):
    # A copy of the face under another name and mtime is another cache key: parsed once more, same PDF.
    path, index = FONT
    copy = tmp_path / ("copy" + path[path.rfind("."):])
    shutil.copyfile(path, copy)
    before = faces.loads
    r = Renderer((str(copy), index))
    assert faces.loads == before + 1
    r.pdf.add_page()
    r.para(r.t(C))
    assert bytes(r.pdf.output()).startswith(b"%PDF-1.")
