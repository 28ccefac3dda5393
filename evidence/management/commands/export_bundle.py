from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evidence.models import Case
from evidence.bundle.services import bundle_export_file


class Command(BaseCommand):
    help = "Write a case's evidence bundle (ZIP) to PATH. Recorded in the case's custody chain."

    def add_arguments(self, parser):
        parser.add_argument("--case", required=True, help="case id")
        parser.add_argument("--output", required=True, help="where to write the ZIP")
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last day, YYYY-MM-DD")
        parser.add_argument("--redacted", action="store_true",
                            help="add each screenshot's redacted copy for regulators (docs/bundle-format.md)")

    def handle(self, *args, case, output, date_from=None, date_to=None, redacted=False, **options):
        try:
            case_obj = Case.objects.select_related("owner").get(pk=case)
        except (Case.DoesNotExist, ValueError):
            raise CommandError(f"No case {case}.")
        selection = {"from": date_from.isoformat() if date_from else None,
                     "to": date_to.isoformat() if date_to else None, **({"redacted": True} if redacted else {})}
        writer, sha256 = bundle_export_file(case=case_obj, path=output, selection=selection)
        self.stdout.write(f"Wrote {output} ({len(writer.entries)} entries), SHA-256 {sha256}")
