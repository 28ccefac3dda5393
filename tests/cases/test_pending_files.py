"""Issue 14: a file chosen once stays chosen across validation errors, encrypted and tied to
the form's token; it reaches the case only when the form is saved; abandoned ones go after a day."""
import hashlib
import uuid
from datetime import timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evidence.cases.services import pending_collect
from evidence.custody.verify import verify_case
from evidence.models import Attachment, CustodyEvent, Entry, PendingUpload
from evidence.store import blobstore

from tests.cases.test_entries import _file
from tests.media_samples import png_bytes, wav_bytes


def post_call(client, case, url=None, **extra):
    data = {"kind": "call", "occurred_at": "2026-11-20T23:30", "direction": "incoming", "call_outcome": "missed",
            "number": "95188", "duration": "", "client_token": str(uuid.uuid4())}
    data.update(extra)
    return client.post(url or reverse("entry_create", args=[case.pk]), data)


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_screenshot_survives_a_wrong_duration_and_arrives_byte_identical(case, borrower_client, data_dir):
    shot, token = png_bytes(color="#336699"), str(uuid.uuid4())
    response = post_call(borrower_client, case, client_token=token, duration="三分钟",
                         attachments=[_file(shot, "截图.png"), _file(wav_bytes(2), "录音.wav")])
    assert response.status_code == 200 and "duration" in response.context["form"].errors
    # Kept, encrypted, listed; not part of the case: no entry, no attachment, no custody event.
    pending = list(PendingUpload.objects.all())
    assert sorted(p.name for p in pending) == ["录音.wav", "截图.png"]
    assert Entry.objects.count() == 0 and Attachment.objects.count() == 0
    assert not CustodyEvent.objects.filter(action="attachment.add").exists()
    html = response.content.decode()
    assert "截图.png" in html and 'name="pending"' in html
    stored = blobstore.raw_read(pending[0].blob_key)
    assert shot not in stored and wav_bytes(2) not in stored  # ciphertext in the store

    # Corrected, sent again without choosing the files again.
    response = post_call(borrower_client, case, client_token=token, duration="3:00",
                         pending=[str(p.pk) for p in pending])
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert sorted(a.original_name for a in entry.attachments.all()) == ["录音.wav", "截图.png"]
    image = entry.attachments.get(kind="image")
    assert image.sha256 == hashlib.sha256(shot).hexdigest() and image.has_thumbnail
    assert _body(borrower_client.get(reverse("attachment_file", args=[image.pk]))) == shot
    assert PendingUpload.objects.count() == 0
    assert CustodyEvent.objects.filter(action="attachment.add").count() == 2
    assert verify_case(case).ok


def test_an_unticked_file_is_left_out(case, borrower_client):
    token = str(uuid.uuid4())
    post_call(borrower_client, case, client_token=token, call_outcome="",
              attachments=[_file(png_bytes(), "a.png"), _file(png_bytes(color="#000000"), "b.png")])
    [keep] = [p for p in PendingUpload.objects.all() if p.name == "a.png"]  # the name is encrypted
    assert post_call(borrower_client, case, client_token=token, pending=[str(keep.pk)]).status_code == 302
    assert [a.original_name for a in Entry.objects.get().attachments.all()] == ["a.png"]
    assert PendingUpload.objects.count() == 1  # b.png waits for collection


def test_another_forms_files_cannot_be_taken(case, other_borrower, borrower_client, other_client):
    from evidence.cases.services import case_create

    other_case = case_create(owner=other_borrower, lender="花呗")
    token = str(uuid.uuid4())
    post_call(borrower_client, case, client_token=token, call_outcome="", attachments=[_file(png_bytes(), "a.png")])
    [p] = PendingUpload.objects.all()
    # Another form of the same owner (another token), and another user's case with the same token.
    assert post_call(borrower_client, case, pending=[str(p.pk)]).status_code == 302
    assert post_call(other_client, other_case, client_token=token, pending=[str(p.pk)]).status_code == 302
    assert Attachment.objects.count() == 0 and PendingUpload.objects.count() == 1


def test_the_edit_form_keeps_files_too(entry, borrower_client):
    url = reverse("entry_edit", args=[entry.pk])
    token = str(uuid.uuid4())
    response = post_call(borrower_client, entry.case, url=url, client_token=token, occurred_at="nonsense",
                         attachments=[_file(png_bytes(), "补充.png")])
    assert response.status_code == 200
    [p] = PendingUpload.objects.all()
    assert post_call(borrower_client, entry.case, url=url, client_token=token,
                     pending=[str(p.pk)]).status_code == 302
    assert [a.original_name for a in entry.attachments.all()] == ["补充.png"]


def test_abandoned_files_are_collected_after_a_day(case, borrower_client):
    post_call(borrower_client, case, call_outcome="", attachments=[_file(png_bytes(), "a.png")])
    [p] = PendingUpload.objects.all()
    assert blobstore.exists(p.blob_key)
    assert pending_collect() == 0
    PendingUpload.objects.filter(pk=p.pk).update(created_at=timezone.now() - timedelta(hours=25))
    call_command("gc_blobs")
    assert not PendingUpload.objects.exists() and not blobstore.exists(p.blob_key)
