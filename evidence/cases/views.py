import copy
import json
import logging
import uuid
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from evidence.access import WRITE, active_grant, attachment_get_for_user, case_get_for_user, entry_get_for_user
from evidence.bundle.forms import BundleForm
from evidence.custody.timestamps import latest_chain_timestamp, tsa_configured
from evidence.custody.verify import chain_status, verify_chain_full
from evidence.lib import ocr, orientation, redaction
from evidence.models import AccessLevel, Case, Derivative, Entry
from evidence.rules.selectors import finding_summary
from evidence.rules.signals import suggest_tags, suggested_tags
from evidence.store.crypto import DecryptionError
from evidence.store import media
from evidence.store.serving import blob_response

from . import services
from .forms import LENDER_SUGGESTIONS, CaseForm, EntryForm, TimelineFilterForm, TranscriptForm, TrashForm
from .selectors import (
    case_counts, entry_file_events, entry_versions, machine_text_in_frame, redaction_proposal, shared_case_rows,
    timeline, timeline_page,
)

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


# A share needs a kind, which is a fact the user states: no default is guessed from the file.
SHARE_KINDS = [k for k in Entry.Kind.choices if k[0] != Entry.Kind.CALL] + [
    k for k in Entry.Kind.choices if k[0] == Entry.Kind.CALL]


@csrf_exempt
@require_http_methods(["GET", "POST"])
def share_landing(request):
    """Where the phone's share sheet lands (the manifest's share_target).

    The service worker catches the share's POST, keeps the files on the phone (encrypted)
    and redirects here with ?id=; this page (log-in required: a share made while logged out
    waits on the phone through the log-in) lets the user pick the case and the kind, and
    the normal entry form — with its CSRF token — uploads the files.

    A POST that reaches the server (no worker yet) carries no CSRF token: it is exempt so the
    user gets a page instead of a 403, and is never read — no effect, so nothing to forge.
    """
    if request.method == "POST":
        response = HttpResponseRedirect(f"{request.path}?lost=1")
        response.status_code = 303  # See Other: the next request is a GET
        return response
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    cases = []
    for case in Case.objects.filter(owner=request.user):
        try:
            case.lender
        except DecryptionError:
            continue
        cases.append(case)
    return render(request, "evidence/share.html", {"cases": cases, "kinds": SHARE_KINDS,
                                                   "lost": "lost" in request.GET})


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


def _timeline_url(request, after=""):
    """The timeline's address with the same filters: from `after` on, or the newest first."""
    query = request.GET.copy()
    query.pop("fragment", None)
    query.pop("after", None)
    if after:
        query["after"] = after
    return f"{request.path}?{query.urlencode()}" if query else request.path


@login_required
def case_detail(request, case_id):
    case = case_get_for_user(request.user, case_id)
    case.lender  # a damaged case fails here, before any rendering (middleware.DamagedEvidenceMiddleware)
    filters = TimelineFilterForm(request.GET or None)
    params = {k: v for k, v in (filters.cleaned_data if filters.is_valid() else {}).items() if v}
    filtering = bool(params)
    page = timeline_page(case, **params, after=request.GET.get("after", ""), count=filtering)
    rights = _rights(request, case)
    timeline_context = {**rights, "case": case, "items": page.items, "next_url": page.next_cursor and _timeline_url(request, page.next_cursor)}
    if request.GET.get("fragment") == "1":
        # The next page for the script that loads it as the reader scrolls (static/js/timeline.js).
        return render(request, "evidence/_timeline_page.html", timeline_context)
    counts = case_counts(case)
    return render(request, "evidence/case_detail.html", {
        **timeline_context,
        "inbox_count": case.witness_submissions.filter(status="pending").count() if rights["can_write"] else 0,
        "filters": filters,
        "filtering": filtering,
        "newest_url": _timeline_url(request) if request.GET.get("after") else "",
        "total": page.total if filtering else counts["entries"],
        "counts": counts,
        "chain": chain_status(case),
        "bundles": case.bundles.all()[:10],
        "bundle_form": BundleForm(),
        "tsa_on": tsa_configured(),
        "chain_stamp": latest_chain_timestamp(case),
        "kinds": Entry.Kind.choices,
        **finding_summary(case),
    })


