"""Issue 14 on a phone (390×844, zh-CN, headless Chromium): the app installs (manifest and
service worker at the root scope), and an entry logged with no connection is kept encrypted
on the phone, survives a reload, and arrives once with its files byte-identical when the
connection is back. Files chosen on a form that comes back with an error stay chosen.
Screenshots go to test-artifacts/browser/."""
import hashlib
import time

import pytest

from tests.browser import assert_fits_phone, log_in, shot
from tests.media_samples import png_bytes, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE_RAW_JS = """
async () => {
  const db = await new Promise((ok, ko) => { const r = indexedDB.open('liuzheng-queue', 1);
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const get = (store, fn) => new Promise((ok, ko) => { const r = fn(db.transaction(store).objectStore(store));
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const items = await get('items', s => s.getAll());
  const key = await get('keys', s => s.get('queue-key'));
  let exported = 'no';
  try { await crypto.subtle.exportKey('raw', key); exported = 'yes'; } catch (e) { exported = 'refused'; }
  return {count: items.length, extractable: key.extractable, exported,
          bytes: items.map(i => Array.from(new Uint8Array(i.data)))};
}
"""

DUPLICATE_ITEM_JS = """
async () => {
  const db = await new Promise((ok) => { const r = indexedDB.open('liuzheng-queue', 1); r.onsuccess = () => ok(r.result); });
  const store = (m) => db.transaction('items', m).objectStore('items');
  const [item] = await new Promise((ok) => { const r = store('readonly').getAll(); r.onsuccess = () => ok(r.result); });
  await new Promise((ok) => { const r = store('readwrite').put({...item, id: 'replay', at: item.at + 1});
    r.onsuccess = ok; });
}
"""


