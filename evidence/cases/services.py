"""State changes of cases, entries, attachments and transcripts. Each is one @service
function: it runs in a transaction and appends its one custody event; nothing else writes."""
from __future__ import annotations

import hashlib
import logging
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.custody.services import first_view_this_hour
from evidence.custody.snapshots import (
    CASE_EDITABLE, CASE_FIELDS, CASE_RULE_FIELDS, ENTRY_FIELDS, case_snapshot, entry_snapshot,
)
from evidence.custody.timestamps import file_timestamp_request
from evidence.lib.canonical import canonical_json, json_value, sha256_json
from evidence.models import Attachment, Case, Entry, EntryRevision, Transcript
from evidence.store import blobstore
from evidence.store.crypto import blind_index

log = logging.getLogger("liuzheng.entries")

# --------------------------------------------------------------------------- cases


@service
def case_create(*, owner, actor=None, **fields) -> Case:
    actor = actor or Actor.of(owner)
    case = Case(owner=owner, **{f: fields.get(f) or ("" if f != "overdue_since" else None) for f in CASE_FIELDS})
    for f, default in CASE_RULE_FIELDS.items():
        setattr(case, f, fields.get(f) if fields.get(f) not in (None, "") else default)
    case.save(force_insert=True)
    custody_append(case=case, actor=actor, action=Action.CASE_CREATE, object_type="case",
                   object_id=case.pk, content_sha256=sha256_json(case_snapshot(case)))
    return case


@service
def case_update(*, case: Case, actor, **fields) -> Case:
    changed = [f for f in CASE_EDITABLE if f in fields and fields[f] != getattr(case, f)]
    if not changed:
        return case
    for f in changed:
        setattr(case, f, fields[f])
    case.save()
    custody_append(case=case, actor=actor, action=Action.CASE_UPDATE, object_type="case",
                   object_id=case.pk, content_sha256=sha256_json(case_snapshot(case)))
    return case


# --------------------------------------------------------------------------- entries


def _apply_fields(entry: Entry, fields: dict):
    for f in ENTRY_FIELDS:
        if f in fields:
            value = fields[f]
            if value is None and f not in ("duration_seconds", "occurred_at"):
                value = [] if f == "tags" else ""
            setattr(entry, f, value)
    entry.number_index = blind_index(entry.case.owner_id, entry.number) if entry.number else ""


