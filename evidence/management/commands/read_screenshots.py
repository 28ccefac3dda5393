from django.core.management.base import BaseCommand

from evidence.cases.services import machine_text_make
from evidence.models import Attachment


class Command(BaseCommand):
    help = ("Read by OCR every image attachment not read yet (uploaded before this version, or while no worker "
            "ran). The text is a machine-read suggestion; no entry is changed.")

    def handle(self, *args, **options):
        made = 0
        for att_id in Attachment.objects.filter(kind="image", machine_text__isnull=True).values_list(
                "pk", flat=True).iterator():
            if machine_text_make(att_id) is not None:
                made += 1
        self.stdout.write(f"Read {made} image(s).")
