"""Recording in the page (MediaRecorder), issue 14, on a 390×844 phone in headless Chromium
with its fake microphone (tests/browser.py launches it with --use-fake-device-for-media-stream
and --use-fake-ui-for-media-stream). The recording is saved as an original, byte-identical,
with the start of recording as its capture time."""
import time
from datetime import datetime, timezone

import pytest

from tests.browser import ARTIFACTS, assert_no_problems, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

FILE_SHA256_JS = """
async () => {
  const f = document.querySelector('#entry-form input[type=file][multiple]').files[0];
  const d = await crypto.subtle.digest('SHA-256', await f.arrayBuffer());
  return {name: f.name, type: f.type, size: f.size,
          sha256: Array.from(new Uint8Array(d)).map(b => b.toString(16).padStart(2, '0')).join('')};
}
"""


def test_a_recording_made_in_the_page_is_saved_with_its_start_time(page, page_problems, live_server, borrower, case):
    from evidence.models import Entry

    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    page.wait_for_selector("#recorder:not([hidden])")
    before = datetime.now(timezone.utc)
    page.click("#record-start")
    page.wait_for_selector("#record-stop:not([hidden])")
    levels = []
    for _ in range(12):  # the timer runs and the meter moves with the fake microphone's tone
        time.sleep(0.25)
        levels.append(page.evaluate("document.getElementById('record-level').value"))
    assert max(levels) > 0, levels
    assert page.inner_text("#record-time") in ("0:02", "0:03", "0:04", "0:05")
    shot(page, "60-recording")
    page.click("#record-stop")
    page.wait_for_selector(".chosen-files li")
    page.wait_for_selector("#record-note:not([hidden])")
    chosen = page.evaluate(FILE_SHA256_JS)
    assert chosen["type"] == "audio/webm" and chosen["name"].endswith(".weba") and chosen["size"] > 1000
    shot(page, "61-recording-attached")
    page.locator("#recorder").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 150)")
    page.screenshot(path=str(ARTIFACTS / "62-recording-attached-view.png"))

    page.click("label[for=id_call_outcome_0]")  # 接通
    page.fill("#id_number", "95188")
    page.click("#save-entry")
    page.wait_for_url(f"**/cases/{case.pk}/**")
    after = datetime.now(timezone.utc)

    att = Entry.objects.get().attachments.get()
    assert att.sha256 == chosen["sha256"] and att.size == chosen["size"]  # the original, unchanged
    assert att.kind == "audio" and att.media_type == "audio/webm"
    assert before <= att.captured_at <= after  # the start of recording, not the upload
    assert (after - att.captured_at).total_seconds() >= 2  # it started before the 3 s of recording
    page.goto(f"{live_server.url}/entries/{att.entry_id}/")
    assert page.locator("audio").count() == 1
    assert_no_problems(page_problems)


def test_a_refused_microphone_says_so_and_leaves_the_file_input(page, live_server, borrower, case):
    # The browser's answer when the user taps "Block" (the fake UI always allows, so the
    # refusal is the browser API's own NotAllowedError, injected before the page loads).
    page.add_init_script("navigator.mediaDevices.getUserMedia = () => "
                         "Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    page.click("#record-start")
    page.wait_for_selector("#record-note:not([hidden])")
    assert "麦克风" in page.inner_text("#record-note")
    assert page.locator("#record-stop").is_hidden()
    assert page.locator("input[type=file][accept='audio/*']").count() == 1  # the recorder app fallback
