"""A call-log CSV and an iPhone sms.db, imported like an Android backup; the command line."""
import io

import pytest
from django.core.management import CommandError, call_command

from evidence.cases import services as cases
from evidence.custody.verify import verify_case
from evidence.imports import calllog_csv, services as imports
from evidence.models import BackupImport, CustodyEvent, Entry
from evidence.store.crypto import blind_index
from tests.conftest import make_upload

from . import samples


@pytest.fixture
def case(borrower):
    return cases.case_create(owner=borrower, lender="借呗", collector_numbers="+86 138 0013 8000")


def test_iphone_sms_db(case):
    backup = imports.stage(case=case, actor=case.owner, upload=make_upload(case.owner, "sms.db", samples.sms_db()))
    assert backup.format == "ios"
    rows = {r["norm"]: r for r in backup.summary_data["numbers"]}
    assert rows["13800138000"]["sms"] == 2 and rows["13800138000"]["collector"]
    assert rows["friend@icloud.com"]["sms"] == 1 and not rows["friend@icloud.com"]["collector"]
    imports.backup_import(backup=backup, actor=case.owner, numbers={"13800138000"})
    entries = list(Entry.objects.filter(case=case).order_by("occurred_at"))
    assert [(e.content, e.direction) for e in entries] == [("再不还款就起诉你", "incoming"), ("我会还的", "outgoing")]
    assert entries[0].occurred_at.timestamp() == samples.T0 / 1000
    assert entries[1].number_index == blind_index(case.owner_id, "13800138000")
    assert "sms.db" in entries[0].notes and backup.sha256 in entries[0].notes
    imports.backup_import(backup=backup, actor=case.owner, numbers={"13800138000"})
    assert Entry.objects.filter(case=case).count() == 2
    assert verify_case(case).ok


def test_csv_in_gb18030_with_chinese_columns(case):
    data = samples.calls_csv("gb18030")
    backup = imports.stage(case=case, actor=case.owner, upload=make_upload(case.owner, "详单.csv", data))
    layout = backup.summary_data["csv"]
    assert layout["encoding"] == "gb18030" and layout["columns"][0] == "起始时间"
    assert layout["mapping"] == {"number": 3, "time": 0, "direction": 2, "duration": 1}
    assert backup.summary_data["total"] == 3  # the 合计 line is not a call
    imports.backup_import(backup=backup, actor=case.owner, mapping=layout["mapping"])
    calls = list(Entry.objects.filter(case=case).order_by("occurred_at"))
    assert [c.occurred_at.isoformat() for c in calls] == [
        "2026-03-02T01:30:00+00:00", "2026-03-02T15:10:00+00:00", "2026-03-03T00:00:00+00:00"]  # Shanghai time
    assert [(c.kind, c.direction, c.duration_seconds, c.call_outcome) for c in calls] == [
        ("call", "incoming", 65, "answered"), ("call", "incoming", 0, "missed"), ("call", "outgoing", 123, "answered")]
    assert "被叫" in calls[0].notes  # the CSV's own word for it, kept


@pytest.mark.parametrize("value,seconds", [("65", 65), ("00:01:05", 65), ("1:05", 65), ("1分5秒", 65),
                                           ("1小时2分3秒", 3723), ("", None), ("n/a", None)])
def test_csv_durations(value, seconds):
    assert calllog_csv.parse_duration(value) == seconds


def test_the_command_imports_the_collectors_only_and_skips_duplicates(case, tmp_path):
    path = tmp_path / "calls-20260302.xml"
    path.write_bytes(samples.calls_backup())
    out = io.StringIO()
    call_command("import_backup", "--case", str(case.pk), str(path), "--collectors", stdout=out)
    assert "Imported 7 entries; 0 already" in out.getvalue()
    assert "(collector)" in out.getvalue()
    call_command("import_backup", "--case", str(case.pk), str(path), "--numbers", "13912345678",
                 "--from", "2026-03-02", "--to", "2026-03-02", stdout=out)
    assert "Imported 1 entries" in out.getvalue()
    call_command("import_backup", "--case", str(case.pk), str(path), stdout=out)
    assert "Imported 0 entries; 8 already" in out.getvalue()
    assert BackupImport.objects.count() == 1
    event = CustodyEvent.objects.filter(case=case, action="import.create").first()
    assert event.actor_label == "system:import_backup"
    with pytest.raises(CommandError, match="从不这样做"):
        evil = tmp_path / "evil.xml"
        evil.write_bytes(samples.EXTERNAL_ENTITY)
        call_command("import_backup", "--case", str(case.pk), str(evil), stdout=out)
