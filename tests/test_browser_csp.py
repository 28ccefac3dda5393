"""Under the strict Content-Security-Policy, in real Chromium: no violation on the pages of a
case, and what used to be inline handlers (the language switch, copy-a-link) still works."""
import pytest

from tests.browser import assert_no_problems
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pages_run_under_the_csp(page, page_problems, live_server, borrower, entry, witness_link):
    page.goto(live_server.url + "/accounts/login/")
    # data-autosubmit (was onchange="this.form.submit()"): the page comes back in English.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.evaluate("document.documentElement.lang").startswith("en")
    page.fill("input[name=username]", "borrower")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    for path in (entry.case.get_absolute_url(), f"/entries/{entry.pk}/", f"/cases/{entry.case.pk}/statistics/",
                 f"/cases/{entry.case.pk}/entries/new/?kind=call", f"/witness-links/{witness_link.pk}/"):
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    page.click("#witness-url")  # data-select-all, app.js (was onclick="this.select()")
    assert page.evaluate("() => { const el = document.querySelector('#witness-url'); "
                         "return el.selectionEnd - el.selectionStart; }") > 20
    assert_no_problems(page_problems)