@service
def entry_create(*, case: Case, actor, uploads=(), client_token=None, witness_pending=False,
                 **fields) -> tuple[Entry, bool]:
    """Create an entry with its attachments. Returns (entry, created).

    A repeated client_token (double tap, browser retry) returns the first
    entry instead of creating a second one.
    """
    if client_token:
        existing = Entry.objects.filter(case=case, client_token=client_token).first()
        if existing:
            return existing, False
    try:
        # A savepoint: a concurrent twin's unique-token insert rolls back only this part.
        with transaction.atomic():
            entry = Entry(case=case, created_by=actor.user_or_none, client_token=client_token,
                          witness_pending=witness_pending)
            _apply_fields(entry, fields)
            entry.save(force_insert=True)
    except IntegrityError:
        existing = Entry.objects.filter(case=case, client_token=client_token).first() if client_token else None
        if existing:
            return existing, False
        raise
    custody_append(case=case, actor=actor, action=Action.ENTRY_CREATE, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    for upload in uploads:
        attachment_add(entry=entry, actor=actor, upload=upload)
    return entry, True


@service
def entry_update(*, entry: Entry, actor, uploads=(), **fields) -> Entry:
    """Edit an entry; its previous state is kept as a revision."""
    before = entry_snapshot(entry)
    changed = [f for f in ENTRY_FIELDS if f in fields and json_value(fields[f]) != before[f]]
    if changed:
        EntryRevision.objects.create(
            entry=entry, revision=entry.revision, snapshot=canonical_json(before).decode("utf-8"),
            content_sha256=sha256_json(before), replaced_by=actor.user_or_none,
        )
        _apply_fields(entry, {f: fields[f] for f in changed})
        entry.revision += 1
        entry.save()
        custody_append(case=entry.case, actor=actor, action=Action.ENTRY_UPDATE, object_type="entry",
                       object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    for upload in uploads:
        attachment_add(entry=entry, actor=actor, upload=upload)
    return entry


@service
def entry_trash(*, entry: Entry, actor, reason: str) -> Entry:
    if entry.is_trashed:
        return entry
    entry.trashed_at = timezone.now()
    entry.trash_reason = reason
    entry.save(update_fields=["trashed_at", "trash_reason", "updated_at"])
    custody_append(case=entry.case, actor=actor, action=Action.ENTRY_TRASH, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    return entry


@service
def entry_restore(*, entry: Entry, actor) -> Entry:
    if not entry.is_trashed:
        return entry
    entry.trashed_at = None
    entry.save(update_fields=["trashed_at", "updated_at"])
    custody_append(case=entry.case, actor=actor, action=Action.ENTRY_RESTORE, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    return entry


# --------------------------------------------------------------------------- attachments


def _aware(naive, zone_name):
    if naive is None:
        return None
    try:
        return timezone.make_aware(naive, zoneinfo.ZoneInfo(zone_name))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


@service
def attachment_add(*, entry: Entry, actor, upload) -> Attachment:
    """Keep an uploaded original (already encrypted while it streamed in).

    Courts need the original bytes: the blob is the upload itself, never re-encoded.
    """
    info = upload.inspect()
    owner = entry.case.owner
    att = Attachment(
        id=upload.object_id,
        entry=entry,
        case=entry.case,
        original_name=upload.name,
        media_type=info.media_type,
        kind=info.kind,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=actor.user_or_none,
        captured_at=_aware(info.captured_at_local, owner.time_zone),
        width=info.width,
        height=info.height,
        duration_seconds=info.duration_seconds,
        thumbnail_size=len(info.thumbnail) if info.thumbnail else None,
    )
    upload.blob.commit(att.blob_key)
    if info.thumbnail:
        blobstore.write_bytes(owner.pk, att.pk, "thumbnail", att.thumb_key, info.thumbnail)
    att.save(force_insert=True)
    file_timestamp_request(att)
    custody_append(case=entry.case, actor=actor, action=Action.ATTACHMENT_ADD, object_type="attachment",
                   object_id=att.pk, content_sha256=att.sha256)
    return att


def _serving_recorded(*, attachment: Attachment, actor, download: bool, first_byte: int = 0) -> bool:
    if download:
        return not first_byte  # a resumed download (a Range from a later byte) is the same download
    return first_view_this_hour(case=attachment.case, actor=actor, action=Action.ATTACHMENT_VIEW,
                                object_id=attachment.pk)


@service(when=_serving_recorded)
def attachment_serve_record(*, attachment: Attachment, actor, download: bool, first_byte: int = 0):
    """An original leaves the store: the custody chain says who took it (docs/integrity.md).

    A download is recorded each time it starts (no Range, or a Range from byte 0). An inline
    view (the image, the audio player, which asks for many ranges) is recorded for anyone but
    the owner, once per person, file and hour, like a view of the case.
    """
    return custody_append(case=attachment.case, actor=actor,
                          action=Action.ATTACHMENT_DOWNLOAD if download else Action.ATTACHMENT_VIEW,
                          object_type="attachment", object_id=attachment.pk, content_sha256=attachment.sha256)


# --------------------------------------------------------------------------- transcripts


@service
def transcript_save(*, attachment: Attachment, actor, text: str):
    """录音文字整理稿: a new version each time; the old ones stay."""
    current = attachment.transcripts.first()
    if current is not None and current.text == text:
        return current
    transcript = Transcript.objects.create(attachment=attachment, text=text, created_by=actor.user_or_none)
    custody_append(case=attachment.case, actor=actor, action=Action.TRANSCRIPT_SAVE, object_type="attachment",
                   object_id=attachment.pk, content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return transcript
