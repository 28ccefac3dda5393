"""A saved or generated complaint draft as a document: .docx (python-docx, for Word and
WPS) and PDF (the shared PDF layout with the embedded CJK font)."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from evidence.pdf.layout import CONTENT_W, Col, Renderer


# --------------------------------------------------------------------------- .docx


def render_docx(body: dict) -> bytes:
    """A Word document (Word/WPS): heading, sections, the tables as real tables."""
    doc = Document()
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
    if body.get("to"):
        doc.add_paragraph(f"致：{body['to']}")
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
    t = doc.add_table(rows=1 + len(rows), cols=len(table["columns"]))
    t.style = "Table Grid"
    for i, title in enumerate(table["columns"]):
        cell = t.rows[0].cells[i]
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for r, row in enumerate(rows, start=1):
        cells = t.rows[r].cells
        for c, value in enumerate(row):
            cells[c].text = str(value)
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
    if body.get("to"):
        r.para(r.t(f"致：{body['to']}"), size=11, after=3)
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
                r.table([Col(c, w) for c, w in zip(columns, widths)], rows, size=8.5)
            else:
                r.para("（无）", size=9.5)
            if table.get("note"):
                r.y += 1
                r.para(r.t(table["note"]), size=8.5, after=1)
        r.y += 2
    r.footers()
    return bytes(r.pdf.output())
