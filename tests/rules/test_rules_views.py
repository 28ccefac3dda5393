"""Findings, statistics, text signals and the complaint kit: pages, services, files."""
import io
import json
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from evidence.cases import services
from evidence.complaints import drafts as complaints
from evidence.complaints import render as documents
from evidence.lib.canonical import canonical_json
from evidence.models import ComplaintDraft, CustodyEvent
from evidence.rules.stats import case_findings, case_stats

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


def log(case, actor, when, kind="call", **fields):
    fields.setdefault("direction", "incoming" if kind == "call" else "")
    if kind == "call":
        fields.setdefault("call_outcome", "answered")
    entry, _ = services.entry_create(case=case, actor=actor, kind=kind, occurred_at=when, **fields)
    return entry


@pytest.fixture
def harassed(case, borrower):
    """A week of collection: night calls, a burst of calls, a contact of the borrower's mother, a threat."""
    log(case, borrower, at(2, 23, 10), number="13800000001", duration_seconds=30)
    log(case, borrower, at(3, 7, 59), number="13800000001", duration_seconds=0)
    for minute in range(8):
        log(case, borrower, at(4, 10, minute), number="13800000002", duration_seconds=20)
    log(case, borrower, at(5, 12), kind="sms", number="10690000", content="三天内不还钱就爆你通讯录，找你领导",
        tags=["threat"])
    log(case, borrower, at(5, 13), kind="third_party", contact_name="王芳", contact_relation="母亲",
        number="13900000009", content="催收打电话给我妈说我欠钱不还")
    log(case, borrower, at(6, 14), kind="third_party", contact_name="李总", contact_relation="领导",
        content="打到单位")
    return case


# --------------------------------------------------------------------------- case settings


def test_case_settings_feed_the_rules(harassed, borrower):
    rules = {f.rule_id for f in case_findings(harassed)}
    assert {"CN-HOURS", "CN-FREQ-ANSWERED", "CN-FREQ-ATTEMPTS", "CN-THIRD-PARTY", "CN-THREAT-INSULT"} <= rules
    assert "CN-ILLEGAL-DEBT" not in rules and "CN-AFTER-WARNING" not in rules
    services.case_update(case=harassed, actor=borrower, debt_usurious=True, police_warned_at=at(5, 12, 30))
    rules = {f.rule_id for f in case_findings(harassed)}
    assert {"CN-ILLEGAL-DEBT", "CN-AFTER-WARNING"} <= rules
    after = [f for f in case_findings(harassed) if f.rule_id == "CN-AFTER-WARNING"]
    # The SMS at 12:00 came before the 12:30 warning; the contacts of 5 and 6 March after it.
    assert [(str(f.when), len(f.entry_ids)) for f in after] == [("2026-03-05", 1), ("2026-03-06", 1)]
    assert CustodyEvent.objects.filter(case=harassed, action="case.update").exists()


def test_case_time_zone_moves_the_night(harassed, borrower):
    # 23:10 in Shanghai is 10:10 in New York (EST): not a night contact there.
    night = [f for f in case_findings(harassed) if f.rule_id == "CN-HOURS"]
    assert night
    services.case_update(case=harassed, actor=borrower, time_zone="America/New_York")
    shifted = [f for f in case_findings(harassed) if f.rule_id == "CN-HOURS"]
    assert {f.when for f in shifted} != {f.when for f in night}


def test_us_rule_set(harassed, borrower):
    services.case_update(case=harassed, actor=borrower, rule_set="us")
    rules = {f.rule_id for f in case_findings(harassed)}
    assert "US-7IN7" in rules and all(r.startswith("US-") for r in rules)


def test_old_case_snapshot_unchanged_by_new_fields(case):
    from evidence.custody.snapshots import case_snapshot

    assert set(case_snapshot(case)) == {"id", "lender", "product", "amount_owed", "overdue_since",
                                        "collector_numbers", "agencies", "notes"}


