from django.core.management.base import BaseCommand

from evidence.cases.services import playable_copy_make
from evidence.models import Attachment
from evidence.store import transcode


class Command(BaseCommand):
    help = ("Make the playable copy of every recording the browser cannot play (AMR, 3GP) that has none yet: "
            "recordings uploaded before this version, or while the worker was down. Originals are not changed.")

    def handle(self, *args, **options):
        made = 0
        todo = Attachment.objects.filter(kind__in=("audio", "video")).exclude(derivatives__purpose="playable")
        for att_id, media_type in todo.values_list("pk", "media_type").iterator():
            if transcode.may_need_copy(media_type) and playable_copy_make(att_id) is not None:
                made += 1
        self.stdout.write(f"Made {made} playable cop{'y' if made == 1 else 'ies'}.")
