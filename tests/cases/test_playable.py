"""Every recording playable: AMR and 3GP get a playable copy, made in the worker, in memory;
the original stays byte-identical and is the only evidence."""
import hashlib
import io
import uuid

import av
import pytest
from django.urls import reverse

from evidence.cases.services import playable_copy_make
from evidence.custody.verify import verify_case
from evidence.models import CustodyEvent, Derivative, Entry
from evidence.store import blobstore, transcode

from tests.media_samples import recording_bytes, wav_bytes


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def _post_with(client, case, *files):
    return client.post(reverse("entry_create", args=[case.pk]), {
        "kind": "call", "occurred_at": "2026-11-20T23:30", "direction": "incoming", "call_outcome": "answered",
        "number": "13800138000", "content": "录音", "client_token": str(uuid.uuid4()),
        "attachments": list(files)})


def _decoded(data):
    """(codec, seconds) of the first audio stream, decoded for real."""
    with av.open(io.BytesIO(data)) as c:
        stream = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(stream))
        return stream.codec_context.name, samples / stream.codec_context.sample_rate


@pytest.mark.parametrize("container", ["amr", "3gp"])
def test_an_amr_recording_becomes_aac_in_m4a_in_memory(container):
    original = recording_bytes(3.0, container)
    assert _decoded(original)[0] in {"amrnb", "libopencore_amrnb"}
    copy = transcode.to_playable(original)
    assert copy.media_type == "audio/mp4" and copy.data[4:8] == b"ftyp"
    codec, seconds = _decoded(copy.data)
    # AAC adds its encoder delay and pads to 1024-sample frames (128 ms at 8 kHz)
    assert codec == "aac" and seconds == pytest.approx(3.0, abs=0.3)
    assert copy.duration_seconds == pytest.approx(3.0, abs=0.05)


def test_only_what_the_browser_cannot_play_is_converted():
    assert transcode.needs_copy(recording_bytes(1.0, "amr"), "audio/amr")
    assert transcode.needs_copy(recording_bytes(1.0, "3gp"), "video/mp4")  # .3gp sniffs as MP4: the codec decides
    assert transcode.needs_copy(recording_bytes(1.0, "3gp"), "audio/mp4")  # AMR inside an .m4a
    assert not transcode.needs_copy(recording_bytes(1.0, "ipod", "aac", 16000), "audio/mp4")
    assert not transcode.needs_copy(wav_bytes(1.0), "audio/x-wav")
    with pytest.raises(transcode.NotConvertible):
        transcode.to_playable(b"#!AMR\n" + b"\xff" * 10)


@pytest.mark.parametrize("name,container", [("通话录音.amr", "amr"), ("张三(13800138000)_20261120233000.3gp", "3gp")])
def test_an_uploaded_amr_gets_a_playable_copy_and_the_original_is_untouched(case, borrower, borrower_client,
                                                                            django_capture_on_commit_callbacks,
                                                                            name, container):
    original = recording_bytes(3.0, container)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert _post_with(borrower_client, case, _file(original, name)).status_code == 302
    att = Entry.objects.get().attachments.get()
    assert att.sha256 == hashlib.sha256(original).hexdigest()
    assert callbacks, "the upload asks the worker for a playable copy"
    read_at_upload = att.duration_seconds

    copy = playable_copy_make(att.pk)  # what the worker's task runs
    assert copy.purpose == "playable" and copy.source_sha256 == att.sha256 and copy.attachment_id == att.pk
    assert playable_copy_make(att.pk) == copy  # once only
    assert Derivative.objects.count() == 1

    # The original is byte-identical; the copy is encrypted at rest like it; no plaintext on disk.
    assert blobstore.read_bytes(borrower.pk, att.pk, "original", att.blob_key) == original
    plain = blobstore.read_bytes(borrower.pk, copy.pk, "derivative", copy.blob_key)
    assert hashlib.sha256(plain).hexdigest() == copy.sha256 and len(plain) == copy.size
    assert _decoded(plain)[0] == "aac"
    for path in blobstore.root().rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"ftypM4A" not in data and b"#!AMR" not in data and b"ftyp3gp" not in data
    att.refresh_from_db()
    assert att.duration_seconds == pytest.approx(3.0, abs=0.05)  # read for every format
    # The copy itself appends no custody event; a duration the upload could not read, counted
    # by the decoder, is recorded with one (attachment.duration); the chain verifies, files included.
    assert list(CustodyEvent.objects.values_list("action", flat=True)) == [
        "case.create", "entry.create", "attachment.add"] + (["attachment.duration"] if read_at_upload is None else [])
    if read_at_upload is None:
        event = CustodyEvent.objects.get(action="attachment.duration")
        assert event.object_id == str(att.pk) and event.actor_label.startswith("system")
    assert verify_case(case).ok

    page = borrower_client.get(reverse("entry_detail", args=[att.entry_id])).content.decode()
    assert reverse("attachment_playable", args=[att.pk]) in page
    served = borrower_client.get(reverse("attachment_playable", args=[att.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "audio/mp4"
    assert b"".join(served.streaming_content) == plain
    # The original is still offered for download, unchanged.
    assert f'{reverse("attachment_file", args=[att.pk])}?download=1' in page


def test_the_page_says_a_copy_is_being_made_until_it_is(case, borrower_client):
    assert _post_with(borrower_client, case, _file(recording_bytes(1.0, "amr"), "rec.amr")).status_code == 302
    att = Entry.objects.get().attachments.get()
    page = borrower_client.get(reverse("entry_detail", args=[att.entry_id])).content.decode()
    assert "playable-note" in page and reverse("attachment_playable", args=[att.pk]) not in page
    assert borrower_client.get(reverse("attachment_playable", args=[att.pk])).status_code == 404


def test_a_playable_wav_gets_no_copy(case, borrower_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _post_with(borrower_client, case, _file(wav_bytes(1.0), "rec.wav"))
    att = Entry.objects.get().attachments.get()
    assert playable_copy_make(att.pk) is None and not Derivative.objects.exists()
    assert not any("playable" in repr(cb) for cb in callbacks)


def test_another_user_cannot_fetch_the_copy(case, borrower_client, other_client):
    _post_with(borrower_client, case, _file(recording_bytes(1.0, "amr"), "rec.amr"))
    att = Entry.objects.get().attachments.get()
    playable_copy_make(att.pk)
    assert other_client.get(reverse("attachment_playable", args=[att.pk])).status_code == 404


def test_the_task_runs_the_copy_through_the_task_backend(case, borrower, settings,
                                                         django_capture_on_commit_callbacks):
    from evidence.cases.services import entry_create
    from django.utils import timezone
    from tests.conftest import make_upload

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        entry, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(),
                                direction="incoming", number="13800138000",
                                uploads=[make_upload(borrower, "rec.amr", recording_bytes(1.0, "amr"))])
    copy = Derivative.objects.get()
    assert copy.attachment.entry == entry and copy.media_type == "audio/mp4"


def test_make_playable_catches_up_on_recordings_without_a_copy(case, borrower_client):
    from django.core.management import call_command

    _post_with(borrower_client, case, _file(recording_bytes(1.0, "amr"), "rec.amr"), _file(wav_bytes(1.0), "b.wav"))
    out = io.StringIO()
    call_command("make_playable", stdout=out)
    assert "Made 1 playable copy." in out.getvalue() and Derivative.objects.count() == 1
    call_command("make_playable", stdout=out)
    assert Derivative.objects.count() == 1
