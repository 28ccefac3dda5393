"""The whole borrower flow on a phone, in headless Chromium (390×844, zh-CN).

Sign up, open a case, log a call with a screenshot and a recording, see both on
the timeline and play the recording; a double tap on "save" makes one entry.
No console errors, failed requests or horizontal scrolling on any page.
Screenshots of each step go to test-artifacts/browser/.
"""
import re

import pytest

from tests.browser import assert_fits_phone, assert_no_problems, shot
from tests.media_samples import png_bytes, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

CJK = re.compile(r"[\u4e00-\u9fff]")
CASE_URL = re.compile(r"/cases/[0-9a-f-]{36}/(#entry-[0-9a-f-]{36})?$")
ENTRY_FORM_URL = re.compile(r"/cases/[0-9a-f-]{36}/entries/new/\?kind=call$")

# Plays a timeline recording muted (autoplay policy), waits for its metadata and
# for playback to move; resolves with what the element reports.
PLAY_JS = """
async (audio) => {
  audio.muted = true;
  const metadata = new Promise((resolve, reject) => {
    if (audio.readyState >= 1) resolve();
    audio.addEventListener('loadedmetadata', resolve, {once: true});
    audio.addEventListener('error', () => reject(new Error('media error ' + (audio.error && audio.error.code))),
                           {once: true});
  });
  await audio.play();
  await metadata;
  await new Promise((resolve) => {
    if (audio.currentTime > 0) resolve();
    audio.addEventListener('timeupdate', () => audio.currentTime > 0 && resolve());
  });
  return {duration: audio.duration, currentTime: audio.currentTime, paused: audio.paused,
          error: audio.error && audio.error.code};
}
"""


def visit_step(page, name):
    """Every page: it fits the phone, and we keep a screenshot of it."""
    page.wait_for_load_state("load")
    shot(page, name)
    assert_fits_phone(page)