def test_case_form_saves_rule_settings(borrower_client, case):
    data = {"lender": "借呗", "rule_set": "us", "time_zone": "America/New_York", "debt_usurious": "on",
            "police_warned_at": "2026-03-05T12:30"}
    response = borrower_client.post(reverse("case_edit", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rule_set == "us" and case.time_zone == "America/New_York" and case.debt_usurious
    assert case.police_warned_at is not None


# --------------------------------------------------------------------------- entries edited after a finding


def test_edit_moves_an_entry_out_of_a_finding(case, borrower):
    late = log(case, borrower, at(2, 22, 0))
    log(case, borrower, at(2, 21, 59))
    [night] = [f for f in case_findings(case) if f.rule_id == "CN-HOURS"]
    assert night.entry_ids == (str(late.pk),)
    services.entry_update(entry=late, actor=borrower, occurred_at=at(2, 21, 30))
    assert not [f for f in case_findings(case) if f.rule_id == "CN-HOURS"]
    services.entry_update(entry=late, actor=borrower, occurred_at=at(3, 7, 0))
    [night] = [f for f in case_findings(case) if f.rule_id == "CN-HOURS"]
    assert night.entry_ids == (str(late.pk),) and str(night.when) == "2026-03-03"


def test_findings_page_marks_edited_entries(borrower_client, case, borrower):
    late = log(case, borrower, at(2, 23, 0))
    services.entry_update(entry=late, actor=borrower, notes="补充")
    page = borrower_client.get(reverse("case_findings", args=[case.pk])).content.decode()
    assert reverse("entry_detail", args=[late.pk]) in page
    assert "已编辑 · 第 2 版" in page  # zh-hans, the default language


def test_trashed_entries_leave_findings(case, borrower):
    late = log(case, borrower, at(2, 23, 0))
    services.entry_trash(entry=late, actor=borrower, reason="录错了")
    assert not case_findings(case)


# --------------------------------------------------------------------------- statistics


def test_stats_numbers(harassed):
    stats = case_stats(harassed)
    assert stats.calls == 10 and stats.messages == 1
    assert stats.night == 2  # 23:10 and 07:59
    assert stats.third_parties == 2 and stats.third_party_contacts == 2
    assert stats.top_numbers[0] == ("13800000002", 8)
    assert stats.heat[2][10] == 8  # Wednesday 4 March 2026, 10:00
    assert [b.calls for b in stats.buckets] == [1, 1, 8, 0, 0]
    assert not stats.per_week
    assert dict((r, n) for r, n, _ in stats.findings_by_rule)["CN-HOURS"] == 2


def test_stats_group_by_week_over_a_long_span(case, borrower):
    log(case, borrower, at(1, 12))
    log(case, borrower, datetime(2026, 9, 1, 12, tzinfo=SHANGHAI))
    stats = case_stats(case)
    assert stats.per_week and sum(b.calls for b in stats.buckets) == 2


def test_statistics_page(borrower_client, harassed):
    response = borrower_client.get(reverse("case_statistics", args=[harassed.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") >= 2
    assert 'id="chart-heat"' in page and "13800000002" in page
    assert "CN-HOURS" in page


def test_findings_page(borrower_client, harassed):
    response = borrower_client.get(reverse("case_findings", args=[harassed.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "CN-THIRD-PARTY" in page and "本工具不构成法律意见" in page  # the default language is zh-hans
    assert "涉嫌违反《民法典》第1032条" in page and "不符合GB/T 45251-2025" in page


def test_case_page_shows_findings(borrower_client, harassed):
    page = borrower_client.get(reverse("case_detail", args=[harassed.pk])).content.decode()
    assert 'id="findings-summary"' in page and reverse("case_statistics", args=[harassed.pk]) in page


@pytest.mark.parametrize("name", ["case_statistics", "case_findings", "complaint_list"])
def test_other_borrower_gets_404(other_client, harassed, name):
    assert other_client.get(reverse(name, args=[harassed.pk])).status_code == 404


def test_other_borrower_cannot_touch_complaints(other_client, harassed):
    for url in (reverse("complaint_edit", args=[harassed.pk, "police"]),
                reverse("complaint_download", args=[harassed.pk, "police", "docx"])):
        assert other_client.get(url).status_code == 404
    assert other_client.post(reverse("complaint_edit", args=[harassed.pk, "police"]),
                             {"title": "x"}).status_code == 404
    assert other_client.post(reverse("text_signals", args=[harassed.pk]), {"text": "弄死你"}).status_code == 404
    assert not ComplaintDraft.objects.exists()


def test_anonymous_is_sent_to_login(anonymous_client, harassed):
    response = anonymous_client.get(reverse("case_statistics", args=[harassed.pk]))
    assert response.status_code == 302


# --------------------------------------------------------------------------- text signals


def test_text_signals_endpoint(borrower_client, case):
    response = borrower_client.post(reverse("text_signals", args=[case.pk]),
                                    {"text": "我是法院的，再不還錢就上門，找你領導"})
    data = response.json()["suggestions"]
    tags = {s["tag"]: s["phrases"] for s in data}
    assert "claimed_court" in tags and "mentioned_employer" in tags
    assert any("領導" in p for p in tags["mentioned_employer"])


def test_entry_form_has_the_suggestion_box(borrower_client, case):
    page = borrower_client.get(reverse("entry_create", args=[case.pk]) + "?kind=sms").content.decode()
    assert 'id="tag-suggestions"' in page and reverse("text_signals", args=[case.pk]) in page


# --------------------------------------------------------------------------- complaint kit


@pytest.mark.parametrize("channel", ComplaintDraft.Channel.values)
def test_every_channel_generates(harassed, channel):
    body = complaints.generate(harassed, channel)
    keys = [s["key"] for s in body["sections"]]
    assert "sign" in keys and body["tables"]["incidents"]["rows"]
    text = "\n".join(s["text"] for s in body["sections"])
    assert "借呗" in text or channel == "report_12321"
    assert "13800000002" in text  # collector numbers
    if channel != "report_12321":
        assert body["tables"]["findings"]["rows"]


def test_police_statement_asks_for_a_receipt(harassed):
    body = complaints.generate(harassed, "police")
    assert "受案回执" in "\n".join(s["text"] for s in body["sections"])


def test_court_complaint_has_the_cause(harassed):
    body = complaints.generate(harassed, "court")
    assert any(s["text"] == "隐私权、个人信息保护纠纷" for s in body["sections"])


def test_docx_opens_and_holds_the_incident_table(harassed):
    from docx import Document

    data = documents.render_docx(complaints.generate(harassed, "nfra_12378"))
    doc = Document(io.BytesIO(data))
    texts = "\n".join(p.text for p in doc.paragraphs)
    assert "关于催收不当的投诉" in texts and "投诉请求" in texts
    incident = doc.tables[0]
    assert [c.text for c in incident.rows[0].cells] == ["时间", "方式", "号码", "内容"]
    cells = [[c.text for c in row.cells] for row in incident.rows[1:]]
    assert ["2026-03-02 23:10", "催收电话", "13800000001"] == cells[0][:3]
    findings = doc.tables[1]
    assert any("《民法典》" in c.text or "GB/T 45251-2025" in c.text for row in findings.rows for c in row.cells)


def test_pdf_renders_with_text(harassed, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(documents.render_pdf(complaints.generate(harassed, "court")))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "民事起诉状" in text and "隐私权、个人信息保护纠纷" in text
    assert "2026-03-02 23:10" in text and "第" in text


def test_docx_converts_with_libreoffice_if_available(harassed, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office:
        pytest.skip("LibreOffice is not installed")
    src = tmp_path / "c.docx"
    src.write_bytes(documents.render_docx(complaints.generate(harassed, "police")))
    subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180)
    assert (tmp_path / "c.pdf").stat().st_size > 1000


def test_save_edit_encrypts_and_logs(borrower_client, harassed):
    url = reverse("complaint_edit", args=[harassed.pk, "nfra_12378"])
    page = borrower_client.get(url).content.decode()
    assert "关于催收不当的投诉" in page and not ComplaintDraft.objects.exists()
    response = borrower_client.post(url, {"title": "我的投诉", "section-request": "请停止夜间催收。"})
    assert response.status_code == 302
    draft = ComplaintDraft.objects.get(case=harassed, channel="nfra_12378")
    body = json.loads(draft.body)
    assert body["title"] == "我的投诉"
    assert [s["text"] for s in body["sections"] if s["key"] == "request"] == ["请停止夜间催收。"]
    # Encrypted at rest: the column holds no plain text.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM evidence_complaintdraft")
        raw = str(cursor.fetchone()[0])
    assert "请停止夜间催收" not in raw and "我的投诉" not in raw
    event = CustodyEvent.objects.filter(case=harassed, action="complaint.save").get()
    import hashlib

    assert event.content_sha256 == hashlib.sha256(canonical_json(body)).hexdigest()
    # The same text again is not a new version.
    borrower_client.post(url, {"title": "我的投诉", "section-request": "请停止夜间催收。"})
    assert CustodyEvent.objects.filter(case=harassed, action="complaint.save").count() == 1
    # Downloads use the saved text.
    from docx import Document

    doc = Document(io.BytesIO(borrower_client.get(
        reverse("complaint_download", args=[harassed.pk, "nfra_12378", "docx"])).content))
    assert "我的投诉" in doc.paragraphs[0].text
    pdf = borrower_client.get(reverse("complaint_download", args=[harassed.pk, "nfra_12378", "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_regenerate_keeps_the_text_and_refreshes_tables(borrower_client, harassed, borrower):
    url = reverse("complaint_edit", args=[harassed.pk, "police"])
    borrower_client.post(url, {"section-request": "我的请求"})
    log(harassed, borrower, at(7, 23, 30), number="13800000003")
    borrower_client.post(url, {"section-request": "我的请求", "regenerate": "1"})
    body = json.loads(ComplaintDraft.objects.get(case=harassed, channel="police").body)
    assert [s["text"] for s in body["sections"] if s["key"] == "request"] == ["我的请求"]
    assert any(r[0] == "2026-03-07 23:30" for r in body["tables"]["incidents"]["rows"])


def test_unknown_channel_is_404(borrower_client, harassed):
    assert borrower_client.get(reverse("complaint_edit", args=[harassed.pk, "nope"])).status_code == 404
    assert borrower_client.get(reverse("complaint_download", args=[harassed.pk, "police", "exe"])).status_code == 404