def test_the_app_is_installable(page, live_server, borrower):
    manifest = page.request.get(live_server.url + "/manifest.webmanifest")
    assert manifest.ok and manifest.headers["content-type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["name"] == "留证" and data["short_name"] == "留证" and data["lang"].startswith("zh")
    assert data["display"] == "standalone" and data["start_url"].startswith("/") and data["scope"] == "/"
    assert data["theme_color"] and data["background_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        r = page.request.get(live_server.url + icon["src"])
        assert r.ok and r.body()[:8] == b"\x89PNG\r\n\x1a\n", icon

    page.goto(live_server.url + "/accounts/login/")
    assert page.get_attribute("link[rel=manifest]", "href") == "/manifest.webmanifest"
    assert page.request.get(live_server.url + page.get_attribute("link[rel=apple-touch-icon]", "href")).ok
    # A worker that fails to install never makes `ready` resolve: give up after 20 s, loudly.
    scope = page.evaluate("Promise.race([navigator.serviceWorker.ready.then(r => r.scope),"
                          " new Promise(ok => setTimeout(() => ok('worker never became ready'), 20000))])")
    assert scope == live_server.url + "/"
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")  # the page is controlled: it works offline

    # With no network, a page is the offline page, not the browser's error page.
    page.context.set_offline(True)
    page.goto(live_server.url + "/cases/")
    assert page.locator("#offline-retry").is_visible()
    shot(page, "40-offline-page")
    page.context.set_offline(False)


def test_a_language_switch_keeps_the_one_worker_and_the_offline_page_follows_it(page, live_server):
    # The worker's URL once carried the language, so switching it (at log-in, typically)
    # installed a second worker while the user moved on, and Chromium lost a navigation that
    # was in flight during the swap: the page never loaded (a CI run of the CSP test).
    scripts = []
    page.context.on("request", lambda r: scripts.append(r.url) if "/sw.js" in r.url else None)
    page.goto(live_server.url + "/accounts/login/")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)") == live_server.url + "/sw.js"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    # The English page told the worker its language; the worker keeps it in its cache.
    page.wait_for_function("async () => { const r = await caches.match('/__liuzheng/lang', {cacheName: 'lz-settings'});"
                           " return !!r && (await r.text()) === 'en'; }", polling=100)
    # Only the three languages are kept: an inherited key is no language.
    page.evaluate("navigator.serviceWorker.controller.postMessage({type: 'liuzheng-lang', lang: '__proto__'})")
    registration = page.evaluate("navigator.serviceWorker.getRegistration().then(r => "
                                 "[r.active, r.waiting, r.installing].filter(Boolean).map(w => w.scriptURL))")
    assert registration == [live_server.url + "/sw.js"]
    assert set(scripts) == {live_server.url + "/sw.js"}

    page.context.set_offline(True)
    page.goto(live_server.url + "/cases/")
    assert page.locator("#offline-retry").is_visible()
    assert page.evaluate("document.documentElement.lang") == "en" and "No connection" in page.inner_text("h1")
    page.context.set_offline(False)


def test_an_entry_logged_offline_arrives_once_with_its_files(page, live_server, borrower, tmp_path):
    from evidence.cases.services import case_create
    from evidence.models import CustodyEvent, Entry

    case = case_create(owner=borrower, lender="借呗")
    screenshot, recording = png_bytes(color="#aa3344"), wav_bytes(seconds=1.5)
    (tmp_path / "催收截图.png").write_bytes(screenshot)
    (tmp_path / "通话录音.wav").write_bytes(recording)

    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    page.evaluate("navigator.serviceWorker.ready")

    # Offline: the collector calls; the borrower logs it with a screenshot and a recording.
    page.context.set_offline(True)
    started = time.monotonic()
    page.fill("#id_number", "13800138000")
    page.click("label[for=id_call_outcome_1]")  # 未接
    page.fill("#id_content", "离线时记下的来电")
    page.set_input_files("#id_attachments", [str(tmp_path / "催收截图.png"), str(tmp_path / "通话录音.wav")])
    assert page.locator(".chosen-files li").count() == 2  # feedback: the files are listed
    shot(page, "41-offline-call-form")
    page.click("#save-entry")
    page.wait_for_selector("#queued-notice:not([hidden])")
    seconds = time.monotonic() - started
    page.wait_for_selector("#offline-queue:not([hidden])")
    assert "1" in page.inner_text("#offline-queue")
    shot(page, "42-offline-kept")

    raw = page.evaluate(QUEUE_RAW_JS)
    assert raw["count"] == 1 and raw["extractable"] is False and raw["exported"] == "refused"
    stored = bytes(raw["bytes"][0])
    assert b"13800138000" not in stored and screenshot[16:64] not in stored  # ciphertext only
    assert Entry.objects.count() == 0

    # A reload while still offline: the queue is still there, shown on the offline page.
    page.reload()
    page.wait_for_selector("#offline-queue:not([hidden])")
    shot(page, "43-offline-reloaded")
    page.evaluate(DUPLICATE_ITEM_JS)  # a replay of the same form (as after an interrupted send)

    # Back online: the queue is sent (the `online` event), and the entry arrives once.
    page.context.set_offline(False)
    # A selector, not wait_for_function (which evaluates a string: our CSP forbids that).
    page.wait_for_selector("#offline-queue[data-count='0']", state="attached", timeout=20_000)
    assert page.evaluate(QUEUE_RAW_JS)["count"] == 0
    entry = Entry.objects.get()
    assert entry.call_outcome == "missed" and entry.number == "13800138000"
    files = {a.original_name: a for a in entry.attachments.all()}
    assert files["催收截图.png"].sha256 == hashlib.sha256(screenshot).hexdigest()
    assert files["通话录音.wav"].sha256 == hashlib.sha256(recording).hexdigest()
    # Custody: captured on the phone at device time X, received by the server at Y.
    assert entry.captured_offline_at is not None and entry.captured_offline_at <= entry.created_at
    event = CustodyEvent.objects.get(action="entry.create")
    assert event.created_at >= entry.captured_offline_at
    page.goto(f"{live_server.url}/entries/{entry.pk}/")
    assert page.locator("#offline-provenance").count() == 1
    shot(page, "44-offline-entry-arrived")
    assert_fits_phone(page)
    print(f"\nOFFLINE CAPTURE: logged and kept in {seconds:.1f} s")


def test_files_stay_chosen_across_a_validation_error(page, live_server, borrower, tmp_path):
    from evidence.cases.services import case_create
    from evidence.models import Entry

    case = case_create(owner=borrower, lender="借呗")
    shot_bytes = png_bytes(color="#2244aa")
    (tmp_path / "截图.png").write_bytes(shot_bytes)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    page.fill("#id_duration", "三分钟")
    page.set_input_files("#id_attachments", [str(tmp_path / "截图.png")])
    page.click("label[for=id_call_outcome_0]")
    page.click("#save-entry")
    page.wait_for_selector("#pending-files")
    assert "截图.png" in page.inner_text("#pending-files")
    shot(page, "45-file-kept-after-error")
    page.fill("#id_duration", "3:00")
    page.click("#save-entry")
    page.wait_for_url(f"**/cases/{case.pk}/**")
    [att] = Entry.objects.get().attachments.all()
    assert att.sha256 == hashlib.sha256(shot_bytes).hexdigest()


def test_quick_exit_leaves_without_a_way_back_and_targets_are_big(page, live_server, borrower, settings):
    from evidence.cases.services import case_create

    settings.LIUZHENG_QUICK_EXIT_URL = live_server.url + "/offline/?lang=zh-hans"  # neutral, and no outside fetch
    case = case_create(owner=borrower, lender="借呗")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/cases/{case.pk}/entries/new/?kind=call")
    sizes = page.evaluate("""() => [...document.querySelectorAll('#quick-exit, #outcome-group label, #save-entry')]
        .map(e => { const r = e.getBoundingClientRect(); return [e.id || e.textContent.trim(), r.width, r.height]; })""")
    assert len(sizes) == 6 and all(w >= 44 and h >= 44 for _name, w, h in sizes), sizes
    shot(page, "46-quick-exit-and-outcome")
    page.click("#quick-exit")
    page.wait_for_url("**/offline/**")
    page.go_back()
    page.wait_for_load_state("load")
    assert "/entries/new/" not in page.url  # the history entry was replaced, Back does not return


def test_a_witness_who_does_not_remember_the_time_says_so(page, live_server, borrower):
    from datetime import timedelta

    from django.utils import timezone

    from evidence.cases.services import case_create
    from evidence.models import Entry
    from evidence.witness.services import witness_link_create

    case = case_create(owner=borrower, lender="借呗")
    link = witness_link_create(case=case, actor=borrower, name="妈妈", expires_at=timezone.now() + timedelta(days=3),
                               max_submissions=3)
    page.goto(f"{live_server.url}/w/{link.token}/")
    page.fill("#id_name", "李阿姨")
    page.click("#witness-send")  # no time, no consent: both are asked for
    page.wait_for_selector("#id_contacted_at.is-invalid")
    page.check("#id_time_unknown")
    page.fill("#id_contacted_on", "2026-11-20")
    page.check("#id_consent")
    shot(page, "47-witness-time-unknown")
    page.click("#witness-send")
    page.wait_for_load_state("load")
    entry = Entry.objects.get()
    assert entry.time_precision == "day" and entry.witness_pending
