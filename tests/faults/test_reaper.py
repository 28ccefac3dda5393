"""The reaper, in one process: a dead worker's task is settled once, a live one is left alone."""
from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from evidence import worker
from evidence.bundle.services import bundle_request
from evidence.models import Bundle, CustodyEvent, TaskLease
from evidence.store import blobstore


def _running_export(case, owner, capture, *, started_ago):
    with capture(execute=True):
        bundle = bundle_request(case=case, actor=owner, selection={})
    row = DBTaskResult.objects.get(task_path="evidence.bundle.services.bundle_build_task")
    DBTaskResult.objects.filter(pk=row.pk).update(status="RUNNING", started_at=timezone.now() - started_ago,
                                                  worker_ids=["w1"])
    Bundle.objects.filter(pk=bundle.pk).update(status="running", progress=15)
    return bundle, row


def test_a_dead_workers_export_is_failed_once(case, borrower, django_capture_on_commit_callbacks):
    bundle, row = _running_export(case, borrower, django_capture_on_commit_callbacks, started_ago=timedelta(hours=1))
    part = blobstore.tmp_dir() / "0123abcd.part"
    part.write_bytes(b"ciphertext")
    TaskLease.objects.create(task_id=row.pk, task_path=row.task_path, worker_id="w1",
                             heartbeat_at=timezone.now() - timedelta(minutes=10), part_files=[part.name])
    assert worker.reap() == 1
    assert worker.reap() == 0  # a second reaper (another worker) finds nothing left to do
    bundle.refresh_from_db()
    assert bundle.status == "failed" and bundle.was_interrupted and "15 %" in bundle.error
    assert DBTaskResult.objects.get(pk=row.pk).status == "FAILED"
    assert not part.exists() and not TaskLease.objects.exists()
    assert CustodyEvent.objects.filter(action="bundle.fail", object_id=str(bundle.pk)).count() == 1


def test_a_task_with_a_fresh_heartbeat_is_left_alone(case, borrower, django_capture_on_commit_callbacks):
    bundle, row = _running_export(case, borrower, django_capture_on_commit_callbacks, started_ago=timedelta(hours=1))
    TaskLease.objects.create(task_id=row.pk, task_path=row.task_path, worker_id="w1", heartbeat_at=timezone.now())
    assert worker.reap() == 0
    bundle.refresh_from_db()
    assert bundle.status == "running" and DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


def test_an_interrupted_timestamp_batch_is_queued_again(db):
    from evidence.custody.timestamps import stamp_pending_task

    result = stamp_pending_task.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=timezone.now() - timedelta(hours=1))
    assert worker.reap() == 1
    assert DBTaskResult.objects.filter(task_path=stamp_pending_task.module_path, status="READY").count() == 1


def test_a_stalled_worker_that_lost_its_lease_stops(case, borrower):
    from evidence.bundle.services import bundle_build
    from evidence.lib import jobs

    bundle = bundle_request(case=case, actor=borrower, selection={})
    job = jobs.Job("t1")
    job.lost.set()  # what its heartbeat found: another worker took the task
    jobs.set_current(job)
    try:
        import pytest

        with pytest.raises(jobs.LeaseLost):
            bundle_build(bundle=bundle)
    finally:
        jobs.set_current(None)
    assert not list(blobstore.tmp_dir().glob("*.part"))
    assert not CustodyEvent.objects.filter(action__in=["bundle.fail", "bundle.export"]).exists()


def test_a_resumable_task_is_queued_again_with_its_arguments(db, tmp_path):
    from tests.worker_tasks import note_run

    assert note_run.module_path in worker.RESUMABLE
    result = note_run.enqueue(7, str(tmp_path))
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", started_at=timezone.now() - timedelta(hours=1))
    assert worker.reap() == 1
    again = DBTaskResult.objects.get(task_path=note_run.module_path, status="READY")
    assert again.pk != result.id and again.args_kwargs == {"args": [7, str(tmp_path)], "kwargs": {}}
    assert DBTaskResult.objects.get(pk=result.id).exception_class_path == "evidence.worker.WorkerLost"


def test_a_task_not_marked_resumable_is_only_failed(db):
    from evidence.bundle.services import bundle_build_task

    assert bundle_build_task.module_path not in worker.RESUMABLE
    assert not worker._is_resumable("evidence.no_such_module.task")


def test_due_timestamps_with_no_batch_queued_get_one(tsa, entry):
    """The batch's enqueue can be lost (it runs after the commit; a locked database refuses
    it): the reaper, which every worker runs, queues one, and only one."""
    from evidence.custody.timestamps import stamp_pending_task
    from evidence.models import Timestamp

    assert Timestamp.objects.filter(token__isnull=True).exists()
    assert not DBTaskResult.objects.filter(task_path=stamp_pending_task.module_path).exists()  # on_commit never ran
    worker.reap()
    worker.reap()
    assert DBTaskResult.objects.filter(task_path=stamp_pending_task.module_path, status="READY").count() == 1
