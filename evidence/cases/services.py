"""State changes of cases, entries, attachments and transcripts. Each is one @service
function: it runs in a transaction and appends its one custody event; nothing else writes."""
from __future__ import annotations

import hashlib
import logging
import uuid
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.custody.services import first_view_this_hour
from evidence.custody.snapshots import (
    CASE_EDITABLE, CASE_FIELDS, CASE_RULE_FIELDS, ENTRY_EDITABLE, case_snapshot, entry_snapshot,
)
from evidence.custody.timestamps import file_timestamp_request
from evidence.lib import ocr, redaction
from evidence.lib.canonical import canonical_json, json_value, sha256_json
from evidence.models import Attachment, Case, Derivative, Entry, EntryRevision, MachineText, PendingUpload, Transcript
from evidence.rules import tally
from evidence.store import blobstore, transcode
from evidence.store.crypto import blind_index
from evidence.store.uploads import ParkedUpload

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
    tally.start(case)
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
    for f in ENTRY_EDITABLE:
        if f in fields:
            value = fields[f]
            if value is None and f not in ("duration_seconds", "occurred_at"):
                value = [] if f == "tags" else Entry._meta.get_field(f).get_default()
            setattr(entry, f, value)
    if entry.kind == Entry.Kind.CALL and not entry.call_outcome:
        entry.call_outcome = Entry.Outcome.UNKNOWN  # never assumed answered
    elif entry.kind != Entry.Kind.CALL:
        entry.call_outcome = ""
    entry.number_index = blind_index(entry.case.owner_id, entry.number) if entry.number else ""