@login_required
@require_POST
def case_chain_check(request, case_id):
    """Recompute the whole custody chain now (the case page checks only what is new)."""
    case = case_get_for_user(request.user, case_id)
    report = verify_chain_full(case)
    if report.ok:
        messages.success(request, _("The whole custody chain was checked again: intact."))
    else:
        messages.error(request, _("The custody chain is broken: %(problem)s") % {"problem": report.problems[0]})
    return redirect(case)


@login_required
def case_trash(request, case_id):
    case = case_get_for_user(request.user, case_id)
    return render(request, "evidence/case_trash.html", {"case": case, "items": timeline(case, trashed=True),
                                                        **_rights(request, case)})


def _files_kept(request, case, token):
    """The files this form kept on an earlier try (its "pending" boxes still ticked)."""
    return services.pending_for_form(case=case, form_token=token, ids=request.POST.getlist("pending"))


def _park(case, form, token, pending, **who):
    """The form came back with an error: its accepted files are kept too, so nothing chosen
    is lost (issue 14); the page lists them all."""
    if not token:
        return pending
    accepted = getattr(form.fields["attachments"], "accepted_uploads", [])
    return pending + services.pending_park(case=case, form_token=token, uploads=accepted, **who)


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    form = EntryForm(request.POST or None, request.FILES or None, kind=request.GET.get("kind"))
    pending = []
    if request.method == "POST":
        valid = form.is_valid()
        token = getattr(form, "cleaned_data", {}).get("client_token")  # an empty POST leaves the form unbound
        pending = _files_kept(request, case, token)
        uploads = form.declare_recording_times(
            list(form.cleaned_data["attachments"]) + services.pending_uploads(pending)) if valid else []
        if valid and form.cleaned_data.get("one_entry_per_image") and sum(
                1 for u in uploads if u.inspect().kind == "image") > 1:
            made = services.entries_from_images(case=case, actor=request.user, client_token=token, uploads=uploads,
                                                **form.service_fields())
            new = sum(1 for _entry, created in made if created)
            if new:
                messages.success(request, _("Saved %(n)d entries, one per image. Check each one's time: it is the "
                                            "photo's own when it had one.") % {"n": new})
            else:
                messages.info(request, _("This was already saved; it was not saved twice."))
            return redirect(case)
        if valid:
            entry, created = services.entry_create(
                case=case, actor=request.user, client_token=token,
                captured_offline_at=form.cleaned_data.get("captured_offline_at"),
                uploads=uploads, **form.service_fields(),
            )
            if created:
                messages.success(request, _("Saved."))
            else:
                messages.info(request, _("This was already saved; it was not saved twice."))
            return redirect(f"{case.get_absolute_url()}#entry-{entry.pk}")
        pending = _park(case, form, token, pending, user=request.user)
    return render(request, "evidence/entry_form.html", {
        "form": form, "case": case, "relations": RELATION_SUGGESTIONS, "kinds": Entry.Kind.choices,
        "max_upload": settings.LIUZHENG_MAX_UPLOAD_BYTES, "pending": pending,
    })


@login_required
def entry_detail(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id)
    entry.content  # a damaged entry fails here, before any rendering
    attachments = list(entry.attachments.select_related("case", "machine_text__case").prefetch_related(
        "timestamps__token", "derivatives"))
    for att in attachments:
        att.machine_read = _machine_read(entry, att)
        att.redactable = (att.kind == "image" and att.media_type in redaction.REDACTABLE_TYPES
                          and bool(att.width and att.height) and not redaction.too_large(att.width, att.height))
    return render(request, "evidence/entry_detail.html", {
        "entry": entry, "case": entry.case, "attachments": attachments,
        "trash_form": TrashForm(), "tsa_on": tsa_configured(), **_rights(request, entry.case),
    })


