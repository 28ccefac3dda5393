import copy
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence.access import WRITE, active_grant, attachment_get_for_user, case_get_for_user, entry_get_for_user
from evidence.bundle.forms import BundleForm
from evidence.custody.timestamps import latest_chain_timestamp, tsa_configured
from evidence.custody.verify import verify_case
from evidence.models import AccessLevel, Case, Entry
from evidence.rules.selectors import finding_summary
from evidence.store.crypto import DecryptionError
from evidence.store.serving import blob_response

from . import services
from .forms import LENDER_SUGGESTIONS, CaseForm, EntryForm, TimelineFilterForm, TranscriptForm, TrashForm
from .selectors import case_counts, shared_case_rows, timeline

log = logging.getLogger("liuzheng.views")

RELATION_SUGGESTIONS = ["父亲", "母亲", "配偶", "兄弟姐妹", "子女", "同事", "领导", "朋友", "同学", "亲戚"]


@login_required
def case_list(request):
    cases = list(Case.objects.filter(owner=request.user))
    rows = []
    for case in cases:
        try:
            case.lender
        except DecryptionError:
            log.error("Case %s could not be decrypted", case.pk)
            rows.append({"case": case, "damaged": True})
            continue
        rows.append({"case": case, "counts": case_counts(case)})
    shared, needs_2fa = [], False
    if request.user.is_lawyer:
        shared = shared_case_rows(request.user)
        # Client cases are listed only after the second factor, like they are opened.
        needs_2fa = bool(shared) and not request.user.is_verified()
    return render(request, "evidence/case_list.html", {"rows": rows, "shared": [] if needs_2fa else shared,
                                                       "needs_2fa": needs_2fa})


def _rights(request, case):
    """What the page may offer: the server refuses the rest anyway (access._can).

    The case was loaded through access, which already demanded the second factor;
    the grant is read once here and the export right derived from it."""
    owner = case.owner_id == request.user.pk
    grant = None if owner else active_grant(request.user, case)
    return {"can_write": owner, "can_export": owner or (grant is not None and grant.level == AccessLevel.EXPORT),
            "grant": grant}


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(owner=request.user, **form.cleaned_data)
        messages.success(request, _("Case opened. Log the first call or message."))
        return redirect(case)
    return render(request, "evidence/case_form.html", {"form": form, "lenders": LENDER_SUGGESTIONS})


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    # The form works on a copy: ModelForm validation writes into its instance,
    # and the service must see the stored state to record what changed.
    form = CaseForm(request.POST or None, instance=copy.copy(case))
    if request.method == "POST" and form.is_valid():
        services.case_update(case=case, actor=request.user, **form.cleaned_data)
        messages.success(request, _("Case saved."))
        return redirect(case)
    return render(request, "evidence/case_form.html", {"form": form, "case": case, "lenders": LENDER_SUGGESTIONS})


@login_required
def case_detail(request, case_id):
    case = case_get_for_user(request.user, case_id)
    case.lender  # a damaged case fails here, before any rendering (middleware.DamagedEvidenceMiddleware)
    filters = TimelineFilterForm(request.GET or None)
    params = filters.cleaned_data if filters.is_valid() else {}
    items = timeline(case, **{k: v for k, v in params.items() if v})
    rights = _rights(request, case)
    return render(request, "evidence/case_detail.html", {
        **rights,
        "inbox_count": case.witness_submissions.filter(status="pending").count() if rights["can_write"] else 0,
        "case": case,
        "items": items,
        "filters": filters,
        "filtering": any(params.values()) if params else False,
        "counts": case_counts(case),
        "chain": verify_case(case, files=False),
        "bundles": case.bundles.all()[:10],
        "bundle_form": BundleForm(),
        "tsa_on": tsa_configured(),
        "chain_stamp": latest_chain_timestamp(case),
        "kinds": Entry.Kind.choices,
        **finding_summary(case),
    })


