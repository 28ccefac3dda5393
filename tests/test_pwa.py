"""Issue 14: the manifest, the service worker at the root scope and the offline page; an
entry kept offline on the phone records the device's time in its custody snapshot."""
import json
import uuid

from django.urls import reverse

from evidence.custody.snapshots import entry_snapshot
from evidence.custody.verify import verify_case
from evidence.models import Entry


def test_the_worker_is_served_from_the_root_with_its_precache_list(anonymous_client):
    response = anonymous_client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/" and "no-cache" in response["Cache-Control"]
    first = response.content.decode().split("\n", 1)[0]
    config = json.loads(first[len("self.LIUZHENG = "):-1])
    # The offline page in every language, kept at install; zh-hans when no page said otherwise.
    assert config["offline"] == {"zh-hans": "/offline/?lang=zh-hans", "zh-hant": "/offline/?lang=zh-hant",
                                 "en": "/offline/?lang=en"}
    assert set(config["offline"].values()) <= set(config["precache"]) and config["language"] == "zh-hans"
    titles = {code: anonymous_client.get(url).content.decode().split("<title>")[1].split(" ·")[0]
              for code, url in config["offline"].items()}
    assert titles == {"zh-hans": "没有网络", "zh-hant": "沒有網路", "en": "No connection"}
    assert all(anonymous_client.get(url).status_code == 200 for url in config["precache"] if "/static/" not in url)
    # A worker runs under its own script's CSP: it must be allowed to fetch what it caches
    # (the sandboxed file policy would stop its install, and the app would not install).
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip())
    assert policy["connect-src"] == "'self'" and policy["script-src"] == "'self'" and "sandbox" not in policy


def test_the_manifest_is_chinese_first_and_public(anonymous_client):
    data = json.loads(anonymous_client.get(reverse("manifest")).content)
    assert data["name"] == "留证" and data["lang"] == "zh-Hans" and data["display"] == "standalone"


def test_the_cached_offline_page_shows_nothing_of_the_user(borrower_client):
    html = borrower_client.get("/offline/?lang=en").content.decode()
    assert "No connection" in html and "borrower" not in html and "csrfmiddlewaretoken" not in html


def test_an_entry_kept_offline_has_the_device_time_in_its_custody_snapshot(case, borrower_client):
    response = borrower_client.post(reverse("entry_create", args=[case.pk]), {
        "kind": "call", "occurred_at": "2026-11-30T23:14", "direction": "incoming", "call_outcome": "unknown",
        "client_token": str(uuid.uuid4()), "captured_offline_at": "2026-11-30T15:15:02.123Z"})
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.captured_offline_at.isoformat() == "2026-11-30T15:15:02.123000+00:00"
    assert entry_snapshot(entry)["captured_offline_at"] == "2026-11-30T15:15:02.123000+00:00"
    assert verify_case(case, files=False).ok
