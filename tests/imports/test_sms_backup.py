"""SMS Backup & Restore XML: messages, an MMS with its image, every call type, re-import, hostile XML."""
import json

import pytest

from evidence.cases import services as cases
from evidence.custody.verify import verify_case
from evidence.imports import services as imports
from evidence.imports.records import ImportFormatError
from evidence.models import BackupImport, CustodyEvent, Entry, ImportItem
from evidence.store import blobstore
from evidence.store.crypto import blind_index
from tests.conftest import make_upload

from . import samples


@pytest.fixture
def case(borrower):
    return cases.case_create(owner=borrower, lender="借呗", collector_numbers="138-0013-8000\n95188")


def stage(case, name, data):
    return imports.stage(case=case, actor=case.owner, upload=make_upload(case.owner, name, data))


def test_preview_groups_by_normalised_number_and_preselects_the_collector(case):
    backup = stage(case, "sms-20260302.xml", samples.messages_backup())
    summary = json.loads(backup.summary)
    assert summary["total"] == 4  # the draft is not a message
    rows = {r["norm"]: r for r in summary["numbers"]}
    # +86 138 0013 8000, +8613800138000 and 013800138000 are one number
    assert rows["13800138000"]["sms"] == 2 and rows["13800138000"]["mms"] == 1
    assert rows["13800138000"]["collector"] is True
    assert rows["13912345678"]["collector"] is False and rows["13912345678"]["contact"] == "老王"
    # the backup is kept byte-identical, encrypted
    assert blobstore.read_bytes(case.owner_id, backup.pk, "original", backup.blob_key) == samples.messages_backup()
    assert b"13800138000" not in blobstore.blob_path(backup.blob_key).read_bytes()


def test_import_of_the_collectors_messages_with_provenance_and_the_mms_image(case):
    backup = stage(case, "sms-20260302.xml", samples.messages_backup())
    imports.backup_import(backup=backup, actor=case.owner, numbers={"13800138000"})
    entries = list(Entry.objects.filter(case=case).order_by("occurred_at"))
    assert [e.content for e in entries] == ["今天不还钱就去你单位找你领导", "最后通知 😀", "看看你家的照片"]
    assert {e.kind for e in entries} == {"sms"} and {e.direction for e in entries} == {"incoming"}
    assert len({e.number_index for e in entries}) == 1
    assert entries[0].number_index == blind_index(case.owner_id, "13800138000")
    assert entries[0].number == samples.COLLECTOR  # the number as the backup wrote it
    assert f"SHA-256 {backup.sha256}" in entries[0].notes and "sms-20260302.xml" in entries[0].notes
    assert "record 1" in entries[0].notes or "第 1 条" in entries[0].notes
    image = entries[2].attachments.get()
    assert image.kind == "image" and image.media_type == "image/png"
    assert ImportItem.objects.get(entry=entries[2]).record_no == 5
    backup.refresh_from_db()
    assert backup.status == "done" and backup.imported_count == 3
    actions = list(CustodyEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))
    assert actions == ["case.create", "entry.create", "entry.create", "entry.create", "attachment.add",
                       "import.create"]
    event = CustodyEvent.objects.get(case=case, action="import.create")
    assert event.content_sha256 == backup.sha256 and event.object_id == str(backup.pk)
    assert verify_case(case).ok


def test_every_call_type_is_kept_faithfully(case):
    backup = stage(case, "calls-20260302.xml", samples.calls_backup())
    imports.backup_import(backup=backup, actor=case.owner)
    items = {i.original_type: i.entry for i in ImportItem.objects.filter(case=case, record_kind="call")
             .select_related("entry") if i.entry.number_index == blind_index(case.owner_id, samples.COLLECTOR)}
    assert sorted(items) == ["1", "2", "3", "4", "5", "6", "7"]
    assert {t: (e.kind, e.direction, e.duration_seconds, e.call_outcome) for t, e in items.items()} == {
        "1": ("call", "incoming", 35, "answered"), "2": ("call", "outgoing", 10, "answered"),
        "3": ("call", "incoming", 0, "missed"), "4": ("call", "incoming", 0, "missed"),
        "5": ("call", "incoming", 0, "rejected"), "6": ("call", "incoming", 0, "rejected"),
        "7": ("call", "incoming", 0, "answered")}
    assert "type 5" in items["5"].notes
    assert Entry.objects.filter(case=case).count() == 8
    assert verify_case(case).ok


