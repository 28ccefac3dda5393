"""OCR of screenshots (issue 15): a Chinese SMS screenshot, rendered here with a CJK font, is read
offline by the worker; its text is searchable, suggests tags, a number and a time, and changes
no entry until the user saves the edit form."""
import io
import uuid
from datetime import datetime

import pytest
from django.db import connection
from django.urls import reverse

from evidence.cases.selectors import timeline
from evidence.cases.services import machine_text_make
from evidence.custody.verify import verify_case
from evidence.lib import ocr
from evidence.models import CustodyEvent, Entry, MachineText
from tests import media_samples

PHRASE = "不还钱就爆你通讯录"


def sms_screenshot():
    """A phone's SMS thread from a 106 gateway, threatening to call the borrower's contacts."""
    return media_samples.sms_screenshot("106 9518 8000", [f"{PHRASE}，", "找你领导和家人，今晚必须还款"])


def _file(data, name):
    f = io.BytesIO(data)
    f.name = name
    return f


def test_proposals_pick_numbers_and_a_full_date_and_time():
    found = ocr.proposals("95188\n2026年11月20日 23:30\n请联系 +86 138 0013 8000 或 010-88886666", year=2025)
    assert found.numbers == ["95188", "13800138000", "010-88886666"]
    assert found.occurred_at == datetime(2026, 11, 20, 23, 30)
    assert ocr.proposals("11月20日 下午3:05", year=2026).occurred_at == datetime(2026, 11, 20, 15, 5)
    # A date without a time, or no date at all, proposes no time: nothing is invented.
    assert ocr.proposals("11月20日 还款日", year=2026).occurred_at is None
    assert ocr.proposals("23:30", year=2026).occurred_at is None
    assert ocr.proposals("", year=2026).numbers == []


def test_a_screenshot_is_read_searchable_and_suggests_without_changing_the_entry(case, borrower, borrower_client,
                                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = borrower_client.post(reverse("entry_create", args=[case.pk]), {
            "kind": "sms", "occurred_at": "2026-11-21T08:00", "direction": "incoming", "number": "",
            "content": "", "client_token": str(uuid.uuid4()), "attachments": [_file(sms_screenshot(), "短信.png")]})
    assert response.status_code == 302, response.content[:500]
    entry = Entry.objects.get()
    att = entry.attachments.get()
    assert callbacks, "the upload asks the worker to read the screenshot"

    mt = machine_text_make(att.pk)  # what the worker's task runs
    assert PHRASE in mt.text.replace("，", "") and "2026年11月20日" in mt.text.replace(" ", "")
    assert mt.source_sha256 == att.sha256 and mt.engine == ocr.ENGINE_NAME
    assert machine_text_make(att.pk) == mt  # read once
    # Stored encrypted like all text.
    with connection.cursor() as cur:
        cur.execute("SELECT text, boxes FROM evidence_machinetext")
        raw = " ".join(str(v) for v in cur.fetchone())
    assert "通讯录" not in raw and "95188" not in raw
    # The entry is unchanged, and no custody event was added for a machine's reading.
    entry.refresh_from_db()
    assert entry.number == "" and entry.tags == [] and entry.revision == 1
    assert list(CustodyEvent.objects.values_list("action", flat=True)) == ["case.create", "entry.create",
                                                                          "attachment.add"]
    assert verify_case(case).ok

    # Found by the timeline search, from the screenshot's text alone.
    assert [i.entry.pk for i in timeline(case, q="爆你通讯录")] == [entry.pk]
    assert timeline(case, q="这句话不在截图里") == []

    # The entry page shows it, marked machine-read, with what it suggests.
    page = borrower_client.get(reverse("entry_detail", args=[entry.pk])).content.decode()
    assert "machine-read" in page and "通讯录" in page
    assert "10695188000" in page and "2026-11-20 23:30" in page
    assert "use-proposals" in page

    # "Check and use them": the edit form comes prefilled; nothing is saved until the user saves.
    form = borrower_client.get(reverse("entry_edit", args=[entry.pk]) + f"?from_screenshot={att.pk}")
    html = form.content.decode()
    assert 'value="10695188000"' in html and "2026-11-20T23:30" in html
    assert Entry.objects.get().revision == 1


def test_an_image_with_no_text_reads_as_nothing(case, borrower):
    from django.utils import timezone

    from evidence.cases.services import entry_create
    from tests.conftest import make_upload
    from tests.media_samples import png_bytes

    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), direction="incoming",
                            uploads=[make_upload(borrower, "blank.png", png_bytes(200, 300))])
    mt = machine_text_make(entry.attachments.get().pk)
    assert mt.text == "" and MachineText.objects.count() == 1
