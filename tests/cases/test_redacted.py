"""Redacted copies (issue 15): a Chinese SMS screenshot naming a third party and giving their
number; the OCR proposes boxes over the name and the number (not over the collector's number),
the copy is made with them, the number is gone from it (OCR reads it no more, its pixels are
black), the original is unchanged, one custody event records it, and the bundle with
"redacted copies for regulators" carries it with its original's SHA-256 and verifies."""
import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFont

from evidence.bundle.services import bundle_export_file
from evidence.bundle.verify import verify_bundle
from evidence.cases.selectors import redaction_proposal
from evidence.cases.services import (
    RedactionRefused, entry_create, machine_text_make, playable_copy_make, playable_copy_save, redacted_copy_create,
    redaction_frame,
)
from evidence.custody.verify import verify_case
from evidence.lib import ocr, orientation, redaction
from evidence.lib.canonical import sha256_json
from evidence.models import Attachment, CustodyEvent, Derivative, MachineText
from evidence.store import blobstore, transcode
from tests.conftest import grant, make_upload, verified_client
from tests.media_samples import (
    FONT, SCREENSHOT_COLLECTOR, THIRD_PARTY_NAME, THIRD_PARTY_NUMBER, recording_bytes, sms_screenshot_third_party,
)


@pytest.fixture
def screenshot(case, borrower):
    """The screenshot on an SMS entry from the collector, read by the OCR; and the case knows
    the third party (an entry where the collector contacted 张伟)."""
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=timezone.now(),
                 number=SCREENSHOT_COLLECTOR, contact_name=THIRD_PARTY_NAME, contact_relation="弟弟")
    data = sms_screenshot_third_party()
    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), direction="incoming",
                            number=SCREENSHOT_COLLECTOR, uploads=[make_upload(borrower, "短信.png", data)])
    att = entry.attachments.get()
    mt = machine_text_make(att.pk)
    assert THIRD_PARTY_NUMBER in mt.text and SCREENSHOT_COLLECTOR in mt.text.replace(" ", "")
    return att, data


def _line_of(lines, needle):
    return next(ln for ln in lines if needle in ln.text.replace(" ", ""))


def test_numbers_and_names_proposed_but_never_the_collectors():
    lines = [ocr.Line(0, 0, 300, 40, "138 0013 8000", 0.99), ocr.Line(0, 50, 500, 90, "他电话+86 139 1234 5678", 0.99),
             ocr.Line(0, 100, 500, 140, "找你弟弟张伟，客服95188", 0.99)]
    boxes = redaction.propose(lines, keep_numbers=["+8613800138000"], names=["张伟"])
    assert [(b.why, b.y0) for b in boxes] == [("number", 48), ("name", 98)]  # 95188 is a company's
    number = boxes[0]
    assert number.x0 > 0 and number.x1 <= 502  # the part of the line after 他电话, not the whole line
    assert redaction.parse_boxes(["1,2,30,40", "bad", "5,5,5,9", "-10,0,2000,9"], 100, 50) == [
        redaction.Box(1, 2, 30, 40), redaction.Box(0, 0, 100, 9)]


