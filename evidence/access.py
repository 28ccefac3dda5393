"""Load-and-authorize: the one way a view gets a case or anything in it.

A missing right is a 404, never a 403 and never someone else's data: an id
that belongs to another borrower must look exactly like an id that does not exist.
"""
from django.core.exceptions import ValidationError
from django.http import Http404

from .models import Attachment, Bundle, Case, Entry

READ, WRITE = "read", "write"


def _can(user, case, mode) -> bool:
    if not user.is_authenticated:
        return False
    # Only the owner for now; shared access (lawyers) extends this one function.
    return case.owner_id == user.pk


def _load(queryset, pk, user, mode, case_of):
    try:
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404
    if not _can(user, case_of(obj), mode):
        raise Http404
    return obj


def case_get_for_user(user, case_id, mode=READ) -> Case:
    return _load(Case.objects.select_related("owner"), case_id, user, mode, lambda c: c)


def entry_get_for_user(user, entry_id, mode=READ) -> Entry:
    return _load(Entry.objects.select_related("case", "case__owner"), entry_id, user, mode, lambda e: e.case)


def attachment_get_for_user(user, attachment_id, mode=READ) -> Attachment:
    return _load(Attachment.objects.select_related("case", "entry"), attachment_id, user, mode, lambda a: a.case)


def bundle_get_for_user(user, bundle_id, mode=READ) -> Bundle:
    return _load(Bundle.objects.select_related("case", "case__owner"), bundle_id, user, mode, lambda b: b.case)


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

