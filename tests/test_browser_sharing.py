"""Witnesses and lawyers on a phone, in headless Chromium (390×844, zh-CN).

A borrower makes a witness link; a second browser (the witness's phone, no
account) sends a screenshot through it; the borrower accepts it and it appears
on the timeline with its provenance. A lawyer accepts an invitation, sets up
TOTP, reads the case and downloads an evidence bundle.
Screenshots of each step go to test-artifacts/browser/.
"""
import base64
import re
import zipfile

import pytest
from django_otp.oath import TOTP

from tests.browser import PHONE, TIMEOUT_MS, assert_fits_phone, assert_no_problems, shot, watch
from tests.conftest import PASSWORD
from tests.media_samples import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)

CASE_URL = re.compile(r"/cases/[0-9a-f-]{36}/(#entry-[0-9a-f-]{36})?$")


def step(page, name):
    page.wait_for_load_state("load")
    shot(page, name)
    assert_fits_phone(page)


def log_in(page, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")


def borrower_with_case():
    from django.utils import timezone

    from accounts.services import user_create
    from evidence.cases.services import case_create, entry_create

    borrower = user_create(username="xiaoli", password=PASSWORD)
    case = case_create(owner=borrower, lender="借呗", amount_owed="12000")
    entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(), direction="incoming",
                 number="13800138000", content="不还钱就找你家人", tags=["threat"])
    return borrower, case


def test_a_witness_sends_a_screenshot_and_the_borrower_accepts_it(browser, page, page_problems, live_server, tmp_path):
    _, case = borrower_with_case()
    screenshot = tmp_path / "催收短信截图.png"
    screenshot.write_bytes(png_bytes(color="#ffe3e3"))

    # 1. The borrower makes a link for her mother.
    page.goto(live_server.url + case.get_absolute_url())
    log_in(page, "xiaoli")
    page.wait_for_url(CASE_URL)
    page.click("#case-links >> text=/证人|Witness/")
    page.wait_for_url("**/witnesses/")
    step(page, "sharing-01-witness-links")
    page.fill("#id_name", "妈妈")
    page.click("#create-witness-link")
    page.wait_for_url("**/witness-links/**")
    page.locator("#witness-qr").evaluate("(img) => img.decode()")
    step(page, "sharing-02-witness-link-qr")
    link = page.input_value("#witness-url")
    assert "/w/" in link

    # 2. The mother's phone: another browser context, no account.
    witness_context = browser.new_context(**PHONE)
    witness_context.set_default_timeout(TIMEOUT_MS)
    witness = witness_context.new_page()
    witness_problems = []
    watch(witness, live_server.url, witness_problems)
    witness.goto(link)
    html = witness.content()
    assert "借呗" not in html and "xiaoli" not in html and "12000" not in html  # nothing of the case
    step(witness, "sharing-03-witness-form")
    witness.fill("#id_name", "李阿姨")
    witness.fill("#id_relation", "母亲")
    witness.fill("#id_phone", "13900001111")
    witness.fill("#id_collector_number", "17100002222")
    witness.fill("#id_contacted_at", "2026-11-20T21:30")  # asked, never assumed (issue 14)
    witness.fill("#id_told", "你女儿欠钱不还，再不还就去她单位")
    witness.set_input_files("#id_attachments", [str(screenshot)])
    witness.check("#id_consent")
    witness.click("#witness-send")
    witness.wait_for_selector("#witness-thanks")
    step(witness, "sharing-04-witness-thanks")
    assert_no_problems(witness_problems)
    witness_context.close()

    # 3. The borrower accepts it from the inbox; it lands on the timeline with its provenance.
    page.goto(live_server.url + case.get_absolute_url())
    assert page.inner_text("#inbox-link .badge") == "1"
    page.click("#inbox-link")
    page.wait_for_url("**/inbox/")
    submission = page.locator(".submission")
    assert "李阿姨" in submission.inner_text() and "17100002222" in submission.inner_text()
    step(page, "sharing-05-inbox")
    page.click(".accept-submission")
    page.wait_for_url(CASE_URL)
    card = page.locator(".entry-card.kind-third_party")
    assert card.count() == 1
    text = card.inner_text()
    assert "你女儿欠钱不还" in text and "李阿姨" in text and "127.0.0.1" in text
    assert card.locator(".witness-badge").count() == 1
    img = card.locator(".thumbs img")
    img.scroll_into_view_if_needed()
    img.evaluate("(img) => img.decode()")
    step(page, "sharing-06-timeline-with-witness-entry")
    assert_no_problems(page_problems)


def test_a_lawyer_accepts_an_invitation_sets_up_totp_and_downloads_a_bundle(page, page_problems, live_server):
    from accounts.services import user_create
    from evidence.models import Bundle
    from evidence.bundle.services import bundle_build
    from evidence.sharing.services import case_share

    _, case = borrower_with_case()
    user_create(username="wang_lawyer", password=PASSWORD, role="lawyer")
    _, token = case_share(case=case, actor=case.owner, level="export")

    # 1. The invitation link: log in first, then accept.
    page.goto(f"{live_server.url}/invite/{token}/")
    page.wait_for_url("**/accounts/login/**")
    log_in(page, "wang_lawyer")
    page.wait_for_url(f"**/invite/{token}/")
    step(page, "sharing-11-invitation")
    page.click("#accept-invitation")

    # 2. A lawyer must set up TOTP before the case opens.
    page.wait_for_url("**/accounts/2fa/setup/**")
    assert page.locator("#totp-qr svg").count() == 1
    step(page, "sharing-12-totp-setup")
    secret = base64.b32decode(page.inner_text("#totp-secret"))
    page.fill("#id_token", str(TOTP(secret).token()).zfill(6))
    page.click("#otp-confirm")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    step(page, "sharing-13-recovery-codes")
    page.click("#codes-done")

    # 3. The case, read only.
    page.wait_for_url(CASE_URL)
    assert "不还钱就找你家人" in page.inner_text("main")
    assert page.locator("#read-only-banner").count() == 1
    assert page.locator("#log-call").count() == 0 and page.locator("text=编辑").count() == 0
    step(page, "sharing-14-lawyer-case")

    # 4. Export a bundle (the worker builds it), then download it.
    page.click("#export-bundle")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/#bundles$"))
    bundle_build(bundle=Bundle.objects.get())  # what the background worker runs
    # The page's own progress poll sees it done and reloads the page, with no poll in flight.
    page.wait_for_selector(".bundle-row a.btn-brand")
    with page.expect_download() as download_info:
        page.click(".bundle-row a.btn-brand")
    path = download_info.value.path()
    with zipfile.ZipFile(path) as z:
        assert "manifest.json" in z.namelist() and "SHA256SUMS" in z.namelist()
    step(page, "sharing-15-lawyer-bundle")
    # Chromium reports a navigation that turned into a download as "aborted": not a problem.
    page_problems[:] = [p for p in page_problems if not ("/download/" in p and "ERR_ABORTED" in p)]

    # 5. The dashboard lists the case.
    page.goto(live_server.url + "/")
    assert "借呗" in page.inner_text("#shared-cases + .shared-case") and "xiaoli" in page.inner_text(".shared-case")
    step(page, "sharing-16-lawyer-dashboard")
    assert_no_problems(page_problems)
