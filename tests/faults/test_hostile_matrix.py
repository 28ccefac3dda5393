"""The hostile-input matrix: every upload path × a corpus generated here. Each refusal is a
clear message in the user's language with the form kept; nothing is stored; the server stays
healthy. (Files that are what they claim, however odd their name, are taken.)"""
import io
import os
import struct
import uuid
import zipfile
import zlib

import pytest
from django.urls import reverse
from PIL import Image

from evidence.models import Attachment, CustodyEvent, Entry, EntryRevision, WitnessSubmission
from tests.media_samples import png_bytes, wav_bytes

TYPED = "保留这段文字"


def _png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"0" * (50 * 1024 * 1024))  # 50 MB of zeros in ~50 KB
    return out.getvalue()


def _jpeg():
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "JPEG")
    return out.getvalue()


# name -> (file name, bytes, a fragment the zh-hans refusal must contain)
REFUSED = {
    "pixel bomb": ("bomb.png", _png_header_only(40000, 40000), "过大"),
    "truncated image": ("截断.png", png_bytes()[:300], "截断.png"),
    "disguised executable": ("照片.jpg", b"MZ\x90\x00" + os.urandom(4000), "照片.jpg"),
    "disguised html": ("录音.m4a", b"<html><script>alert(1)</script></html>" * 50, "录音.m4a"),
    "empty": ("空.png", b"", "空.png"),
    "zip bomb": ("证据.zip", _zip_bomb(), "证据.zip"),
    "garbage": ("乱码.wav", os.urandom(20000), "乱码.wav"),
    "oversize": ("大.wav", wav_bytes(seconds=1) + b"\x00" * (1024 * 1024 + 10), "大.wav"),
    "svg with script": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
}
# Taken, safely: a JPEG is a JPEG, whatever else it carries or is called.
TAKEN = {
    "polyglot jpeg+html": ("证据.html", _jpeg() + b"<html><script>alert(1)</script></html>"),
    "very long name": ("很长的文件名" * 60 + ".png", png_bytes()),
    "odd name": ("../../\u202egnp.exe\x00.png", png_bytes()),
}


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def _blob_files(data_dir):
    root = data_dir / "blobs"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _post_entry_create(client, world, f):
    return client.post(reverse("entry_create", args=[world["case"].pk]), {
        "kind": "sms", "occurred_at": "2026-11-20T10:00", "content": TYPED, "client_token": str(uuid.uuid4()),
        "attachments": [f]}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def _post_entry_edit(client, world, f):
    return client.post(reverse("entry_edit", args=[world["entry"].pk]), {
        "kind": "sms", "occurred_at": "2026-11-20T10:00", "content": TYPED, "attachments": [f]},
        HTTP_ACCEPT_LANGUAGE="zh-hans")


def _post_witness(client, world, f):
    from django.test import Client

    return Client().post(reverse("witness_submit", args=[world["link"].token]), {
        "name": "李阿姨", "relation": "母亲", "contacted_at": "2026-11-20T21:30", "told": TYPED, "consent": "on",
        "attachments": [f]}, HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_USER_AGENT="TestPhone/1.0")


PATHS = {"entry create": _post_entry_create, "entry edit": _post_entry_edit, "witness link": _post_witness}


@pytest.fixture
def world(entry, borrower, borrower_client, witness_link, settings):
    settings.LIUZHENG_MAX_UPLOAD_BYTES = 1024 * 1024
    return {"case": entry.case, "entry": entry, "link": witness_link, "client": borrower_client}


def _counts():
    return (Entry.objects.count(), EntryRevision.objects.count(), Attachment.objects.count(),
            WitnessSubmission.objects.count(), CustodyEvent.objects.count())


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("sample", sorted(REFUSED))
def test_hostile_files_are_refused_cleanly(world, data_dir, path, sample):
    name, data, fragment = REFUSED[sample]
    before, blobs = _counts(), _blob_files(data_dir)
    response = PATHS[path](world["client"], world, _file(data, name))
    html = response.content.decode()
    assert response.status_code == 200, (path, sample, response.status_code)
    assert fragment in html, (path, sample)
    assert TYPED in html, "the form keeps what was typed"
    assert "Bad Request" not in html and "Traceback" not in html
    assert _counts() == before and _blob_files(data_dir) == blobs, "nothing stored"
    assert world["client"].get(world["case"].get_absolute_url()).status_code == 200  # healthy


@pytest.mark.parametrize("sample", sorted(TAKEN))
def test_odd_but_true_files_are_taken_and_offered_safely(world, sample):
    name, data = TAKEN[sample]
    response = _post_entry_create(world["client"], world, _file(data, name))
    assert response.status_code == 302, response.content[:500]
    att = Attachment.objects.latest("uploaded_at")
    disposition = world["client"].get(reverse("attachment_file", args=[att.pk]) + "?download=1")
    assert disposition["Content-Security-Policy"].startswith("default-src 'none'")
    offered = disposition["Content-Disposition"]
    assert offered.endswith((".jpg", ".png")) and "%E2%80%AE" not in offered and "%00" not in offered


@pytest.mark.parametrize("sample", ["zip bomb", "garbage", "empty", "truncated image"])
def test_the_verify_page_answers_every_hostile_file(anonymous_client, sample):
    name, data, _ = REFUSED[sample]
    response = anonymous_client.post(reverse("bundle_verify"), {"bundle": _file(data, name)},
                                     HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200
    assert "alert-danger" in html or "invalid-feedback" in html, sample  # a verdict or a form error, never a crash
    assert "Traceback" not in html
    assert anonymous_client.get(reverse("bundle_verify")).status_code == 200


def test_the_transcript_page_ignores_a_file(world, borrower, data_dir):
    from evidence.cases.services import attachment_add
    from tests.conftest import make_upload

    audio = attachment_add(entry=world["entry"], actor=borrower, upload=make_upload(borrower, "r.wav", wav_bytes()))
    blobs = _blob_files(data_dir)
    response = world["client"].post(reverse("transcript_edit", args=[audio.pk]),
                                    {"text": "[00:01] 还钱", "extra": _file(_zip_bomb(), "x.zip")})
    assert response.status_code == 302 and _blob_files(data_dir) == blobs  # the text saved, the file never kept
