"""Names and refusals: long names keep the form, downloads carry the extension of the content,
a decompression bomb is "too large", a bad direction is said."""
import io
import struct
import zlib
from urllib.parse import unquote

from django.urls import reverse
from PIL import Image

from evidence.cases.services import attachment_add
from evidence.models import Attachment, Entry
from evidence.store.media import download_name
from tests.conftest import make_upload
from tests.media_samples import png_bytes
from tests.store.test_uploads import _file, upload


def test_a_320_character_chinese_name_is_taken_and_shortened(case, borrower_client):
    name = "催收录音截图" * 60 + ".png"  # 360 characters, 1,084 UTF-8 bytes: over Django's 1 KiB
    assert len(name.encode()) > 1024
    response = upload(borrower_client, case, _file(png_bytes(), name))
    assert response.status_code == 302, response.content[:300]
    att = Attachment.objects.get()
    assert len(att.original_name) <= 255 and att.original_name.endswith(".png")
    assert att.original_name.startswith("催收录音截图")


def test_a_name_beyond_any_limit_gets_a_translated_page(case, borrower_client):
    response = upload(borrower_client, case, _file(png_bytes(), "长" * 6000 + ".png"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "文件名可能太长" in html and "Bad Request" not in html
    assert Entry.objects.count() == 0


def _offered_as(client, att):
    disposition = client.get(reverse("attachment_file", args=[att.pk]) + "?download=1")["Content-Disposition"]
    return unquote(disposition.split("filename*=UTF-8''")[1])


def test_the_download_extension_follows_the_content(entry, borrower, borrower_client):
    jpeg = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(jpeg, "JPEG")
    polyglot = jpeg.getvalue() + b"<html><script>alert(1)</script></html>"
    cases = {"证据.html": "证据.jpg", "x.svg": "x.jpg", "证据\u202egnp.exe": "证据gnp.jpg", "照片.JPG": "照片.JPG",
             "noext": "noext.jpg"}
    for given, offered in cases.items():
        att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, given, polyglot))
        assert att.media_type == "image/jpeg"
        assert att.original_name == given  # what the user gave is kept as evidence
        assert _offered_as(borrower_client, att) == offered, given


def test_download_name_rules():
    assert download_name("录音.m4a", "audio/mp4") == "录音.m4a"
    assert download_name("录音.mp4", "audio/mp4") == "录音.mp4"
    assert download_name("a\u202ecod.pdf", "application/pdf") == "acod.pdf"
    assert download_name("..\\..\\x.pdf", "application/pdf") == "_.._x.pdf"
    assert download_name("", "image/png") == "file.png"


def _png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_too_large_not_damaged(case, borrower_client):
    response = upload(borrower_client, case, _file(_png_header_only(40000, 40000), "bomb.png"))  # 1.6 gigapixels
    html = response.content.decode()
    assert response.status_code == 200 and "图片“bomb.png”过大" in html and "保留这段文字" in html
    assert Entry.objects.count() == 0


def test_an_invalid_direction_is_said(case, borrower_client):
    response = upload(borrower_client, case, kind="call", direction="sideways")
    html = response.content.decode()
    assert response.status_code == 200 and "sideways" in html and "不在可用的选项中" in html
    assert Entry.objects.count() == 0