def test_a_redacted_copy_hides_the_number_and_keeps_the_original(case, borrower, borrower_client, screenshot):
    att, original = screenshot
    proposed = redaction_proposal(att)
    assert {b.why for b in proposed} == {"number", "name"}
    lines = ocr.read(original)
    collector_line = _line_of(lines, SCREENSHOT_COLLECTOR)
    assert all(b.y0 > collector_line.y1 for b in proposed), "the collector's number is the evidence: not covered"

    page = borrower_client.get(reverse("attachment_redact", args=[att.pk])).content.decode()
    assert page.count('name="box"') == len(proposed) and "redact.js" in page and "<script>" not in page
    for b in proposed:
        assert f'value="{b.as_value()}"' in page and f'x="{b.x0}" y="{b.y0}"' in page

    before = CustodyEvent.objects.count()
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]),
                                    {"box": [b.as_value() for b in proposed]})
    assert response.status_code == 302
    copy = Derivative.objects.get(attachment=att, purpose="redacted")
    events = list(CustodyEvent.objects.filter(seq__gt=before).values_list("action", "object_id", "content_sha256"))
    # The event ties the copy to its original and its boxes (review g15 #5).
    assert events == [("attachment.redact", str(copy.pk), sha256_json({
        "attachment": str(att.pk), "original_sha256": att.sha256, "copy_sha256": copy.sha256,
        "boxes": [b.as_value() for b in proposed]}))]
    assert copy.boxes == [b.as_value() for b in proposed]
    assert copy.source_sha256 == att.sha256 and copy.media_type == "image/png"

    png = blobstore.read_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key)
    assert hashlib.sha256(png).hexdigest() == copy.sha256
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == (att.width, att.height)
    assert not img.getexif() and "icc_profile" not in img.info and "exif" not in img.info
    # The number's pixels are black, and the OCR reads neither the number nor the name again;
    # the collector's number is still there.
    number_box = next(b for b in proposed if b.why == "number")
    region = img.convert("L").crop((number_box.x0, number_box.y0, number_box.x1, number_box.y1))
    assert region.getextrema() == (0, 0)
    after = ocr.text_of(ocr.read(png)).replace(" ", "")
    assert THIRD_PARTY_NUMBER not in after and THIRD_PARTY_NAME not in after
    assert SCREENSHOT_COLLECTOR in after and "今晚必须还款" in after
    # The original is byte-identical.
    assert blobstore.read_bytes(case.owner_id, att.pk, "original", att.blob_key) == original
    assert hashlib.sha256(original).hexdigest() == att.sha256

    # The entry's history reads the event in words, in each language.
    for language, words in [("en", "Redacted copy made"), ("zh-hans", "已制作脱敏副本"), ("zh-hant", "已製作脫敏副本")]:
        borrower.language = language
        borrower.save(update_fields=["language"])
        history = borrower_client.get(reverse("entry_history", args=[att.entry_id])).content.decode()
        assert words in history and copy.sha256 in history and 'data-action="attachment.redact"' in history
    borrower.language = "en"
    borrower.save(update_fields=["language"])
    # The entry page shows the copy.
    entry_page = borrower_client.get(att.entry.get_absolute_url()).content.decode()
    assert reverse("attachment_redacted", args=[att.pk]) in entry_page and copy.sha256 in entry_page
    served = borrower_client.get(reverse("attachment_redacted", args=[att.pk]))
    assert b"".join(served.streaming_content) == png

    # A new copy keeps the old one; the newest is the one served.
    redacted_copy_create(attachment=att, actor=borrower, boxes=proposed[:1])
    assert Derivative.objects.filter(attachment=att, purpose="redacted").count() == 2
    newest = Derivative.objects.filter(attachment=att, purpose="redacted").order_by("-created_at").first()
    assert b"".join(borrower_client.get(reverse("attachment_redacted", args=[att.pk])).streaming_content) == \
        blobstore.read_bytes(case.owner_id, newest.pk, "derivative", newest.blob_key)
    assert verify_case(case).ok


def test_only_the_owner_makes_a_copy_a_lawyer_may_view_it(case, borrower, lawyer_view, other_client, screenshot):
    att, _ = screenshot
    redacted_copy_create(attachment=att, actor=borrower, boxes=redaction_proposal(att))
    grant(case, lawyer_view, "view")
    lawyer = verified_client(lawyer_view)
    assert lawyer.get(reverse("attachment_redact", args=[att.pk])).status_code == 404
    assert lawyer.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,10,10"]}).status_code == 404
    assert lawyer.get(reverse("attachment_redacted", args=[att.pk])).status_code == 200
    assert other_client.get(reverse("attachment_redacted", args=[att.pk])).status_code == 404
    assert other_client.get(reverse("attachment_redact", args=[att.pk])).status_code == 404
    assert Derivative.objects.filter(purpose="redacted").count() == 1


