"""Importing a phone's backup into a case: stage (keep the file, read the preview), then
import what the user picked. Every entry made names the backup's file, SHA-256 and record
number; the backup itself stays, encrypted, as the import record's blob."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
import zoneinfo
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evidence.cases.services import attachment_add
from evidence.custody.actions import Action
from evidence.custody.chain import custody_append, custody_append_batch
from evidence.custody.door import service
from evidence.custody.snapshots import entry_snapshot
from evidence.lib.bulk import insert_many, insert_values
from evidence.lib.canonical import sha256_json
from evidence.models import BackupImport, Case, Entry, ImportItem
from evidence.rules import tally
from evidence.store import blobstore, media
from evidence.store.crypto import blind_index, keys_for, keys_scope
from evidence.store.uploads import EncryptedUpload, encrypted_upload_from_bytes

from . import calllog_csv, readers
from .numbers import case_numbers, normalise
from .records import CALL, MMS, SMS, ImportFormatError

log = logging.getLogger("liuzheng.imports")

CHUNK = 1000                 # records per batch of inserts
CHUNK_BYTES = 16 * 1024 * 1024  # or fewer, when MMS images make a batch heavy

ITEM_COLUMNS = ["backup_id", "case_id", "entry_id", "record_no", "record_kind", "original_type", "dedupe_key"]
CALL_TYPE_LABELS = {"1": gettext_lazy("incoming"), "2": gettext_lazy("outgoing"), "3": gettext_lazy("missed"),
                    "4": gettext_lazy("voicemail"), "5": gettext_lazy("rejected"), "6": gettext_lazy("blocked"),
                    "7": gettext_lazy("answered on another device")}
SMS_TYPE_LABELS = {"1": gettext_lazy("received"), "2": gettext_lazy("sent"), "4": gettext_lazy("outbox"),
                   "5": gettext_lazy("failed to send"), "6": gettext_lazy("queued")}


# --------------------------------------------------------------------------- staging


@service(no_event="staging keeps the uploaded backup and its preview for the owner to choose from; "
                  "nothing enters the case until backup_import records the import")
def backup_stage(*, case: Case, actor, upload, fmt: str, summary: dict) -> BackupImport:
    """Keep the uploaded backup (already encrypted as it streamed in) for the preview.
    The same file uploaded again to the same case returns the first record."""
    existing = BackupImport.objects.filter(case=case, sha256=upload.sha256, format=fmt).first()
    if existing is not None:
        upload.blob.discard()
        return existing
    backup = BackupImport(id=upload.object_id, case=case, created_by=actor.user_or_none, format=fmt,
                          file_name=upload.name, size=upload.size, sha256=upload.sha256,
                          summary=json.dumps(summary, ensure_ascii=False))
    upload.blob.commit(backup.blob_key)
    backup.save(force_insert=True)
    return backup


def upload_from_path(*, owner_id: int, path) -> EncryptedUpload:
    """A backup file on the server's disk (manage.py import_backup), encrypted into a pending
    blob chunk by chunk as an upload would be: never held in memory whole."""
    blob = blobstore.PendingBlob(owner_id, uuid.uuid4(), "original")
    head = b""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(blobstore.CHUNK):
                head = head or chunk[:media.HEAD_BYTES]
                blob.write(chunk)
        blob.finish()
    except Exception:
        blob.discard()
        raise
    return EncryptedUpload(name=os.path.basename(str(path)), content_type="", owner_id=owner_id,
                           object_id=blob.object_id, blob=blob, head=head, too_large=False)


def _pending_stream(upload):
    return upload.blob.open_plain()


def csv_layout(open_stream, head: bytes) -> dict:
    encoding = calllog_csv.encoding_of(head)
    with open_stream() as stream:
        columns = calllog_csv.header(stream, encoding)
    return {"columns": columns, "encoding": encoding, "mapping": calllog_csv.guess_mapping(columns)}


def preview(*, case: Case, fmt: str, open_stream, mapping=None) -> dict:
    """What the preview page shows: the numbers with their counts (and, for a CSV, its columns)."""
    collectors = case_numbers(case.collector_numbers)
    if fmt == readers.CSV:
        if not mapping or "number" not in mapping or "time" not in mapping:
            return {"format": fmt, "total": 0, "numbers": [], "first": None, "last": None}
        mapping = {**mapping, "zone": case.zone_name()}
    with open_stream() as stream:
        return readers.summarise(fmt, stream, mapping=mapping, collectors=collectors)


def stage(*, case: Case, actor, upload) -> BackupImport:
    """Recognise and read the uploaded backup (refusing what is not one, with the reason),
    then keep it. Raises ImportFormatError; the upload is discarded then."""
    try:
        fmt = readers.detect(upload.head, upload.name)
        summary, mapping = {}, None
        if fmt == readers.CSV:
            summary["csv"] = layout = csv_layout(lambda: _pending_stream(upload), upload.head)
            mapping = {**layout["mapping"], "encoding": layout["encoding"]}
        summary.update(preview(case=case, fmt=fmt, open_stream=lambda: _pending_stream(upload), mapping=mapping))
    except ImportFormatError:
        upload.blob.discard()
        raise
    return backup_stage(case=case, actor=actor, upload=upload, fmt=fmt, summary=summary)


# --------------------------------------------------------------------------- importing


class _Provenance:
    """The provenance note of each imported entry, in the importer's language (the
    sentences translated once per import, not once per record)."""

    def __init__(self, backup: BackupImport):
        self.head = _("Imported from backup %(name)s (SHA-256 %(sha)s), record %(no)s.")
        self.name, self.sha = backup.file_name, backup.sha256
        self.kind = _("Type in the backup: %(kind)s type %(code)s%(label)s.")
        self.contact = _("Name in the phone's contacts: %(name)s.")
        self.labels = {CALL: {k: str(v) for k, v in CALL_TYPE_LABELS.items()},
                       SMS: {k: str(v) for k, v in SMS_TYPE_LABELS.items()}}

    def __call__(self, record) -> str:
        text = self.head % {"name": self.name, "sha": self.sha, "no": record.no}
        if record.original_type:
            label = self.labels.get(record.kind, {}).get(record.original_type, "")
            text += " " + self.kind % {"kind": record.kind, "code": record.original_type,
                                       "label": f" ({label})" if label else ""}
        if record.contact:
            text += " " + self.contact % {"name": record.contact}
        return text


def _entry(case, actor, provenance, record, indexes: dict) -> Entry:
    entry = Entry(case=case, created_by=actor.user_or_none,
                  kind=Entry.Kind.CALL if record.kind == CALL else Entry.Kind.SMS,
                  channel=Entry.Channel.CALL if record.kind == CALL else Entry.Channel.SMS,
                  occurred_at=record.at, direction=record.direction or "",
                  duration_seconds=record.duration if record.kind == CALL else None, tags=[],
                  call_outcome=(record.outcome or Entry.Outcome.UNKNOWN) if record.kind == CALL else "",
                  number=record.number, content=record.text, notes=provenance(record),
                  claimed_identity="", contact_name="", contact_relation="", purpose="", trash_reason="")
    index = indexes.get(record.number)
    if index is None:  # a backup holds thousands of records from a few numbers: one MAC each
        index = indexes[record.number] = blind_index(case.owner_id, record.number) if record.number else ""
    entry.number_index = index
    return entry


@service
def imported_entries_record(*, case: Case, actor, entries: list, items: list):
    """One batch of imported entries and their import items; one entry.create each."""
    insert_many(entries)
    insert_values(ImportItem, ITEM_COLUMNS, items)
    custody_append_batch(case=case, actor=actor, action=Action.ENTRY_CREATE,
                         objects=[("entry", e.pk, sha256_json(entry_snapshot(e))) for e in entries])
    tally.add_many(case, entries)
    return entries


def _wanted(record, numbers, date_from, date_to) -> bool:
    if numbers is not None and normalise(record.number) not in numbers:
        return False
    if date_from is not None and record.at < date_from:
        return False
    if date_to is not None and record.at > date_to:
        return False
    return record.kind in (SMS, MMS, CALL)


def day_bounds(case: Case, date_from=None, date_to=None):
    """[first day 00:00, last day 24:00) in the case's zone, as aware datetimes (or None)."""
    zone = zoneinfo.ZoneInfo(case.zone_name())
    start = datetime.combine(date_from, time.min, tzinfo=zone) if date_from else None
    end = datetime.combine(date_to, time.max, tzinfo=zone) if date_to else None
    return start, end


