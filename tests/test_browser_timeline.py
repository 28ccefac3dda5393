"""A long case on a phone, in headless Chromium: the timeline shows one page, the next
ones load as the borrower scrolls (static/js/timeline.js), and without JavaScript the
"Older entries" link pages through the same entries."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from evidence.cases.selectors import PAGE_SIZE
from tests.browser import CHROMIUM, PHONE, TIMEOUT_MS, assert_fits_phone, assert_no_problems, log_in, shot, watch  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
N = PAGE_SIZE * 2 + 7


@pytest.fixture
def long_case(borrower):
    from evidence.cases.services import case_create, entry_create

    case = case_create(owner=borrower, lender="借呗")
    start = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    for i in range(N):
        entry_create(case=case, actor=borrower, kind="sms" if i % 2 else "call", number=f"1380000{i:04d}",
                     occurred_at=start + timedelta(minutes=17 * i), content=f"第{i}条")
    return case


def card_ids(page):
    return page.eval_on_selector_all(".entry-card", "(cards) => cards.map((c) => c.id)")


def test_the_next_pages_load_as_the_borrower_scrolls(page, page_problems, live_server, long_case):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{long_case.pk}/")
    assert len(card_ids(page)) == PAGE_SIZE
    assert f"({N})" in page.inner_text("#timeline-heading")
    shot(page, "30-timeline-first-page")
    for shown in (PAGE_SIZE * 2, N):
        page.locator("a.timeline-more").scroll_into_view_if_needed()
        # Not wait_for_function: it evaluates a string in the page, which our CSP forbids.
        page.locator(".entry-card").nth(shown - 1).wait_for(state="attached")
    ids = card_ids(page)
    assert len(ids) == N == len(set(ids))
    assert page.locator("a.timeline-more").count() == 0  # the end: no link, nothing more to load
    # Newest first across the pages, as the server orders them.
    times = page.eval_on_selector_all(".entry-card time", "(ts) => ts.map((t) => t.getAttribute('datetime'))")
    assert times == sorted(times, reverse=True)
    assert page.url.endswith(f"/cases/{long_case.pk}/")  # loaded in place, not navigated
    shot(page, "31-timeline-scrolled-to-the-end")
    assert_fits_phone(page)
    assert_no_problems(page_problems)


def test_without_javascript_the_link_pages_through(browser, live_server, long_case):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []
    watch(page, live_server.url, problems)
    try:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/cases/{long_case.pk}/?kind=sms")
        first = card_ids(page)
        assert len(first) == PAGE_SIZE
        page.click("a.timeline-more")
        page.wait_for_url("**after=**")
        assert "kind=sms" in page.url
        rest = card_ids(page)
        assert len(rest) == N // 2 - PAGE_SIZE and not set(rest) & set(first)
        assert page.locator(".entry-card.kind-call").count() == 0
        page.click("#timeline-newest")
        page.wait_for_load_state("load")
        assert card_ids(page) == first
        assert_no_problems(problems)
    finally:
        context.close()
