"""Issue 14: a recording made in the page (static/js/recorder.js) carries the phone's clock at
the start of recording; the server keeps it as the file's capture time — for audio and video
only, never in the future, never for a file that was not named in the list."""
import json
from datetime import datetime, timedelta, timezone

from evidence.models import Attachment
from evidence.store.media import sniff

from tests.cases.test_pending_files import post_call
from tests.cases.test_entries import _file
from tests.media_samples import png_bytes, wav_bytes

STARTED = datetime(2026, 11, 20, 15, 29, 51, 250000, tzinfo=timezone.utc)


def _declared(name, data, started=STARTED):
    return json.dumps([{"name": name, "size": len(data), "started": started.isoformat().replace("+00:00", "Z")}])


def test_the_start_of_a_recording_is_its_capture_time(case, borrower_client):
    audio = wav_bytes(2)
    r = post_call(borrower_client, case, attachments=[_file(audio, "录音-20261120-232951.wav")],
                  recordings=_declared("录音-20261120-232951.wav", audio))
    assert r.status_code == 302
    assert Attachment.objects.get().captured_at == STARTED


def test_the_start_survives_a_form_error(case, borrower_client):
    audio, token = wav_bytes(1), "6f1c1b2e-0000-4000-8000-000000000001"
    r = post_call(borrower_client, case, client_token=token, duration="三分钟",
                  attachments=[_file(audio, "rec.wav")], recordings=_declared("rec.wav", audio))
    assert r.status_code == 200
    pending = r.context["pending"]
    r = post_call(borrower_client, case, client_token=token, pending=[str(p.pk) for p in pending],
                  recordings=r.context["form"]["recordings"].value())
    assert r.status_code == 302 and Attachment.objects.get().captured_at == STARTED


def test_no_start_time_for_a_picture_a_future_time_or_an_unnamed_file(case, borrower_client):
    shot, audio, other = png_bytes(), wav_bytes(1), wav_bytes(2)
    future = datetime.now(timezone.utc) + timedelta(hours=2)
    declared = json.loads(_declared("a.png", shot)) + json.loads(_declared("b.wav", audio, future))
    r = post_call(borrower_client, case, attachments=[_file(shot, "a.png"), _file(audio, "b.wav"), _file(other, "c.wav")],
                  recordings=json.dumps(declared))
    assert r.status_code == 302
    assert [a.captured_at for a in Attachment.objects.order_by("original_name")] == [None, None, None]
    r = post_call(borrower_client, case, attachments=[_file(audio, "d.wav")], recordings="not json")
    assert r.status_code == 302


def test_a_webm_recording_is_audio():
    head = (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
            b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02") + b"\x00" * 64
    assert sniff(head, "录音-20261120-232951.weba") == ("audio/webm", "audio")
    assert sniff(head, "clip.webm") == ("video/webm", "video")
