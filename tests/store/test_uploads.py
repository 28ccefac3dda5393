"""Bad input loses nothing and explains itself; uploads never touch disk in plaintext."""
import io
import os
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from evidence.models import Attachment, Entry
from evidence.cases.services import attachment_add

from tests.conftest import make_upload
from tests.media_samples import amr_bytes, pdf_bytes, png_bytes, wav_bytes


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def upload(client, case, *files, **extra):
    data = {"kind": "sms", "occurred_at": "2026-11-20T10:00", "content": "保留这段文字",
            "client_token": str(uuid.uuid4()), "attachments": list(files)}
    data.update(extra)
    return client.post(reverse("entry_create", args=[case.pk]), data)


def assert_refused(response, *needles):
    assert response.status_code == 200
    html = response.content.decode()
    assert "保留这段文字" in html, "the rest of the form must be kept"
    for needle in needles:
        assert needle in html
    assert Entry.objects.count() == 0 and Attachment.objects.count() == 0


def assert_no_blobs(data_dir):
    blobs = data_dir / "blobs"
    left = [p for p in blobs.rglob("*") if p.is_file()] if blobs.exists() else []
    assert left == []


def test_it_refuses_a_file_over_the_size_limit(case, borrower_client, settings, data_dir):
    settings.LIUZHENG_MAX_UPLOAD_BYTES = 100_000
    assert_refused(upload(borrower_client, case, _file(os.urandom(150_000), "big.png")), "big.png")
    assert_no_blobs(data_dir)


def test_it_refuses_an_executable(case, borrower_client, data_dir):
    assert_refused(upload(borrower_client, case, _file(b"MZ\x90\x00" + os.urandom(2000), "setup.exe")), "setup.exe")
    assert_no_blobs(data_dir)


def test_it_checks_content_not_extension(case, borrower_client):
    assert_refused(upload(borrower_client, case, _file(pdf_bytes(), "photo.jpg")), "photo.jpg", "application/pdf")


def test_it_refuses_a_broken_image(case, borrower_client):
    broken = png_bytes()[:200] + os.urandom(500)
    assert_refused(upload(borrower_client, case, _file(broken, "broken.png")), "broken.png")


def test_it_refuses_a_decompression_bomb(case, borrower_client, settings):
    settings.LIUZHENG_MAX_IMAGE_PIXELS = 1_000_000
    out = io.BytesIO()
    Image.new("1", (4000, 4000)).save(out, "PNG")  # tiny file, 16 megapixels
    assert len(out.getvalue()) < 100_000
    assert_refused(upload(borrower_client, case, _file(out.getvalue(), "bomb.png")), "bomb.png", "4000")


def test_it_refuses_an_empty_file(case, borrower_client):
    assert_refused(upload(borrower_client, case, _file(b"", "empty.png")), "empty.png")


def test_it_reports_each_bad_file(case, borrower_client):
    response = upload(borrower_client, case, _file(b"", "empty.png"), _file(b"MZ" * 50, "x.exe"))
    assert_refused(response, "empty.png", "x.exe")


def test_it_drops_path_tricks_from_names(case, borrower_client, data_dir):
    response = upload(borrower_client, case, _file(png_bytes(), "../../../etc/cron.d/evil.png"))
    assert response.status_code == 302
    att = Attachment.objects.get()
    assert "/" not in att.original_name and ".." not in att.original_name
    assert not (data_dir.parent / "etc").exists()


@pytest.mark.parametrize("data,name,kind,media_type", [
    (amr_bytes(), "wechat.amr", "audio", "audio/amr"),
    (wav_bytes(1), "rec.wav", "audio", "audio/x-wav"),
    (pdf_bytes(), "lawyer-letter.pdf", "document", "application/pdf"),
    (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(200), "voice.m4a", "audio", "audio/mp4"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(200), "call.m4a", "audio", "audio/mp4"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(200), "video.mp4", "video", "video/mp4"),
])
def test_it_accepts_phone_formats(case, borrower_client, data, name, kind, media_type):
    assert upload(borrower_client, case, _file(data, name)).status_code == 302
    att = Attachment.objects.get()
    assert (att.kind, att.media_type) == (kind, media_type)


