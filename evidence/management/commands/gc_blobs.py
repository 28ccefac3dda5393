from django.core.management.base import BaseCommand

from evidence.cases.services import pending_collect
from evidence.models import blob_keys
from evidence.store import blobstore


class Command(BaseCommand):
    help = ("Delete ciphertext that no row references: .part files of killed uploads, orphan blobs, and files "
            "of forms never saved (pending uploads older than a day).")

    def add_arguments(self, parser):
        parser.add_argument("--min-age-hours", type=float, default=24)

    def handle(self, *args, min_age_hours, **options):
        pending = pending_collect()
        parts = blobstore.sweep_stale_parts(int(min_age_hours * 3600))
        # Every kind of blob a row holds (originals, thumbnails, exported bundles…), from
        # every model that declares BLOB_KEYS: a blob is an orphan only if none names it.
        known = blob_keys()
        orphans = blobstore.sweep_orphans(known, int(min_age_hours * 3600))
        self.stdout.write(f"Removed {parts} stale upload part(s), {orphans} orphan blob(s) and {pending} "
                          f"pending upload(s) of forms never saved.")
