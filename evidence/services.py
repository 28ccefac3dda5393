"""State changes of cases, entries and attachments. Each is one named function,
runs in a transaction and appends its custody event; nothing else writes."""
from __future__ import annotations

import hashlib
import logging
import zoneinfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import blobstore
from .crypto import blind_index
from .custody import _actor_label, canonical_json, custody_append, sha256_json
from .models import Attachment, Bundle, Case, Entry, EntryRevision, Transcript
from .timestamps import file_timestamp_request

log = logging.getLogger("liuzheng.entries")

CASE_FIELDS = ["lender", "product", "amount_owed", "overdue_since", "collector_numbers", "agencies", "notes"]
# Added with the rules (issue 7), with the value that leaves them out of a snapshot:
# a case that never set them keeps the custody hash it had before they existed.
CASE_RULE_FIELDS = {"rule_set": "cn", "time_zone": "", "debt_usurious": False, "consented_night_contact": False,
                    "police_warned_at": None, "loan_reference": ""}
CASE_EDITABLE = CASE_FIELDS + list(CASE_RULE_FIELDS)
ENTRY_FIELDS = [
    "kind",
    "occurred_at",
    "direction",
    "duration_seconds",
    "channel",
    "tags",
    "number",
    "claimed_identity",
    "content",
    "contact_name",
    "contact_relation",
    "notes",
    "purpose",
]


def _value(v):
    if hasattr(v, "isoformat"):
        if hasattr(v, "tzinfo") and v.tzinfo is not None:
            return v.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat()
        return v.isoformat()
    return v


def case_snapshot(case: Case) -> dict:
    snap = {"id": str(case.pk), **{f: _value(getattr(case, f)) for f in CASE_FIELDS}}
    for f, default in CASE_RULE_FIELDS.items():
        value = getattr(case, f)
        if value != default:
            snap[f] = _value(value)
    return snap


def entry_snapshot(entry: Entry) -> dict:
    """The canonical content of an entry: what its custody hash covers."""
    return {"id": str(entry.pk), "case": str(entry.case_id), "revision": entry.revision,
            **{f: _value(getattr(entry, f)) for f in ENTRY_FIELDS}}


# --------------------------------------------------------------------------- cases


@transaction.atomic
def case_create(*, owner, actor=None, **fields) -> Case:
    case = Case(owner=owner, **{f: fields.get(f) or ("" if f != "overdue_since" else None) for f in CASE_FIELDS})
    for f, default in CASE_RULE_FIELDS.items():
        setattr(case, f, fields.get(f) if fields.get(f) not in (None, "") else default)
    case.save(force_insert=True)
    custody_append(case=case, actor=actor or owner, action="case.create", object_type="case",
                   object_id=case.pk, content_sha256=sha256_json(case_snapshot(case)))
    return case


