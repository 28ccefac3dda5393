"""Every change appends to the case's hash-chained custody log, which cannot be rewritten."""
import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from evidence.custody.chain import GENESIS, event_hash
from evidence.custody.verify import verify_case
from evidence.models import CustodyEvent
from evidence.cases.services import case_update, entry_trash, entry_update


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
    report = verify_case(entry.case)
    assert report.ok and report.events == 5


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


# --------------------------------------------------------------------------- verify_custody

import io  # noqa: E402
from datetime import datetime, timezone as dt_timezone  # noqa: E402

from django.core.management import call_command  # noqa: E402

from evidence.store import blobstore  # noqa: E402
from evidence.cases.services import attachment_add  # noqa: E402

from tests.conftest import make_upload  # noqa: E402
from tests.media_samples import png_bytes  # noqa: E402


@pytest.fixture
def evidence(entry, borrower):
    att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "a.png", png_bytes()))
    entry_update(entry=entry, actor=borrower, content="第二版")
    return att


def verify():
    out = io.StringIO()
    try:
        call_command("verify_custody", stdout=out, stderr=io.StringIO())
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, out.getvalue()


def attacker_sql(sql, params=()):
    """Someone with write access to the database file: triggers do not stop them."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("ALTER TABLE evidence_custodyevent DISABLE TRIGGER custody_append_only")
        else:
            cur.execute("DROP TRIGGER IF EXISTS custody_no_update")
            cur.execute("DROP TRIGGER IF EXISTS custody_no_delete")
        cur.execute(sql, params)


def attacker_sql_more(sql):
    attacker_sql(sql)


def test_verify_passes_an_untouched_case(evidence):
    code, out = verify()
    assert code == 0 and "All custody chains and files verified" in out


def test_verify_raises_no_alarm_after_ordinary_use(evidence, borrower, shared_case, lawyer_view):
    """A lawyer opening the case (a view, no hash) and a transcript saved on a recording (the
    transcript's hash, on the recording's id) are not changes of the case or of the file:
    verify_custody must not call them tampering."""
    from evidence.cases.services import transcript_save
    from evidence.custody.services import case_view_record
    from tests.media_samples import wav_bytes

    recording = attachment_add(entry=evidence.entry, actor=borrower, upload=make_upload(borrower, "r.wav",
                                                                                         wav_bytes()))
    transcript_save(attachment=recording, actor=borrower, text="[00:01] 还钱")
    case_view_record(case=shared_case, actor=lawyer_view)
    assert CustodyEvent.objects.filter(action__in=["case.view", "transcript.save"]).count() == 2
    code, out = verify()
    assert code == 0, out
    attacker_sql("UPDATE evidence_attachment SET sha256 = %s WHERE id = %s", ["0" * 64, recording.pk.hex])
    code, out = verify()
    assert code == 1 and f"file {recording.pk}" in out  # and still catches a real change


def test_verify_catches_a_changed_stored_hash(evidence):
    attacker_sql("UPDATE evidence_attachment SET sha256 = %s", ["0" * 64])
    code, out = verify()
    assert code == 1 and f"file {evidence.pk}" in out


def test_verify_catches_a_changed_event_field(evidence):
    attacker_sql("UPDATE evidence_custodyevent SET actor_label = 'someone else' WHERE seq = 2")
    code, out = verify()
    assert code == 1 and "event #2" in out and "altered" in out


def test_verify_catches_a_deleted_event(evidence):
    attacker_sql("DELETE FROM evidence_custodyevent WHERE seq = 3")
    code, out = verify()
    assert code == 1 and "event #3 is missing" in out


def test_verify_catches_reordered_events(evidence):
    attacker_sql("UPDATE evidence_custodyevent SET seq = 1000 WHERE seq = 2")
    attacker_sql_more("UPDATE evidence_custodyevent SET seq = 2 WHERE seq = 3")
    attacker_sql_more("UPDATE evidence_custodyevent SET seq = 3 WHERE seq = 1000")
    code, out = verify()
    assert code == 1 and "event #2" in out


def test_verify_catches_a_flipped_blob_byte(evidence):
    raw = bytearray(blobstore.raw_read(evidence.blob_key))
    raw[100] ^= 0x10
    blobstore.raw_write(evidence.blob_key, bytes(raw))
    code, out = verify()
    assert code == 1 and f"file {evidence.pk} is damaged" in out


def test_verify_catches_a_changed_entry_time(evidence, entry):
    attacker_sql("UPDATE evidence_entry SET occurred_at = %s", [datetime(2020, 1, 1, tzinfo=dt_timezone.utc)])
    code, out = verify()
    assert code == 1 and f"entry {entry.pk} differs" in out


def test_verify_names_one_case(evidence, borrower):
    out = io.StringIO()
    call_command("verify_custody", "--case", str(evidence.case_id), stdout=out)
    assert f"OK   case {evidence.case_id}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_the_same_moment_keep_one_unbroken_chain():
    import threading

    from django.db import connections
    from django.utils import timezone

    from accounts.services import user_create
    from evidence.models import Case
    from evidence.cases.services import case_create, entry_create

    owner = user_create(username="concurrent", password="Correct-horse-42")
    case = case_create(owner=owner, lender="借呗")
    barrier = threading.Barrier(4)
    errors = []

    def log_calls(n):
        try:
            barrier.wait()
            for i in range(5):
                case_obj = Case.objects.get(pk=case.pk)
                entry, _ = entry_create(case=case_obj, actor=owner, kind="call", occurred_at=timezone.now())
                attachment_add(entry=entry, actor=owner, upload=make_upload(owner, f"{n}-{i}.png", png_bytes()))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log_calls, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = list(CustodyEvent.objects.filter(case=case).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 42))  # case + 4 × 5 × (entry + attachment)
    report = verify_case(case)
    assert report.ok, report.problems
