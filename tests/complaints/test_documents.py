"""Complaint drafts as documents (issue 12, item 7): A4, fixed column widths, numbers never split,
one grammatical person, an evidence paragraph true to the case, one addressee, 被告 from the parties."""
import io
from datetime import datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from django.utils import timezone

from evidence.cases.services import case_update, entry_create
from evidence.complaints import drafts
from evidence.complaints import render as documents
from evidence.models import ComplaintDraft

LETTERS = [c for c in ComplaintDraft.Channel.values if c != "court"]


@pytest.fixture
def noted(case, borrower):
    """Only calls the borrower noted down (no file at all), a night one among them."""
    for day, hour in ((2, 23), (3, 10), (3, 10)):
        entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="0731-85792469",
                     occurred_at=timezone.make_aware(datetime(2026, 3, day, hour, 5)), content="问我什么时候还钱",
                     tags=["threat"])
    case_update(case=case, actor=borrower, lender_entity="重庆蚂蚁消费金融有限公司", agencies="甲催收公司\n乙信息咨询公司",
                court="杭州互联网法院")
    borrower.legal_name = "张三"
    borrower.save()
    case.refresh_from_db()
    return case


def _doc(case, channel):
    return Document(io.BytesIO(documents.render_docx(drafts.generate(case, channel))))


def _all_text(doc, tables=False):
    texts = [p.text for p in doc.paragraphs]
    if tables:
        texts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(texts)


@pytest.mark.parametrize("channel", ComplaintDraft.Channel.values)
def test_a4_fixed_widths_numbers_never_split(noted, channel):
    doc = _doc(noted, channel)
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    incidents = doc.tables[0]
    assert incidents._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    widths = [round(c.width.mm) for c in incidents.rows[0].cells]
    assert len(set(widths)) > 1 and sum(widths) <= 210 - 50  # not four equal columns; inside the margins
    for row in incidents.rows:
        for title, cell in zip(["时间", "方式", "号码"], row.cells):
            if title in ("时间", "号码"):
                assert cell._tc.tcPr.find(qn("w:noWrap")) is not None
    assert "0731-85792469" in [c.text for c in incidents.rows[1].cells]


def test_one_grammatical_person(noted):
    court = _all_text(_doc(noted, "court")).split("提示（提交前可删除）")[0]
    assert "原告" in court and "我" not in court and "您" not in court
    for channel in LETTERS:
        letter = _all_text(_doc(noted, channel))
        assert "原告" not in letter, channel
        assert "投诉人。" not in letter  # "告知投诉人": the letter speaks as 我


def test_evidence_paragraph_names_only_what_the_case_has(noted):
    for channel in ("court", "nfra_12378", "police"):
        body = drafts.generate(noted, channel)
        evidence = next(s["text"] for s in body["sections"] if s["key"] == "evidence")
        assert "对每次催收所作的记录" in evidence
        for absent in ("截图", "录音", "整理稿", "视频", "证人"):
            assert absent not in evidence, (channel, absent)


def test_one_addressee_and_the_defendants_from_the_parties(noted):
    court = _all_text(_doc(noted, "court"))
    assert "致：" not in court and court.count("此致") == 1 and "此致\n杭州互联网法院" in court
    assert "被告1：重庆蚂蚁消费金融有限公司（平台 / 产品：借呗）" in court
    assert "被告2：甲催收公司" in court and "被告3：乙信息咨询公司" in court
    assert "姓名：张三" in court
    for channel in LETTERS:
        letter = _all_text(_doc(noted, channel))
        assert letter.count("致：") == 1 and "此致" not in letter, channel


def test_unknown_parties_say_so(case):
    who = drafts.parties(case)
    assert who["plaintiff"] == ""  # the view/catalog prints 未填写 or a blank to fill, never the username
    assert who["defendants"] == ["出借方：借呗（法定名称未填写）"]
    court = _all_text(_doc(case, "court"))
    assert case.owner.username not in court
