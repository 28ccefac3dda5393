from django.core.management.base import BaseCommand, CommandError

from evidence.bundle.verify import verify_bundle


class Command(BaseCommand):
    help = ("Verify an evidence bundle: every hash, the signature, the manifest against SHA256SUMS, "
            "every timestamp token and the custody chain. Exit 0 when all hold, 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as f:
                verdict = verify_bundle(f)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}")
        for label, ok, detail in verdict.checks:
            self.stdout.write(f"{'OK  ' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}")
        if verdict.signer_fingerprint:
            who = "this installation" if verdict.signed_by_this_installation else "another installation"
            self.stdout.write(f"Signed by {who}: key {verdict.signer_fingerprint}")
        if verdict.ok:
            self.stdout.write("VERIFIED: every check holds.")
            return
        self.stdout.write(f"NOT VERIFIED: {len(verdict.problems)} problem(s).")
        raise SystemExit(1)