def test_reimport_and_an_overlapping_backup_make_no_duplicates(case):
    backup = stage(case, "sms.xml", samples.messages_backup())
    imports.backup_import(backup=backup, actor=case.owner)
    assert Entry.objects.filter(case=case).count() == 4
    again = imports.backup_import(backup=backup, actor=case.owner)
    assert again.last_run == {"imported": 0, "duplicates": 4}
    # the same file uploaded again is the same import record
    assert stage(case, "sms-copy.xml", samples.messages_backup()).pk == backup.pk
    # a later backup holding the old messages and one new one adds only the new one
    later = samples.sms_backup([samples.sms(samples.COLLECTOR, samples.T0, "今天不还钱就去你单位找你领导"),
                                samples.sms(samples.COLLECTOR, samples.T0 + 999_000, "新的一条")])
    second = stage(case, "sms-later.xml", later)
    assert second.pk != backup.pk
    imports.backup_import(backup=second, actor=case.owner)
    assert second.last_run == {"imported": 1, "duplicates": 1}
    assert Entry.objects.filter(case=case).count() == 5
    assert verify_case(case).ok


def test_a_date_range_limits_the_import(case):
    from datetime import timedelta

    backup = stage(case, "calls.xml", samples.calls_backup())
    start = samples.T0 / 1000
    from datetime import datetime, timezone
    imports.backup_import(backup=backup, actor=case.owner,
                          date_from=datetime.fromtimestamp(start, tz=timezone.utc) + timedelta(hours=1),
                          date_to=datetime.fromtimestamp(start, tz=timezone.utc) + timedelta(hours=2, minutes=1))
    assert Entry.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("hostile", [samples.BILLION_LAUGHS, samples.EXTERNAL_ENTITY])
def test_hostile_xml_is_refused_with_a_clear_message(case, hostile):
    with pytest.raises(ImportFormatError, match="从不这样做"):
        stage(case, "evil.xml", hostile)
    assert not BackupImport.objects.exists()
    assert not list(blobstore.tmp_dir().glob("*.part"))


def test_not_a_backup_is_refused(case):
    with pytest.raises(ImportFormatError, match="这不是 SMS Backup"):
        stage(case, "x.xml", b"<html><body>hi</body></html>")
    with pytest.raises(ImportFormatError, match="格式正确的 XML"):
        stage(case, "x.xml", b"<smses><sms address='1' date='1'")


def test_gc_blobs_keeps_the_backup_file(case):
    import os

    from django.core.management import call_command

    backup = stage(case, "sms.xml", samples.messages_backup())
    path = blobstore.blob_path(backup.blob_key)
    os.utime(path, (0, 0))  # as old as can be
    call_command("gc_blobs", "--min-age-hours", "0", stdout=__import__("io").StringIO())
    assert path.exists()


def test_a_call_without_talk_time_is_never_taken_for_answered():
    """Types 1 and 2 say only who called. Without talk time an incoming call may have rung out
    (unknown) and an outgoing one went unanswered; only talk time or type 7 says answered."""
    from evidence.imports.calllog_csv import parse_outcome
    from evidence.imports.sbr import call_outcome

    assert call_outcome("1", 0) == "unknown" and call_outcome("1", None) == "unknown"
    assert call_outcome("2", 0) == "missed"
    assert call_outcome("1", 12) == "answered" and call_outcome("2", 12) == "answered"
    assert parse_outcome("呼入", 0) == "unknown" and parse_outcome("拦截", 0) == "rejected"
    assert parse_outcome("未接通", 0) == "missed" and parse_outcome("被叫", 30) == "answered"
