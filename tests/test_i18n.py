"""Chinese first: Simplified by default, Traditional and English complete."""
import io
import re
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def untranslated(po_path):
    text = po_path.read_text(encoding="utf-8")
    entries = re.split(r"\n\n+", text)
    missing = []
    for entry in entries[1:]:  # the first entry is the header
        if entry.startswith("#~"):
            continue
        msgid = re.search(r'^msgid "(.*)"', entry, re.M)
        singular = re.search(r'^msgstr "(.*)"((?:\n".*")*)', entry, re.M)
        plural = re.search(r'^msgstr\[0\] "(.*)"((?:\n".*")*)', entry, re.M)
        found = singular or plural
        if msgid and (found is None or (found.group(1) == "" and not found.group(2))):
            missing.append(entry.split("\n")[-1][:80])
        if "#, fuzzy" in entry:
            missing.append("fuzzy: " + entry[:80])
    return missing


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant"])
def test_every_string_is_translated(lang):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    assert po.exists()
    assert untranslated(po) == []


def test_the_default_language_is_simplified_chinese(anonymous_client):
    html = anonymous_client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_english_is_available(anonymous_client):
    html = anonymous_client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Log in" in html


def test_the_users_language_wins(borrower, borrower_client):
    borrower.language = "zh-hant"
    borrower.save()
    html = borrower_client.get(reverse("case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hant">' in html and "案件" in html


def test_upload_errors_speak_the_users_language(case, borrower_client):
    f = io.BytesIO(b"MZ" * 100)
    f.name = "setup.exe"
    response = borrower_client.post(reverse("entry_create", args=[case.pk]), {
        "kind": "sms", "occurred_at": "2026-11-20T10:00", "client_token": str(uuid.uuid4()), "attachments": f})
    html = response.content.decode()
    assert "setup.exe" in html
    assert "is not a supported file" not in html  # shown in Chinese, not English
