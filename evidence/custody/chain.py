"""The custody chain (保管链): one append-only, hash-chained log per case.

Every state change of a case calls `custody_append` inside its service's
transaction, so the change and its event commit together or not at all. Each
event's hash covers the previous event's hash: changing, deleting or reordering
any event breaks every hash after it (民事证据规定 art 93: integrity, reliable storage).
"""
from __future__ import annotations

import hashlib
from datetime import timezone as dt_timezone
from json.encoder import encode_basestring

from django.db import connection, transaction
from django.utils import timezone

from evidence.lib.bulk import insert_values
from evidence.lib.canonical import sha256_json
from evidence.models import Case, CustodyEvent

from . import door
from .actions import Action
from .actors import Actor
from .timestamps import chain_timestamp_request

GENESIS = "0" * 64


def event_payload(event: CustodyEvent) -> dict:
    """Exactly the fields the hash covers (also the line written to custody.jsonl)."""
    return {
        "case": str(event.case_id),
        "seq": event.seq,
        "at": event.created_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "content_sha256": event.content_sha256,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: CustodyEvent) -> str:
    return sha256_json(event_payload(event))


def _start(case: Case, actor, action, who: str) -> tuple[Action, int, str]:
    """What both appends do first, inside their transaction: check the actor and action,
    count the door's one call, lock the chain and return its head (last seq, last hash)."""
    if not isinstance(actor, Actor):
        raise TypeError(f"{who} needs an Actor, not {actor!r}")
    action = Action(action)  # an unknown action is a bug, not a new kind of event
    door.claim_event()
    # Lock the case row (PostgreSQL) so two uploads cannot both take seq N;
    # on SQLite the IMMEDIATE transaction mode already serializes writers.
    if connection.features.has_select_for_update:
        Case.objects.select_for_update().filter(pk=case.pk).exists()
    last = CustodyEvent.objects.filter(case=case).order_by("-seq").only("seq", "hash").first()
    return (action, last.seq, last.hash) if last else (action, 0, GENESIS)


def custody_append(*, case: Case, actor: Actor, action: Action, object_type: str, object_id,
                   content_sha256: str = "") -> CustodyEvent:
    with transaction.atomic():
        action, seq, prev = _start(case, actor, action, "custody_append")
        event = CustodyEvent(
            case=case,
            seq=seq + 1,
            created_at=timezone.now(),
            actor=actor.user_or_none,
            actor_label=actor.label,
            action=action.value,
            object_type=object_type,
            object_id=str(object_id),
            content_sha256=content_sha256,
            prev_hash=prev,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        chain_timestamp_request(case)
        return event


_BATCH_COLUMNS = ["case_id", "seq", "created_at", "actor_id", "actor_label", "action", "object_type", "object_id",
                  "content_sha256", "prev_hash", "hash"]


def _batch_hasher(case_id, created_at, actor_label: str, action: str):
    """event_hash for events that share case, time, actor and action, differing in seq,
    object, content and previous hash: the canonical JSON of `event_payload` (keys sorted,
    no spaces, ensure_ascii off) written from a template, since only four of its nine
    values change. The same bytes as `sha256_json(event_payload(e))` (tests/custody's
    test_batch_hash_is_event_hash checks it over awkward values)."""
    def s(value) -> str:
        return encode_basestring(str(value))

    at = created_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    head = (f'{{"action":{s(action)},"actor":{s(actor_label)},"at":{s(at)},"case":{s(case_id)},'
            f'"content_sha256":')

    def digest(seq: int, object_type: str, object_id: str, content_sha256: str, prev_hash: str) -> str:
        if type(content_sha256) is not str or type(seq) is not int:  # not the import path's values
            return sha256_json({"case": str(case_id), "seq": seq, "at": at, "actor": actor_label, "action": action,
                                "object_type": object_type, "object_id": object_id,
                                "content_sha256": content_sha256, "prev_hash": prev_hash})
        text = (f'{head}{s(content_sha256)},"object_id":{s(object_id)},"object_type":{s(object_type)},'
                f'"prev_hash":{s(prev_hash)},"seq":{seq}}}')
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return digest


def custody_append_batch(*, case: Case, actor: Actor, action: Action, objects) -> int:
    """One event per object, all of one action, for a door that creates many objects at
    once (a backup import: thousands of entries). Each event is the one `custody_append`
    would write, chained one after the other; they are inserted together, because a query
    per event would make a 100,000-message import take minutes. Returns how many.

    objects: (object_type, object_id, content_sha256) for each. Counts as the door's one
    call: a door appends one batch or one event, never both."""
    with transaction.atomic():
        action, seq, prev = _start(case, actor, action, "custody_append_batch")
        now, rows = timezone.now(), []
        actor_id = actor.user_or_none and actor.user_or_none.pk
        digest_of = _batch_hasher(case.pk, now, actor.label, action.value)
        for object_type, object_id, content_sha256 in objects:
            seq += 1
            object_id = str(object_id)
            digest = digest_of(seq, object_type, object_id, content_sha256, prev)
            rows.append((case.pk, seq, now, actor_id, actor.label, action.value,
                         object_type, object_id, content_sha256, prev, digest))
            prev = digest
        count = insert_values(CustodyEvent, _BATCH_COLUMNS, rows)
        if count:
            chain_timestamp_request(case)
        return count
