"""Background work that survives its worker: leases, heartbeats and the reaper.

`manage.py db_worker` (django_tasks_db) claims a task by marking its row RUNNING and
has nothing that notices when the worker dies: a `kill -9`, an OOM kill or a power cut
left a bundle "running 15 %" for ever, the task row RUNNING and a `.part` file behind.

Here, in every process that runs tasks (wired in evidence/apps.py):
* when a task starts it takes a lease (`TaskLease`), which a heartbeat thread renews every
  LIUZHENG_TASK_HEARTBEAT_SECONDS while the task runs; the lease ends with the task;
* the reaper (`reap`) fails every RUNNING task whose lease was not renewed for
  LIUZHENG_TASK_LEASE_SECONDS (or that never took one), once: its task row becomes FAILED,
  the `.part` files it listed are deleted, and what the task was doing is settled: an
  export is failed with a message the user sees ("interrupted, export again"); a task that
  is safe to run again from its start (`resumable`: the timestamp batch, and any task
  registered with `resumable(task)`) is queued again with the same arguments, so another
  worker resumes it; and any due timestamp with no batch queued gets one (nothing waits
  for the next upload to be stamped);
* the reaper runs when a worker starts, every LEASE/2 seconds in every worker (idle or
  busy) and before each task; `manage.py recover_tasks` runs it by hand.

Several workers, on several machines, may run it at once: a task is taken over by one
conditional UPDATE of its row (RUNNING → FAILED), so only one reaper acts on it. A worker
that was only stalled (not dead) finds its lease gone at its next heartbeat and stops.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from evidence.bundle.services import bundle_fail
from evidence.custody.timestamps import stamp_pending_task
from evidence.lib import jobs
from evidence.models import Bundle, TaskLease, Timestamp
from evidence.store import blobstore

log = logging.getLogger("liuzheng.worker")

BUNDLE_TASK = "evidence.bundle.services.bundle_build_task"
STAMP_TASK = "evidence.custody.timestamps.stamp_pending_task"


# Tasks the reaper queues again (same arguments) when their worker dies: each must be safe to
# run again from its start (idempotent, or keeping nothing of a run that did not finish).
RESUMABLE: set[str] = {STAMP_TASK}


def resumable(task):
    """Register a task (a django_tasks Task) as safe to run again when its worker dies."""
    RESUMABLE.add(task.module_path)
    return task


class WorkerLost(Exception):
    """The worker running this task stopped without finishing it (recorded on the task row)."""


# --------------------------------------------------------------------------- leases


def _task_path(task_result) -> str:
    task = task_result.task
    return getattr(task, "module_path", "") or f"{task.func.__module__}.{task.func.__qualname__}"


def _note_part(task_id):
    def note(name):
        lease = TaskLease.objects.filter(pk=task_id).first()
        if lease and name not in lease.part_files:
            TaskLease.objects.filter(pk=task_id).update(part_files=[*lease.part_files, name])
    return note


class _Heartbeat(threading.Thread):
    def __init__(self, job):
        super().__init__(name=f"lease-{job.task_id}", daemon=True)
        self.job = job
        self.stop = threading.Event()

    def run(self):
        every = settings.LIUZHENG_TASK_HEARTBEAT_SECONDS
        try:
            while not self.stop.wait(every):
                try:
                    renewed = TaskLease.objects.filter(pk=self.job.task_id).update(heartbeat_at=timezone.now())
                except Exception:  # a locked or unreachable database: try again next beat
                    log.warning("Could not renew the lease of task %s", self.job.task_id, exc_info=True)
                    continue
                if not renewed:
                    log.error("Task %s lost its lease: stopping it", self.job.task_id)
                    self.job.lost.set()
                    return
        finally:
            connection.close()


_beats: dict = {}


def _leased(task_result) -> bool:
    """Leases are for the database queue's tasks, which a separate worker process runs and may
    die with (the reaper looks only at that queue's rows). A backend that runs a task inline,
    in the caller's process (django_tasks' immediate backend), has no worker to lose."""
    return isinstance(task_backends[task_result.backend], DatabaseBackend)


def task_started(sender, task_result, **kwargs):
    """Signal handler (django_tasks.signals.task_started), in the thread that runs the task."""
    reap_quietly()
    if not _leased(task_result):
        return
    task_id = str(task_result.id)
    worker = (task_result.worker_ids or ["?"])[-1][:64]
    TaskLease.objects.update_or_create(pk=task_id, defaults={
        "task_path": _task_path(task_result)[:200], "worker_id": worker, "heartbeat_at": timezone.now()})
    job = jobs.Job(task_id, note_part=_note_part(task_id))
    jobs.set_current(job)
    beat = _beats[task_id] = _Heartbeat(job)
    beat.start()


def task_finished(sender, task_result, **kwargs):
    if not _leased(task_result):
        return
    task_id = str(task_result.id)
    beat = _beats.pop(task_id, None)
    if beat:
        beat.stop.set()
    jobs.set_current(None)
    TaskLease.objects.filter(pk=task_id).delete()


# --------------------------------------------------------------------------- the reaper


def _delete_parts(names):
    for name in names or ():
        if isinstance(name, str) and name.endswith(".part") and "/" not in name and not name.startswith("."):
            (blobstore.tmp_dir() / name).unlink(missing_ok=True)


def _settle_bundle(bundle_id, task_id):
    bundle = Bundle.objects.select_related("case").filter(pk=bundle_id).first()
    if bundle and bundle.status in (Bundle.Status.QUEUED, Bundle.Status.RUNNING):
        bundle_fail(bundle=bundle, error=f"{Bundle.INTERRUPTED}: the worker running the export stopped at "
                                         f"{bundle.progress} % (task {task_id}); nothing was kept")


def _settle_stamps(task_id):
    stamp_pending_task.enqueue()  # what was due is still due: the batch picks it up again


def _is_resumable(task_path) -> bool:
    if task_path not in RESUMABLE:
        try:  # importing the task's module registers it, in a worker that never ran it
            import_string(task_path)
        except ImportError:
            return False
    return task_path in RESUMABLE


def _resume(row):
    """Queue a dead worker's task again, with its arguments, priority and queue."""
    call = row.args_kwargs or {}
    row.task.enqueue(*call.get("args", []), **call.get("kwargs", {}))