def _machine_read(entry, att):
    """What OCR read from a screenshot, and what it suggests (none of it applied unasked)."""
    mt = getattr(att, "machine_text", None) if att.kind == "image" else None
    if mt is None:
        return None
    zone = zoneinfo.ZoneInfo(entry.case.owner.time_zone)
    found = ocr.proposals(mt.text, year=entry.occurred_at.astimezone(zone).year)
    when = found.occurred_at.replace(tzinfo=zone) if found.occurred_at else None
    tags = suggested_tags(suggest_tags(mt.text))
    rows = json.loads(mt.boxes or "[]")
    # The boxes are in the picture as it is shown (the thumbnail is upright too).
    width, height = orientation.upright_size(att.width, att.height, mt.orientation)
    return {"text": mt.text, "engine": mt.engine, "numbers": found.numbers, "occurred_at": when,
            "width": width, "height": height, "tags": tags, "tag_labels": [Entry.Tag(t).label for t in tags],
            "lines": len(rows), "rows": [{"x0": r[0], "y0": r[1], "w": r[2] - r[0], "h": r[3] - r[1], "text": r[4]}
                                         for r in rows if len(r) >= 5]}


def _machine_read_initial(entry, attachment_id) -> dict:
    """The edit form prefilled from a screenshot's OCR, when the user asked for it: the user
    still sees every field and saves (or not); nothing is written here."""
    att = entry.attachments.select_related("case", "machine_text__case").filter(pk=attachment_id).first()
    found = _machine_read(entry, att) if att else None
    if not found:
        return {}
    initial = {}
    if found["numbers"]:
        initial["number"] = found["numbers"][0]
    if found["occurred_at"]:
        initial["occurred_at"] = found["occurred_at"]
    if found["tags"]:
        initial["tags"] = sorted(set(entry.tags or []) | set(found["tags"]))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id, WRITE)
    if entry.is_trashed:
        raise Http404
    initial = {}
    if request.method == "GET" and request.GET.get("from_screenshot"):
        try:
            initial = _machine_read_initial(entry, uuid.UUID(request.GET["from_screenshot"]))
        except ValueError:
            pass
    form = EntryForm(request.POST or None, request.FILES or None, instance=copy.copy(entry), initial=initial)
    pending = []
    if request.method == "POST":
        valid = form.is_valid()
        token = getattr(form, "cleaned_data", {}).get("client_token")  # an empty POST leaves the form unbound
        pending = _files_kept(request, entry.case, token)
        if valid:
            services.entry_update(entry=entry, actor=request.user, **form.service_fields(),
                                  uploads=form.declare_recording_times(
                                      list(form.cleaned_data["attachments"]) + services.pending_uploads(pending)))
            messages.success(request, _("Saved. The previous version is kept in the history."))
            return redirect(entry)
        pending = _park(entry.case, form, token, pending, user=request.user)
    return render(request, "evidence/entry_form.html", {
        "form": form, "case": entry.case, "entry": entry, "relations": RELATION_SUGGESTIONS,
        "max_upload": settings.LIUZHENG_MAX_UPLOAD_BYTES, "pending": pending,
    })


@login_required
def entry_history(request, entry_id):
    entry = entry_get_for_user(request.user, entry_id)
    return render(request, "evidence/entry_history.html", {"entry": entry, "case": entry.case,
                                                           "versions": entry_versions(entry),
                                                           "file_events": entry_file_events(entry)})


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
    object_id = att.pk
    if variant == "thumbnail":
        if not att.has_thumbnail:
            raise Http404
        blob = {"role": "thumbnail", "key": att.thumb_key, "size": att.thumbnail_size, "media_type": "image/jpeg"}
    elif variant == "playable":
        copy = att.derivatives.filter(purpose=Derivative.Purpose.PLAYABLE).first()
        if copy is None:
            raise Http404
        object_id = copy.pk  # a derivative's blob is bound to its own row
        blob = {"role": "derivative", "key": copy.blob_key, "size": copy.size, "media_type": copy.media_type}
    elif variant == "redacted":
        copy = att.derivatives.filter(purpose=Derivative.Purpose.REDACTED).order_by("-created_at").first()
        if copy is None:
            raise Http404
        object_id = copy.pk
        blob = {"role": "derivative", "key": copy.blob_key, "size": copy.size, "media_type": copy.media_type}
    else:
        blob = {"role": "original", "key": att.blob_key, "size": att.size, "media_type": att.media_type}
    download = variant == "original" and request.GET.get("download") == "1"
    # The extension follows the content we detected, never the name given (evidence.store.media).
    filename = media.download_name(att.original_name, att.media_type) if variant == "original" else None
    response = blob_response(request, owner_id=att.case.owner_id, object_id=object_id, filename=filename,
                             download=download, **blob)
    if variant == "original" and response.status_code in (200, 206):
        # The original leaves the store: recorded as the README promises (thumbnails are derived files).
        services.attachment_serve_record(attachment=att, actor=request.user, download=download,
                                         first_byte=response.range_start)
    return response