def test_a_damaged_original_is_not_redacted(case, borrower, borrower_client, screenshot):
    att, _ = screenshot
    blobstore.write_bytes(case.owner_id, att.pk, "original", att.blob_key, b"\x89PNG not the original")
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,10,10"]})
    assert response.status_code == 302
    assert not Derivative.objects.filter(purpose="redacted").exists()
    assert not CustodyEvent.objects.filter(action="attachment.redact").exists()


def _rezip(blob, change):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def test_the_bundle_for_regulators_lists_the_copy_with_its_originals_hash(case, borrower, screenshot, tmp_path):
    att, _ = screenshot
    copy = redacted_copy_create(attachment=att, actor=borrower, boxes=redaction_proposal(att))
    event = CustodyEvent.objects.get(action="attachment.redact")

    plain, _sha = bundle_export_file(case=case, path=tmp_path / "plain.zip", selection={})
    with zipfile.ZipFile(tmp_path / "plain.zip") as z:
        assert not [n for n in z.namelist() if n.startswith("redacted/")]
        manifest = json.loads(z.read("manifest.json"))
    assert all("redacted" not in f for f in manifest["files"]) and manifest["selection"]["redacted_copies"] is False
    assert "另有脱敏副本" in json.dumps(plain.catalog_data(), ensure_ascii=False, default=str)

    writer, _sha = bundle_export_file(case=case, path=tmp_path / "b.zip", selection={"redacted": True})
    blob = (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        names = z.namelist()
        manifest = json.loads(z.read("manifest.json"))
        sums = z.read("SHA256SUMS").decode()
        item = next(f for f in manifest["files"] if f["attachment_id"] == str(att.pk))
        red = item["redacted"]
        assert red["path"] == "redacted/" + item["path"].removeprefix("evidence/") + ".png" and red["path"] in names
        assert red["original_sha256"] == att.sha256 == item["sha256"]
        assert red["sha256"] == copy.sha256 == hashlib.sha256(z.read(red["path"])).hexdigest()
        assert red["custody_event_seqs"] == [event.seq]
        assert {"path": red["path"], "sha256": copy.sha256, "size": copy.size} in manifest["documents"]
        assert f"{copy.sha256}  {red['path']}\n" in sums
        assert z.read(item["path"]) == blobstore.read_bytes(case.owner_id, att.pk, "original", att.blob_key)
    assert manifest["selection"]["redacted_copies"] is True
    doc = (Path(__file__).resolve().parents[2] / "docs" / "bundle-format.md").read_text()
    schema = json.loads(re.search(r"## manifest.json schema\s+```json\n(.*?)\n```", doc, re.S).group(1))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert "redacted/" in z.read("README.txt").decode()
    facts = json.dumps(writer.catalog_data(), ensure_ascii=False, default=str)
    assert f"本证据包附脱敏副本 {red['path']}" in facts and "；附脱敏副本" in facts

    verdict = verify_bundle(io.BytesIO(blob))
    assert verdict.ok, verdict.problems
    assert verdict.counts.get("redacted") == 1

    # The shell verifier shipped in the bundle agrees (sha256sum, openssl).
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(io.BytesIO(blob)).extractall(folder)
    run = subprocess.run(["sh", "verify.sh"], cwd=folder, capture_output=True, text=True)
    assert run.returncode == 0 and "VERIFIED" in run.stdout, run.stdout + run.stderr

    # The copy changed after export: named, as any member.
    tampered = _rezip(blob, lambda name, data: data[:-20] + b"\0" * 20 if name == red["path"] else data)
    bad = verify_bundle(io.BytesIO(tampered))
    assert not bad.ok and red["path"] in bad.faults


# --------------------------------------------------------------------------- review g15


def _image_entry(case, borrower, data, name="图.png"):
    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), direction="incoming",
                            number=SCREENSHOT_COLLECTOR, uploads=[make_upload(borrower, name, data)])
    return entry.attachments.get()


def _png(img):
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def english(borrower):
    """The refusals are read in English here (one test reads one in Chinese)."""
    borrower.language = "en"
    borrower.save(update_fields=["language"])


