from django.core.management.base import BaseCommand

from evidence.store.crypto import master_keyring


class Command(BaseCommand):
    help = "Create the master key on first run (outside production) and check it loads."

    def handle(self, *args, **options):
        ring = master_keyring()
        where = ring.path or "LIUZHENG_MASTER_KEY"
        self.stdout.write(f"Master keyset: {where} (primary key id {ring.primary_id}, {len(ring.key_ids)} key(s))")
