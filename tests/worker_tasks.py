"""A task for the many-workers test (tests/test_many_workers.py): it notes who ran it, when it
starts and when it ends, so the test can tell a task run twice from a task resumed."""
import os
import time

from django_tasks import task

from evidence.worker import resumable

SLOW = 20  # the task the test kills its worker in the middle of
SLOW_SECONDS = 6.0


def _note(log_dir, line):
    # O_APPEND writes of one short line are atomic: three workers may write at once.
    fd = os.open(os.path.join(log_dir, "runs.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@resumable
@task()
def note_run(number: int, log_dir: str):
    _note(log_dir, f"start {number} {os.getpid()}")
    time.sleep(SLOW_SECONDS if number == SLOW else 0.05)
    _note(log_dir, f"done {number} {os.getpid()}")
    return number
