from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The composition root: the store's upload handler asks the access gate whose
        # key encrypts a request's files (the store itself knows nothing of cases).
        from evidence.access import upload_owner_for_request
        from evidence.store import uploads

        uploads.set_owner_resolver(upload_owner_for_request)

        # Background tasks hold a lease while they run, and a worker that died is noticed
        # (evidence/worker.py): the signals fire in whichever process runs a task.
        from django_tasks.signals import task_finished, task_started

        from evidence import worker  # imports the models: only once the apps are ready

        task_started.connect(worker.task_started, dispatch_uid="liuzheng-lease-start")
        task_finished.connect(worker.task_finished, dispatch_uid="liuzheng-lease-end")
        if worker.is_worker_process():
            worker.start_reaper()  # at start, then every LEASE/2 s, even while idle
