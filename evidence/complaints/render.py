"""A saved or generated complaint draft as a document: .docx (python-docx, for Word and
WPS) and PDF (the shared PDF layout with the embedded CJK font)."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from evidence.pdf.layout import CONTENT_W, Col, Renderer

# A4 (what Chinese courts and regulators print on), 25 mm margins all round.
A4_W, A4_H, MARGIN = Mm(210), Mm(297), Mm(25)
TEXT_W_MM = 210 - 2 * 25
# Column widths (mm) of the two tables: time and number wide enough never to break, the text takes the rest.
INCIDENT_MM = [31, 24, 31, TEXT_W_MM - 86]
FINDING_MM = [36, 58, TEXT_W_MM - 94]
NOWRAP_COLUMNS = {"时间", "号码"}  # dates and numbers are never split over lines


def addressee(body: dict) -> str:
    """The one addressee line a letter opens with; the 起诉状 has its 此致 … at the end instead."""
    if body.get("channel") == "court" or not body.get("to"):
        return ""
    return f"致：{body['to']}"


# --------------------------------------------------------------------------- .docx


def render_docx(body: dict) -> bytes:
    """A Word document (Word/WPS): heading, sections, the tables as real tables."""
    doc = Document()
    for section in doc.sections:  # python-docx's template is US Letter
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4_W, A4_H
        section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    # East Asian text uses the eastAsia font slot: without it Word falls back to a Latin font.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(body.get("title") or "")
    run.bold = True
    run.font.size = Pt(18)
    if addressee(body):
        doc.add_paragraph(addressee(body))
    for section in body["sections"]:
        if section.get("heading"):
            p = doc.add_paragraph()
            p.add_run(section["heading"]).bold = True
        for line in (section.get("text") or "").split("\n"):
            doc.add_paragraph(line)
        table = body.get("tables", {}).get(section.get("table") or "")
        if table:
            _docx_table(doc, table)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _docx_table(doc, table):
    rows = table.get("rows") or []
    columns = table["columns"]
    widths = INCIDENT_MM if len(columns) == 4 else FINDING_MM if len(columns) == 3 else \
        [TEXT_W_MM / len(columns)] * len(columns)
    t = doc.add_table(rows=1 + len(rows), cols=len(columns))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    # Fixed layout with a grid: Word, WPS and LibreOffice then keep these widths instead of equal columns.
    tbl_pr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    for col, mm in zip(t.columns, widths):
        col.width = Mm(mm)
    nowrap = [c in NOWRAP_COLUMNS for c in columns]
    for r, row in enumerate([columns] + [list(map(str, x)) for x in rows]):
        cells = t.rows[r].cells
        for c, value in enumerate(row):
            cell = cells[c]
            cell.width = Mm(widths[c])
            cell.text = ""
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(10)
            if r == 0:
                run.bold = True
            if nowrap[c]:
                cell._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
    if not rows:
        doc.add_paragraph("（无）")
    if table.get("note"):
        doc.add_paragraph(table["note"])


# --------------------------------------------------------------------------- PDF


def render_pdf(body: dict) -> bytes:
    """The same letter as PDF, with the layout engine catalog.pdf uses."""
    r = Renderer(title=body.get("title"))
    r.new_page()
    r.para(r.t(body.get("title")), fk="b", size=18, align="C", spacing=1.4, after=4)
    if addressee(body):
        r.para(r.t(addressee(body)), size=11, after=3)
    for section in body["sections"]:
        if section.get("heading"):
            r.para(r.t(section["heading"]), fk="b", size=11.5, after=0.5)
        for line in (section.get("text") or "").split("\n"):
            r.para(r.t(line) or " ", size=10.5, after=0.5)
        table = body.get("tables", {}).get(section.get("table") or "")
        if table:
            columns = table["columns"]
            if len(columns) == 4:
                widths = [28, 20, 32, CONTENT_W - 80]
            else:
                widths = [40, CONTENT_W * 0.45, CONTENT_W - 40 - CONTENT_W * 0.45]
            r.y += 1
            rows = [[r.t(v) for v in row] for row in table.get("rows") or []]
            if rows:
                r.table([Col(c, w, nowrap=c in NOWRAP_COLUMNS) for c, w in zip(columns, widths)], rows, size=8.5)
            else:
                r.para("（无）", size=9.5)
            if table.get("note"):
                r.y += 1
                r.para(r.t(table["note"]), size=8.5, after=1)
        r.y += 2
    r.footers()
    return bytes(r.pdf.output())
