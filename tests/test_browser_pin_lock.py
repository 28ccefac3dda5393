"""The optional PIN lock (issue 14) on a 390×844 phone in headless Chromium: set up from the
user menu, it hides everything after the chosen minutes without use until the PIN is typed;
five wrong PINs or "forgot" log out. The PIN itself is never stored."""
import pytest

from tests.browser import assert_no_problems, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

# As if the phone had not been used for ten minutes.
AWAY_JS = "localStorage.setItem('liuzheng-last-active', String(Date.now() - 10 * 60000))"


def _set_pin(page, pin="2468", again=None):
    page.click("nav .dropdown-toggle")
    page.click("#pin-setup-open")
    page.fill("#pin-new", pin)
    page.fill("#pin-again", again or pin)
    page.select_option("#pin-minutes", "1")
    page.click("#pin-save")


def test_the_pin_lock_hides_the_app_until_the_pin_is_typed(page, page_problems, live_server, borrower, case):
    log_in(page, live_server)
    page.goto(live_server.url + case.get_absolute_url())
    _set_pin(page, "2468", "1357")
    assert page.locator("#pin-setup-error").is_visible()  # two different PINs: refused
    page.fill("#pin-again", "2468")
    page.click("#pin-save")
    page.wait_for_selector("#pin-setup", state="hidden")
    stored = page.evaluate("localStorage.getItem('liuzheng-pin')")
    assert "2468" not in stored and '"minutes":1' in stored

    # Used a moment ago: open. Away ten minutes: locked before anything shows.
    page.reload()
    assert page.locator("#pin-lock").is_hidden() and page.locator("main").is_visible()
    page.evaluate(AWAY_JS)
    page.reload()
    page.wait_for_selector("#pin-lock:not([hidden])")
    assert not page.locator("main").is_visible() and not page.locator("nav").is_visible()
    shot(page, "70-pin-lock")
    page.fill("#pin-lock-input", "0000")
    page.click("#pin-unlock")
    page.wait_for_selector("#pin-lock-error:not([hidden])")
    assert "4" in page.inner_text("#pin-lock-error")
    assert not page.locator("main").is_visible()
    page.fill("#pin-lock-input", "2468")
    page.click("#pin-unlock")
    page.wait_for_selector("#pin-lock", state="hidden")
    assert page.locator("main").is_visible()
    assert_no_problems(page_problems)


def test_five_wrong_pins_log_out_and_remove_the_pin(page, live_server, borrower):
    log_in(page, live_server)
    _set_pin(page)
    page.wait_for_selector("#pin-setup", state="hidden")
    page.evaluate(AWAY_JS)
    page.reload()
    page.wait_for_selector("#pin-lock:not([hidden])")
    for _ in range(4):
        page.fill("#pin-lock-input", "1111")
        page.click("#pin-unlock")
        page.wait_for_selector("#pin-lock-error:not([hidden])")
    with page.expect_navigation():
        page.fill("#pin-lock-input", "1111")
        page.click("#pin-unlock")
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url  # logged out: the password is needed now
    assert page.evaluate("localStorage.getItem('liuzheng-pin')") is None
