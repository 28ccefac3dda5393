from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from evidence.bundle.verify import verify_bundle


class Command(BaseCommand):
    help = ("Verify an evidence bundle: every member covered by the signature, every hash, both signatures, "
            "every timestamp token and the custody chain. Exit 0 when all hold, 1 otherwise.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--lang", default=settings.LANGUAGE_CODE,
                            help="language of the verdict: zh-hans, zh-hant or en")

    def handle(self, *args, path, lang, **options):
        with translation.override(lang):
            try:
                with open(path, "rb") as f:
                    verdict = verify_bundle(f)
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc}")
            for c in verdict.results:
                self.stdout.write(f"{'OK  ' if c.ok else 'FAIL'} {c.member}: {c.detail}")
            if verdict.dropped:
                self.stdout.write(_("… %(n)d more checks not listed.") % {"n": verdict.dropped})
            if verdict.signer_fingerprint:
                who = _("this installation") if verdict.signed_by_this_installation else _("another installation")
                self.stdout.write(_("Signed by %(who)s: key %(key)s") % {"who": who, "key": verdict.signer_fingerprint})
            self.stdout.write(("VERIFIED: " if verdict.ok else "NOT VERIFIED: ") + verdict.summary)
        if not verdict.ok:
            raise SystemExit(1)