def test_the_render_runs_outside_the_door_and_the_fill_covers_each_box(case, borrower, screenshot, monkeypatch):
    """#1: on SQLite a door's transaction holds the site's write lock: no render inside it."""
    from evidence.custody import door
    att, _ = screenshot
    seen = []
    real = redaction.render

    def watched(image, boxes):
        seen.append(door.in_service())
        return real(image, boxes)

    monkeypatch.setattr(redaction, "render", watched)
    copy = redacted_copy_create(attachment=att, actor=borrower, boxes=[redaction.Box(1, 2, 30, 40)])
    assert seen == [False]
    img = Image.open(io.BytesIO(blobstore.read_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key)))
    rgb = img.convert("RGB")
    assert rgb.crop((1, 2, 30, 40)).getextrema() == ((0, 0), (0, 0), (0, 0))
    assert rgb.getpixel((30, 40)) != (0, 0, 0) and rgb.getpixel((0, 1)) != (0, 0, 0)


def test_an_image_over_the_pixel_cap_is_refused_in_words(case, borrower, borrower_client, screenshot, monkeypatch, english):
    att, _ = screenshot
    monkeypatch.setattr(redaction, "MAX_PIXELS", att.width * att.height - 1)
    entry_page = borrower_client.get(att.entry.get_absolute_url()).content.decode()
    assert reverse("attachment_redact", args=[att.pk]) not in entry_page
    for response in (borrower_client.get(reverse("attachment_redact", args=[att.pk])),
                     borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,10,10"]})):
        assert response.status_code == 302
        assert any("too large to redact" in m for m in _messages(response))
    with pytest.raises(RedactionRefused) as refused:
        redacted_copy_create(attachment=att, actor=borrower, boxes=[])
    assert refused.value.reason == "pixels"
    assert not Derivative.objects.filter(purpose="redacted").exists()


def test_a_decompression_bomb_is_a_refusal_not_a_crash(monkeypatch):
    data = _png(Image.new("RGB", (100, 100), "white"))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)  # Pillow raises past twice this
    with pytest.raises(redaction.NotRedactable) as refused:
        redaction.render(data, [])
    assert refused.value.reason == "pixels"


@pytest.mark.parametrize("value", ["1e999,0,10,10", "inf,0,10,10", "0,0,nan,10", "0,-inf,10,10"])
def test_a_coordinate_that_is_not_finite_is_a_form_error(borrower_client, screenshot, value, english):
    """#2: 1e999 gave HTTP 500 (OverflowError)."""
    att, _ = screenshot
    with pytest.raises(redaction.BadBoxes):
        redaction.parse_boxes([value], 100, 100)
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,10,10", value]})
    assert response.status_code == 302 and response.url == reverse("attachment_redact", args=[att.pk])
    assert any("not a finite number" in m for m in _messages(response))
    assert not Derivative.objects.filter(purpose="redacted").exists()


def test_more_boxes_than_the_cap_are_refused_whole(borrower_client, screenshot, english):
    """#6: the 201st box (the user's own, after the proposals) was dropped silently."""
    att, _ = screenshot
    values = [f"{i % 50},{i // 50},{i % 50 + 1},{i // 50 + 1}" for i in range(redaction.MAX_BOXES + 1)]
    with pytest.raises(redaction.BadBoxes):
        redaction.parse_boxes(values, att.width, att.height)
    assert len(redaction.parse_boxes(values[:-1], att.width, att.height)) == redaction.MAX_BOXES
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": values})
    assert response.status_code == 302
    assert any(f"More than {redaction.MAX_BOXES} boxes" in m for m in _messages(response))
    assert not Derivative.objects.filter(purpose="redacted").exists()


def test_a_third_partys_own_number_is_boxed_though_the_case_records_it(case, borrower):
    """A third-party entry's number is that person's own ("their number"): the case knowing it
    must not make it "the collector's" and leave it visible in the copy."""
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=timezone.now(),
                 number=THIRD_PARTY_NUMBER, contact_name=THIRD_PARTY_NAME, contact_relation="弟弟")
    att = _image_entry(case, borrower, sms_screenshot_third_party())
    machine_text_make(att.pk)
    proposed = redaction_proposal(att, redaction_frame(att))
    assert sorted(b.why for b in proposed) == ["name", "number"]
    mt = MachineText.objects.get(attachment=att)
    number_line = _line_of([ocr.Line(*row) for row in json.loads(mt.boxes)], THIRD_PARTY_NUMBER)
    box = next(b for b in proposed if b.why == "number")
    assert number_line.y0 - 4 <= box.y0 and box.y1 <= number_line.y1 + 4


