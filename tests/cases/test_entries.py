"""Logging entries: time zones, double submits, revisions, trash, timeline."""
import io
import re
import uuid
from datetime import datetime, timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import CustodyEvent, Entry, EntryRevision
from evidence.cases.services import entry_create, entry_restore, entry_trash, entry_update

from tests.media_samples import png_bytes, wav_bytes


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def post_call(client, case, token=None, **extra):
    data = {"kind": "call", "occurred_at": "2026-11-20T23:30", "direction": "incoming", "call_outcome": "answered",
            "number": "+86 138 0013 8000", "duration": "3:25", "content": "不还钱就去你公司",
            "tags": ["threat", "mentioned_employer"], "client_token": token or str(uuid.uuid4())}
    data.update(extra)
    return client.post(reverse("entry_create", args=[case.pk]), data)


def test_it_prefills_the_call_form_with_the_current_time(case, borrower_client):
    html = borrower_client.get(reverse("entry_create", args=[case.pk]) + "?kind=call").content.decode()
    value = re.search(r'name="occurred_at" value="([^"]+)"', html).group(1)
    shown = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    now_shanghai = timezone.localtime(timezone.now(), timezone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert abs((now_shanghai.replace(tzinfo=None) - shown).total_seconds()) < 120


def test_it_stores_times_in_utc_from_the_users_zone(case, borrower_client):
    assert post_call(borrower_client, case).status_code == 302
    entry = Entry.objects.get()
    # 23:30 in Asia/Shanghai (UTC+8) is 15:30 UTC.
    assert entry.occurred_at == datetime(2026, 11, 20, 15, 30, tzinfo=dt_timezone.utc)
    assert entry.duration_seconds == 205
    assert entry.tags == ["threat", "mentioned_employer"]


def test_it_uses_the_users_own_zone(case, borrower, borrower_client):
    borrower.time_zone = "Europe/London"
    borrower.save()
    post_call(borrower_client, case)
    assert Entry.objects.get().occurred_at == datetime(2026, 11, 20, 23, 30, tzinfo=dt_timezone.utc)


def test_it_shows_times_in_the_users_zone(case, borrower, borrower_client):
    entry_create(case=case, actor=borrower, kind="call",
                 occurred_at=datetime(2026, 11, 20, 15, 30, tzinfo=dt_timezone.utc))
    assert "2026-11-20 23:30" in borrower_client.get(case.get_absolute_url()).content.decode()


def test_it_creates_one_entry_for_a_double_submit(case, borrower_client):
    token = str(uuid.uuid4())
    first = post_call(borrower_client, case, token=token)
    second = post_call(borrower_client, case, token=token)
    assert first.status_code == second.status_code == 302
    assert Entry.objects.count() == 1
    assert CustodyEvent.objects.filter(action="entry.create").count() == 1


def test_it_keeps_the_form_when_an_upload_is_bad(case, borrower_client):
    response = post_call(borrower_client, case, attachments=[_file(b"MZ\x90\x00not a picture", "shot.png")])
    assert response.status_code == 200
    html = response.content.decode()
    assert "不还钱就去你公司" in html and "shot.png" in html
    assert Entry.objects.count() == 0


def test_it_saves_attachments_with_the_entry(case, borrower_client):
    response = post_call(borrower_client, case, attachments=[_file(png_bytes(), "截图.png"), _file(wav_bytes(3), "rec.wav")])
    assert response.status_code == 302
    entry = Entry.objects.get()
    kinds = sorted(a.kind for a in entry.attachments.all())
    assert kinds == ["audio", "image"]
    audio = entry.attachments.get(kind="audio")
    assert audio.duration_seconds == pytest.approx(3.0, abs=0.05)
    image = entry.attachments.get(kind="image")
    assert image.original_name == "截图.png" and image.has_thumbnail
    import hashlib

    assert image.sha256 == hashlib.sha256(png_bytes()).hexdigest()
    assert CustodyEvent.objects.filter(action="attachment.add").count() == 2


def test_it_keeps_the_previous_version_on_edit(entry, borrower):
    entry_update(entry=entry, actor=borrower, content="改过的内容", tags=["insult"])
    entry.refresh_from_db()
    assert entry.revision == 2 and entry.content == "改过的内容"
    rev = EntryRevision.objects.get(entry=entry)
    assert rev.revision == 1
    assert "不还钱就找你家人" in rev.snapshot
    assert CustodyEvent.objects.filter(action="entry.update").count() == 1


def test_it_does_not_make_a_revision_when_nothing_changed(entry, borrower):
    entry_update(entry=entry, actor=borrower, content=entry.content)
    assert not EntryRevision.objects.exists()


def test_it_shows_the_history(entry, borrower, borrower_client):
    entry_update(entry=entry, actor=borrower, content="第二版")
    html = borrower_client.get(reverse("entry_history", args=[entry.pk])).content.decode()
    assert "不还钱就找你家人" in html


def test_it_edits_through_the_form(entry, borrower_client):
    response = borrower_client.post(reverse("entry_edit", args=[entry.pk]), {
        "kind": "call", "occurred_at": "2026-11-20T08:00", "direction": "incoming", "call_outcome": "missed",
        "number": "13800138000", "content": "新内容", "tags": ["threat"],
    })
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.revision == 2 and entry.call_outcome == "missed"


def test_a_call_needs_its_outcome_chosen(case, borrower_client):
    """Issue 14: no default outcome; the form says what to tap and saves nothing."""
    response = post_call(borrower_client, case, call_outcome="")
    assert response.status_code == 200
    assert case.entries.count() == 0
    assert "call_outcome" in response.context["form"].errors
    html = response.content.decode()
    assert 'name="call_outcome"' in html and "checked" not in html.split('id="outcome-group"')[1].split("</fieldset>")[0]
    assert post_call(borrower_client, case, call_outcome="rejected").status_code == 302
    assert case.entries.get().call_outcome == "rejected"


def test_the_call_form_offers_no_outcome_by_default(case, borrower_client):
    html = borrower_client.get(reverse("entry_create", args=[case.pk]) + "?kind=call").content.decode()
    group = html.split('id="outcome-group"')[1].split("</fieldset>")[0]
    for value in ("answered", "missed", "rejected", "unknown"):
        assert f'value="{value}"' in group
    assert "checked" not in group


def test_it_moves_to_trash_with_a_reason_and_restores(entry, borrower, borrower_client):
    response = borrower_client.post(reverse("entry_trash", args=[entry.pk]), {"reason": "重复记录"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_trashed and entry.trash_reason == "重复记录"
    assert "不还钱就找你家人" not in borrower_client.get(entry.case.get_absolute_url()).content.decode()
    assert "重复记录" in borrower_client.get(reverse("case_trash", args=[entry.case_id])).content.decode()
    borrower_client.post(reverse("entry_restore", args=[entry.pk]))
    entry.refresh_from_db()
    assert not entry.is_trashed
    actions = list(CustodyEvent.objects.values_list("action", flat=True))
    assert actions[-2:] == ["entry.trash", "entry.restore"]


def test_it_requires_a_reason_to_trash(entry, borrower_client):
    borrower_client.post(reverse("entry_trash", args=[entry.pk]), {"reason": ""})
    entry.refresh_from_db()
    assert not entry.is_trashed


def test_it_searches_the_encrypted_text(case, borrower, borrower_client):
    now = timezone.now()
    entry_create(case=case, actor=borrower, kind="sms", occurred_at=now, content="你妈妈的电话我们有")
    entry_create(case=case, actor=borrower, kind="sms", occurred_at=now, content="请尽快还款")
    html = borrower_client.get(case.get_absolute_url(), {"q": "妈妈"}).content.decode()
    assert "你妈妈的电话我们有" in html and "请尽快还款" not in html


def test_it_filters_by_kind_tag_and_date(case, borrower, borrower_client):
    entry_create(case=case, actor=borrower, kind="sms", occurred_at=datetime(2026, 11, 1, 4, 0, tzinfo=dt_timezone.utc),
                 content="十一月一日", tags=["insult"])
    entry_create(case=case, actor=borrower, kind="call", occurred_at=datetime(2026, 11, 10, 4, 0, tzinfo=dt_timezone.utc),
                 content="十一月十日")
    url = case.get_absolute_url()
    assert "十一月十日" not in borrower_client.get(url, {"kind": "sms"}).content.decode()
    assert "十一月十日" not in borrower_client.get(url, {"tag": "insult"}).content.decode()
    html = borrower_client.get(url, {"date_from": "2026-11-05", "date_to": "2026-11-10"}).content.decode()
    assert "十一月十日" in html and "十一月一日" not in html


def test_it_counts_calls_today_this_week_and_third_parties(case, borrower):
    from evidence.cases.selectors import case_counts

    now = timezone.now()
    for _ in range(3):
        entry_create(case=case, actor=borrower, kind="call", occurred_at=now)
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=now, contact_name="妈妈")
    trashed, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=now)
    entry_trash(entry=trashed, actor=borrower, reason="错")
    counts = case_counts(case)
    assert counts["calls_today"] == 3 and counts["calls_week"] >= 3 and counts["third_party"] == 1


def test_it_refuses_a_future_time(case, borrower_client):
    response = post_call(borrower_client, case, occurred_at="2099-01-01T10:00")
    assert response.status_code == 200 and Entry.objects.count() == 0


def test_restore_of_a_live_entry_changes_nothing(entry, borrower):
    entry_restore(entry=entry, actor=borrower)
    assert not CustodyEvent.objects.filter(action="entry.restore").exists()


@pytest.mark.parametrize("kind", ["call", "sms", "third_party"])
def test_it_marks_the_kind_being_logged(case, borrower_client, kind):
    html = borrower_client.get(reverse("entry_create", args=[case.pk]), {"kind": kind}).content.decode()
    assert re.search(rf'class="nav-link[^"]*active[^"]*" href="\?kind={kind}"', html)
    assert re.search(rf'name="kind" value="{kind}"', html)


def test_it_refuses_an_unknown_kind_quietly(case, borrower_client):
    html = borrower_client.get(reverse("entry_create", args=[case.pk]), {"kind": "<script>"}).content.decode()
    assert 'name="kind" value="call"' in html


def test_the_history_reads_in_the_users_words_with_the_changes_marked(entry, borrower, borrower_client):
    """Issue 14: no raw names (claimed_identity), raw values (252, ['claimed_court']) or UTC."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    entry_update(entry=entry, actor=borrower, claimed_identity="法院", duration_seconds=252,
                 tags=["claimed_court"], occurred_at=dt(2026, 11, 30, 23, 14, tzinfo=ZoneInfo("Asia/Shanghai")))
    html = borrower_client.get(reverse("entry_history", args=[entry.pk])).content.decode()
    assert "claimed_identity" not in html and "duration_seconds" not in html and "['" not in html
    assert "对方自称身份" in html and "4:12" in html and "自称法院" in html
    assert "2026-11-30 23:14" in html and "+00:00" not in html
    assert "<mark>4:12</mark>" in html  # changed, with the value before struck through