def test_log_a_call_with_screenshot_and_recording_on_a_phone(page, page_problems, live_server, tmp_path):
    screenshot = tmp_path / "截图.png"
    screenshot.write_bytes(png_bytes(color="#d9e7ff"))
    recording = tmp_path / "通话录音.wav"
    recording.write_bytes(wav_bytes(seconds=2.0))
    media_responses = []
    page.on("response", lambda r: media_responses.append(r) if "/files/" in r.url else None)

    # 1. Sign up, in Chinese by default.
    page.goto(live_server.url + "/accounts/signup/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    # Django's own catalog translates the user-name label: proof the zh-hans locale is active.
    assert CJK.search(page.inner_text("label[for=id_username]")), page.inner_text("label[for=id_username]")
    visit_step(page, "01-signup")
    page.fill("#id_username", "xiaoli")
    page.fill("#id_password1", "Correct-horse-42")
    page.fill("#id_password2", "Correct-horse-42")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/cases/new/")

    # 2. Open a case.
    assert page.get_attribute("html", "lang") == "zh-hans"
    visit_step(page, "02-case-form")
    page.fill("#id_lender", "借呗")
    page.fill("#id_amount_owed", "12000")
    page.click("main form button[type=submit]")
    page.wait_for_url(CASE_URL)
    assert "借呗" in page.inner_text("main h1")
    assert page.locator(".entry-card").count() == 0
    visit_step(page, "03-case-empty")

    # 3. The big button opens the call form, already set to now.
    page.click("#log-call")
    page.wait_for_url(ENTRY_FORM_URL)
    when = page.input_value("input[type=datetime-local]#id_occurred_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", when), when
    visit_step(page, "04-call-form")
    page.fill("#id_number", "13800138000")
    page.fill("#id_content", "不还钱就找你家人和单位")
    page.check("input[name=tags][value=threat]")
    page.check("input[name=tags][value=mentioned_family]")
    page.click("label[for=id_call_outcome_0]")  # 接通: a required tap, never a default
    page.set_input_files("input[name=attachments]#id_attachments", [str(screenshot), str(recording)])
    visit_step(page, "05-call-form-filled")
    page.click("#save-entry")
    page.wait_for_url(CASE_URL)

    # 4. The timeline shows the screenshot thumbnail and a player for the recording.
    card = page.locator(".entry-card")
    assert card.count() == 1
    assert "13800138000" in card.inner_text()
    img = card.locator(".thumbs img")
    assert img.count() == 1
    img.scroll_into_view_if_needed()
    img.evaluate("(img) => img.decode()")  # rejects if the thumbnail does not load
    assert img.evaluate("(img) => img.complete && img.naturalWidth") > 0
    audio = card.locator(".thumbs audio")
    assert audio.count() == 1
    visit_step(page, "06-timeline")
    # preload="none": the recording is not fetched (nor logged as served) until it is played.
    assert not [r for r in media_responses if r.url == audio.evaluate("(a) => a.src")]

    # 5. Play the recording: its metadata loads (the server streams with Range) and it plays.
    played = audio.evaluate(PLAY_JS)
    assert played["error"] is None and played["duration"] > 0 and played["currentTime"] > 0, played
    assert abs(played["duration"] - 2.0) < 0.2, played
    audio_src = audio.evaluate("(a) => a.currentSrc")
    served = [r for r in media_responses if r.url == audio_src]
    assert served and all(r.status in (200, 206) for r in served), [(r.status, r.url) for r in served]
    assert any(r.status == 206 and r.headers.get("content-range") for r in served), \
        [(r.status, r.headers) for r in served]
    visit_step(page, "07-audio-played")
    audio.evaluate("(a) => a.pause()")

    # 6. A second call: a double tap on "save" must give one entry, not two.
    page.click("#log-call")
    page.wait_for_url(ENTRY_FORM_URL)
    page.fill("#id_number", "95188")
    page.click("label[for=id_call_outcome_1]")  # 未接
    visit_step(page, "08-second-call-form")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    with page.expect_navigation(url=CASE_URL):
        page.dblclick("#save-entry")
    page.wait_for_selector(".entry-card >> nth=1")
    assert page.locator(".entry-card").count() == 2
    numbers = page.locator(".entry-card .fw-semibold").all_inner_texts()
    assert sum("95188" in n for n in numbers) == 1, numbers
    # app.js disables the button on the first tap, so the second never reaches the server.
    assert len(posts) == 1, posts
    visit_step(page, "09-timeline-after-double-tap")

    assert_no_problems(page_problems)


def test_statistics_findings_and_a_complaint_on_a_phone(page, page_problems, live_server, borrower):
    """A harassed week: the case page's findings, the charts, the findings, a complaint
    draft edited and saved, and tag suggestions while typing an SMS."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from evidence.cases.services import case_create, entry_create
    from tests.conftest import PASSWORD

    zone = ZoneInfo("Asia/Shanghai")
    case = case_create(owner=borrower, lender="借呗", amount_owed="12000", collector_numbers="95188")
    start = datetime(2026, 3, 2, 9, tzinfo=zone)
    for day in range(14):
        for i in range(1 + day % 4):
            entry_create(case=case, actor=borrower, kind="call", direction="incoming", call_outcome="answered",
                         duration_seconds=40,
                         occurred_at=start + timedelta(days=day, hours=i * 3 + (13 if day % 5 == 0 else 0)),
                         number=f"1380000000{i}")
        entry_create(case=case, actor=borrower, kind="sms", occurred_at=start + timedelta(days=day, hours=2),
                     number="10690000", content="再不还钱就爆你通讯录", tags=["threat"] if day % 3 == 0 else [])
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=start + timedelta(days=3),
                 contact_name="王芳", contact_relation="母亲", content="说我欠钱不还")

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "borrower")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    visit_step(page, "20-case-with-findings")
    assert page.locator("#findings-summary li").count() >= 3

    page.click("#link-statistics")
    visit_step(page, "21-statistics")
    heat = page.locator("#chart-heat svg")
    assert heat.bounding_box()["width"] <= 390
    assert page.locator("#chart-per-day svg rect").count() > 14
    assert page.locator("#third-parties").inner_text() == "1"

    page.goto(f"{live_server.url}/cases/{case.pk}/findings/")
    visit_step(page, "22-findings")
    assert CJK.search(page.locator("#rule-CN-HOURS").inner_text())

    page.goto(f"{live_server.url}/cases/{case.pk}/complaints/")
    visit_step(page, "23-complaint-kit")
    page.goto(f"{live_server.url}/cases/{case.pk}/complaints/nfra_12378/")
    visit_step(page, "24-complaint-draft")
    page.fill("#c-request", "请责令其停止夜间催收和爆通讯录。")
    page.click("#save-complaint")
    page.wait_for_load_state("load")
    assert page.locator("#c-request").input_value() == "请责令其停止夜间催收和爆通讯录。"
    visit_step(page, "25-complaint-saved")

    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=sms")
    page.fill("#id_content", "我是法院的，三天内不还钱就起诉你，通知你单位领导")
    chip = page.locator("#tag-suggestions button[data-tag=claimed_court]")
    chip.wait_for(timeout=5000)
    assert "法院" in chip.inner_text()
    chip.click()
    assert page.locator("input[name=tags][value=claimed_court]").is_checked()
    visit_step(page, "26-sms-tag-suggestions")
    assert_no_problems(page_problems)
