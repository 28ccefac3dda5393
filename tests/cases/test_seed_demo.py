"""seed_demo: a realistic demo case that later features (timeline, bundle, statistics) rely on."""
import io
import wave
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from PIL import Image

from evidence.store import blobstore

from evidence.management import demo
from evidence.models import Attachment, Case, Entry
from evidence.cases.services import case_create
from evidence.custody.verify import verify_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def seed(*args, **kwargs):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def _dark_pixels(img, box):
    return sum(img.convert("L").crop(box).histogram()[:100])


def test_seed_demo_makes_a_realistic_case(db):
    output = seed(password="Demo-pass-123")
    assert "demo" in output and "Demo-pass-123" in output and "http://127.0.0.1:8000/" in output

    user = get_user_model().objects.get(username="demo")
    assert user.check_password("Demo-pass-123")
    case = Case.objects.get(owner=user)
    entries = list(case.entries.order_by("occurred_at"))
    assert len(entries) >= 40
    assert entries[-1].occurred_at - entries[0].occurred_at >= timedelta(days=14)

    local = [e.occurred_at.astimezone(SHANGHAI) for e in entries]
    night = [e for e, t in zip(entries, local) if t.hour >= 22 or t.hour < 8]
    assert len(night) >= 5
    assert all("night" in e.tags for e in night if e.kind == Entry.Kind.CALL)

    # A burst: at least 8 calls within one hour.
    calls = [e.occurred_at for e in entries if e.kind == Entry.Kind.CALL]
    assert any(calls[i + 7] - calls[i] <= timedelta(hours=1) for i in range(len(calls) - 7))
    assert any(e.call_outcome == Entry.Outcome.MISSED for e in entries)

    third = [e for e in entries if e.kind == Entry.Kind.THIRD_PARTY]
    assert len(third) >= 3
    assert {"母亲", "同事"} <= {e.contact_relation for e in third}
    assert all(e.contact_name and e.number and e.content for e in third)

    tags = {t for e in entries for t in e.tags}
    assert {"claimed_court", "claimed_lawyer", "claimed_police", "insult", "threat",
            "fake_legal_document", "mentioned_family", "disclosed_debt"} <= tags
    assert tags <= set(Entry.Tag.values)
    assert any(e.kind == Entry.Kind.SMS and "垃圾" in e.content for e in entries)
    assert {Entry.Kind.VISIT, Entry.Kind.POST} & {e.kind for e in entries}

    images = list(Attachment.objects.filter(case=case, kind="image"))
    assert len(images) >= 3
    for att in images:
        assert att.media_type == "image/png" and att.original_name.endswith(".png")
        thumb = blobstore.read_bytes(user.pk, att.pk, "thumbnail", att.thumb_key)
        assert thumb[:3] == b"\xff\xd8\xff"
        assert Image.open(io.BytesIO(thumb)).format == "JPEG"
    original = blobstore.read_bytes(user.pk, images[0].pk, "original", images[0].blob_key)
    shot = Image.open(io.BytesIO(original))
    assert shot.format == "PNG"
    # Text was drawn in the message area, not just an empty frame.
    assert len(shot.convert("RGB").getcolors(1 << 16)) > 8
    assert _dark_pixels(shot, (0, 300, shot.width, 800)) > 500

    audio = list(Attachment.objects.filter(case=case, kind="audio"))
    assert len(audio) >= 3
    assert all(a.duration_seconds and a.duration_seconds > 0 for a in audio)
    assert all(a.entry.kind == Entry.Kind.CALL for a in audio)

    assert verify_case(case).ok


def test_seed_demo_twice_does_not_duplicate_and_reset_recreates(db):
    seed(password="first-pass-1")
    user = get_user_model().objects.get(username="demo")
    case = Case.objects.get(owner=user)
    count = case.entries.count()

    output = seed()
    assert "already exists" in output
    assert get_user_model().objects.filter(username="demo").count() == 1
    assert Case.objects.filter(owner=user).count() == 1 and case.entries.count() == count

    seed("--reset", password="second-pass-2")
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("second-pass-2")
    assert not Case.objects.filter(pk=case.pk).exists()
    assert Case.objects.filter(owner=user).count() == 1
    assert Entry.objects.filter(case__owner=user).count() == count


def test_reset_refuses_to_erase_a_real_user(db, borrower, other_borrower):
    case_create(owner=borrower, lender="借呗")
    for user in (borrower, other_borrower):  # with a case of their own, and with none yet
        with pytest.raises(CommandError):
            seed("--reset", username=user.username)
    assert Case.objects.filter(owner=borrower).count() == 1
    assert get_user_model().objects.filter(pk=other_borrower.pk).exists()


def test_screenshot_draws_the_message():
    when = datetime(2025, 3, 12, 23, 41)
    empty = Image.open(io.BytesIO(demo.sms_screenshot_png("+86 171 0000 0000", [], when))).convert("RGB")
    png = demo.sms_screenshot_png("+86 171 0000 0000", ["你欠的钱什么时候还？别装死，再不处理就联系你的通讯录。"], when)
    full = Image.open(io.BytesIO(png)).convert("RGB")
    assert empty.size == full.size
    box = (0, 300, full.width, 600)
    assert _dark_pixels(full, box) > 500 + _dark_pixels(empty, box)
    # Like a phone, the screenshot carries its capture time (shortly after the message).
    assert Image.open(io.BytesIO(png)).getexif()[306] == "2025:03:12 23:43:00"


def test_screenshot_without_a_cjk_font_does_not_crash(monkeypatch):
    monkeypatch.setattr(demo, "find_cjk_font", lambda: None)
    demo._font.cache_clear()
    try:
        png = demo.sms_screenshot_png("10690", ["没有中文字体也不能崩溃 ok"], datetime(2025, 1, 1, 9, 0))
    finally:
        demo._font.cache_clear()
    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_long_messages_wrap_inside_the_screenshot():
    lines = ["很长的短信" * 40, "https://example.com/" + "a" * 200]
    img = Image.open(io.BytesIO(demo.sms_screenshot_png("x", lines, datetime(2025, 1, 1, 9, 0))))
    assert img.width == 780 and img.height > 1688  # grew instead of cutting the thread off


def test_recording_is_a_short_plausible_wav():
    data = demo.recording_wav(4, seed=7)
    assert data == demo.recording_wav(4, seed=7)
    assert data != demo.recording_wav(4, seed=8)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, 8000, 2)
        assert w.getnframes() == 4 * 8000
        frames = w.readframes(w.getnframes())
    samples = memoryview(frames).cast("h")
    assert max(abs(s) for s in samples) > 10000  # not silence
    assert len(data) < 100_000
