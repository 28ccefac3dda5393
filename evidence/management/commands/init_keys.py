from django.conf import settings
from django.core.management.base import BaseCommand

from evidence.bundle import pdfsign, signing
from evidence.store.crypto import master_keyring


class Command(BaseCommand):
    help = ("Create the installation's keys on first run (the master key only outside production), "
            "and check they load.")

    def handle(self, *args, **options):
        ring = master_keyring()
        where = ring.path or "LIUZHENG_MASTER_KEY"
        self.stdout.write(f"Master keyset: {where} (primary key id {ring.primary_id}, {len(ring.key_ids)} key(s))")
        # Made here rather than at the first export: a second host gets copies of these
        # before it starts, or its bundles would carry a signing key of its own.
        signing.private_key()
        self.stdout.write(f"Bundle signing key: {signing.key_path()} "
                          f"(Ed25519 {signing.fingerprint(signing.public_pem())})")
        pdfsign.certificate_pem()
        cert = settings.LIUZHENG_PDF_SIGNING_CERT or f"self-issued, in {signing.key_path().parent}"
        self.stdout.write(f"catalog.pdf signing certificate: {cert}")
