"""Load-and-authorize: the one way a view gets a case or anything in it.

A missing right is a 404, never a 403 and never someone else's data: an id
that belongs to another borrower must look exactly like an id that does not exist.

Who may do what, decided here and nowhere else:

    owner                     READ, EXPORT, WRITE
    lawyer with a live grant  READ; EXPORT too at level "view and export"; never WRITE
    anyone else               nothing

A lawyer's EXPORT (asking for a bundle, downloading one) also needs a *fresh* second
factor: passed less than LIUZHENG_EXPORT_REVERIFY_MINUTES ago. A session left open on an
office computer can still read, but carrying a client's whole file away takes a new code
(FreshSecondFactorRequired; accounts.middleware sends the lawyer to enter it).

A grant is read from the database on every request: revoking it, or its
expiry, ends access on the very next request, also in tabs already open.

Every load by someone other than the owner is recorded here, in one place, as a
view of the case (custody.services.case_view_record, at most once an hour): no
page of a case can forget to tell the owner that a lawyer looked at it.
"""
import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from evidence.custody.services import case_view_record
from evidence.models import (
    AccessLevel, Attachment, BackupImport, Bundle, Case, CaseAccess, Entry, Invitation, WitnessLink, WitnessSubmission,
)

READ, EXPORT, WRITE = "read", "export", "write"

security_log = logging.getLogger("liuzheng.security")


class TwoFactorRequired(Exception):
    """A lawyer must pass TOTP before opening a client case (accounts.middleware answers it)."""


class FreshSecondFactorRequired(TwoFactorRequired):
    """A lawyer's second factor is older than LIUZHENG_EXPORT_REVERIFY_MINUTES and they are
    exporting: a new code first. `case` is where to return after a refused POST."""

    def __init__(self, case):
        super().__init__()
        self.case = case


# The session key holding when the second factor was last passed (seconds since the epoch);
# accounts sets it and copies it onto request.user as `otp_verified_at`.
SECOND_FACTOR_AT = "liuzheng_otp_at"


def second_factor_fresh(user, now=None) -> bool:
    minutes = settings.LIUZHENG_EXPORT_REVERIFY_MINUTES
    if minutes <= 0:
        return True
    at = getattr(user, "otp_verified_at", None)
    if not isinstance(at, (int, float)):
        return False  # verified in a session from before this rule: ask once
    return 0 <= (now or time.time()) - at <= minutes * 60


def active_grant(user, case):
    """The lawyer's live grant on this case, or None."""
    if not getattr(user, "is_lawyer", False):
        return None
    grant = CaseAccess.objects.filter(case=case, lawyer=user, revoked_at__isnull=True).first()
    return grant if grant is not None and grant.is_active(timezone.now()) else None


def _can(user, case, mode) -> bool:
    if not user.is_authenticated:
        return False
    if case.owner_id == user.pk:
        return True
    if mode == WRITE:
        return False  # evidence is the borrower's: nobody else changes or deletes it
    grant = active_grant(user, case)
    if grant is None:
        return False
    if not getattr(user, "is_verified", lambda: False)():
        # Lawyers see many clients' cases: a stolen password alone must not open one.
        raise TwoFactorRequired
    return mode == READ or grant.level == AccessLevel.EXPORT


def user_may(user, case, mode) -> bool:
    """For templates deciding which buttons to show; views still load through the helpers below."""
    return _can(user, case, mode)


def _load(queryset, pk, user, mode, case_of, pending=lambda obj: False, recheck=True):
    """The object, if the user has `mode` on its case; else 404. `pending(obj)`: held out of
    the case until its owner decides (a witness submission), so only the owner sees it.
    `recheck`: an EXPORT by someone other than the owner needs a fresh second factor."""
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404
    case = case_of(obj)
    if not _can(user, case, mode):
        if user.is_authenticated:
            security_log.warning("Refused %s of %s %s to user %s", mode, queryset.model.__name__, pk, user.pk)
        raise Http404
    if case.owner_id != user.pk:
        if pending(obj):
            raise Http404
        if mode == EXPORT and recheck and not second_factor_fresh(user):
            security_log.info("Export of case %s by user %s needs a fresh second factor", case.pk, user.pk)
            raise FreshSecondFactorRequired(case)
        case_view_record(case=case, actor=user)
    return obj


def case_get_for_user(user, case_id, mode=READ) -> Case:
    return _load(Case.objects.select_related("owner"), case_id, user, mode, lambda c: c)


def entry_get_for_user(user, entry_id, mode=READ) -> Entry:
    return _load(Entry.objects.select_related("case", "case__owner"), entry_id, user, mode, lambda e: e.case,
                 pending=lambda e: e.witness_pending)


def attachment_get_for_user(user, attachment_id, mode=READ) -> Attachment:
    return _load(Attachment.objects.select_related("case", "entry"), attachment_id, user, mode, lambda a: a.case,
                 pending=lambda a: a.entry.witness_pending)


def bundle_get_for_user(user, bundle_id, mode=EXPORT, recheck=True) -> Bundle:
    """`recheck=False` for the progress poll: it carries nothing away, and a poll cannot type a code."""
    return _load(Bundle.objects.select_related("case", "case__owner"), bundle_id, user, mode, lambda b: b.case,
                 recheck=recheck)


# Sharing, witnesses and imports are the owner's business only (WRITE).

def backup_import_get_for_user(user, import_id) -> BackupImport:
    return _load(BackupImport.objects.select_related("case", "case__owner"), import_id, user, WRITE, lambda b: b.case)


def invitation_get_for_user(user, invitation_id) -> Invitation:
    return _load(Invitation.objects.select_related("case"), invitation_id, user, WRITE, lambda i: i.case)


def access_get_for_user(user, access_id) -> CaseAccess:
    return _load(CaseAccess.objects.select_related("case", "lawyer"), access_id, user, WRITE, lambda a: a.case)


def witness_link_get_for_user(user, link_id) -> WitnessLink:
    return _load(WitnessLink.objects.select_related("case"), link_id, user, WRITE, lambda w: w.case)


def submission_get_for_user(user, submission_id) -> WitnessSubmission:
    return _load(WitnessSubmission.objects.select_related("case", "entry", "link"), submission_id, user, WRITE,
                 lambda s: s.case)


# URL names whose views accept evidence files, and the kwarg that names the target.
UPLOAD_VIEWS = {"entry_create": "case_id", "entry_edit": "entry_id", "witness_submit": "token",
                "backup_upload": "case_id"}


def upload_owner_for_request(request):
    """Whose data key encrypts this request's uploads; None refuses them.

    A witness has no account: the link's token names the case, and the files
    are encrypted with the case owner's key like everything else in it.
    """
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in UPLOAD_VIEWS:
        return None
    target = match.kwargs.get(UPLOAD_VIEWS[match.url_name])
    if match.url_name == "witness_submit":
        link = WitnessLink.for_token(target)
        return link.case.owner_id if link is not None and link.state(timezone.now()) == "open" else None
    try:
        if match.url_name in ("entry_create", "backup_upload"):
            return case_get_for_user(request.user, target, WRITE).owner_id
        return entry_get_for_user(request.user, target, WRITE).case.owner_id
    except Http404:
        return None