def open_backup(backup: BackupImport):
    return blobstore.open_plain(backup.case.owner_id, backup.pk, "original", backup.blob_key)


@service(durable=True)
def backup_import(*, backup: BackupImport, actor, numbers=None, date_from=None, date_to=None,
                  mapping=None) -> BackupImport:
    """Import the records of `backup` whose number (normalised) is in `numbers` (None: all)
    and whose time is within [date_from, date_to]; a record already imported into the case
    (from this or any overlapping backup) is skipped. One batch of entries at a time, so
    memory stays flat however large the backup."""
    case = backup.case
    mac = keys_for(case.owner_id).mac
    imported = duplicates = 0
    pending, pending_bytes = [], 0
    provenance, indexes = _Provenance(backup), {}

    def flush():
        nonlocal imported, duplicates, pending, pending_bytes
        if not pending:
            return
        keys = [k for _, k in pending]
        # The earlier batches of this run are already ImportItems in this transaction, so
        # this query finds them too: only the batch's own keys need keeping in memory
        # (a set of every key of a 100,000-message backup was ~18 MB of the worker's RSS).
        existing = set(ImportItem.objects.filter(case=case, dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        entries, items, files, seen = [], [], [], set()
        for record, key in pending:
            if key in existing or key in seen:
                duplicates += 1
                continue
            seen.add(key)
            entry = _entry(case, actor, provenance, record, indexes)
            entries.append(entry)
            items.append((backup.pk, case.pk, entry.pk, record.no, record.kind, record.original_type, key))
            files.extend((entry, part) for part in record.parts)
        if entries:
            imported_entries_record(case=case, actor=actor, entries=entries, items=items)
        for entry, part in files:
            upload = encrypted_upload_from_bytes(owner_id=case.owner_id, name=part.name, data=part.data,
                                                 content_type=part.content_type)
            try:
                attachment_add(entry=entry, actor=actor, upload=upload)
            except ValidationError as exc:  # a part the file checks refuse stays in the backup only
                upload.close()
                log.info("MMS part %s of import %s not kept as a file: %s", part.name, backup.pk, exc)
        imported += len(entries)
        pending, pending_bytes = [], 0

    with keys_scope(), open_backup(backup) as stream:  # the owner's keys looked up once, not per field
        if backup.format == readers.CSV:
            encoding = json.loads(backup.summary or "{}").get("csv", {}).get("encoding", "utf-8")
            mapping = {"encoding": encoding, **(mapping or {}), "zone": case.zone_name()}
        for record in readers.records(backup.format, stream, mapping=mapping):
            if not _wanted(record, numbers, date_from, date_to):
                continue
            material = hashlib.sha256(record.dedupe_material()).digest()
            pending.append((record, mac.compute_mac(b"liuzheng:import:" + material).hex()))
            pending_bytes += sum(len(p.data) for p in record.parts)
            if len(pending) >= CHUNK or pending_bytes >= CHUNK_BYTES:
                flush()
        flush()
    backup.status = BackupImport.Status.DONE
    backup.imported_count += imported
    backup.duplicate_count += duplicates
    backup.imported_at = timezone.now()
    backup.selection = json.dumps({"numbers": sorted(numbers) if numbers is not None else None,
                                   "from": date_from.isoformat() if date_from else None,
                                   "to": date_to.isoformat() if date_to else None, "mapping": mapping,
                                   "imported": imported, "duplicates": duplicates}, ensure_ascii=False)
    backup.save()
    custody_append(case=case, actor=actor, action=Action.IMPORT_CREATE, object_type="import", object_id=backup.pk,
                   content_sha256=backup.sha256)
    backup.last_run = {"imported": imported, "duplicates": duplicates}
    return backup
