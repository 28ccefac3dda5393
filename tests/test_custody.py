"""Every change appends to the case's hash-chained custody log, which cannot be rewritten."""
import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from evidence.custody import GENESIS, chain_state, event_hash
from evidence.models import CustodyEvent
from evidence.services import case_update, entry_trash, entry_update


def test_it_chains_every_change(entry, borrower):
    entry_update(entry=entry, actor=borrower, content="新")
    entry_trash(entry=entry, actor=borrower, reason="测试")
    case_update(case=entry.case, actor=borrower, notes="新备注")
    events = list(CustodyEvent.objects.filter(case=entry.case).order_by("seq"))
    assert [e.action for e in events] == ["case.create", "entry.create", "entry.update", "entry.trash", "case.update"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS
    for prev, event in zip(events, events[1:]):
        assert event.prev_hash == prev.hash
    assert all(event_hash(e) == e.hash for e in events)
    assert chain_state(entry.case) == {"ok": True, "count": 5, "broken_at": None, "head": events[-1].hash}


def test_it_records_a_case_edit_made_through_the_form(case, borrower_client):
    borrower_client.post(reverse("case_edit", args=[case.pk]), {"lender": "花呗", "notes": "改"})
    assert CustodyEvent.objects.filter(case=case, action="case.update").count() == 1


def test_the_database_refuses_to_update_an_event(entry):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE evidence_custodyevent SET action = 'forged'")


def test_the_database_refuses_to_delete_an_event(entry):
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM evidence_custodyevent")


def test_the_model_refuses_to_change_an_event(entry):
    event = CustodyEvent.objects.first()
    event.action = "forged"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_it_refuses_a_forked_sequence(entry):
    last = CustodyEvent.objects.order_by("-seq").first()
    fork = CustodyEvent(case=last.case, seq=last.seq, created_at=last.created_at, actor_label="x",
                        action="fork", object_type="x", object_id="x", prev_hash=last.prev_hash, hash="f" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


def test_the_case_page_shows_the_chain_state(entry, borrower_client):
    html = borrower_client.get(entry.case.get_absolute_url()).content.decode()
    assert 'id="chain-state"' in html and "chain-ok" in html
