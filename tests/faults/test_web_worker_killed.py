"""kill -9 of the gunicorn worker in the middle of an upload: no partial evidence appears,
no plaintext is on disk, the server answers again, verify_custody is clean."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

import psutil

from tests.faults.conftest import ROOT, SESSION_SETUP, http
from tests.s3 import free_ports

PORT = free_ports(1)[0]


def _get(path, cookie):
    return http(PORT, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode(), timeout=10)


def test_a_killed_web_worker_leaves_no_partial_evidence(install):
    out = install.shell(SESSION_SETUP).stdout
    case_id, session = re.search(r"CASE (\S+) SESSION (\S+)", out).groups()
    log = open(install.data_dir / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", "1",
                               "-k", "gthread", "--threads", "2", "--timeout", "60"], cwd=ROOT, env=install.env,
                              stdout=log, stderr=subprocess.STDOUT)
    install.procs.append(server)
    try:
        install.wait_for(lambda: _try(lambda: b"200 OK" in _get("/accounts/login/", "")), what="gunicorn")
        cookie = f"sessionid={session}"
        page = _get(f"/cases/{case_id}/entries/new/", cookie)
        assert b"200 OK" in page, page[:300]
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        csrf_cookie = re.search(rb"csrftoken=([^;]+);", page).group(1).decode()
        cookie += f"; csrftoken={csrf_cookie}"

        boundary = uuid.uuid4().hex
        fields = {"csrfmiddlewaretoken": csrf, "kind": "sms", "occurred_at": "2026-11-20T10:00",
                  "content": "半路被杀的上传", "client_token": str(uuid.uuid4())}
        head = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                        for k, v in fields.items())
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"录音.wav\"\r\n"
                 f"Content-Type: audio/wav\r\n\r\n").encode()
        marker = b"PLAINTEXT-MARKER-" * 4096  # 68 KB we can look for on disk
        total = len(head) + 40 * 1024 * 1024
        sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        sock.sendall((f"POST /cases/{case_id}/entries/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n"
                      f"Referer: http://127.0.0.1:{PORT}/\r\n\r\n").encode() + head)
        for _ in range(160):  # ~10 MB of the 40
            sock.sendall(marker)
        parts = install.data_dir / "blobs" / "tmp"
        install.wait_for(lambda: parts.exists() and list(parts.glob("*.part")), what="the upload to be under way")
        worker = psutil.Process(server.pid).children()[0]
        os.kill(worker.pid, signal.SIGKILL)
        sock.close()

        # The master starts a new worker; the server answers again.
        install.wait_for(lambda: _try(lambda: b"200 OK" in _get(f"/cases/{case_id}/", cookie)), timeout=60,
                         what="a new worker")
        assert install.query("SELECT COUNT(*) FROM evidence_entry")[0][0] == 0
        assert install.query("SELECT COUNT(*) FROM evidence_attachment")[0][0] == 0
        # No plaintext anywhere under the data directory: only ciphertext .part files.
        for path in install.data_dir.rglob("*"):
            if path.is_file() and path.suffix not in (".log",):
                assert b"PLAINTEXT-MARKER" not in path.read_bytes(), path
        assert "1 stale upload part" in install.manage("gc_blobs", "--min-age-hours", "0").stdout
        install.manage("verify_custody")
    finally:
        server.terminate()
        server.wait(20)


def _try(fn):
    try:
        return fn()
    except OSError:
        time.sleep(0.2)
        return False