@pytest.mark.parametrize("turned", [6, 8, 3])
def test_a_photo_stored_turned_is_redacted_upright(case, borrower, borrower_client, english, turned):
    """A photo whose pixels are stored sideways (or upside down) is redacted as the page shows
    it: the OCR reads it upright, the boxes are drawn on the upright picture, and the copy is
    upright, with the number's pixels black."""
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=timezone.now(),
                 number=SCREENSHOT_COLLECTOR, contact_name=THIRD_PARTY_NAME, contact_relation="弟弟")
    original = sms_screenshot_third_party(orientation=turned)
    att = _image_entry(case, borrower, original, "照片.jpg")
    stored = Image.open(io.BytesIO(original))
    assert stored.getexif()[0x0112] == turned and (att.width, att.height) == stored.size
    upright = (1080, 1400)
    assert stored.size == (upright if turned == 3 else upright[::-1])
    mt = machine_text_make(att.pk)
    assert THIRD_PARTY_NUMBER in mt.text and mt.orientation == turned

    # The page draws the upright picture and the proposed boxes in it; the OCR view of the
    # entry page too (its thumbnail is upright).
    page = borrower_client.get(reverse("attachment_redact", args=[att.pk])).content.decode()
    assert 'viewBox="0 0 1080 1400"' in page
    # Drawn from the server's upright picture (the copy's own pixels), not from the original
    # the browser would turn by its own rules: no EXIF, the upright size, the number's ink where
    # the boxes say.
    preview_url = reverse("attachment_redact_preview", args=[att.pk])
    assert f'href="{preview_url}"' in page and reverse("attachment_file", args=[att.pk]) + '"' not in page
    response = borrower_client.get(preview_url)
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "no-store"
    shown = Image.open(io.BytesIO(response.content))
    assert shown.size == upright and not shown.getexif()
    proposed = redaction_proposal(att, redaction_frame(att))
    assert {b.why for b in proposed} == {"number", "name"}
    for b in proposed:
        assert f'value="{b.as_value()}"' in page
    entry_page = borrower_client.get(att.entry.get_absolute_url()).content.decode()
    assert re.search(r'class="box-canvas ocr-canvas[^>]*viewBox="0 0 1080 1400"', entry_page)

    before = CustodyEvent.objects.count()
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]),
                                    {"box": [b.as_value() for b in proposed]})
    assert response.status_code == 302
    copy = Derivative.objects.get(attachment=att, purpose="redacted")
    assert copy.boxes == [b.as_value() for b in proposed]
    assert list(CustodyEvent.objects.filter(seq__gt=before).values_list("action", "content_sha256")) == [
        ("attachment.redact", sha256_json({"attachment": str(att.pk), "original_sha256": att.sha256,
                                           "copy_sha256": copy.sha256, "boxes": copy.boxes}))]
    png = blobstore.read_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size == upright and not img.getexif() and "exif" not in img.info
    # Where the generator drew the number on the upright thread is black in the copy, and had
    # the number's dark ink (on a light bubble) in the picture the page drew on.
    font = ImageFont.truetype(FONT, 44)
    x0 = 80 + font.getlength("他电话")
    x1 = 80 + font.getlength(f"他电话{THIRD_PARTY_NUMBER}")
    number_area = (int(x0) + 2, 472, int(x1) - 2, 505)
    assert img.convert("L").crop(number_area).getextrema() == (0, 0)
    low, high = shown.convert("L").crop(number_area).getextrema()
    assert low < 100 and high > 200
    after = ocr.text_of(ocr.read(png)).replace(" ", "")
    assert THIRD_PARTY_NUMBER not in after and THIRD_PARTY_NAME not in after
    assert SCREENSHOT_COLLECTOR in after and "今晚必须还款" in after
    # The original is byte-identical, and still stored turned.
    assert blobstore.read_bytes(case.owner_id, att.pk, "original", att.blob_key) == original
    assert hashlib.sha256(original).hexdigest() == att.sha256
    assert verify_case(case).ok

    # A reading made before photos were turned upright is in the stored frame: not proposed.
    MachineText.objects.filter(pk=mt.pk).update(orientation=None)
    assert redaction_proposal(att, redaction_frame(att)) == []
    page = borrower_client.get(reverse("attachment_redact", args=[att.pk])).content.decode()
    assert 'name="box"' not in page and "has not been read yet" in page