def _refusal(reason):
    """Why a redacted copy is not made, in words."""
    if reason == "pixels":
        return _("This image is too large to redact here (more than %(n)d million pixels). The original is "
                 "unchanged.") % {"n": redaction.MAX_PIXELS // 1_000_000}
    if reason == "orientation":
        return _("This photo's EXIF block cannot be read, so which way up it is shown is not known: black boxes "
                 "might not land where you see them. The original is unchanged.")
    if reason == "unreadable":
        return _("This image cannot be read to make a redacted copy. The original is unchanged.")
    return _("This image cannot be redacted: its stored bytes no longer match its SHA-256.")


@login_required
def attachment_redact_preview(request, attachment_id):
    """The picture the redact page draws on when a photo is stored turned: the server turns
    it upright with the code that makes the copy, so a box lands on the same pixels on the
    page and in the copy whatever the browser does with EXIF. Owner only, like the page."""
    att = attachment_get_for_user(request.user, attachment_id, WRITE)
    if att.kind != "image" or att.entry.is_trashed:
        raise Http404
    try:
        data = services.redaction_preview(att)
    except services.RedactionRefused:
        raise Http404 from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def attachment_redact(request, attachment_id):
    """Make a redacted copy of a screenshot: the proposed boxes (from the OCR and the case's
    contacts), each one a checkbox; static/js/redact.js lets a finger drop or draw boxes on
    the image itself. Without JS the checkboxes alone do it."""
    att = attachment_get_for_user(request.user, attachment_id, WRITE)
    if att.kind != "image" or att.entry.is_trashed or att.media_type not in redaction.REDACTABLE_TYPES \
            or not att.width or not att.height:
        raise Http404
    if redaction.too_large(att.width, att.height):
        messages.error(request, _refusal("pixels"))
        return redirect(att.entry)
    if request.method == "POST":
        # The boxes are in the upright picture, which a photo stored turned has with width and
        # height swapped: cut to the larger square here, to the picture by redacted_copy_create
        # (which reads the original's header).
        side = max(att.width, att.height)
        try:
            boxes = redaction.parse_boxes(request.POST.getlist("box"), side, side)
        except redaction.BadBoxes as exc:
            if "max" in exc.params:
                messages.error(request, _("More than %(max)d boxes were sent: nothing was made, so that no box is "
                                          "dropped. Merge or remove some boxes and try again.") % exc.params)
            else:
                messages.error(request, _("A box has a coordinate that is not a finite number: nothing was made."))
            return redirect("attachment_redact", att.pk)
        try:
            copy = services.redacted_copy_create(attachment=att, actor=request.user, boxes=boxes)
        except services.RedactionRefused as exc:
            messages.error(request, _refusal(exc.reason))
            return redirect(att.entry)
        messages.success(request, ngettext(
            "Redacted copy made with %(n)d black box. The original is unchanged.",
            "Redacted copy made with %(n)d black boxes. The original is unchanged.", len(copy.boxes)) % {
                "n": len(copy.boxes)})
        return redirect(att.entry)
    try:
        frame = services.redaction_frame(att)
    except services.RedactionRefused as exc:
        messages.error(request, _refusal(exc.reason))
        return redirect(att.entry)
    return render(request, "evidence/attachment_redact.html", {
        "attachment": att, "entry": att.entry, "case": att.case, "frame": frame,
        "boxes": redaction_proposal(att, frame),
        "earlier": att.derivatives.filter(purpose=Derivative.Purpose.REDACTED).count(),
        "read": machine_text_in_frame(att, frame) is not None,
    })


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
