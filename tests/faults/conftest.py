"""The fault suite's installation: a real data directory, migrated, with real processes
(`manage.py db_worker`, `manage.py shell`) run against it, as `make run` would."""
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Install:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
        self.env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_DATA_DIR": str(data_dir),
                         "LIUZHENG_TSA_DEFAULTS": "0", "LIUZHENG_TASK_HEARTBEAT_SECONDS": "1", "LIUZHENG_TASK_LEASE_SECONDS": "4",
                         "PYTHONUNBUFFERED": "1"})
        self.procs = []

    @property
    def db(self):
        return self.data_dir / "liuzheng.sqlite3"

    def manage(self, *args, check=True, timeout=300, extra_env=None):
        env = {**self.env, **(extra_env or {})}
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout)
        if check and done.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, code, **kw):
        return self.manage("shell", "-c", code, **kw)

    def start_worker(self, extra_env=None):
        log = open(self.data_dir / f"worker-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2",
                                 "--no-reload"], cwd=ROOT, env={**self.env, **(extra_env or {})}, stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def start_web(self, port, extra_env=None):
        """gunicorn as in production (one worker, threads), in its own process group so that a
        test can kill -9 the master and its workers at once."""
        log = open(self.data_dir / f"gunicorn-{len(self.procs)}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                                 "-k", "gthread", "--threads", "2", "--timeout", "60"], cwd=ROOT,
                                env={**self.env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        self.wait_for(lambda: _answers(port), what="gunicorn")
        return proc

    def query(self, sql, params=()):
        con = sqlite3.connect(self.db, timeout=20)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def wait_for(self, predicate, timeout=60, what="condition"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, 9) if os.getpgid(proc.pid) == proc.pid else proc.kill()
                except ProcessLookupError:
                    pass
                proc.wait(10)


# --------------------------------------------------------------------------- plain HTTP to a real server

SESSION_SETUP = r'''
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.services import user_create
from evidence.cases.services import case_create
u = user_create(username="uploader", password="Correct-horse-42")
case = case_create(owner=u, lender="借呗")
s = SessionStore()
s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save()
print("CASE", case.pk, "SESSION", s.session_key)
'''


def http(port, request: bytes, timeout=30) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def http_get(port, path, cookie=""):
    return http(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
                .encode())


def _answers(port):
    try:
        return b"200 OK" in http_get(port, "/accounts/login/")
    except OSError:
        time.sleep(0.2)
        return False


class Browser:
    """A signed-in user's cookies and CSRF token, posting forms to a real server."""

    def __init__(self, port, session):
        self.port = port
        self.cookie = f"sessionid={session}"
        self.csrf = None

    def get(self, path):
        page = http_get(self.port, path, self.cookie)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token:
            self.csrf = token.group(1).decode()
        cookie = re.search(rb"csrftoken=([^;]+);", page)
        if cookie and "csrftoken" not in self.cookie:
            self.cookie += f"; csrftoken={cookie.group(1).decode()}"
        return page

    def post(self, path, fields, files=()):
        boundary = uuid.uuid4().hex
        body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                        for k, v in {"csrfmiddlewaretoken": self.csrf, **fields}.items())
        for name, filename, data in files:
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {self.cookie}\r\nConnection: close\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n"
                f"Referer: http://127.0.0.1:{self.port}/\r\n\r\n").encode()
        return http(self.port, head + body)


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def header(response: bytes, name: str):
    found = re.search(rb"\r\n" + name.encode() + rb": ([^\r]*)\r\n", response, re.I)
    return found and found.group(1).decode()


@pytest.fixture
def install(tmp_path):
    inst = Install(tmp_path / "var")
    inst.manage("migrate", "--noinput", "-v", "0")
    inst.manage("init_keys")
    yield inst
    inst.stop()