def test_a_photo_whose_exif_cannot_be_read_is_refused_in_words(case, borrower, borrower_client, english,
                                                               monkeypatch):
    """Which way up the page shows it is not known: a box might not land where the user sees it."""
    att = _image_entry(case, borrower, _png(Image.new("RGB", (40, 30), "white")))
    monkeypatch.setattr(orientation, "of", lambda img: None)
    response = borrower_client.get(reverse("attachment_redact", args=[att.pk]))
    assert response.status_code == 302 and any("EXIF block cannot be read" in m for m in _messages(response))
    response = borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,10,10"]})
    assert response.status_code == 302 and any("EXIF block cannot be read" in m for m in _messages(response))
    with pytest.raises(RedactionRefused):
        redacted_copy_create(attachment=att, actor=borrower, boxes=[])
    assert not Derivative.objects.filter(purpose="redacted").exists()
    borrower.language = "zh-hans"
    borrower.save(update_fields=["language"])
    response = borrower_client.get(reverse("attachment_redact", args=[att.pk]))
    assert any("EXIF 信息无法读取" in m for m in _messages(response))
    borrower.language = "zh-hant"
    borrower.save(update_fields=["language"])
    response = borrower_client.get(reverse("attachment_redact", args=[att.pk]))
    assert any("EXIF 資訊無法讀取" in m for m in _messages(response))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_what_transparency_hides_stays_hidden_in_the_copy(mode):
    """#4: convert("RGB") kept the colour under fully transparent pixels."""
    if mode == "P":
        img = Image.new("P", (20, 10), 1)
        img.putpalette([255, 255, 255, 0, 0, 255] + [0] * 762)
        img.info["transparency"] = 1
        data = io.BytesIO()
        img.save(data, "PNG", transparency=1)
        data = data.getvalue()
    else:
        img = Image.new("RGBA", (20, 10), (0, 0, 255, 0)).convert(mode) if mode == "LA" else \
            Image.new("RGBA", (20, 10), (0, 0, 255, 0))
        data = _png(img)
    copy = Image.open(io.BytesIO(redaction.render(data, [redaction.Box(0, 0, 2, 2)])))
    assert copy.mode == "RGB"
    assert copy.getpixel((10, 5)) == (255, 255, 255) and copy.getpixel((0, 0)) == (0, 0, 0)


def test_a_double_submit_makes_one_copy_and_one_event(borrower_client, screenshot):
    """#7"""
    att, _ = screenshot
    for _ in range(2):
        assert borrower_client.post(reverse("attachment_redact", args=[att.pk]),
                                    {"box": ["0,0,10,10"]}).status_code == 302
    assert Derivative.objects.filter(purpose="redacted").count() == 1
    assert CustodyEvent.objects.filter(action="attachment.redact").count() == 1
    # Other boxes are another copy.
    borrower_client.post(reverse("attachment_redact", args=[att.pk]), {"box": ["0,0,20,10"]})
    assert CustodyEvent.objects.filter(action="attachment.redact").count() == 2


