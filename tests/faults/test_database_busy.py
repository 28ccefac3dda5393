"""The database locked: another connection holds SQLite's write lock (a backup, a long
migration, a stuck process) while a user saves an entry through a real gunicorn server.

Decided: a write waits for the lock up to LIUZHENG_SQLITE_TIMEOUT_SECONDS (so a short lock is
invisible); past that the user gets a 503 page in their language saying nothing was saved and
to send it again (Retry-After), never a bare 500; nothing half-saved is left, and the same
form sent once the lock is gone is saved."""
import re
import sqlite3
import threading
import time
import uuid

from tests.faults.conftest import SESSION_SETUP, Browser, header, status
from tests.media_samples import png_bytes
from tests.s3 import free_ports

PORT = free_ports(1)[0]


def _lock(install):
    con = sqlite3.connect(install.db, timeout=20, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")  # the write lock, held until rollback
    return con


def _entry_form(case_id, text):
    return {"kind": "sms", "occurred_at": "2026-11-20T10:00", "content": text, "client_token": str(uuid.uuid4())}


def test_a_locked_database_is_a_clear_busy_page_and_nothing_is_lost(install):
    case_id, session = re.search(r"CASE (\S+) SESSION (\S+)", install.shell(SESSION_SETUP).stdout).groups()
    install.start_web(PORT, extra_env={"LIUZHENG_SQLITE_TIMEOUT_SECONDS": "2"})
    user = Browser(PORT, session)
    new = f"/cases/{case_id}/entries/new/"
    assert status(user.get(new)) == 200
    events = install.query("SELECT COUNT(*) FROM evidence_custodyevent")[0][0]

    lock = _lock(install)
    try:
        started = time.monotonic()
        answer = user.post(new, _entry_form(case_id, "锁住时提交的短信"), files=[("attachments", "截图.png", png_bytes())])
        waited = time.monotonic() - started
    finally:
        lock.execute('ROLLBACK')
        lock.close()
    assert status(answer) == 503, answer[:400]
    assert header(answer, "Retry-After") == "10"
    body = answer.decode("utf-8", "replace")
    assert "服务器繁忙" in body and "这次没有保存任何内容" in body  # in the user's language
    assert 1.5 < waited < 15, waited  # it waited for the lock first
    assert install.query("SELECT COUNT(*) FROM evidence_entry")[0][0] == 0
    assert install.query("SELECT COUNT(*) FROM evidence_attachment")[0][0] == 0
    assert install.query("SELECT COUNT(*) FROM evidence_custodyevent")[0][0] == events

    # A lock shorter than the busy timeout: the write waits and goes through.
    user.get(new)
    lock = _lock(install)
    threading.Timer(0.8, lambda: (lock.execute('ROLLBACK'), lock.close())).start()
    answer = user.post(new, _entry_form(case_id, "稍后再次提交的短信"), files=[("attachments", "截图.png", png_bytes())])
    assert status(answer) == 302, answer[:400]
    assert install.query("SELECT COUNT(*) FROM evidence_entry")[0][0] == 1
    assert install.query("SELECT COUNT(*) FROM evidence_attachment")[0][0] == 1
    install.manage("verify_custody")
    # The server is healthy after both.
    assert status(user.get(f"/cases/{case_id}/")) == 200