@login_required
def case_trash(request, case_id):
    case = case_get_for_user(request.user, case_id)
    return render(request, "evidence/case_trash.html", {"case": case, "items": timeline(case, trashed=True),
                                                        **_rights(request, case)})


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    form = EntryForm(request.POST or None, request.FILES or None, kind=request.GET.get("kind"))
    if request.method == "POST" and form.is_valid():
        entry, created = services.entry_create(
            case=case, actor=request.user, uploads=form.cleaned_data["attachments"],
            client_token=form.cleaned_data["client_token"], **form.service_fields(),
        )
        if created:
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("This was already saved; it was not saved twice."))
        return redirect(f"{case.get_absolute_url()}#entry-{entry.pk}")
    return render(request, "evidence/entry_form.html", {
        "form": form, "case": case, "relations": RELATION_SUGGESTIONS, "kinds": Entry.Kind.choices,
        "max_upload": settings.LIUZHENG_MAX_UPLOAD_BYTES,
    })


@login_required
def entry_detail(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id)
    entry.content  # a damaged entry fails here, before any rendering
    return render(request, "evidence/entry_detail.html", {
        "entry": entry, "case": entry.case,
        "attachments": entry.attachments.select_related("case").prefetch_related("timestamps__token"),
        "trash_form": TrashForm(), "tsa_on": tsa_configured(), **_rights(request, entry.case),
    })


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id, WRITE)
    if entry.is_trashed:
        raise Http404
    form = EntryForm(request.POST or None, request.FILES or None, instance=copy.copy(entry))
    if request.method == "POST" and form.is_valid():
        services.entry_update(entry=entry, actor=request.user, uploads=form.cleaned_data["attachments"],
                              **form.service_fields())
        messages.success(request, _("Saved. The previous version is kept in the history."))
        return redirect(entry)
    return render(request, "evidence/entry_form.html", {
        "form": form, "case": entry.case, "entry": entry, "relations": RELATION_SUGGESTIONS,
        "max_upload": settings.LIUZHENG_MAX_UPLOAD_BYTES,
    })


@login_required
def entry_history(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id)
    revisions = []
    for rev in entry.revisions.select_related("entry__case"):
        try:
            revisions.append({"rev": rev, "data": json.loads(rev.snapshot)})
        except DecryptionError:
            revisions.append({"rev": rev, "damaged": True})
    return render(request, "evidence/entry_history.html", {"entry": entry, "case": entry.case, "revisions": revisions})


@login_required
@require_POST
def entry_trash(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id, WRITE)
    form = TrashForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why you are removing it."))
        return redirect(entry)
    services.entry_trash(entry=entry, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, _("Moved to the trash. You can restore it there."))
    return redirect(entry.case)


@login_required
@require_POST
def entry_restore(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id, WRITE)
    services.entry_restore(entry=entry, actor=request.user)
    messages.success(request, _("Restored."))
    return redirect(entry)


@login_required
def attachment_file(request, attachment_id, variant="original"):
    att = attachment_get_for_user(request.user, attachment_id)
    if variant == "thumbnail":
        if not att.has_thumbnail:
            raise Http404
        blob = {"role": "thumbnail", "key": att.thumb_key, "size": att.thumbnail_size, "media_type": "image/jpeg"}
    else:
        blob = {"role": "original", "key": att.blob_key, "size": att.size, "media_type": att.media_type}
    download = variant == "original" and request.GET.get("download") == "1"
    filename = att.original_name if variant == "original" else None
    response = blob_response(request, owner_id=att.case.owner_id, object_id=att.pk, filename=filename,
                             download=download, **blob)
    if variant == "original" and response.status_code in (200, 206):
        # The original leaves the store: recorded as the README promises (thumbnails are derived files).
        services.attachment_serve_record(attachment=att, actor=request.user, download=download,
                                         first_byte=response.range_start)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def transcript_edit(request, attachment_id):
    att = attachment_get_for_user(request.user, attachment_id, WRITE)
    if att.kind not in ("audio", "video"):
        raise Http404
    current = att.transcripts.select_related("attachment__case").first()
    form = TranscriptForm(request.POST or None, initial={"text": current.text if current else ""})
    if request.method == "POST" and form.is_valid():
        services.transcript_save(attachment=att, actor=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Transcript saved. Earlier versions are kept."))
        return redirect(att.entry)
    return render(request, "evidence/transcript_form.html", {
        "form": form, "attachment": att, "entry": att.entry, "case": att.case,
        "versions": att.transcripts.count(),
    })
