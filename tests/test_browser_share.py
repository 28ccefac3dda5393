"""Sharing into 留证 from the phone's share sheet (Web Share Target level 2), issue 14, on a
390×844 phone in headless Chromium.

Chromium has no share sheet to drive headless; what the share sheet does is a navigation POST
(multipart/form-data) to the manifest's share_target action, so the test makes exactly that
POST from a form with real files, through the installed service worker."""
import hashlib

import pytest

from tests.browser import shot
from tests.conftest import PASSWORD
from tests.media_samples import png_bytes, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)

# What the share sheet sends: the manifest's params (title, text, url, files).
SHARE_SHEET_JS = """
() => {
  const f = document.createElement('form');
  f.method = 'post'; f.action = '/share/'; f.enctype = 'multipart/form-data'; f.id = 'fake-share-sheet';
  f.innerHTML = '<input type="file" name="files" multiple><input name="title" value="微信聊天"><input name="text" value="他说要去我单位">';
  document.body.appendChild(f);
}
"""

SHARES_COUNT_JS = """
async () => {
  const db = await new Promise((ok, ko) => { const r = indexedDB.open('liuzheng-shares', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('items', {keyPath: 'id'});
    r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const items = await new Promise((ok) => { const r = db.transaction('items').objectStore('items').getAll();
    r.onsuccess = () => ok(r.result); });
  return {count: items.length, bytes: items.map(i => Array.from(new Uint8Array(i.data)))};
}
"""


def test_the_manifest_declares_the_share_target(client):
    data = client.get("/manifest.webmanifest").json()
    target = data["share_target"]
    assert target["action"] == "/share/" and target["method"] == "POST"
    assert target["enctype"] == "multipart/form-data"
    files = target["params"]["files"]
    assert files[0]["name"] == "files" and "image/*" in files[0]["accept"] and "application/pdf" in files[0]["accept"]
    assert {"title", "text", "url"} <= set(target["params"])


def test_a_post_without_the_worker_has_no_effect(client, borrower):
    """No CSRF token comes with a share: the server's /share/ never reads such a POST."""
    from evidence.models import Entry, PendingUpload

    client.force_login(borrower)
    client.handler.enforce_csrf_checks = True
    r = client.post("/share/", {"files": [_upload("a.png", png_bytes())], "text": "x"})
    assert r.status_code == 303 and r["Location"] == "/share/?lost=1"
    assert Entry.objects.count() == 0 and PendingUpload.objects.count() == 0
    assert 'id="share-lost"' in client.get("/share/?lost=1").content.decode()
    anonymous = client.__class__()
    r = anonymous.get("/share/?id=abc")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=/share/")


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_a_share_made_logged_out_lands_in_an_entry_after_log_in(page, live_server, borrower, tmp_path):
    from evidence.cases.services import case_create
    from evidence.models import Entry

    case = case_create(owner=borrower, lender="借呗")
    screenshot, recording = png_bytes(color="#2255aa"), wav_bytes(seconds=1)
    (tmp_path / "聊天截图.png").write_bytes(screenshot)
    (tmp_path / "语音.wav").write_bytes(recording)

    # The installed app: the worker controls the site (installed on an earlier visit).
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")

    # Logged out, the share sheet posts two files and a text to the share target.
    page.evaluate(SHARE_SHEET_JS)
    page.set_input_files("#fake-share-sheet input[type=file]", [str(tmp_path / "聊天截图.png"), str(tmp_path / "语音.wav")])
    with page.expect_navigation(url="**/accounts/login/**"):
        page.evaluate("document.getElementById('fake-share-sheet').submit()")
    kept = page.evaluate(SHARES_COUNT_JS)
    assert kept["count"] == 1
    assert screenshot[16:64] not in bytes(kept["bytes"][0]) and "单位".encode() not in bytes(kept["bytes"][0])

    # The share survives the log-in.
    page.fill("#id_username", "borrower")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/share/?id=*")
    page.wait_for_selector("#shared-files li >> nth=1")
    assert "聊天截图.png" in page.inner_text("#shared-files") and "语音.wav" in page.inner_text("#shared-files")
    assert "他说要去我单位" in page.inner_text("#shared-text")
    shot(page, "50-share-landing")

    # One tap: the case and what it is (a message).
    page.click(f".share-case a[href^='/cases/{case.pk}/entries/new/?kind=sms']")
    page.wait_for_selector(".chosen-files li >> nth=1")
    assert page.input_value("#id_content").startswith("微信聊天")
    shot(page, "51-share-entry-form")
    page.click("#save-entry")
    page.wait_for_url(f"**/cases/{case.pk}/**")

    entry = Entry.objects.get()
    assert entry.kind == "sms" and entry.case == case
    hashes = sorted(a.sha256 for a in entry.attachments.all())
    assert hashes == sorted([hashlib.sha256(screenshot).hexdigest(), hashlib.sha256(recording).hexdigest()])
    assert page.evaluate(SHARES_COUNT_JS)["count"] == 0  # used once, then gone from the phone


def test_nothing_shared_says_so(page, live_server, borrower):
    from tests.browser import log_in

    log_in(page, live_server)
    page.goto(live_server.url + "/share/?id=not-here")
    page.wait_for_selector("#share-empty")
