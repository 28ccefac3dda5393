"""At rest, nothing is readable: the real server, the real SQLite file, the real temp dir.

Runs `migrate` + `seed_demo` and a gunicorn server as separate processes on a
fresh data directory, uploads files carrying marker bytes through HTTP, kills
the server in the middle of an upload, then scans every byte left on disk.
"""
import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.media_samples import png_bytes, wav_bytes
from tests.s3 import free_ports

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo-pass-2026"


def _manage(env, *args, input_text=None):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, input=input_text, timeout=300)


def _multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf(self):
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.read().decode()

    def post(self, path, body, content_type):
        req = urllib.request.Request(self.base + path, data=body, headers={
            "Content-Type": content_type, "Referer": self.base + path, "X-CSRFToken": self.csrf()})
        with self.opener.open(req, timeout=120) as r:
            return r.geturl(), r.read().decode()

    def login(self, username):
        self.get("/accounts/login/")
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": self.csrf()}).encode()
        url, _ = self.post("/accounts/login/", body, "application/x-www-form-urlencoded")
        assert "/accounts/login/" not in url, "login failed"


@pytest.fixture
def site(tmp_path):
    data = tmp_path / "var"
    temp = tmp_path / "tmp"
    temp.mkdir()
    # A fresh installation of its own: the suite's LIUZHENG_* (on the PostgreSQL pass, the
    # database every test process shares) must not reach it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env = {**env, "LIUZHENG_DATA_DIR": str(data), "TMPDIR": str(temp), "LIUZHENG_TMP_DIR": str(temp),
           "LIUZHENG_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_TSA_DEFAULTS": "0"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    _manage(env, "migrate", "-v0")
    _manage(env, "seed_demo", "--password", PASSWORD)
    port = free_ports(1)[0]
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "-k", "gthread", "--threads", "2", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield {"env": env, "data": data, "temp": temp, "port": port, "proc": proc,
           "base": f"http://127.0.0.1:{port}"}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _decrypted_texts(env):
    """Every secret the app holds, read through the app itself (so we know what to look for)."""
    script = (
        "import json\n"
        "from evidence.models import Case, Entry, Attachment\n"
        "out = []\n"
        "for c in Case.objects.all(): out += [c.lender, c.notes, c.collector_numbers, c.agencies]\n"
        "for e in Entry.objects.select_related('case'): out += [e.content, e.number, e.contact_name, e.claimed_identity]\n"
        "for a in Attachment.objects.select_related('case'): out.append(a.original_name)\n"
        "print(json.dumps([t for t in out if t and len(t.encode()) >= 6]))\n"
    )
    return json.loads(_manage(env, "shell", "-c", script).stdout.strip().splitlines()[-1])


def _every_file(*roots):
    for root in roots:
        for path in Path(root).rglob("*"):
            if path.is_file():
                yield path


def test_nothing_readable_is_left_on_disk_even_after_a_crash(site):
    browser = Browser(site["base"])
    browser.login("demo")
    case_id = re.search(r"/cases/([0-9a-f-]{36})/", browser.get("/")).group(1)
    marker = b"LZMARK" + uuid.uuid4().hex.encode()
    sms_text = "测试标记短信" + uuid.uuid4().hex
    contact_number = "139" + str(uuid.uuid4().int)[:8]

    from PIL import PngImagePlugin  # a PNG that decodes, carrying the marker in a text chunk
    import io
    from PIL import Image

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker.decode())
    png = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).save(png, "PNG", pnginfo=info)
    wav = wav_bytes(1)[:44] + marker * 200

    page = browser.get(f"/cases/{case_id}/entries/new/?kind=third_party")
    token = re.search(r'name="client_token" value="([^"]+)"', page).group(1)
    body, ctype = _multipart(
        [("kind", "third_party"), ("occurred_at", "2026-11-20T10:00"), ("client_token", token),
         ("contact_name", "测试联系人"), ("number", contact_number), ("content", sms_text)],
        [("attachments", "marked.png", png.getvalue()), ("attachments", "marked.wav", wav)])
    url, _ = browser.post(f"/cases/{case_id}/entries/new/", body, ctype)
    assert f"/cases/{case_id}/" in url

    # Kill the server in the middle of a large upload.
    big_marker = b"LZBIG" + uuid.uuid4().hex.encode()
    page = browser.get(f"/cases/{case_id}/entries/new/?kind=other")
    token = re.search(r'name="client_token" value="([^"]+)"', page).group(1)
    head, ctype = _multipart([("kind", "other"), ("occurred_at", "2026-11-20T10:00"), ("client_token", token)],
                             [("attachments", "video.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")])
    head = head[: head.rindex(b"\r\n--")]  # leave the file part open
    conn = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=30)
    conn.putrequest("POST", f"/cases/{case_id}/entries/new/")
    conn.putheader("Content-Type", ctype)
    conn.putheader("Content-Length", str(len(head) + 50 * 1024 * 1024))
    conn.putheader("X-CSRFToken", browser.csrf())
    conn.putheader("Referer", site["base"] + "/")
    conn.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in browser.jar))
    conn.endheaders()
    conn.send(head)
    for _ in range(12):  # ~12 MB of the promised 50
        conn.send((big_marker + os.urandom(1000)) * 1000)
    time.sleep(0.5)
    os.killpg(site["proc"].pid, signal.SIGKILL)
    site["proc"].wait()
    conn.close()

    secrets = [t.encode() for t in _decrypted_texts(site["env"])]
    assert sms_text.encode() in secrets and contact_number.encode() in secrets
    assert len(secrets) > 40, "seed_demo should have filled the case"
    needles = [marker, big_marker, *secrets]
    files = list(_every_file(site["data"], site["temp"]))
    assert any(p.name.endswith(".sqlite3") for p in files)
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle not in content, f"{needle[:30]!r} in plaintext in {path}"

    # The killed upload left no attachment row and no blob that a row points to.
    check = (
        "from evidence.models import Attachment\n"
        "from evidence.store import blobstore\n"
        "bad = [str(a.pk) for a in Attachment.objects.select_related('case') "
        "if len(blobstore.read_bytes(a.case.owner_id, a.pk, 'original', a.blob_key)) != a.size]\n"
        "print('BAD', bad, Attachment.objects.filter(original_name__isnull=True).count())\n"
    )
    assert "BAD [] 0" in _manage(site["env"], "shell", "-c", check).stdout
