from datetime import date

from django.core.management.base import BaseCommand, CommandError

from evidence.custody.actors import Actor
from evidence.imports import services
from evidence.imports.numbers import normalise
from evidence.imports.records import ImportFormatError
from evidence.models import Case


class Command(BaseCommand):
    help = ("Import a phone backup into a case: SMS Backup & Restore XML (sms-*.xml, calls-*.xml), "
            "an iPhone sms.db, or a call-log CSV (its columns guessed from the header). "
            "Records already in the case are skipped. See docs/import.md.")

    def add_arguments(self, parser):
        parser.add_argument("--case", required=True, help="case id")
        parser.add_argument("path", help="the backup file")
        parser.add_argument("--numbers", nargs="+", help="only these numbers (any form: +86 138…, 0138…)")
        parser.add_argument("--collectors", action="store_true", help="only the case's known collector numbers")
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last day, YYYY-MM-DD")
        parser.add_argument("--preview", action="store_true", help="only list the numbers and counts")

    def handle(self, *args, case, path, numbers=None, collectors=False, date_from=None, date_to=None,
               preview=False, **options):
        try:
            case_obj = Case.objects.select_related("owner").get(pk=case)
        except (Case.DoesNotExist, ValueError):
            raise CommandError(f"No case {case}.")
        actor = Actor.system("import_backup")
        upload = services.upload_from_path(owner_id=case_obj.owner_id, path=path)
        try:
            backup = services.stage(case=case_obj, actor=actor, upload=upload)
        except ImportFormatError as exc:
            raise CommandError(str(exc))
        summary = backup.summary_data
        self.stdout.write(f"{backup.file_name}: {summary['total']} records, SHA-256 {backup.sha256}")
        for row in summary["numbers"]:
            self.stdout.write(f"  {row['number']:<24} sms {row['sms']:>6}  mms {row['mms']:>5}  calls {row['call']:>6}"
                              + ("  (collector)" if row["collector"] else ""))
        if preview:
            return
        wanted = None
        if numbers:
            wanted = {normalise(n) for n in numbers}
        if collectors:
            wanted = (wanted or set()) | {r["norm"] for r in summary["numbers"] if r["collector"]}
        start, end = services.day_bounds(case_obj, date_from, date_to)
        mapping = summary.get("csv", {}).get("mapping")
        backup = services.backup_import(backup=backup, actor=actor, numbers=wanted, date_from=start, date_to=end,
                                        mapping=mapping)
        self.stdout.write(f"Imported {backup.last_run['imported']} entries; "
                          f"{backup.last_run['duplicates']} already in the case were skipped.")
