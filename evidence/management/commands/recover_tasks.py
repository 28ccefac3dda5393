from django.core.management.base import BaseCommand

from evidence.worker import reap


class Command(BaseCommand):
    help = ("Settle background tasks whose worker died (no heartbeat for LIUZHENG_TASK_LEASE_SECONDS): "
            "exports are failed with a message to the user, timestamp batches queued again, .part files deleted. "
            "Every worker does this by itself at start and every LEASE/2 seconds.")

    def handle(self, *args, **options):
        self.stdout.write(f"Settled {reap()} interrupted task(s).")
