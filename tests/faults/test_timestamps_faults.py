"""Faults of the trusted-timestamp batch, with a real worker process and a real TSA
(`openssl ts -reply`, tests/tsa.py):

* kill -9 of the worker while its batch waits for the TSA: after a restart every item is
  stamped exactly once, one token for the lot, no orphan token, the chain verifies;
* a TSA that takes the request and never answers: the worker gives up after
  LIUZHENG_TSA_TIMEOUT, the page says "server time only" until then, and the items are
  stamped when the TSA answers again."""
import os
import signal
import time

import pytest

SETUP = r'''
from django.utils import timezone
from accounts.services import user_create
from evidence.cases.services import case_create, entry_create
from evidence.store.uploads import encrypted_upload_from_bytes
from tests.media_samples import png_bytes, wav_bytes
u = user_create(username="stamped", password="Correct-horse-42")
case = case_create(owner=u, lender="借呗")
uploads = [encrypted_upload_from_bytes(owner_id=u.pk, name="截图.png", data=png_bytes()),
           encrypted_upload_from_bytes(owner_id=u.pk, name="录音.wav", data=wav_bytes(seconds=1))]
entry, _ = entry_create(case=case, actor=u, kind="call", occurred_at=timezone.now(), uploads=uploads)
print("ENTRY", entry.pk)
'''

PAGE = r'''
from django.test import Client
from evidence.models import Entry
e = Entry.objects.get()
c = Client()
c.force_login(e.case.owner, backend="django.contrib.auth.backends.ModelBackend")
print(c.get(e.get_absolute_url(), HTTP_HOST="127.0.0.1").content.decode())
'''

STAMP_TASK = "SELECT {} FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%stamp_pending_task'"


@pytest.fixture
def tsa_env(tsa_server):
    tsa_server.mode, tsa_server.requests = "ok", 0
    yield {"LIUZHENG_TSA_URLS": tsa_server.url, "LIUZHENG_TSA_CA_FILE": tsa_server.ca_file,
           "LIUZHENG_TSA_ATTEMPTS": "1"}
    tsa_server.mode = "ok"


def _pending(install):
    return install.query("SELECT COUNT(*) FROM evidence_timestamp WHERE token_id IS NULL")[0][0]


def _settled(install):
    """Every stamp batch finished (none queued for now or running)."""
    return not install.query(STAMP_TASK.format("id") + " AND status IN ('RUNNING', 'READY') AND "
                             "(run_after IS NULL OR run_after <= datetime('now'))")


def test_a_worker_killed_mid_batch_stamps_everything_exactly_once_after_a_restart(install, tsa_server, tsa_env):
    install.shell(SETUP, extra_env=tsa_env)
    items = install.query("SELECT COUNT(*) FROM evidence_timestamp")[0][0]
    assert items == 3 and _pending(install) == 3  # two files and the chain head

    tsa_server.mode = "hang"  # the batch is in flight when the worker dies
    worker = install.start_worker(extra_env={**tsa_env, "LIUZHENG_TSA_TIMEOUT": "120"})
    install.wait_for(lambda: tsa_server.requests >= 1, what="the batch to reach the TSA")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert install.query(STAMP_TASK.format("COUNT(*)") + " AND status = 'RUNNING'")[0][0] == 1
    assert _pending(install) == 3 and install.query("SELECT COUNT(*) FROM evidence_timestamptoken")[0][0] == 0

    tsa_server.mode = "ok"
    install.start_worker(extra_env=tsa_env)  # the restart
    install.wait_for(lambda: _pending(install) == 0, timeout=60, what="the items to be stamped")
    install.wait_for(lambda: _settled(install) and not install.query(
        STAMP_TASK.format("id") + " AND status = 'RUNNING'"), timeout=60, what="every batch to finish")
    time.sleep(1)  # a last batch would have been picked up by now (interval 0.2 s)

    tokens = install.query("SELECT id, der, digest FROM evidence_timestamptoken")
    assert len(tokens) == 1, "one token for the batch, none duplicated or orphaned"
    assert {row[0] for row in install.query("SELECT token_id FROM evidence_timestamp")} == {tokens[0][0]}
    assert tsa_server.requests == 2  # the one that hung, and the batch after the restart; no third
    assert install.query(STAMP_TASK.format("exception_class_path") + " AND status = 'FAILED'") == \
        [("evidence.worker.WorkerLost",)]
    verified = tsa_server.openssl_verify(bytes(tokens[0][1]), tokens[0][2])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    install.manage("verify_custody")
    assert "可信时间戳" in install.shell(PAGE).stdout


def test_a_hanging_tsa_times_out_says_server_time_only_and_stamps_later(install, tsa_server, tsa_env):
    tsa_server.mode = "hang"
    install.shell(SETUP, extra_env=tsa_env)
    started = time.monotonic()
    install.start_worker(extra_env={**tsa_env, "LIUZHENG_TSA_TIMEOUT": "2"})
    install.wait_for(lambda: install.query("SELECT MIN(attempts) FROM evidence_timestamp")[0][0] >= 1, timeout=60,
                     what="the batch to give up on the TSA")
    waited = time.monotonic() - started
    assert waited < 30, f"the worker waited {waited:.0f} s for a TSA that never answers"
    errors = {row[0] for row in install.query("SELECT last_error FROM evidence_timestamp")}
    assert all("timed out" in e or "unreachable" in e for e in errors), errors
    assert _pending(install) == 3 and install.query("SELECT COUNT(*) FROM evidence_timestamptoken")[0][0] == 0
    page = install.shell(PAGE, extra_env=tsa_env).stdout
    assert "时间戳服务暂无响应" in page and "仅记录服务器时间" in page  # the page says which
    assert "可信时间戳 ·" not in page

    tsa_server.mode = "ok"  # the TSA is back: the retry (after its back-off) stamps everything
    install.wait_for(lambda: _pending(install) == 0, timeout=120, what="the retry to stamp")
    assert install.query("SELECT COUNT(*) FROM evidence_timestamptoken")[0][0] == 1
    page = install.shell(PAGE, extra_env=tsa_env).stdout
    assert "可信时间戳 ·" in page and "暂无响应" not in page
    install.manage("verify_custody")
