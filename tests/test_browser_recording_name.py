"""Issue 15: choosing a phone's call recording on the entry form (real Chromium) fills in the
number and the time its file name carries — only where the user has typed nothing — and says
they came from the file name; the page's script reads every name as the Python parser does."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from evidence.lib import recording_names
from tests.browser import assert_no_problems, log_in, shot
from tests.lib import test_recording_names as cases
from tests.media_samples import wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_a_xiaomi_recording_fills_number_and_time(page, page_problems, live_server, borrower, case,
                                                           tmp_path):
    from evidence.models import Entry

    recording = tmp_path / "张三(13800138000)_20240105143000.wav"
    recording.write_bytes(wav_bytes())
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    assert page.input_value("#id_number") == ""
    page.set_input_files("#id_attachments", [str(recording)])
    page.wait_for_selector("#recording-name-note:not([hidden])")
    assert page.input_value("#id_number") == "13800138000"
    assert page.input_value("#id_occurred_at") in ("2024-01-05T14:30", "2024-01-05T14:30:00")  # Chromium drops :00
    note = page.inner_text("#recording-name-note")
    assert "张三(13800138000)_20240105143000.wav" in note and "13800138000" in note
    assert "2024-01-05 14:30:00" in note and borrower.time_zone in note  # read in the user's zone, and says so
    shot(page, "70-recording-name-filled")

    page.click("label[for=id_call_outcome_0]")
    page.click("#save-entry")
    page.wait_for_url(f"**/cases/{case.pk}/**")
    entry = Entry.objects.get()
    assert entry.number == "13800138000"
    assert entry.occurred_at == datetime(2024, 1, 5, 14, 30, tzinfo=ZoneInfo(borrower.time_zone))
    assert_no_problems(page_problems)


def test_what_the_user_typed_is_never_overwritten(page, page_problems, live_server, borrower, case, tmp_path):
    recording = tmp_path / "通话录音 13800138000 2024-01-05 14-30-00.wav"
    recording.write_bytes(wav_bytes())
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    page.fill("#id_number", "95188")
    page.fill("#id_occurred_at", "2024-02-01T09:15")
    page.set_input_files("#id_attachments", [str(recording)])
    page.wait_for_selector("#recording-name-note:not([hidden])")
    assert page.input_value("#id_number") == "95188"
    assert page.input_value("#id_occurred_at") == "2024-02-01T09:15"
    assert "13800138000" in page.inner_text("#recording-name-note")  # told, not applied
    # A name without a time fills no time; a plain name fills nothing and says nothing.
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    at_load = page.input_value("#id_occurred_at")
    (tmp_path / "李四(95188).wav").write_bytes(wav_bytes())
    page.set_input_files("#id_attachments", [str(tmp_path / "李四(95188).wav")])
    page.wait_for_selector("#recording-name-note:not([hidden])")
    assert page.input_value("#id_number") == "95188" and page.input_value("#id_occurred_at") == at_load
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    (tmp_path / "录音 1.wav").write_bytes(wav_bytes())
    page.set_input_files("#id_attachments", [str(tmp_path / "录音 1.wav")])
    page.wait_for_selector(".chosen-files li")
    assert page.is_hidden("#recording-name-note") and page.input_value("#id_number") == ""
    assert_no_problems(page_problems)


def test_the_script_reads_every_name_as_python_does(page, live_server, borrower, case):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    names = [c[0] for c in cases.CASES] + cases.NOT_RECORDER_NAMES + [
        "13800138000_20241340253000.amr", "张三(13800138000)_20240230120000.mp3", "张三(13800138000)_20240229120000.mp3"]
    for name in names:
        js = page.evaluate("n => window.liuzhengRecordingName(n)", name)
        py = recording_names.parse(name)
        if py is None:
            assert js is None, name
            continue
        want = {"pattern": py.pattern, "number": py.number, "name": py.name,
                "time": py.started_at.strftime("%Y-%m-%dT%H:%M:%S") if py.started_at else None}
        assert js == want, name
    assert re.search(r"recording-name\.[0-9a-f]*\.?js|recording-name\.js",
                     page.content())  # the script is a file (no inline script: CSP)