@transaction.atomic
def case_update(*, case: Case, actor, **fields) -> Case:
    changed = [f for f in CASE_EDITABLE if f in fields and fields[f] != getattr(case, f)]
    if not changed:
        return case
    for f in changed:
        setattr(case, f, fields[f])
    case.save()
    custody_append(case=case, actor=actor, action="case.update", object_type="case",
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
        with transaction.atomic():
            entry = Entry(case=case, created_by=actor if getattr(actor, "pk", None) else None, client_token=client_token,
                          witness_pending=witness_pending)
            _apply_fields(entry, fields)
            entry.save(force_insert=True)
            custody_append(case=case, actor=actor, action="entry.create", object_type="entry",
                           object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
            for upload in uploads:
                attachment_add(entry=entry, actor=actor, upload=upload)
    except IntegrityError:
        if client_token:
            existing = Entry.objects.filter(case=case, client_token=client_token).first()
            if existing:
                return existing, False
        raise
    return entry, True


@transaction.atomic
def entry_update(*, entry: Entry, actor, uploads=(), **fields) -> Entry:
    """Edit an entry; its previous state is kept as a revision."""
    before = entry_snapshot(entry)
    changed = [f for f in ENTRY_FIELDS if f in fields and _value(fields[f]) != before[f]]
    if changed:
        EntryRevision.objects.create(
            entry=entry, revision=entry.revision, snapshot=canonical_json(before).decode("utf-8"),
            content_sha256=sha256_json(before), replaced_by=actor,
        )
        _apply_fields(entry, {f: fields[f] for f in changed})
        entry.revision += 1
        entry.save()
        custody_append(case=entry.case, actor=actor, action="entry.update", object_type="entry",
                       object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    for upload in uploads:
        attachment_add(entry=entry, actor=actor, upload=upload)
    return entry


@transaction.atomic
def entry_trash(*, entry: Entry, actor, reason: str) -> Entry:
    if entry.is_trashed:
        return entry
    entry.trashed_at = timezone.now()
    entry.trash_reason = reason
    entry.save(update_fields=["trashed_at", "trash_reason", "updated_at"])
    custody_append(case=entry.case, actor=actor, action="entry.trash", object_type="entry",
                   object_id=entry.pk, content_sha256=sha256_json(entry_snapshot(entry)))
    return entry


@transaction.atomic
def entry_restore(*, entry: Entry, actor) -> Entry:
    if not entry.is_trashed:
        return entry
    entry.trashed_at = None
    entry.save(update_fields=["trashed_at", "updated_at"])
    custody_append(case=entry.case, actor=actor, action="entry.restore", object_type="entry",
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


def attachment_add(*, entry: Entry, actor, upload) -> Attachment:
    """Keep an uploaded original (already encrypted while it streamed in).

    Courts need the original bytes: the blob is the upload itself, never re-encoded.
    """
    info = upload.inspect()
    owner = entry.case.owner
    with transaction.atomic():
        att = Attachment(
            id=upload.object_id,
            entry=entry,
            case=entry.case,
            original_name=upload.name,
            media_type=info.media_type,
            kind=info.kind,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
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
        custody_append(case=entry.case, actor=actor, action="attachment.add", object_type="attachment",
                       object_id=att.pk, content_sha256=att.sha256)
    return att


def attachment_download_record(*, attachment: Attachment, actor):
    """A download of an original leaves the system: the custody chain says who took it."""
    return custody_append(case=attachment.case, actor=actor, action="attachment.download",
                          object_type="attachment", object_id=attachment.pk, content_sha256=attachment.sha256)


# --------------------------------------------------------------------------- bundles


def bundle_request(*, case: Case, actor, selection: dict) -> Bundle:
    """Queue an export; the worker builds it (a big case takes minutes, nobody waits)."""
    from .tasks import bundle_build_task

    bundle = Bundle.objects.create(case=case, requested_by=actor if getattr(actor, "pk", None) else None,
                                   selection=selection)
    transaction.on_commit(lambda: bundle_build_task.enqueue(str(bundle.pk)))
    return bundle


def bundle_build(*, bundle) -> Bundle:
    """Write the bundle ZIP straight into the encrypted store, then record the export."""
    from datetime import timedelta

    from django.conf import settings
    from .bundle import BundleWriter

    if bundle.status == Bundle.Status.DONE:
        return bundle
    Bundle.objects.filter(pk=bundle.pk).update(status=Bundle.Status.RUNNING, progress=0)
    last = {"pct": -1}

    def progress(fraction):
        pct = int(fraction * 100)
        if pct >= last["pct"] + 2 or pct == 100:  # a row update every 2 %, not every chunk
            last["pct"] = pct
            Bundle.objects.filter(pk=bundle.pk).update(progress=pct)

    actor = bundle.requested_by
    writer = BundleWriter(bundle.case, actor_label=_actor_label(actor), selection=bundle.selection,
                          progress=progress)
    blob = blobstore.PendingBlob(bundle.case.owner_id, bundle.pk, "bundle")
    try:
        for chunk in writer.stream():
            blob.write(chunk)
        blob.finish()
    except Exception as exc:
        blob.discard()
        log.exception("Bundle %s failed", bundle.pk)
        Bundle.objects.filter(pk=bundle.pk).update(status=Bundle.Status.FAILED, error=str(exc)[:2000])
        raise
    with transaction.atomic():
        blob.commit(bundle.blob_key)
        bundle.status = Bundle.Status.DONE
        bundle.progress = 100
        bundle.file_name = writer.file_name
        bundle.size = blob.size
        bundle.sha256 = blob.sha256.hexdigest()
        bundle.manifest_sha256 = writer.manifest_sha256
        bundle.finished_at = timezone.now()
        bundle.expires_at = bundle.finished_at + timedelta(days=settings.LIUZHENG_BUNDLE_EXPIRY_DAYS)
        bundle.save()
        custody_append(case=bundle.case, actor=actor, action="bundle.export", object_type="bundle",
                       object_id=bundle.pk, content_sha256=bundle.sha256)
    return bundle


def bundle_export_file(*, case: Case, path, selection: dict, actor_label="system:export_bundle"):
    """The command-line export: the same writer, into a file the operator chose."""
    from .bundle import BundleWriter

    writer = BundleWriter(case, actor_label=actor_label, selection=selection)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for chunk in writer.stream():
            digest.update(chunk)
            f.write(chunk)
    custody_append(case=case, actor=actor_label, action="bundle.export", object_type="bundle",
                   object_id=writer.file_name, content_sha256=digest.hexdigest())
    return writer, digest.hexdigest()


def bundle_download_record(*, bundle, actor):
    return custody_append(case=bundle.case, actor=actor, action="bundle.download", object_type="bundle",
                          object_id=bundle.pk, content_sha256=bundle.sha256)


def bundle_expire(*, now=None) -> int:
    """Delete the ciphertext of expired bundles; the rows stay as history."""
    now = now or timezone.now()
    expired = 0
    for bundle in Bundle.objects.filter(status=Bundle.Status.DONE, expires_at__lte=now):
        blobstore.delete(bundle.blob_key)
        Bundle.objects.filter(pk=bundle.pk).update(status=Bundle.Status.FAILED, error="expired")
        expired += 1
    return expired


# --------------------------------------------------------------------------- transcripts


@transaction.atomic
def transcript_save(*, attachment: Attachment, actor, text: str):
    """录音文字整理稿: a new version each time; the old ones stay."""
    current = attachment.transcripts.first()
    if current is not None and current.text == text:
        return current
    transcript = Transcript.objects.create(attachment=attachment, text=text, created_by=actor)
    custody_append(case=attachment.case, actor=actor, action="transcript.save", object_type="attachment",
                   object_id=attachment.pk, content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return transcript


# --------------------------------------------------------------------------- sharing with lawyers


class SharingError(Exception):
    """A refused sharing step; the message is shown to the user."""


def _access_snapshot(access) -> dict:
    return {"id": str(access.pk), "case": str(access.case_id), "lawyer": access.lawyer_id, "level": access.level,
            "expires_at": _value(access.expires_at), "revoked_at": _value(access.revoked_at)}


@transaction.atomic
def case_share(*, case: Case, actor, level: str, label: str = "", access_expires_at=None):
    """Invite a lawyer to one case. Returns (invitation, token); the token is shown once, only its hash is kept."""
    from datetime import timedelta

    from django.conf import settings

    from .models import Invitation
    from .tokens import new_token

    token, lookup, digest = new_token()
    invitation = Invitation(case=case, created_by=actor, label=label, lookup=lookup, token_hash=digest, level=level,
                            access_expires_at=access_expires_at,
                            expires_at=timezone.now() + timedelta(days=settings.LIUZHENG_INVITATION_DAYS))
    invitation.save(force_insert=True)
    custody_append(case=case, actor=actor, action="case.share", object_type="invitation", object_id=invitation.pk,
                   content_sha256=sha256_json({"level": level, "access_expires_at": _value(access_expires_at),
                                               "expires_at": _value(invitation.expires_at)}))
    return invitation, token


def invitation_refusal(invitation, user, now=None) -> str | None:
    """Why this user cannot accept this invitation now (a key of the refusals shown), or None."""
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= (now or timezone.now()):
        return "expired"
    if invitation.case.owner_id == user.pk:
        return "own_case"
    if not user.is_lawyer:
        return "not_lawyer"
    return None


@transaction.atomic
def invitation_accept(*, invitation, lawyer):
    """A lawyer redeems an invitation: single use, before it expires."""
    from .models import CaseAccess, Invitation

    # Lock the row: two tabs accepting at once must not both get a grant.
    invitation = Invitation.objects.select_for_update().select_related("case").get(pk=invitation.pk)
    now = timezone.now()
    refusal = invitation_refusal(invitation, lawyer, now)
    if refusal is not None:
        raise SharingError(refusal)
    invitation.accepted_at, invitation.accepted_by = now, lawyer
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    # A new invitation replaces an earlier grant of the same lawyer on the case.
    CaseAccess.objects.filter(case=invitation.case, lawyer=lawyer, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=lawyer)
    access = CaseAccess.objects.create(case=invitation.case, lawyer=lawyer, level=invitation.level,
                                       invitation=invitation, expires_at=invitation.access_expires_at)
    custody_append(case=invitation.case, actor=lawyer, action="invitation.accept", object_type="access",
                   object_id=access.pk, content_sha256=sha256_json(_access_snapshot(access)))
    return access


@transaction.atomic
def invitation_revoke(*, invitation, actor):
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    custody_append(case=invitation.case, actor=actor, action="case.unshare", object_type="invitation",
                   object_id=invitation.pk)
    return invitation


@transaction.atomic
def access_revoke(*, access, actor):
    """Takes effect on the lawyer's next request: access is checked per request."""
    if access.revoked_at is not None:
        return access
    access.revoked_at, access.revoked_by = timezone.now(), actor
    access.save(update_fields=["revoked_at", "revoked_by"])
    custody_append(case=access.case, actor=actor, action="case.unshare", object_type="access", object_id=access.pk,
                   content_sha256=sha256_json(_access_snapshot(access)))
    return access


# At most one view event per lawyer, case and hour: the owner learns when the
# case was looked at without every page load of a review flooding the chain.
VIEW_EVENT_EVERY_SECONDS = 3600


def case_view_record(*, case: Case, actor):
    """Someone other than the owner opened the case or a page of it: the owner sees it in the
    access log. The owner's own views are not events (the chain would fill with them)."""
    from datetime import timedelta

    from .models import CustodyEvent

    if actor.pk == case.owner_id:
        return None
    since = timezone.now() - timedelta(seconds=VIEW_EVENT_EVERY_SECONDS)
    if CustodyEvent.objects.filter(case=case, actor=actor, action="case.view", created_at__gte=since).exists():
        return None
    return custody_append(case=case, actor=actor, action="case.view", object_type="case", object_id=case.pk)


def lawyer_note_save(*, case: Case, author, text: str):
    """A lawyer's private work notes. Deliberately not in the custody chain: the
    chain is the borrower's record, shown to them and exported to the court."""
    from .models import LawyerNote

    note, _ = LawyerNote.objects.get_or_create(case=case, author=author)
    if note.text != text:
        note.text = text
        note.save()
    return note


# --------------------------------------------------------------------------- witnesses


@transaction.atomic
def witness_link_create(*, case: Case, actor, name: str, expires_at, max_submissions: int):
    from .models import WitnessLink
    from .tokens import new_token

    token, lookup, digest = new_token()
    link = WitnessLink(case=case, created_by=actor, name=name, lookup=lookup, token_hash=digest, token=token,
                       expires_at=expires_at, max_submissions=max_submissions)
    link.save(force_insert=True)
    custody_append(case=case, actor=actor, action="witness_link.create", object_type="witness_link",
                   object_id=link.pk, content_sha256=sha256_json({"expires_at": _value(expires_at),
                                                                  "max_submissions": max_submissions}))
    return link


@transaction.atomic
def witness_link_revoke(*, link, actor):
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    custody_append(case=link.case, actor=actor, action="witness_link.revoke", object_type="witness_link",
                   object_id=link.pk)
    return link


def submission_provenance(submission) -> dict:
    """What the custody hash of a witness submission covers: stated identity, time, origin, link."""
    return {"submission": str(submission.pk), "link": str(submission.link_id), "entry": str(submission.entry_id),
            "name": submission.name, "relation": submission.relation, "phone": submission.phone,
            "ip": submission.ip, "user_agent": submission.user_agent, "consent": submission.consent,
            "submitted_at": _value(submission.submitted_at)}


def witness_submission_create(*, link, ip: str, user_agent: str, uploads=(), name: str, relation: str = "",
                              phone: str = "", contacted_at=None, collector_number: str = "", told: str = "",
                              consent: bool):
    """A witness's submission: an entry held out of the case until the owner accepts it.

    Its files are hashed into the custody chain now, at capture, like any other.
    """
    from .models import WitnessLink, WitnessSubmission

    actor = f"witness:{link.pk}"
    with transaction.atomic():
        # Lock the link: two submissions at once must not exceed its maximum.
        link = WitnessLink.objects.select_for_update().select_related("case", "case__owner").get(pk=link.pk)
        state = link.state(timezone.now())
        if state != "open":
            raise SharingError(state)
        entry, _ = entry_create(case=link.case, actor=actor, uploads=uploads, witness_pending=True,
                                kind=Entry.Kind.THIRD_PARTY, occurred_at=contacted_at or timezone.now(),
                                contact_name=name, contact_relation=relation, number=collector_number,
                                content=told)
        submission = WitnessSubmission(case=link.case, link=link, entry=entry, name=name, relation=relation,
                                       phone=phone, ip=ip, user_agent=user_agent[:500], consent=consent)
        submission.save(force_insert=True)
        link.submissions_count += 1
        link.save(update_fields=["submissions_count"])
        custody_append(case=link.case, actor=actor, action="witness.submit", object_type="witness_submission",
                       object_id=submission.pk, content_sha256=sha256_json(submission_provenance(submission)))
    return submission


def _submission_decide(submission, actor, status, action):
    """Record the borrower's decision on a pending submission; its entry leaves the inbox."""
    Entry.objects.filter(pk=submission.entry_id).update(witness_pending=False)
    submission.status, submission.decided_at, submission.decided_by = status, timezone.now(), actor
    submission.save(update_fields=["status", "decided_at", "decided_by"])
    custody_append(case=submission.case, actor=actor, action=action, object_type="witness_submission",
                   object_id=submission.pk, content_sha256=sha256_json(submission_provenance(submission)))
    return submission


@transaction.atomic
def witness_submission_accept(*, submission, actor):
    from .models import WitnessSubmission

    if submission.status != WitnessSubmission.Status.PENDING:  # a double tap decides once
        return submission
    return _submission_decide(submission, actor, WitnessSubmission.Status.ACCEPTED, "witness.accept")


@transaction.atomic
def witness_submission_reject(*, submission, actor, reason: str):
    """Rejected is not discarded: the entry goes to the trash with the reason, restorable."""
    from .models import WitnessSubmission

    if submission.status != WitnessSubmission.Status.PENDING:
        return submission
    entry = Entry.objects.select_related("case").get(pk=submission.entry_id)
    entry.witness_pending = False
    entry_trash(entry=entry, actor=actor, reason=reason)
    return _submission_decide(submission, actor, WitnessSubmission.Status.REJECTED, "witness.reject")


# --------------------------------------------------------------------------- complaint drafts


@transaction.atomic
def complaint_save(*, case: Case, channel: str, body: dict, actor):
    """Save a complaint draft (encrypted); the custody chain records the hash of its canonical JSON."""
    from .models import ComplaintDraft

    text = canonical_json(body).decode("utf-8")
    draft = ComplaintDraft.objects.select_for_update().filter(case=case, channel=channel).first()
    if draft is not None and draft.body == text:
        return draft
    if draft is None:
        draft = ComplaintDraft(case=case, channel=channel, body=text, updated_by=actor)
        draft.save(force_insert=True)
    else:
        draft.body = text
        draft.revision += 1
        draft.updated_by = actor
        draft.save()
    custody_append(case=case, actor=actor, action="complaint.save", object_type="complaint",
                   object_id=draft.pk, content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return draft
