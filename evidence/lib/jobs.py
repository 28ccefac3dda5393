"""What a background job may ask of the worker running it, without knowing the worker.

evidence/worker.py sets the current job when a task starts (a lease it renews while the
task runs). A job lists the temporary files it writes (`note_part`), so that a worker that
dies with them open leaves nothing behind, and calls `check_alive()` now and then: if its
lease was taken (the worker stalled past the lease and another worker failed the task),
it stops instead of finishing work that is no longer its own. Outside a worker both are no-ops.
"""
from __future__ import annotations

import threading

_local = threading.local()


class LeaseLost(Exception):
    """The task's lease was taken by another worker: the task was already failed or re-queued."""


class Job:
    def __init__(self, task_id: str, note_part=None):
        self.task_id = task_id
        self.lost = threading.Event()
        self._note_part = note_part

    def note_part(self, name: str):
        if self._note_part:
            self._note_part(name)


def current() -> Job | None:
    return getattr(_local, "job", None)


def set_current(job: Job | None):
    _local.job = job


def note_part(name: str):
    job = current()
    if job:
        job.note_part(name)


def check_alive():
    job = current()
    if job and job.lost.is_set():
        raise LeaseLost(f"task {job.task_id} lost its lease")
