"""The import pages: upload a backup, see what it holds grouped by number, pick, import."""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from evidence.access import WRITE, backup_import_get_for_user, case_get_for_user
from evidence.models import BackupImport

from . import services
from .forms import BackupUploadForm, CsvMappingForm, ImportChoiceForm
from .records import ImportFormatError

log = logging.getLogger("liuzheng.imports")


@login_required
@require_http_methods(["GET", "POST"])
def backup_upload(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    form = BackupUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            backup = services.stage(case=case, actor=request.user, upload=form.cleaned_data["backup"])
        except ImportFormatError as exc:
            form.add_error("backup", str(exc))
        else:
            return redirect("backup_preview", backup.pk)
    earlier = BackupImport.objects.filter(case=case)
    return render(request, "evidence/import_upload.html", {"case": case, "form": form, "earlier": earlier})


def _csv_mapping(request, backup, summary):
    """The CSV's column mapping: from the form when one was sent, else the guess."""
    layout = summary.get("csv", {})
    data = request.POST if "number" in request.POST else request.GET if "number" in request.GET else None
    initial = {k: str(v) for k, v in layout.get("mapping", {}).items()}
    form = CsvMappingForm(data, columns=layout.get("columns", []), initial=initial)
    mapping = form.mapping() if data is not None and form.is_valid() else layout.get("mapping", {})
    return form, {**mapping, "encoding": layout.get("encoding", "utf-8")}


@login_required
@require_http_methods(["GET", "POST"])
def backup_preview(request, import_id):
    backup = backup_import_get_for_user(request.user, import_id)
    case = backup.case
    summary = backup.summary_data
    mapping_form, mapping = None, None
    if backup.format == "csv":
        mapping_form, mapping = _csv_mapping(request, backup, summary)
        if mapping != {**summary["csv"].get("mapping", {}), "encoding": mapping["encoding"]}:
            try:
                summary.update(services.preview(case=case, fmt=backup.format, mapping=mapping,
                                                open_stream=lambda: services.open_backup(backup)))
            except ImportFormatError as exc:
                messages.error(request, str(exc))
    rows = summary.get("numbers", [])
    initial = {"numbers": [r["norm"] for r in rows if r.get("collector")]}
    form = ImportChoiceForm(request.POST if request.method == "POST" else None, rows=rows, initial=initial)
    if form.is_bound and form.is_valid():
        start, end = services.day_bounds(case, form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        try:
            backup = services.backup_import(backup=backup, actor=request.user, numbers=set(form.cleaned_data["numbers"]),
                                            date_from=start, date_to=end,
                                            mapping={k: v for k, v in (mapping or {}).items() if k != "zone"} or None)
        except ImportFormatError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Imported %(n)s entries; %(d)s already in the case were skipped.")
                             % {"n": backup.last_run["imported"], "d": backup.last_run["duplicates"]})
            return redirect(case)
    return render(request, "evidence/import_preview.html", {
        "case": case, "backup": backup, "summary": summary, "rows": rows, "form": form,
        "mapping_form": mapping_form, "mapping": mapping, "selected": set(form["numbers"].value() or []),
    })
