"""Load-and-authorize: the one way a view gets a case or anything in it.

A missing right is a 404, never a 403 and never someone else's data: an id
that belongs to another borrower must look exactly like an id that does not exist.
"""
from django.http import Http404

from .models import Attachment, Case, Entry

READ, WRITE = "read", "write"


def _can(user, case, mode) -> bool:
    if not user.is_authenticated:
        return False
    # Only the owner for now; shared access (lawyers) extends this one function.
    return case.owner_id == user.pk


def case_get_for_user(user, case_id, mode=READ) -> Case:
    try:
        case = Case.objects.select_related("owner").get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _can(user, case, mode):
        raise Http404
    return case


def entry_get_for_user(user, entry_id, mode=READ) -> Entry:
    try:
        entry = Entry.objects.select_related("case", "case__owner").get(pk=entry_id)
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _can(user, entry.case, mode):
        raise Http404
    return entry


def attachment_get_for_user(user, attachment_id, mode=READ) -> Attachment:
    try:
        att = Attachment.objects.select_related("case", "entry").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _can(user, att.case, mode):
        raise Http404
    return att


# URL names whose views accept evidence files, and the kwarg that names the target.
UPLOAD_VIEWS = {"entry_create": "case_id", "entry_edit": "entry_id"}


def upload_owner_for_request(request):
    """Whose data key encrypts this request's uploads; None refuses them."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name not in UPLOAD_VIEWS:
        return None
    target = match.kwargs.get(UPLOAD_VIEWS[match.url_name])
    try:
        if match.url_name == "entry_create":
            return case_get_for_user(request.user, target, WRITE).owner_id
        return entry_get_for_user(request.user, target, WRITE).case.owner_id
    except Http404:
        return None


def bundle_get_for_user(user, bundle_id, mode=READ):
    from .models import Bundle

    try:
        bundle = Bundle.objects.select_related("case", "case__owner").get(pk=bundle_id)
    except (Bundle.DoesNotExist, ValueError, TypeError):
        raise Http404
    if not _can(user, bundle.case, mode):
        raise Http404
    return bundle