def test_the_verifier_checks_a_copy_against_its_custody_event(case, borrower, screenshot, tmp_path):
    """#5: a copy whose bytes and row were replaced server-side, or that has no event, is named
    in a freshly signed bundle."""
    att, original = screenshot
    copy = redacted_copy_create(attachment=att, actor=borrower, boxes=[redaction.Box(0, 0, 10, 10)])
    bundle_export_file(case=case, path=tmp_path / "ok.zip", selection={"redacted": True})
    with zipfile.ZipFile(tmp_path / "ok.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
    red = next(f for f in manifest["files"] if f["attachment_id"] == str(att.pk))["redacted"]
    assert red["id"] == str(copy.pk) and red["boxes"] == ["0,0,10,10"]
    ok = verify_bundle(io.BytesIO((tmp_path / "ok.zip").read_bytes()))
    assert ok.ok, ok.problems

    # Replaced on the server: other pixels (the number back), the row's hash to match.
    other = redaction.render(original, [])
    blobstore.write_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key, other)
    Derivative.objects.filter(pk=copy.pk).update(sha256=hashlib.sha256(other).hexdigest(), size=len(other))
    bundle_export_file(case=case, path=tmp_path / "swapped.zip", selection={"redacted": True})
    bad = verify_bundle(io.BytesIO((tmp_path / "swapped.zip").read_bytes()))
    assert not bad.ok and red["path"] in bad.faults

    # A copy with no event at all.
    stray = Derivative.objects.create(attachment=att, case=case, purpose="redacted", media_type="image/png",
                                      size=len(other), sha256=hashlib.sha256(other).hexdigest(),
                                      source_sha256=att.sha256, boxes=[])
    blobstore.write_bytes(case.owner_id, stray.pk, "derivative", stray.blob_key, other)
    bundle_export_file(case=case, path=tmp_path / "stray.zip", selection={"redacted": True})
    bad = verify_bundle(io.BytesIO((tmp_path / "stray.zip").read_bytes()))
    assert not bad.ok and red["path"] in bad.faults


def test_a_duration_lost_between_the_two_doors_is_recorded_on_the_next_run(case, borrower):
    """#8: the worker died after storing the playable copy, before recording the duration."""
    data = recording_bytes(3.0, "amr")
    entry, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(), direction="incoming",
                            number=SCREENSHOT_COLLECTOR, uploads=[make_upload(borrower, "录音.amr", data)])
    att = entry.attachments.get()
    Attachment.objects.filter(pk=att.pk).update(duration_seconds=None)
    att.refresh_from_db()
    playable_copy_save(attachment=att, playable=transcode.to_playable(data))  # the first door only
    assert not CustodyEvent.objects.filter(action="attachment.duration").exists()
    playable_copy_make(att.pk)
    att.refresh_from_db()
    assert att.duration_seconds == pytest.approx(3.0, abs=0.05)
    assert CustodyEvent.objects.filter(action="attachment.duration").count() == 1
    playable_copy_make(att.pk)
    assert CustodyEvent.objects.filter(action="attachment.duration").count() == 1


def test_the_redact_page_does_not_read_the_whole_case(case, borrower, borrower_client, screenshot, monkeypatch):
    """The collector's numbers are looked up by their blind index and only third-party contacts
    are read for names: the page's queries and decryptions do not grow with the case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence.models import Entry
    from evidence.store import fields

    att, _ = screenshot
    url = reverse("attachment_redact", args=[att.pk])
    real = fields.decrypt_text

    def measure():
        decrypted = []

        def counting(**kwargs):
            decrypted.append(kwargs["table"])
            return real(**kwargs)

        monkeypatch.setattr(fields, "decrypt_text", counting)
        with CaptureQueriesContext(connection) as queries:
            page = borrower_client.get(url).content.decode()
        monkeypatch.setattr(fields, "decrypt_text", real)
        # The same proposal as ever: the third party's number and name, not the collector's.
        assert page.count('name="box"') == 2
        return len(queries), decrypted.count(Entry._meta.db_table)

    def add_calls(n, start):
        for i in range(start, start + n):
            entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(), direction="incoming",
                         call_outcome="missed", number=f"1370000{i:04d}", content="催收")

    add_calls(5, 0)
    measure()  # the first view also looks the session and keys up
    small = measure()
    add_calls(45, 5)
    assert measure() == small
    assert small[1] <= 2  # the third-party contact's name (and nothing of the 50 calls)