def test_it_reads_amr_duration(case, borrower_client):
    upload(borrower_client, case, _file(amr_bytes(frames=250), "wechat.amr"))
    assert Attachment.objects.get().duration_seconds == pytest.approx(5.0)


def test_it_takes_the_capture_time_from_exif(entry, borrower):
    jpeg = png_bytes(exif_time="2026:11:19 23:45:10")
    att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "photo.jpg", jpeg))
    from django.utils import timezone

    local = timezone.localtime(att.captured_at, timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") == "2026-11-19 23:45:10"


# --------------------------------------------------------------------------- serving


@pytest.fixture
def audio(entry, borrower):
    return attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "rec.wav", wav_bytes(2)))


def _body(response):
    return b"".join(response.streaming_content)


def test_it_serves_the_whole_original(audio, borrower_client):
    response = borrower_client.get(reverse("attachment_file", args=[audio.pk]))
    assert response.status_code == 200 and response["Accept-Ranges"] == "bytes"
    assert _body(response) == wav_bytes(2)


def test_it_serves_byte_ranges(audio, borrower_client):
    url = reverse("attachment_file", args=[audio.pk])
    data = wav_bytes(2)
    r = borrower_client.get(url, HTTP_RANGE="bytes=100-199")
    assert r.status_code == 206 and r["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert _body(r) == data[100:200]
    r = borrower_client.get(url, HTTP_RANGE="bytes=-50")
    assert _body(r) == data[-50:]
    r = borrower_client.get(url, HTTP_RANGE=f"bytes={len(data) - 10}-")
    assert _body(r) == data[-10:]
    assert borrower_client.get(url, HTTP_RANGE=f"bytes={len(data) + 5}-").status_code == 416


def test_it_offers_the_original_as_a_download(audio, borrower_client):
    r = borrower_client.get(reverse("attachment_file", args=[audio.pk]), {"download": "1"})
    assert r["Content-Disposition"].startswith("attachment;") and "rec.wav" in r["Content-Disposition"]
    from evidence.models import CustodyEvent

    event = CustodyEvent.objects.filter(action="attachment.download").get()
    assert event.object_id == str(audio.pk) and event.content_sha256 == audio.sha256


def test_it_never_writes_plaintext_to_the_temp_dir(case, borrower_client, settings, tmp_path, data_dir):
    temp = tmp_path / "tmp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    marker = b"LIUZHENG-PLAINTEXT-MARKER-" + uuid.uuid4().hex.encode()
    # Bigger than Django's in-memory limit (2.5 MB): its own handler would spill to disk.
    big = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + (marker + os.urandom(1000)) * 4000
    assert upload(borrower_client, case, _file(big, "video.mp4")).status_code == 302
    for root in (temp, data_dir):
        for path in root.rglob("*"):
            if path.is_file():
                assert marker not in path.read_bytes(), path


def test_a_huge_png_is_kept_without_a_thumbnail(entry, borrower):
    out = io.BytesIO()
    Image.new("L", (5000, 4000)).save(out, "PNG")  # 20 MP: over the thumbnail budget, under the pixel limit
    att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "long.png", out.getvalue()))
    assert (att.width, att.height) == (5000, 4000) and not att.has_thumbnail


def test_a_big_photo_gets_a_small_thumbnail(entry, borrower):
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), "green").save(out, "JPEG")
    att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "photo.jpg", out.getvalue()))
    from evidence.store import blobstore

    thumb = Image.open(io.BytesIO(blobstore.read_bytes(borrower.pk, att.pk, "thumbnail", att.thumb_key)))
    assert (att.width, att.height) == (6000, 4000) and max(thumb.size) <= 640
