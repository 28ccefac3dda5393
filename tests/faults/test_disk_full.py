"""The disk fills up during an upload (a real 2 MB tmpfs under the blob store): the form says
so and keeps what was typed, nothing is stored, the originals already there are intact."""
import hashlib
import io
import os
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from evidence.models import Attachment, Entry
from evidence.store import blobstore
from tests.media_samples import png_bytes, wav_bytes


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def _post(client, case, *files):
    return client.post(reverse("entry_create", args=[case.pk]), {
        "kind": "sms", "occurred_at": "2026-11-20T10:00", "content": "保留这段文字", "client_token": str(uuid.uuid4()),
        "attachments": list(files)}, HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def small_disk(settings, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the CI and `make test` machines run as root)")
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)], check=True)
    settings.LIUZHENG_BLOB_DIR = mount
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_disk_refuses_the_upload_cleanly(case, borrower_client, small_disk):
    first = png_bytes()
    assert _post(borrower_client, case, _file(first, "先传的.png")).status_code == 302
    kept = Attachment.objects.get()
    before = {p.name for p in _files(small_disk)}

    big = wav_bytes(seconds=1) + os.urandom(3 * 1024 * 1024)  # more than the disk has left
    response = _post(borrower_client, case, _file(big, "录音.wav"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "保留这段文字" in html and "磁盘空间不足" in html
    assert Entry.objects.count() == 1 and Attachment.objects.count() == 1  # nothing new
    assert {p.name for p in _files(small_disk)} == before  # no .part, no half blob

    # The original already there is intact; the chain verifies; the server still works.
    data = b"".join(blobstore.iter_plain(case.owner_id, kept.pk, "original", kept.blob_key))
    assert hashlib.sha256(data).hexdigest() == kept.sha256 == hashlib.sha256(first).hexdigest()
    out = io.StringIO()
    call_command("verify_custody", stdout=out)
    assert "All custody chains and files verified" in out.getvalue()
    assert _post(borrower_client, case, _file(png_bytes(color="red"), "之后.png")).status_code == 302


def _noise_png(side=600):
    """A photo-like image: its PNG and its thumbnail are both large and incompressible."""
    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def test_a_disk_that_fills_at_the_thumbnail_refuses_the_upload_cleanly(case, borrower_client, small_disk):
    """The original's ciphertext fits, its thumbnail does not: this used to be a 500 from inside
    attachment_add (the thumbnail was written while saving); now the thumbnail is written while
    the form is checked, so the form says the disk is full and nothing is kept."""
    from evidence.store import media

    photo = _noise_png()
    thumb = media.inspect(photo[:media.HEAD_BYTES], "照片.png", len(photo), lambda: bytearray(photo)).thumbnail
    margin = 48 * 1024
    assert len(thumb) > 2 * margin
    # Fill the little disk so that the original (plus Tink's few bytes per segment) fits and no more.
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (free - len(photo) - margin))
    before = {p.name for p in _files(small_disk)}

    response = _post(borrower_client, case, _file(photo, "照片.png"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "保留这段文字" in html and "磁盘空间不足" in html and "照片.png" in html
    assert Entry.objects.count() == 0 and Attachment.objects.count() == 0
    assert {p.name for p in _files(small_disk)} == before  # no original, no .part, no half thumbnail

    filler.unlink()  # space again: the same file goes in, with its thumbnail
    assert _post(borrower_client, case, _file(photo, "照片.png")).status_code == 302
    att = Attachment.objects.get()
    assert att.thumbnail_size and blobstore.read_bytes(case.owner_id, att.pk, "thumbnail", att.thumb_key)[:2] == b"\xff\xd8"
    out = io.StringIO()
    call_command("verify_custody", stdout=out)
    assert "All custody chains and files verified" in out.getvalue()
