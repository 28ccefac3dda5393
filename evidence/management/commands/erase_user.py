from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evidence import blobstore
from evidence.erase import cases_delete
from evidence.models import Attachment, UserKey


class Command(BaseCommand):
    help = (
        "Crypto-erase a user: destroy their data key, delete their rows and blobs. Their data "
        "cannot be recovered, even from backups, once the master key in use today is retired "
        "(run rotate_master_key afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, username, yes=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.")
        if not yes and input(f"Erase {username} and all their evidence for ever? Type the username: ") != username:
            raise CommandError("Not confirmed; nothing was erased.")
        keys = []
        for att in Attachment.objects.filter(case__owner=user).only("pk", "thumbnail_size"):
            keys.append(att.blob_key)
            if att.has_thumbnail:
                keys.append(att.thumb_key)
        with transaction.atomic():
            # The key first: from this commit on, nothing of theirs decrypts.
            UserKey.objects.filter(user=user).delete()
            cases_delete(user.cases.all())
            user.delete()
        for key in keys:
            blobstore.delete(key)
        self.stdout.write(f"Erased {username}: data key destroyed, {len(keys)} blob(s) deleted.")
