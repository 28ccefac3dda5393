"""An AMR call recording plays in Chromium from its playable copy (issue 15: every recording
playable); the original AMR, which Chromium cannot play, stays the evidence."""
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser import assert_no_problems, log_in, shot
from tests.conftest import make_upload
from tests.media_samples import recording_bytes
from tests.test_browser import PLAY_JS

pytestmark = pytest.mark.django_db(transaction=True)

# What Chromium makes of a source: the media error code (4: format not supported) or "ok".
CAN_PLAY_JS = """
async (src) => new Promise((resolve) => {
  const audio = new Audio();
  audio.muted = true;
  audio.addEventListener('loadedmetadata', () => resolve('ok'), {once: true});
  audio.addEventListener('error', () => resolve('error ' + (audio.error && audio.error.code)), {once: true});
  audio.src = src;
  audio.load();
})
"""


def test_an_amr_recording_plays_from_its_playable_copy(page, page_problems, live_server, borrower, case):
    from evidence.cases.services import entry_create, playable_copy_make

    entry, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(),
                            direction="incoming", number="13800138000",
                            uploads=[make_upload(borrower, "通话录音.amr", recording_bytes(3.0, "amr"))])
    att = entry.attachments.get()
    assert playable_copy_make(att.pk) is not None  # the worker's job, run here

    log_in(page, live_server)
    page.goto(live_server.url + reverse("entry_detail", args=[entry.pk]))
    audio = page.locator("audio.playable-copy")
    played = audio.evaluate(PLAY_JS)
    assert played["error"] is None and played["currentTime"] > 0, played
    assert abs(played["duration"] - 3.0) < 0.3, played
    shot(page, "playable-amr")
    # The proof that the copy is needed: the original itself does not play here.
    original = live_server.url + reverse("attachment_file", args=[att.pk])
    assert page.evaluate(CAN_PLAY_JS, original).startswith("error"), "Chromium played AMR itself"
    assert_no_problems(page_problems)
