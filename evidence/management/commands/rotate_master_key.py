from django.core.management.base import BaseCommand
from django.db import transaction

from evidence.store.crypto import master_keyring, user_key_rewrap
from evidence.models import UserKey


class Command(BaseCommand):
    help = (
        "Rotate the master key: add a new primary key, rewrap every user's data key, retire "
        "the old key. Safe to re-run after a crash: a run that finds a rotation under way "
        "finishes it instead of starting another."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep-old", action="store_true", help="rewrap but do not retire old keys yet")

    def handle(self, *args, keep_old=False, **options):
        ring = master_keyring(create=False)
        if len(ring.key_ids) == 1:
            new_id = ring.add_primary()
            self.stdout.write(f"New primary master key {new_id}.")
        else:
            self.stdout.write(f"Resuming the rotation to master key {ring.primary_id}.")
        done = 0
        for pk in UserKey.objects.exclude(master_key_id=ring.primary_id).values_list("pk", flat=True):
            # One user per transaction: a crash leaves every row either old or new,
            # and both are readable while the old key is still in the keyset.
            with transaction.atomic():
                user_key = UserKey.objects.select_for_update().get(pk=pk)
                if user_key.master_key_id != ring.primary_id:
                    user_key_rewrap(user_key, ring)
                    done += 1
        self.stdout.write(f"Rewrapped {done} data key(s).")
        left = UserKey.objects.exclude(master_key_id=ring.primary_id).count()
        if left:
            raise SystemExit(f"{left} data key(s) still use an old master key; run again.")
        if keep_old:
            self.stdout.write("Old master keys kept (--keep-old). Run again without it to retire them.")
            return
        retired = ring.retire_all_but_primary()
        self.stdout.write(
            f"Retired master key(s) {retired or 'none'}. Backups made before now need the old key file."
        )