def _resume_due_stamps(now):
    """Timestamps that are due with no batch queued or running (its enqueue was lost: the
    database was locked at that moment, or the batch failed on a write) get a batch again."""
    due = Timestamp.objects.filter(token__isnull=True, next_try_at__lte=now).exists()
    if due and not DBTaskResult.objects.filter(task_path=STAMP_TASK, status__in=["READY", "RUNNING"]).exists():
        log.warning("Timestamps are due and no batch is queued: queueing one")
        stamp_pending_task.enqueue()


def reap(now=None) -> int:
    """Fail every task whose worker died; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIUZHENG_TASK_LEASE_SECONDS)
    alive = TaskLease.objects.filter(heartbeat_at__gte=cutoff).values_list("task_id", flat=True)
    stale = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).exclude(pk__in=list(alive))
    reaped = 0
    for row in stale:
        with transaction.atomic():
            taken = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
                status="FAILED", finished_at=now, return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"WorkerLost: no heartbeat for {settings.LIUZHENG_TASK_LEASE_SECONDS} s; "
                          f"the worker ({', '.join(row.worker_ids) or '?'}) stopped without finishing\n")
            lease = TaskLease.objects.filter(pk=row.pk).first()
            parts = lease.part_files if lease else []
            TaskLease.objects.filter(pk=row.pk).delete()
        if not taken:
            continue  # another reaper took it
        reaped += 1
        _delete_parts(parts)
        log.error("Task %s (%s) was interrupted: its worker stopped; settled", row.pk, row.task_path)
        args = (row.args_kwargs or {}).get("args") or []
        if row.task_path == BUNDLE_TASK and args:
            _settle_bundle(args[0], row.pk)
        elif row.task_path == STAMP_TASK:
            _settle_stamps(row.pk)
        elif _is_resumable(row.task_path):
            _resume(row)
    _resume_due_stamps(now)
    # Leases of tasks that ended some other way (their row is no longer RUNNING).
    TaskLease.objects.filter(heartbeat_at__lt=cutoff).exclude(
        task_id__in=list(DBTaskResult.objects.filter(status="RUNNING").values_list("pk", flat=True))).delete()
    return reaped


def reap_quietly():
    try:
        return reap()
    except Exception:  # the reaper must never take a worker (or a task) down with it
        log.exception("The task reaper failed")
        return 0


class _Reaper(threading.Thread):
    """In an idle worker too: a task whose worker died is settled within LEASE/2 s."""

    def __init__(self):
        super().__init__(name="task-reaper", daemon=True)

    def run(self):
        while True:
            reap_quietly()
            close_old_connections()
            time.sleep(max(settings.LIUZHENG_TASK_LEASE_SECONDS / 2, 1))


def is_worker_process(argv=None) -> bool:
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and argv[1] == "db_worker"


def start_reaper():
    _Reaper().start()
