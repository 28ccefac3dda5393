"""custody_append_batch (the import path) writes the events custody_append would write:
each hashed over its canonical payload and linked to the one before it."""
from django.db import connection

from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append, custody_append_batch, event_hash, event_payload
from evidence.custody.door import service
from evidence.custody.verify import verify_case
from evidence.lib.canonical import sha256_json
from evidence.models import CustodyEvent

# PostgreSQL's text columns refuse NUL (SQLite keeps it), so there the control characters
# stop short of it.
NUL = "" if connection.vendor == "postgresql" else "\x00"
AWKWARD = ["plain", "中文 “引号”", 'quote " and \\ backslash', f"tab\tnewline\n{NUL}\x1f", "emoji 😀\u2028\u2029",
           "</script>", ""]


@service
def _batch(*, case, actor, objects):
    return custody_append_batch(case=case, actor=actor, action=Action.ENTRY_CREATE, objects=objects)


@service
def _one(*, case, actor):
    return custody_append(case=case, actor=actor, action=Action.CASE_VIEW, object_type="x", object_id="y")


def test_batch_hash_is_event_hash(case, borrower):
    objects = [(t, i, c) for t in AWKWARD for i, c in zip(AWKWARD, ["a" * 64, "", "é", "\"", "0" * 64, "x", "y"])]
    objects.append(("entry", 12345, "f" * 64))  # a non-str id is written as its str
    assert _batch(case=case, actor=borrower, objects=objects) == len(objects)
    _one(case=case, actor=borrower)  # a single append after the batch links to its last event
    _batch(case=case, actor=borrower, objects=[("entry", "after", "b" * 64)])
    events = list(CustodyEvent.objects.filter(case=case).order_by("seq"))
    assert len(events) == 1 + len(objects) + 2
    for prev, event in zip(events, events[1:]):
        assert event.prev_hash == prev.hash
    for event in events:
        assert event.hash == event_hash(event) == sha256_json(event_payload(event))
    batch = events[1:1 + len(objects)]
    assert [(e.object_type, e.object_id, e.content_sha256) for e in batch] == [(t, str(i), c) for t, i, c in objects]
    assert verify_case(case).ok


def test_a_batch_by_the_system_actor_verifies(case):
    _batch(case=case, actor=Actor.system("import"), objects=[("entry", n, f"{n:064x}") for n in range(2500)])
    report = verify_case(case, files=False)
    assert report.ok and report.events == 2501
