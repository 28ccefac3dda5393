"""OCR boxes highlightable, and a redacted copy adjusted on a phone (issue 15): in Chromium at 390×844 with touch, the owner
opens "make a redacted copy" on a screenshot the OCR read, taps a proposed box to drop it,
drags across the image to draw a new one, and saves; the copy has black where the kept and
drawn boxes are, and the dropped one shows the text again."""
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFont

from tests.browser import assert_fits_phone, assert_no_problems, log_in, shot
from tests.conftest import make_upload
from tests.media_samples import (
    FONT, SCREENSHOT_COLLECTOR, THIRD_PARTY_NAME, THIRD_PARTY_NUMBER, sms_screenshot_third_party,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _screen_point(page, x, y):
    """Where the image's pixel (x, y) is on the screen."""
    return page.locator("svg.redact-canvas").evaluate(
        """(svg, [x, y]) => { const p = svg.createSVGPoint(); p.x = x; p.y = y;
             const s = p.matrixTransform(svg.getScreenCTM()); return [s.x, s.y]; }""", [x, y])


def test_a_box_is_dropped_by_a_tap_and_one_drawn_by_a_drag(page, page_problems, live_server, borrower, case):
    from evidence.cases.services import entry_create, machine_text_make
    from evidence.models import Derivative
    from evidence.store import blobstore

    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=timezone.now(),
                 number=SCREENSHOT_COLLECTOR, contact_name=THIRD_PARTY_NAME)
    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), direction="incoming",
                            number=SCREENSHOT_COLLECTOR,
                            uploads=[make_upload(borrower, "短信.png", sms_screenshot_third_party())])
    att = entry.attachments.get()
    assert machine_text_make(att.pk) is not None  # the worker's reading, run here

    log_in(page, live_server)
    page.goto(live_server.url + reverse("entry_detail", args=[entry.pk]))
    # The recognised lines: tapping one lights its box on the screenshot (static/js/ocr-boxes.js).
    page.locator("details.machine-read summary").tap()
    line = page.locator("button.ocr-line", has_text="今晚必须还款")
    line.tap()
    i = line.get_attribute("data-i")
    assert line.get_attribute("aria-pressed") == "true"
    assert "lit" in page.locator(f'svg.ocr-canvas rect.ocr-box[data-i="{i}"]').get_attribute("class")
    assert page.locator("svg.ocr-canvas rect.ocr-box.lit").count() == 1
    assert line.bounding_box()["height"] >= 44
    shot(page, "ocr-line-highlighted")
    line.tap()
    assert page.locator("svg.ocr-canvas rect.ocr-box.lit").count() == 0
    page.locator("a.make-redacted").tap()
    page.wait_for_selector("svg.redact-canvas rect.redact-box")
    rects = page.locator("svg.redact-canvas rect.redact-box")
    assert rects.count() == 2  # the third party's name and number, not the collector's number
    assert_fits_phone(page)

    # Tap the name's box (a finger, just below it: within the 44 px target): it is dropped.
    name_input = page.locator("input[name=box]").nth(0)
    name_value = name_input.get_attribute("value")
    x0, y0, x1, y1 = (int(v) for v in name_value.split(","))
    tx, ty = _screen_point(page, (x0 + x1) / 2, y1)
    page.touchscreen.tap(tx, ty + 8)
    assert not name_input.is_checked()
    assert "off" in rects.nth(0).get_attribute("class")
    number_value = page.locator("input[name=box]").nth(1).get_attribute("value")

    # Drag across the date line to draw a new box.
    sx, sy = _screen_point(page, 320, 262)
    ex, ey = _screen_point(page, 790, 330)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + ex) / 2, (sy + ey) / 2, steps=4)
    page.mouse.move(ex, ey, steps=4)
    page.mouse.up()
    drawn = page.locator("input[name=box]").nth(2)
    assert drawn.is_checked()
    dx0, dy0, dx1, dy1 = (int(v) for v in drawn.get_attribute("value").split(","))
    assert abs(dx0 - 320) < 6 and abs(dy0 - 262) < 6 and abs(dx1 - 790) < 6 and abs(dy1 - 330) < 6
    assert rects.count() == 3
    shot(page, "redact-adjusted")

    page.locator("button.redact-save").tap()
    page.wait_for_selector("details.redacted-copy")
    copy = Derivative.objects.get(attachment=att, purpose="redacted")
    img = Image.open(io.BytesIO(blobstore.read_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key))).convert("L")
    nx0, ny0, nx1, ny1 = (int(v) for v in number_value.split(","))
    assert img.crop((nx0, ny0, nx1, ny1)).getextrema() == (0, 0)  # kept: black
    assert img.crop((dx0, dy0, dx1, dy1)).getextrema() == (0, 0)  # drawn: black
    assert img.crop((x0, y0, x1, y1)).getextrema()[1] > 200  # dropped: the name shows again
    page.locator("details.redacted-copy summary").tap()
    page.wait_for_function("() => document.querySelector('img.redacted-image').naturalWidth > 0")
    shot(page, "redact-saved")
    assert_no_problems(page_problems)


def test_a_photo_stored_turned_is_shown_and_redacted_upright(page, page_problems, live_server, borrower, case):
    """A sideways photo (EXIF orientation 6): the browser draws it upright in the page's upright
    frame, and a box dragged over the number where the user sees it blacks out that number."""
    from evidence.cases.services import entry_create, machine_text_make
    from evidence.models import Derivative
    from evidence.store import blobstore

    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), direction="incoming",
                            number=SCREENSHOT_COLLECTOR,
                            uploads=[make_upload(borrower, "照片.jpg", sms_screenshot_third_party(orientation=6))])
    att = entry.attachments.get()
    assert (att.width, att.height) == (1400, 1080) and machine_text_make(att.pk) is not None

    log_in(page, live_server)
    page.goto(live_server.url + reverse("attachment_redact", args=[att.pk]))
    page.wait_for_function("() => document.querySelector('svg.redact-canvas image').getBBox().width > 0")
    page.wait_for_timeout(300)  # the picture decoded and painted
    drawn = Image.open(io.BytesIO(page.locator("svg.redact-canvas").screenshot())).convert("L")
    w, h = drawn.size
    # Upright, the thread's grey header band is along the top and the side is white; shown in
    # the stored frame, the band would run down the left side.
    assert drawn.getpixel((w // 2, h * 3 // 100)) < 250 and drawn.getpixel((w * 3 // 100, h // 2)) > 250

    for proposed in page.locator("input[name=box]").all():  # only the box drawn below is kept
        proposed.uncheck()
    font = ImageFont.truetype(FONT, 44)
    x0, x1 = 80 + font.getlength("他电话") - 4, 80 + font.getlength(f"他电话{THIRD_PARTY_NUMBER}") + 4
    sx, sy = _screen_point(page, x0, 458)
    ex, ey = _screen_point(page, x1, 516)
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(ex, ey, steps=6)
    page.mouse.up()
    page.locator("button.redact-save").tap()
    page.wait_for_selector("details.redacted-copy")
    copy = Derivative.objects.get(attachment=att, purpose="redacted")
    assert len(copy.boxes) == 1
    img = Image.open(io.BytesIO(blobstore.read_bytes(case.owner_id, copy.pk, "derivative", copy.blob_key))).convert("L")
    assert img.size == (1080, 1400)
    assert img.crop((int(x0) + 6, 472, int(x1) - 6, 505)).getextrema() == (0, 0)
    assert_no_problems(page_problems)
