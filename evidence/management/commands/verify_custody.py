from django.core.management.base import BaseCommand, CommandError

from evidence.models import Case
from evidence.custody.verify import verify_case


class Command(BaseCommand):
    help = (
        "Recompute every custody chain and the SHA-256 of every stored file (decrypting the "
        "blobs). Exit 0 when all hold; otherwise exit 1 and name the first broken event or file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", help="only this case (its id)")

    def handle(self, *args, case=None, **options):
        cases = Case.objects.select_related("owner").order_by("created_at")
        if case:
            cases = cases.filter(pk=case)
            if not cases.exists():
                raise CommandError(f"No case {case}.")
        broken = 0
        for c in cases:
            report = verify_case(c)
            if report.ok:
                self.stdout.write(f"OK   case {c.pk}: {report.events} events, {report.files} files")
            else:
                broken += 1
                self.stdout.write(f"FAIL case {c.pk}: " + "; ".join(report.problems))
        if broken:
            self.stderr.write(f"{broken} case(s) failed verification.")
            raise SystemExit(1)
        self.stdout.write("All custody chains and files verified.")
