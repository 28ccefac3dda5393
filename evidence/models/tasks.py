"""Leases on background work: which task a worker is running now, renewed while it runs."""
from django.db import models


class TaskLease(models.Model):
    """A task a worker has started. The worker renews `heartbeat_at` every few seconds;
    a lease left unrenewed past LIUZHENG_TASK_LEASE_SECONDS means the worker died, and the
    next worker to look (evidence/worker.py) fails or re-queues the task and deletes the
    `.part` files it listed. Not evidence: no custody event, deleted when the task ends."""

    task_id = models.UUIDField(primary_key=True)  # django_tasks_db's DBTaskResult id
    task_path = models.CharField(max_length=200)
    worker_id = models.CharField(max_length=64)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(db_index=True)
    # Temporary ciphertext the task is writing (blob store .part names): deleted if it dies.
    part_files = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"lease {self.task_id} ({self.task_path})"
