"""Accessibility on a phone (390×844, zh-CN, headless Chromium), issue 14.

axe-core (vendored in static/vendor/axe-core/, loaded from our own origin so the strict CSP
allows it) runs on the main pages in light and in dark mode: no serious or critical violation.
Every control a finger taps is at least 44×44 CSS px. Screenshots go to test-artifacts/browser/.
"""
import pytest
from django.templatetags.static import static

from tests.browser import PHONE, TIMEOUT_MS, assert_no_problems, log_in, shot, watch
from tests.media_samples import png_bytes, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

# axe's own rules plus best practices; WCAG 2.x A/AA including colour contrast.
AXE_RUN_JS = """
async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1, 3).join(' ')),
  }));
}
"""

# Everything a finger can tap. A checkbox or radio counts together with its label (tapping
# the label ticks it); a stretched link is the card it covers; a control that is not shown
# (display none, visually hidden) is skipped. A link inside a sentence (its parent has text of
# its own around it) is exempt, as WCAG 2.5.5 exempts inline targets.
TARGETS_JS = """
(min) => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    if (!el.checkVisibility({visibilityProperty: true})) return false;
    const s = getComputedStyle(el);
    return !(s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath.startsWith('inset(50%'));
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 24) + '"';
  const small = [];
  let count = 0;
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], audio[controls], video[controls]';
  for (const el of document.querySelectorAll(sel)) {
    let rects = [];
    if (el.matches('a') && [...el.parentElement.childNodes].some(
        n => n.nodeType === Node.TEXT_NODE && n.textContent.replace(/[\\s·|,，、。:：()（）]/g, '') !== '')) continue;
    if (el.matches('.stretched-link')) {
      rects = [el.closest('.card, .position-relative') || el].map(e => e.getBoundingClientRect());
    } else if (el.matches('input[type=checkbox], input[type=radio]')) {
      rects = [el, ...el.labels].filter(shown).map(e => e.getBoundingClientRect());
      // A visually hidden radio (a .btn-check) is tapped through its label.
    } else if (shown(el)) {
      rects = [el.getBoundingClientRect()];
    }
    if (!rects.length) continue;
    count++;
    const w = Math.max(...rects.map(r => r.right)) - Math.min(...rects.map(r => r.left));
    const h = Math.max(...rects.map(r => r.bottom)) - Math.min(...rects.map(r => r.top));
    if (w < min - 0.5 || h < min - 0.5) small.push(`${name(el)} ${Math.round(w)}×${Math.round(h)}`);
  }
  return {count, small};
}
"""


@pytest.fixture
def pages(case, borrower, entry, witness_link):
    """The main pages of a case with something on them: a call with a screenshot and a
    recording (thumbnail, audio, "no transcript yet"), a witness link."""
    from evidence.cases.services import attachment_add
    from tests.conftest import make_upload

    attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "截图.png", png_bytes()))
    attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "录音.wav", wav_bytes(seconds=1)))
    return {
        "home": "/",
        "case": case.get_absolute_url(),
        "timeline-calls": case.get_absolute_url() + "?kind=call",
        "entry": f"/entries/{entry.pk}/",
        "entry-form": f"/cases/{case.pk}/entries/new/?kind=call",
        "entry-form-sms": f"/cases/{case.pk}/entries/new/?kind=sms",
        "history": f"/entries/{entry.pk}/history/",
        "statistics": f"/cases/{case.pk}/statistics/",
        "findings": f"/cases/{case.pk}/findings/",
        "sharing": f"/cases/{case.pk}/sharing/",
        "witness-links": f"/cases/{case.pk}/witnesses/",
        "witness-link": f"/witness-links/{witness_link.pk}/",
        "settings": "/accounts/profile/",
        "share": "/share/?lost=1",
    }


def _phone(browser, live_server, problems, scheme):
    context = browser.new_context(**PHONE, color_scheme=scheme)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch(page, live_server.url, problems)
    return context, page


def _axe(page):
    page.add_script_tag(url=static("vendor/axe-core/axe.min.js"))
    return page.evaluate(AXE_RUN_JS)


def _audit(page, live_server, paths, scheme):
    """axe and the tap targets on each page; returns {page: problems} for what failed."""
    failures = {}
    for label, path in paths.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        found = []
        for v in _axe(page):
            found.append(f"axe {v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"]))
        targets = page.evaluate(TARGETS_JS, 44)
        assert targets["count"] > 0, label
        found += [f"small target {s}" for s in targets["small"]]
        shot(page, f"a11y-{scheme}-{label}")
        if found:
            failures[f"{label} {path}"] = found
    return failures


def _report(failures):
    return "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in failures.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_pass_axe_and_have_44px_targets(browser, live_server, pages, witness_link, scheme):
    problems = []
    context, page = _phone(browser, live_server, problems, scheme)
    try:
        # Logged out: the log-in page and the witness's page (what a witness sees).
        failures = _audit(page, live_server, {"login": "/accounts/login/", "witness": f"/w/{witness_link.token}/",
                                              "invite": "/invite/"}, scheme)
        log_in(page, live_server)
        failures.update(_audit(page, live_server, pages, scheme))
        # The form after an error (the error text, the kept file, the invalid field).
        page.goto(live_server.url + pages["entry-form"])
        page.click("#save-entry")
        page.wait_for_load_state("load")
        found = [f"axe {v['impact']} {v['id']}: " + " | ".join(v["nodes"]) for v in _axe(page)]
        found += [f"small target {s}" for s in page.evaluate(TARGETS_JS, 44)["small"]]
        if found:
            failures["entry form with errors"] = found
        if scheme == "dark":
            assert page.evaluate("document.documentElement.dataset.bsTheme") == "dark"
        assert not failures, _report(failures)
        assert_no_problems(problems)
    finally:
        context.close()
