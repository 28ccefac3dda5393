"""Three `db_worker` processes share one PostgreSQL queue: fifty tasks, each done exactly once,
and one worker killed (SIGKILL) in the middle of a task whose run another worker resumes.

django_tasks_db takes a task with SELECT … FOR UPDATE SKIP LOCKED, so no two workers take the
same row. A worker killed mid-task stops renewing its lease (evidence/worker.py); once the lease
is LIUZHENG_TASK_LEASE_SECONDS old a surviving worker's reaper fails the dead run (WorkerLost)
and, the task being `resumable`, queues it again for another worker. PostgreSQL only: SQLite has
one writer at a time."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.pg import psql
from tests.worker_tasks import SLOW

PG = os.environ.get("LIUZHENG_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG, reason="needs PostgreSQL (LIUZHENG_TEST_DATABASE_URL, .ci/postgres-tests)")

ENQUEUE = r'''
import os
from tests.worker_tasks import note_run
for n in range(50):
    note_run.enqueue(n, os.environ["RUNS_DIR"])
'''
REPORT = r'''
from django_tasks_db.models import DBTaskResult as R
rows = R.objects.all()
print("RESULT", sum(r.status == "SUCCESSFUL" for r in rows), len(rows),
      sorted(r.exception_class_path.rsplit(".", 1)[-1] for r in rows if r.status == "FAILED"),
      sorted(r.return_value for r in rows if r.status == "SUCCESSFUL") == list(range(50)))
'''


def _lines(log):
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def _wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_three_workers_fifty_tasks_one_killed_none_twice(tmp_path):
    url = urlparse(PG)
    name = f"{url.path.lstrip('/')}_workers"
    admin = url._replace(path="/postgres").geturl()
    psql(admin, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0", LIUZHENG_DATA_DIR=str(tmp_path / "var"),
               LIUZHENG_DATABASE_URL=url._replace(path=f"/{name}").geturl(), RUNS_DIR=str(tmp_path),
               # A short lease so the test does not wait two minutes; generous against a loaded machine.
               LIUZHENG_TASK_HEARTBEAT_SECONDS="1", LIUZHENG_TASK_LEASE_SECONDS="8")
    log = Path(tmp_path / "runs.log")
    workers = {}
    try:
        run = dict(cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        result = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
        assert result.returncode == 0, result.stderr
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", ENQUEUE], **run)
        assert result.returncode == 0, result.stderr
        for i in range(3):
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2",
                 "--worker-id", f"w{i}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
            workers[proc.pid] = proc

        # Kill the worker that is in the middle of the slow task: it has started, not finished.
        def victim():
            started = [pid for what, n, pid in _lines(log) if what == "start" and int(n) == SLOW]
            return int(started[0]) if started else None
        assert _wait(lambda: victim() is not None, 300), "the slow task never started"
        killed = victim()
        os.killpg(killed, signal.SIGKILL)
        workers.pop(killed).wait(30)
        assert ["done", str(SLOW), str(killed)] not in _lines(log), "the kill came too late to be mid-task"

        def finished():
            return len({int(n) for what, n, _ in _lines(log) if what == "done"}) >= 50
        assert _wait(finished, 300), f"not every task finished: {log.read_text()}"
        time.sleep(2)  # a task run twice would show up now
        lines = _lines(log)
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", REPORT], **run)
    finally:
        for proc in workers.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    done = Counter(int(n) for what, n, _ in lines if what == "done")
    assert sorted(done) == list(range(50)) and set(done.values()) == {1}, "a task was done twice or not at all"
    started = Counter(int(n) for what, n, _ in lines if what == "start")
    assert started[SLOW] == 2, "the killed run was not resumed exactly once"
    assert all(started[n] == 1 for n in range(50) if n != SLOW), "a task that was not killed ran again"
    resumed_by = [int(pid) for what, n, pid in lines if what == "done" and int(n) == SLOW]
    assert resumed_by[0] != killed and resumed_by[0] in workers, "another worker did not resume it"
    assert len({int(pid) for *_, pid in lines}) >= 2, "the workers did not share the queue"
    # The database agrees: fifty successes, and the killed run failed as WorkerLost (not retried in place).
    report = [line for line in result.stdout.splitlines() if line.startswith("RESULT")]
    assert report == ["RESULT 50 51 ['WorkerLost'] True"], result.stdout + result.stderr
    psql(admin, f'DROP DATABASE IF EXISTS "{name}"')
