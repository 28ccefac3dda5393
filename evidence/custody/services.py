"""State changes of the custody domain itself: recording who looked at a case, and
crypto-erasing a user (the only way custody events are ever deleted)."""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from evidence.models import CustodyErasure, CustodyEvent, UserKey, blob_keys
from evidence.store import blobstore

from .actions import Action
from .actors import Actor
from .chain import custody_append
from .door import service

log = logging.getLogger("liuzheng.custody")

# At most one view event per person, case (or file) and hour: the owner learns when the
# evidence was looked at without every page load of a review flooding the chain.
VIEW_EVENT_EVERY_SECONDS = 3600


def first_view_this_hour(*, case, actor: Actor, action: Action, object_id) -> bool:
    """Whether someone other than the owner looking at the case (or a file of it) is to be
    recorded: the owner's own views never are, anyone else's once per object and hour."""
    if actor.user_or_none is not None and actor.user.pk == case.owner_id:
        return False
    since = timezone.now() - timedelta(seconds=VIEW_EVENT_EVERY_SECONDS)
    return not CustodyEvent.objects.filter(case=case, actor_label=actor.label, action=action,
                                           object_id=str(object_id), created_at__gte=since).exists()


def _view_wanted(*, case, actor) -> bool:
    return first_view_this_hour(case=case, actor=actor, action=Action.CASE_VIEW, object_id=case.pk)


@service(when=_view_wanted)
def case_view_record(*, case, actor):
    """Someone other than the owner opened a page of the case (access.py calls this for
    every load): the owner sees it in the access log. The owner's own views are not
    events; the chain would fill with them."""
    return custody_append(case=case, actor=actor, action=Action.CASE_VIEW, object_type="case",
                          object_id=case.pk)


def _blob_keys_of(user) -> list[str]:
    # Every kind of blob a case holds (attachments, thumbnails, bundles…): the same list gc_blobs keeps.
    return sorted(blob_keys(case__owner=user))


@service(durable=True, no_event="the cases and their chains are destroyed with the user; "
                                "CustodyErasure rows and the log say which cases went")
def user_erase(*, user) -> int:
    """Crypto-erase a user: their data key first (from this commit on nothing of theirs
    decrypts), then their cases with their custody chains, then the user. Returns the
    number of blobs deleted; ciphertext on disk is deleted after the commit."""
    keys = _blob_keys_of(user)
    UserKey.objects.filter(user=user).delete()
    cases = list(user.cases.all())
    # The append-only trigger lets custody events go only for cases listed here.
    CustodyErasure.objects.bulk_create([CustodyErasure(case_id=c.pk) for c in cases], ignore_conflicts=True)
    for case in cases:
        case.delete()
    log.warning("Erased user %s: %d case(s), %d blob(s)", user.pk, len(cases), len(keys))
    user.delete()
    transaction.on_commit(lambda: [blobstore.delete(k) for k in keys])
    return len(keys)
