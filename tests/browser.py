"""Shared Playwright fixtures for browser tests: a phone in headless Chromium.

The fixtures are registered once, in tests/conftest.py, so that every browser
test module shares the one session-wide Chromium (a second sync Playwright
alongside the first would fail). Do not import them into test modules.

`page` is a 390×844 touch phone (zh-CN) already watching for console errors,
uncaught page errors, failed requests and same-origin HTTP errors; the list
`page_problems` holds what it saw. Helpers: `shot()` saves a full-page
screenshot under test-artifacts/browser/, `assert_fits_phone()` fails on
horizontal overflow, `assert_no_problems()` fails with everything collected,
`log_in()` signs in through the log-in form.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# The favicon, with or without the hashed suffix of the manifest storage.
FAVICON = re.compile(r"/static/img/icon(\.[0-9a-f]{12})?\.svg$")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # A fake microphone (a beeping tone) that is allowed without a prompt: in-page recording.
    "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
# Long enough for a slow CI machine, short enough to fail fast on a broken page.
TIMEOUT_MS = 15_000


def compile_messages():
    """Compile locale/*.po like `make messages` does, when a .mo is missing or stale.

    Without compiled catalogs the Chinese UI silently renders in English.
    """
    stale = [
        po for po in (ROOT / "locale").glob("*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        subprocess.run(
            [sys.executable, "manage.py", "compilemessages", "--ignore=.venv", "-v", "0"],
            cwd=ROOT, check=True,
        )
        # Forget catalogs an earlier test may have loaded before they existed.
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    compile_messages()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_problems():
    return []


@pytest.fixture
def page(browser, live_server, page_problems):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch(page, live_server.url, page_problems)
    yield page
    context.close()


def watch(page, origin, problems):
    """Record everything that shows the page is broken into `problems`."""
    def same_origin(url):
        return url == origin or url.startswith(origin + "/")

    page.on("console", lambda msg: problems.append(f"console.{msg.type}: {msg.text} @ {msg.location.get('url', '')}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    def request_failed(req):
        # The browser fetches the favicon on its own and drops that fetch when the test
        # navigates on before it ends (net::ERR_ABORTED): the browser's housekeeping, not
        # a page fault. Any other failed request, or a favicon that fails otherwise, counts.
        if FAVICON.search(req.url) and req.failure == "net::ERR_ABORTED":
            return
        problems.append(f"requestfailed: {req.method} {req.url} ({req.resource_type}): {req.failure}")

    page.on("requestfailed", request_failed)
    page.on("response", lambda resp: problems.append(
        f"HTTP {resp.status}: {resp.request.method} {resp.url}")
            if resp.status >= 400 and same_origin(resp.url) else None)


def assert_no_problems(problems):
    assert not problems, "The browser saw problems:\n" + "\n".join(problems)


def log_in(page, live_server, username="borrower"):
    """Log in through the real form and wait for the page it lands on."""
    from tests.conftest import PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")


def shot(page, name):
    """Full-page screenshot to test-artifacts/browser/<name>.png; returns the path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# On a mobile viewport Chromium zooms out to fit wide content (innerWidth grows),
# and app.css hides horizontal overflow on html/body (documentElement.scrollWidth
# then stays at the viewport width). So compare against the configured width
# and also measure body and the elements that stick out.
_OVERFLOW_JS = """
(width) => {
  const doc = document.documentElement;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== doc; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;  // e.g. the scrollable .kind-tabs
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    // Skips what is not shown (a closed <details>, visibility: hidden) and visually-hidden inputs.
    if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) continue;
    const s = getComputedStyle(el);
    if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath.startsWith('inset(50%')) continue;
    if ((r.right > width + 1 || r.left < -1) && !clipped(el)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      out.push(`${name} [${Math.round(r.left)}..${Math.round(r.right)}]`);
    }
  }
  return {
    innerWidth: window.innerWidth,
    docScrollWidth: doc.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
    offenders: out.slice(0, 15),
  };
}
"""


def assert_fits_phone(page, width=None):
    """No horizontal scrolling (nor content cut off by overflow-x: hidden) at phone width."""
    width = width or page.viewport_size["width"]
    m = page.evaluate(_OVERFLOW_JS, width)
    where = f"{page.url}: {m}"
    assert m["innerWidth"] == width, f"page zoomed out to fit wide content: {where}"
    assert m["docScrollWidth"] <= m["innerWidth"], f"page scrolls horizontally: {where}"
    assert m["bodyScrollWidth"] <= width and not m["offenders"], f"content wider than the phone: {where}"
