from django.core.management.base import BaseCommand

from evidence.bundle.services import bundle_expire


class Command(BaseCommand):
    help = "Delete the stored ZIP of bundles past their expiry (the worker also does it before each export)."

    def handle(self, *args, **options):
        self.stdout.write(f"Expired {bundle_expire()} bundle(s).")
