"""State changes of sharing: inviting a lawyer, accepting, withdrawing, revoking, notes."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.custody.snapshots import access_snapshot
from evidence.lib.canonical import json_value, sha256_json
from evidence.lib.tokens import new_short_code, new_token
from evidence.models import Case, CaseAccess, Invitation, LawyerNote


class SharingError(Exception):
    """A refused sharing step; the message is the key of the refusal shown to the user."""


@service(durable=True)
def case_share(*, case: Case, actor, level: str, label: str = "", access_expires_at=None):
    """Invite a lawyer to one case. Returns (invitation, token); the token is shown once, only its hash is kept."""
    token, lookup, digest = new_token()
    short_code, short_hash = new_short_code()
    invitation = Invitation(case=case, created_by=actor.user, label=label, lookup=lookup, token_hash=digest,
                            short_hash=short_hash,
                            level=level, access_expires_at=access_expires_at,
                            expires_at=timezone.now() + timedelta(days=settings.LIUZHENG_INVITATION_DAYS))
    invitation.save(force_insert=True)
    custody_append(case=case, actor=actor, action=Action.CASE_SHARE, object_type="invitation",
                   object_id=invitation.pk,
                   content_sha256=sha256_json({"level": level, "access_expires_at": json_value(access_expires_at),
                                               "expires_at": json_value(invitation.expires_at)}))
    invitation.short_code = short_code  # shown once beside the link, like the token; only its hash is kept
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


@service(durable=True)
def invitation_accept(*, invitation, lawyer):
    """A lawyer redeems an invitation: single use, before it expires."""
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
    custody_append(case=invitation.case, actor=Actor.of(lawyer), action=Action.INVITATION_ACCEPT,
                   object_type="access", object_id=access.pk, content_sha256=sha256_json(access_snapshot(access)))
    return access


@service(durable=True)
def invitation_revoke(*, invitation, actor):
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    custody_append(case=invitation.case, actor=actor, action=Action.CASE_UNSHARE,
                   object_type="invitation", object_id=invitation.pk)
    return invitation


@service(durable=True)
def access_revoke(*, access, actor):
    """Takes effect on the lawyer's next request: access is checked per request."""
    if access.revoked_at is not None:
        return access
    access.revoked_at, access.revoked_by = timezone.now(), actor.user
    access.save(update_fields=["revoked_at", "revoked_by"])
    custody_append(case=access.case, actor=actor, action=Action.CASE_UNSHARE, object_type="access",
                   object_id=access.pk, content_sha256=sha256_json(access_snapshot(access)))
    return access


@service(durable=True, no_event="a lawyer's private work notes: the chain is the borrower's record, shown to "
                                "them and exported to the court")
def lawyer_note_save(*, case: Case, author, text: str):
    note, _ = LawyerNote.objects.get_or_create(case=case, author=author)
    if note.text != text:
        note.text = text
        note.save()
    return note
