from django.core.management.base import BaseCommand

from evidence.store import blobstore
from evidence.models import Attachment


class Command(BaseCommand):
    help = "Delete ciphertext that no row references: .part files of killed uploads and orphan blobs."

    def add_arguments(self, parser):
        parser.add_argument("--min-age-hours", type=float, default=24)

    def handle(self, *args, min_age_hours, **options):
        parts = blobstore.sweep_stale_parts(int(min_age_hours * 3600))
        known = set()
        for att in Attachment.objects.only("pk", "thumbnail_size").iterator():
            known.update({att.blob_key, att.thumb_key})
        orphans = blobstore.sweep_orphans(known, int(min_age_hours * 3600))
        self.stdout.write(f"Removed {parts} stale upload part(s) and {orphans} orphan blob(s).")
