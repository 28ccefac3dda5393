"""Two app servers, one truth: two gunicorn instances (two data directories, as two machines
would have) on one PostgreSQL and one S3 server (SeaweedFS), with one task worker.

An upload on one is downloaded from the other, a bundle asked for on the other is built by the
worker and downloaded there; a session made on one is valid on the other (and a logout on one
ends it on both); the verify page's rate limit and the login lockout count across both (the
database cache and django-axes' table). PostgreSQL only: SQLite cannot be shared by machines."""
import io
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.pg import psql
from tests.s3 import free_ports
from tests.webclient import Client

PG = os.environ.get("LIUZHENG_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL (LIUZHENG_TEST_DATABASE_URL, .ci/postgres-tests)")

PORTS = tuple(free_ports(2))
PASSWORD = "Correct-horse-42"
SETUP = r'''
from accounts.services import user_create
from evidence.cases.services import case_create
u = user_create(username="borrower", password="Correct-horse-42")
print("CASE", case_create(owner=u, lender="借呗").pk)
from evidence.bundle import signing
signing.private_key()  # made once, then handed to every host with the master key (docs/deployment.md)
'''


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(out, "PNG")
    return out.getvalue()


def _bucket_keys(s3_server):
    from tests.s3 import BUCKET

    pages = s3_server.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _wait(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def two_servers(tmp_path, s3_server):
    url = urlparse(PG)
    name = f"{url.path.lstrip('/')}_two"
    admin = url._replace(path="/postgres").geturl()
    psql(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env.update(s3_server.settings_env(prefix=f"two-{uuid.uuid4().hex[:8]}/"))
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0", PYTHONUNBUFFERED="1",
               LIUZHENG_DATABASE_URL=url._replace(path=f"/{name}").geturl(),
               LIUZHENG_SECRET_KEY=secrets.token_urlsafe(40), LIUZHENG_VERIFY_PER_HOUR="3",
               LIUZHENG_LOGIN_FAILURE_LIMIT="4")
    homes = [tmp_path / "a", tmp_path / "b"]
    envs = [{**env, "LIUZHENG_DATA_DIR": str(home)} for home in homes]
    run = dict(cwd=ROOT, capture_output=True, text=True, timeout=600)
    for args in (["migrate", "-v0"], ["init_keys"]):
        done = subprocess.run([sys.executable, "manage.py", *args], env=envs[0], **run)
        assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], env=envs[0], **run)
    assert done.returncode == 0, done.stderr
    case_id = re.search(r"CASE (\S+)", done.stdout).group(1)
    # The second machine gets the keys (master, signing, secret) as an operator hands them over: a copy.
    shutil.copytree(homes[0] / "keys", homes[1] / "keys")
    procs = []
    try:
        for port, e, home in zip(PORTS, envs, homes):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                 "-k", "gthread", "--threads", "2", "--timeout", "120"], cwd=ROOT, env=e,
                stdout=open(home / "gunicorn.log", "w"), stderr=subprocess.STDOUT, start_new_session=True))
        procs.append(subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.3"], cwd=ROOT,
            env=envs[1], stdout=open(homes[1] / "worker.log", "w"), stderr=subprocess.STDOUT, start_new_session=True))
        for port in PORTS:
            _wait(lambda: Client(port).get("/accounts/login/").status == 200, 120, f"gunicorn on {port}")
        yield case_id, homes
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        psql(admin, f'DROP DATABASE IF EXISTS "{name}"')


def test_two_app_servers_share_one_truth(two_servers, s3_server):
    case_id, homes = two_servers
    jar = {}  # one browser; a load balancer sends each request to either server
    a, b = Client(PORTS[0], cookies=jar), Client(PORTS[1], cookies=jar)

    # A session made on one server is valid on the other.
    assert a.login("borrower", PASSWORD).status == 302
    assert b.get("/").status == 200 and case_id in b.get("/").text

    # An upload on A ...
    photo = _png()
    form = f"/cases/{case_id}/entries/new/?kind=sms"
    saved = a.post(f"/cases/{case_id}/entries/new/", {
        "kind": "sms", "occurred_at": "2026-11-20T10:00", "content": "两台服务器之一收到的截图",
        "client_token": str(uuid.uuid4())}, files={"attachments": ("截图.png", photo, "image/png")}, csrf_from=form)
    assert saved.status == 302, saved.text[:2000]
    # ... is downloaded from B, byte for byte; and the blob is in the bucket, not on either disk.
    page = b.get(f"/cases/{case_id}/")
    files = sorted(set(re.findall(r"/files/([0-9a-f-]{36})/", page.text)))
    assert len(files) == 1, page.text[:2000]
    download = b.get(f"/files/{files[0]}/")
    assert download.status == 200 and download.body == photo
    for home in homes:
        assert not [p for p in home.rglob("*") if p.is_file() and p.suffix not in (".log", ".json", "")
                    and "keys" not in p.parts], "a blob was written to a server's disk"
    assert any(k.endswith(".orig") for k in _bucket_keys(s3_server)), "the upload is not in the bucket"

    # A bundle asked for on B is built by the worker and downloaded from A.
    asked = b.post(f"/cases/{case_id}/bundles/", {"date_from": "", "date_to": ""}, csrf_from=f"/cases/{case_id}/")
    assert asked.status == 302
    bundle_id = re.search(r"/bundles/([0-9a-f-]{36})/", b.get(f"/cases/{case_id}/").text).group(1)
    _wait(lambda: a.get(f"/bundles/{bundle_id}/status/").text.find('"available": true') >= 0, 300, "the bundle")
    zipped = a.get(f"/bundles/{bundle_id}/download/")
    assert zipped.status == 200
    with zipfile.ZipFile(io.BytesIO(zipped.body)) as bundle:
        assert photo in [bundle.read(n) for n in bundle.namelist()], bundle.namelist()

    # A logout on B ends the session on A too.
    assert b.post("/accounts/logout/", {}, csrf_from="/").status == 302
    assert a.get("/").status == 302

    # The verify page allows 3 checks an hour per client, counted across both servers.
    anon_a, anon_b = Client(PORTS[0]), Client(PORTS[1])
    checks = [c.post("/verify/", {}, files={"bundle": ("bundle.zip", zipped.body, "application/zip")},
                     csrf_from="/verify/") for c in (anon_a, anon_b, anon_a, anon_b)]
    assert [check.status for check in checks] == [200, 200, 200, 429]
    for check in checks[:2]:  # both servers find the bundle intact and signed with the one signing key
        assert 'class="alert alert-success" id="verdict"' in check.text, check.text[:3000]
        assert "由本站签名。" in check.text or "Signed by this installation." in check.text

    # Four wrong passwords, two on each server, lock the account on both.
    for client in (anon_a, anon_b, anon_a, anon_b):
        assert client.login("borrower", "wrong-password").status != 302
    for client in (Client(PORTS[0]), Client(PORTS[1])):
        refused = client.login("borrower", PASSWORD)
        assert refused.status == 429 and "sessionid" not in client.cookies, refused.status
