"""Many screenshots at once (issue 15): one entry per image, each at its photo's own time."""
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from evidence.custody.verify import verify_case
from evidence.models import CustodyEvent, Entry

from tests.media_samples import png_bytes, wav_bytes


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def _post(client, case, files, token, split=True):
    data = {"kind": "sms", "occurred_at": "2026-11-20T09:00", "direction": "incoming", "number": "95188",
            "content": "", "client_token": token, "attachments": files}
    if split:
        data["one_entry_per_image"] = "on"
    return client.post(reverse("entry_create", args=[case.pk]), data)


def _files():
    return [_file(png_bytes(300, 600, "#ffeeee", exif_time="2026:11:18 21:15:00"), "a.jpg"),
            _file(png_bytes(300, 600, "#eeffee", exif_time="2026:11:19 07:40:00"), "b.jpg"),
            _file(png_bytes(300, 600, "#eeeeff"), "c.png"),
            _file(wav_bytes(1.0), "rec.wav")]


def test_one_entry_per_image_at_each_photos_own_time(case, borrower, borrower_client):
    token = str(uuid.uuid4())
    response = _post(borrower_client, case, _files(), token)
    assert response.status_code == 302
    zone = ZoneInfo(borrower.time_zone)
    entries = {e.attachments.get().original_name if e.attachments.count() == 1 else "rest": e
               for e in Entry.objects.all()}
    assert sorted(entries) == ["a.jpg", "b.jpg", "c.png", "rec.wav"]
    assert entries["a.jpg"].occurred_at.astimezone(zone).replace(tzinfo=None) == datetime(2026, 11, 18, 21, 15)
    assert entries["b.jpg"].occurred_at.astimezone(zone).replace(tzinfo=None) == datetime(2026, 11, 19, 7, 40)
    # No EXIF: the form's time. The recording is not an image: an entry of its own at the form's time.
    assert entries["c.png"].occurred_at.astimezone(zone).replace(tzinfo=None) == datetime(2026, 11, 20, 9, 0)
    assert entries["rec.wav"].occurred_at == entries["c.png"].occurred_at
    assert all(e.number == "95188" and e.kind == "sms" for e in entries.values())
    assert CustodyEvent.objects.filter(action="entry.create").count() == 4
    assert CustodyEvent.objects.filter(action="attachment.add").count() == 4
    assert verify_case(case).ok

    # A double tap sends the same form again: nothing is saved twice.
    _post(borrower_client, case, _files(), token)
    assert Entry.objects.count() == 4


def test_without_the_box_all_images_go_into_one_entry(case, borrower_client):
    _post(borrower_client, case, _files(), str(uuid.uuid4()), split=False)
    assert Entry.objects.count() == 1 and Entry.objects.get().attachments.count() == 4


def test_thirty_screenshots_make_thirty_entries(case, borrower_client):
    files = [_file(png_bytes(120, 240, (i * 8, 100, 200)), f"s{i}.png") for i in range(30)]
    assert _post(borrower_client, case, files, str(uuid.uuid4())).status_code == 302
    assert Entry.objects.count() == 30
    assert sorted(a.original_name for e in Entry.objects.all() for a in e.attachments.all()) == \
        sorted(f"s{i}.png" for i in range(30))