@service
def entry_create(*, case: Case, actor, uploads=(), client_token=None, witness_pending=False,
                 captured_offline_at=None, **fields) -> tuple[Entry, bool]:
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
            # Kept on the phone offline and sent later: the custody event's time is the receipt,
            # the snapshot it hashes holds the device's time (issue 14).
            entry = Entry(case=case, created_by=actor.user_or_none, client_token=client_token,
                          witness_pending=witness_pending, captured_offline_at=captured_offline_at)
            _apply_fields(entry, fields)
            entry.save(force_insert=True)
    except IntegrityError:
        existing = Entry.objects.filter(case=case, client_token=client_token).first() if client_token else None
        if existing:
            return existing, False
        raise
    custody_append(case=case, actor=actor, action=Action.ENTRY_CREATE, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    tally.replace(case, tally.Counter(), tally.parts(case, entry))
    for upload in uploads:
        attachment_add(entry=entry, actor=actor, upload=upload)
    return entry, True


@service
def entry_update(*, entry: Entry, actor, uploads=(), **fields) -> Entry:
    """Edit an entry; its previous state is kept as a revision."""
    before = entry_snapshot(entry)
    changed = [f for f in ENTRY_EDITABLE if f in fields and json_value(fields[f]) != json_value(getattr(entry, f))]
    if changed:
        counted = tally.parts(entry.case, entry)
        EntryRevision.objects.create(
            entry=entry, revision=entry.revision, snapshot=canonical_json(before).decode("utf-8"),
            content_sha256=sha256_json(before), replaced_by=actor.user_or_none,
        )
        _apply_fields(entry, {f: fields[f] for f in changed})
        entry.revision += 1
        entry.save()
        custody_append(case=entry.case, actor=actor, action=Action.ENTRY_UPDATE, object_type="entry",
                       object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
        tally.replace(entry.case, counted, tally.parts(entry.case, entry))
    for upload in uploads:
        attachment_add(entry=entry, actor=actor, upload=upload)
    return entry


@service(no_event="each entry it makes appends its own entry.create (and attachment.add) through entry_create")
def entries_from_images(*, case: Case, actor, uploads, client_token=None, **fields) -> list[tuple[Entry, bool]]:
    """Many screenshots at once: one entry per image, all or none. Each entry's time is the
    image's own (EXIF, in the owner's zone) when it has one, else the form's; the files that are
    not images go together into one more entry at the form's time. A repeated client_token
    (double tap) makes nothing twice: each entry's token is derived from it."""
    images = [u for u in uploads if u.inspect().kind == "image"]
    others = [u for u in uploads if u.inspect().kind != "image"]
    made = []
    for n, upload in enumerate(images):
        when = _aware(upload.inspect().captured_at_local, case.owner.time_zone) or fields.get("occurred_at")
        token = uuid.uuid5(client_token, f"image-{n}") if client_token else None
        made.append(entry_create(case=case, actor=actor, uploads=[upload], client_token=token,
                                 **{**fields, "occurred_at": when}))
    if others:
        token = uuid.uuid5(client_token, "others") if client_token else None
        made.append(entry_create(case=case, actor=actor, uploads=others, client_token=token, **fields))
    return made


@service
def entry_trash(*, entry: Entry, actor, reason: str) -> Entry:
    if entry.is_trashed:
        return entry
    counted = tally.parts(entry.case, entry)
    entry.trashed_at = timezone.now()
    entry.trash_reason = reason
    entry.save(update_fields=["trashed_at", "trash_reason", "updated_at"])
    custody_append(case=entry.case, actor=actor, action=Action.ENTRY_TRASH, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    tally.replace(entry.case, counted, tally.Counter())
    return entry


@service
def entry_restore(*, entry: Entry, actor) -> Entry:
    if not entry.is_trashed:
        return entry
    entry.trashed_at = None
    entry.save(update_fields=["trashed_at", "updated_at"])
    custody_append(case=entry.case, actor=actor, action=Action.ENTRY_RESTORE, object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    tally.replace(entry.case, tally.Counter(), tally.parts(entry.case, entry))
    return entry


# --------------------------------------------------------------------------- attachments


def _aware(naive, zone_name):
    if naive is None:
        return None
    try:
        return timezone.make_aware(naive, zoneinfo.ZoneInfo(zone_name))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None


def _declared_start(upload, info):
    """A recording made in the page (static/js/recorder.js) carries the device's clock at
    the start of recording (`declared_captured_at`, set by the entry form); only audio and
    video take it, never a picture (whose capture time comes from its EXIF or nowhere)."""
    if info.kind not in ("audio", "video"):
        return None
    return getattr(upload, "declared_captured_at", None)


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
        captured_at=_aware(info.captured_at_local, owner.time_zone) or _declared_start(upload, info),
        width=info.width,
        height=info.height,
        duration_seconds=info.duration_seconds,
        thumbnail_size=len(info.thumbnail) if info.thumbnail else None,
    )
    upload.blob.commit(att.blob_key)
    if info.thumbnail:
        if getattr(upload, "thumb", None) is not None:
            upload.thumb.commit(att.thumb_key)  # staged while the form was checked: a rename, no new space
        else:  # an upload made in code (imports, tests): written here
            blobstore.write_bytes(owner.pk, att.pk, "thumbnail", att.thumb_key, info.thumbnail)
    att.save(force_insert=True)
    # A file parked while its form came back with an error joins the case now, once.
    PendingUpload.objects.filter(pk=att.pk).delete()
    file_timestamp_request(att)
    if att.kind in ("audio", "video") and transcode.may_need_copy(att.media_type):
        _enqueue_playable_copy(att.pk)
    if att.kind == "image" and settings.LIUZHENG_OCR:
        _enqueue(machine_text_task, att.pk)
    custody_append(case=entry.case, actor=actor, action=Action.ATTACHMENT_ADD, object_type="attachment",
                   object_id=att.pk, content_sha256=att.sha256)
    return att


# --------------------------------------------------------------------------- playable copies
# A recording the browser cannot play (AMR, 3GP) gets a copy it can (AAC in M4A), made by the
# background worker in memory (evidence.store.transcode). The copy is a Derivative that names
# the original's SHA-256; the original is never changed, and it alone is exported as evidence.


def _enqueue_playable_copy(attachment_id):
    _enqueue(playable_copy_task, attachment_id)


def _enqueue(task_, attachment_id):
    def enqueue():
        try:
            task_.enqueue(str(attachment_id))
        except Exception:  # the queue being down must not fail the upload; `make_playable` / `read_screenshots` catch up
            log.exception("Could not enqueue %s for %s", task_, attachment_id)

    transaction.on_commit(enqueue)


@task()
def playable_copy_task(attachment_id: str):
    made = playable_copy_make(attachment_id)
    return str(made.pk) if made else None


def _intact_original(att) -> bytes | None:
    """The original's bytes for a derived copy or reading, or None (logged) when they no longer
    match the SHA-256 recorded at upload: nothing is derived from a damaged original."""
    data = blobstore.read_bytes(att.case.owner_id, att.pk, "original", att.blob_key)
    if hashlib.sha256(data).hexdigest() != att.sha256:
        log.error("Attachment %s does not match its SHA-256: nothing derived from it", att.pk)
        return None
    return data


def playable_copy_make(attachment_id) -> Derivative | None:
    """Make the playable copy of one recording if the browser needs one (idempotent).

    Returns the copy, or None when none is needed or the file cannot be decoded (logged;
    the page then offers the original for download)."""
    att = Attachment.objects.select_related("case").filter(pk=attachment_id).first()
    if att is None or att.kind not in ("audio", "video") or not transcode.may_need_copy(att.media_type):
        return None
    existing = att.derivatives.filter(purpose=Derivative.Purpose.PLAYABLE).first()
    if existing is not None:
        if att.duration_seconds is None and existing.duration_seconds is not None:
            # The worker died between the two doors last time: the duration is recorded now.
            attachment_duration_record(attachment=att, copy=existing, actor=Actor.system("playable copy"))
        return existing
    if att.size > transcode.MAX_SOURCE_BYTES:
        log.warning("Recording %s is too large (%d bytes) for a playable copy", att.pk, att.size)
        return None
    data = _intact_original(att)
    if data is None:
        return None
    try:
        if not transcode.needs_copy(data, att.media_type):
            return None
        playable = transcode.to_playable(data)
    except transcode.NotConvertible as exc:
        log.warning("No playable copy of %s: %s", att.pk, exc)
        return None
    finally:
        del data
    copy = playable_copy_save(attachment=att, playable=playable)
    if att.duration_seconds is None and copy.duration_seconds is not None:
        # AMR and 3GP carry no duration the upload could read; the decoder counted the samples.
        attachment_duration_record(attachment=att, copy=copy, actor=Actor.system("playable copy"))
    return copy


@service(no_event="a playable copy is for the page only: the original, unchanged, stays the evidence "
                  "(attachment.add holds its hash) and only the original is exported")
def playable_copy_save(*, attachment: Attachment, playable: transcode.Playable) -> Derivative:
    found = attachment.derivatives.filter(purpose=Derivative.Purpose.PLAYABLE).first()
    if found is not None:  # two workers raced: the first copy stands
        return found
    copy = Derivative(id=uuid.uuid4(), attachment=attachment, case=attachment.case,
                      purpose=Derivative.Purpose.PLAYABLE, media_type=playable.media_type,
                      size=len(playable.data), sha256=hashlib.sha256(playable.data).hexdigest(),
                      source_sha256=attachment.sha256, duration_seconds=playable.duration_seconds)
    blobstore.write_bytes(attachment.case.owner_id, copy.pk, "derivative", copy.blob_key, playable.data)
    copy.save(force_insert=True)
    return copy


@service
def attachment_duration_record(*, attachment: Attachment, copy: Derivative, actor) -> Attachment:
    """A recording's duration the upload could not read (AMR, 3GP), as the decoder counted it
    while making the playable copy: the file's record changes, so the chain says so, with what
    the value was read from. A duration already recorded is never replaced."""
    # Re-read under a row lock: two workers finishing the same recording record it once.
    fresh = Attachment.objects.select_for_update().filter(pk=attachment.pk).values_list(
        "duration_seconds", flat=True).first()
    if fresh is not None or attachment.duration_seconds is not None or copy.duration_seconds is None:
        return attachment
    attachment.duration_seconds = copy.duration_seconds
    attachment.save(update_fields=["duration_seconds"])
    custody_append(case=attachment.case, actor=actor, action=Action.ATTACHMENT_DURATION, object_type="attachment",
                   object_id=attachment.pk, content_sha256=sha256_json(
                       {"attachment": str(attachment.pk), "duration_seconds": copy.duration_seconds,
                        "read_from": copy.sha256, "original_sha256": attachment.sha256}))
    return attachment


# --------------------------------------------------------------------------- redacted copies
# A screenshot's copy with black boxes over third parties' numbers and names (PIPL: a regulator
# gets no more of them than needed). Made on the owner's request from the boxes they checked;
# a Derivative naming the original's SHA-256. The original is never changed, and an older copy
# is kept when a new one is made (the newest is the one shown and exported).


class RedactionRefused(Exception):
    """The original cannot be redacted; `reason`: "type", "damaged", "pixels", "orientation"
    (its EXIF block cannot be read), "unreadable"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def redaction_event_content(*, attachment_id, original_sha256, copy_sha256, boxes) -> str:
    """What the attachment.redact event hashes: the copy tied to its original and its boxes
    (bundle/verify.py recomputes it from manifest.json)."""
    return sha256_json({"attachment": str(attachment_id), "original_sha256": original_sha256,
                        "copy_sha256": copy_sha256, "boxes": list(boxes)})


def _redactable(attachment: Attachment, work):
    """`work(original bytes)` for an image a redacted copy may be made of: the checks every
    redaction path makes, in one place. Raises RedactionRefused (the type, the pixel cap, an
    original that no longer matches its SHA-256, or what `work` refuses: NotRedactable)."""
    if attachment.kind != "image" or attachment.media_type not in redaction.REDACTABLE_TYPES:
        raise RedactionRefused("type")
    # The stored width and height (the header's, kept at upload) refuse an image too large
    # before its file is decrypted; redaction._open's check of the header is the one that
    # counts, since a row's stored size can be missing.
    if redaction.too_large(attachment.width, attachment.height):
        raise RedactionRefused("pixels")
    data = _intact_original(attachment)
    if data is None:
        raise RedactionRefused("damaged")
    try:
        return work(data)
    except redaction.NotRedactable as exc:
        raise RedactionRefused(exc.reason) from exc
    finally:
        del data


def redaction_frame(attachment: Attachment) -> redaction.Frame:
    """The picture a redacted copy is made of, as the page shows it (upright): its size is the
    frame the boxes are drawn in. Reads the original's header only after checking its SHA-256.
    Raises RedactionRefused."""
    return _redactable(attachment, redaction.check)


def redaction_preview(attachment: Attachment) -> bytes:
    """The upright picture the redact page draws on (redaction.preview), from the original
    after checking its SHA-256; in memory only. Raises RedactionRefused."""
    return _redactable(attachment, redaction.preview)


def redacted_copy_create(*, attachment: Attachment, actor, boxes: list) -> Derivative:
    """Make a redacted copy: checked and rendered here, outside any transaction (on SQLite a
    transaction holds the site's write lock, and a render can take seconds); only storing it
    goes through the door. `boxes` are in the upright picture (redaction_frame) and are cut to
    it. Raises RedactionRefused."""
    def render(data):
        frame = redaction.check(data)
        cut = redaction.clip(boxes, frame.width, frame.height)
        return cut, redaction.render(data, cut)

    cut, png = _redactable(attachment, render)
    return redacted_copy_save(attachment=attachment, actor=actor, boxes=[b.as_value() for b in cut], png=png,
                              source_sha256=attachment.sha256)


@service
def redacted_copy_save(*, attachment: Attachment, actor, boxes: list[str], png: bytes,
                       source_sha256: str) -> Derivative:
    """Store a rendered copy, its row and its one attachment.redact event. The same copy as the
    newest one (a double submit: the render is deterministic) is returned as it is, no event."""
    sha = hashlib.sha256(png).hexdigest()
    newest = attachment.derivatives.filter(purpose=Derivative.Purpose.REDACTED).order_by("-created_at").first()
    if newest is not None and newest.sha256 == sha and newest.source_sha256 == source_sha256 \
            and list(newest.boxes or []) == list(boxes):
        return newest
    copy = Derivative(id=uuid.uuid4(), attachment=attachment, case=attachment.case,
                      purpose=Derivative.Purpose.REDACTED, media_type="image/png", size=len(png),
                      sha256=sha, source_sha256=source_sha256, boxes=list(boxes))
    blobstore.write_bytes(attachment.case.owner_id, copy.pk, "derivative", copy.blob_key, png)
    copy.save(force_insert=True)
    custody_append(case=attachment.case, actor=actor, action=Action.ATTACHMENT_REDACT, object_type="derivative",
                   object_id=copy.pk, content_sha256=redaction_event_content(
                       attachment_id=attachment.pk, original_sha256=source_sha256, copy_sha256=sha, boxes=boxes))
    return copy


# --------------------------------------------------------------------------- pending uploads
# Files chosen on a form that came back with an error (issue 14). They are not part of the
# case: no custody event, never shown on it, until the form is saved and attachment_add
# takes them in (with its own event). Hence plain functions, not doors.

PENDING_MAX_AGE = timedelta(days=1)


def pending_park(*, case: Case, form_token, uploads, user=None, witness_link=None) -> list[PendingUpload]:
    """Keep the accepted uploads of a form that failed validation, tied to the form's token."""
    parked = []
    for upload in uploads:
        if isinstance(upload, ParkedUpload):
            continue
        info = upload.inspect()
        row = PendingUpload(id=upload.object_id, case=case, form_token=form_token, uploaded_by=user,
                            witness_link=witness_link, name=upload.name, size=upload.size, sha256=upload.sha256,
                            kind=info.kind)
        upload.blob.commit(row.blob_key)
        try:
            row.save(force_insert=True)
        except Exception:
            blobstore.delete(row.blob_key)
            raise
        parked.append(row)
    return parked


def pending_for_form(*, case: Case, form_token, ids, witness_link=None) -> list[PendingUpload]:
    """The parked files a form names that are really this form's (case, token, link), oldest first."""
    wanted = []
    for value in ids or ():
        try:
            wanted.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not wanted or not form_token:
        return []
    return list(PendingUpload.objects.filter(pk__in=wanted, case=case, form_token=form_token,
                                             witness_link=witness_link).select_related("case"))


def pending_uploads(rows) -> list[ParkedUpload]:
    """Parked rows as uploads attachment_add takes."""
    return [ParkedUpload(name=r.name, owner_id=r.case.owner_id, object_id=r.pk, size=r.size, sha256=r.sha256,
                         key=r.blob_key) for r in rows]


def pending_collect(now=None) -> int:
    """Delete pending uploads older than a day (forms abandoned): the row and the ciphertext."""
    cutoff = (now or timezone.now()) - PENDING_MAX_AGE
    n = 0
    for row in PendingUpload.objects.filter(created_at__lt=cutoff):
        blobstore.delete(row.blob_key)
        row.delete()
        n += 1
    return n


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


# --------------------------------------------------------------------------- machine-read text
# The worker reads each screenshot with OCR (evidence.lib.ocr), in memory. The text is a
# suggestion, marked machine-read: it is searchable and suggests tags, numbers and a time,
# but it changes no entry; the user confirms any value by editing the entry.


@task()
def machine_text_task(attachment_id: str):
    made = machine_text_make(attachment_id)
    return str(made.pk) if made else None


def machine_text_make(attachment_id) -> MachineText | None:
    """Read one image attachment's text (idempotent). None when it is not an image or unreadable."""
    att = Attachment.objects.select_related("case").filter(pk=attachment_id, kind="image").first()
    if att is None:
        return None
    found = MachineText.objects.filter(attachment=att).first()
    if found is not None:
        return found
    if (att.width or 0) * (att.height or 0) > ocr.MAX_PIXELS:
        return None
    data = _intact_original(att)
    if data is None:
        return None
    try:
        lines, turned = ocr.read_turned(data)
    except Exception:  # a damaged image or an engine failure must not kill the worker's loop
        log.exception("OCR failed on %s", att.pk)
        return None
    finally:
        del data
    return machine_text_save(attachment=att, lines=lines, orientation=turned)


@service(no_event="machine-read text is a suggestion derived from an original that is unchanged (attachment.add "
                  "holds its hash); it changes no entry, and the user's own edit records any value taken from it")
def machine_text_save(*, attachment: Attachment, lines: list, orientation: int = 1) -> MachineText:
    found = MachineText.objects.filter(attachment=attachment).first()
    if found is not None:
        return found
    return MachineText.objects.create(
        attachment=attachment, case=attachment.case, engine=ocr.ENGINE_NAME, text=ocr.text_of(lines),
        boxes=canonical_json([ln.as_list() for ln in lines]).decode(),
        source_sha256=attachment.sha256, orientation=orientation)
