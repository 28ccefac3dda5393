"""Headers and sessions: CSP without inline script, Permissions-Policy, no-store on case data,
an idle timeout, the second factor for staff on /admin/, and a clean `check --deploy`."""
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from django.urls import reverse

from evidence.cases.services import attachment_add
from evidence.middleware import FILE_POLICY, PAGE_POLICY
from tests.conftest import _client_for, _user, make_upload, verified_client
from tests.media_samples import png_bytes

ROOT = Path(__file__).resolve().parents[1]


def test_no_template_has_inline_script_or_handlers():
    bad = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in m.group(0):
                bad.append(f"{path.name}: inline <script>")
        for m in re.finditer(r"\son[a-z]+\s*=", text):
            bad.append(f"{path.name}: inline handler {m.group(0).strip()}")
        if "javascript:" in text:
            bad.append(f"{path.name}: javascript: URL")
    assert bad == []


def test_pages_carry_a_strict_csp_and_no_store(entry, borrower_client):
    case = entry.case
    for url in (case.get_absolute_url(), reverse("entry_detail", args=[entry.pk]),
                reverse("case_statistics", args=[case.pk]), reverse("case_list")):
        response = borrower_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == PAGE_POLICY
        assert "script-src 'self';" in PAGE_POLICY and "unsafe-inline" not in PAGE_POLICY.split("style-src")[0]
        assert response["Cache-Control"] == "no-store", url
        assert "geolocation=()" in response["Permissions-Policy"]


def test_a_file_view_may_run_nothing(entry, borrower, borrower_client):
    att = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "a.png", png_bytes()))
    response = borrower_client.get(reverse("attachment_file", args=[att.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == FILE_POLICY and "sandbox" in FILE_POLICY
    assert "script-src" not in FILE_POLICY and "default-src 'none'" in FILE_POLICY
    assert response["Cache-Control"] == "no-store"


def test_anonymous_pages_have_the_headers_too(anonymous_client):
    response = anonymous_client.get(reverse("login"))
    assert response["Content-Security-Policy"] == PAGE_POLICY and "no-store" in response["Cache-Control"]


def test_an_idle_session_is_signed_out(case, borrower_client, settings):
    url = case.get_absolute_url()
    assert borrower_client.get(url).status_code == 200
    session = borrower_client.session
    session["liuzheng_last_seen"] = int(time.time()) - settings.LIUZHENG_SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = borrower_client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert borrower_client.get(url).status_code == 302  # signed out, not just redirected once
    page = borrower_client.get(reverse("login")).content.decode()
    assert "分钟没有操作" in page


def test_activity_keeps_the_session_and_polling_does_not(case, borrower_client, settings):
    from evidence.bundle.services import bundle_request

    bundle = bundle_request(case=case, actor=case.owner, selection={})
    assert borrower_client.get(case.get_absolute_url()).status_code == 200
    session = borrower_client.session
    almost = int(time.time()) - settings.LIUZHENG_SESSION_IDLE_MINUTES * 60 + 60
    session["liuzheng_last_seen"] = almost
    session.save()
    assert borrower_client.get(reverse("bundle_status", args=[bundle.pk])).status_code == 200
    assert borrower_client.session["liuzheng_last_seen"] == almost  # a progress poll is not the user


def test_staff_need_the_second_factor_for_admin(db):
    staff = _user("staffer")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    response = _client_for(staff).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    assert verified_client(staff).get("/admin/").status_code == 200


def test_check_deploy_in_production_prints_no_warnings(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "secret-key").write_text(secrets.token_urlsafe(50))
    # As deployed: none of the test run's own variables (the suite sets DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIUZHENG_", "DJANGO_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_PRODUCTION": "1", "LIUZHENG_TSA_DEFAULTS": "0",
                "LIUZHENG_DATA_DIR": str(tmp_path), "LIUZHENG_MASTER_KEY_FILE": str(keys / "master.json"),
                "LIUZHENG_SECRET_KEY_FILE": str(keys / "secret-key"), "LIUZHENG_ALLOWED_HOSTS": "liuzheng.example"})
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout
