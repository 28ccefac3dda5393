"""State changes of complaint drafts."""
from __future__ import annotations

import hashlib

from evidence.custody.actions import Action
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.lib.canonical import canonical_json
from evidence.models import Case, ComplaintDraft


@service(durable=True)
def complaint_save(*, case: Case, channel: str, body: dict, actor):
    """Save a complaint draft (encrypted); the custody chain records the hash of its canonical JSON."""
    text = canonical_json(body).decode("utf-8")
    draft = ComplaintDraft.objects.select_for_update().filter(case=case, channel=channel).first()
    if draft is not None and draft.body == text:
        return draft
    if draft is None:
        draft = ComplaintDraft(case=case, channel=channel, body=text, updated_by=actor.user)
        draft.save(force_insert=True)
    else:
        draft.body = text
        draft.revision += 1
        draft.updated_by = actor.user
        draft.save()
    custody_append(case=case, actor=actor, action=Action.COMPLAINT_SAVE, object_type="complaint",
                   object_id=draft.pk, content_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return draft
