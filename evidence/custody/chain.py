"""The custody chain (保管链): one append-only, hash-chained log per case.

Every state change of a case calls `custody_append` inside its service's
transaction, so the change and its event commit together or not at all. Each
event's hash covers the previous event's hash: changing, deleting or reordering
any event breaks every hash after it (民事证据规定 art 93: integrity, reliable storage).
"""
from __future__ import annotations

from datetime import timezone as dt_timezone

from django.db import connection, transaction
from django.utils import timezone

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


def custody_append(*, case: Case, actor: Actor, action: Action, object_type: str, object_id,
                   content_sha256: str = "") -> CustodyEvent:
    if not isinstance(actor, Actor):
        raise TypeError(f"custody_append needs an Actor, not {actor!r}")
    action = Action(action)  # an unknown action is a bug, not a new kind of event
    door.claim_event()
    with transaction.atomic():
        # Lock the case row (PostgreSQL) so two uploads cannot both take seq N;
        # on SQLite the IMMEDIATE transaction mode already serializes writers.
        if connection.features.has_select_for_update:
            Case.objects.select_for_update().filter(pk=case.pk).exists()
        last = CustodyEvent.objects.filter(case=case).order_by("-seq").only("seq", "hash").first()
        event = CustodyEvent(
            case=case,
            seq=(last.seq + 1) if last else 1,
            created_at=timezone.now(),
            actor=actor.user_or_none,
            actor_label=actor.label,
            action=action.value,
            object_type=object_type,
            object_id=str(object_id),
            content_sha256=content_sha256,
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        chain_timestamp_request(case)
        return event
