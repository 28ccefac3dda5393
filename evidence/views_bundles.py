"""Bundles: export, progress, download, the public verifier and the signing key."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import services, signing
from .access import EXPORT, WRITE, attachment_get_for_user, bundle_get_for_user, case_get_for_user
from .bundle_verify import verify_bundle
from .crypto import DecryptionError
from .forms import BundleForm, TranscriptForm, VerifyBundleForm
from .ratelimit import client_ip, hit
from .serving import blob_response
from .views import _damaged


@login_required
@require_POST
def bundle_create(request, case_id):
    case = case_get_for_user(request.user, case_id, EXPORT)
    form = BundleForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("Please check the dates of the export."))
        return redirect(f"{case.get_absolute_url()}#bundles")
    services.bundle_request(case=case, actor=request.user, selection=form.selection())
    messages.success(request, _("The bundle is being prepared. You can leave this page; it will be listed here."))
    return redirect(f"{case.get_absolute_url()}#bundles")


@login_required
def bundle_status(request, bundle_id):
    bundle = bundle_get_for_user(request.user, bundle_id)
    return JsonResponse({"status": bundle.status, "progress": bundle.progress, "sha256": bundle.sha256,
                         "available": bundle.is_available})


@login_required
def bundle_download(request, bundle_id):
    bundle = bundle_get_for_user(request.user, bundle_id)
    if not bundle.is_available:
        raise Http404
    try:
        response = blob_response(request, owner_id=bundle.case.owner_id, object_id=bundle.pk, role="bundle",
                                 key=bundle.blob_key, size=bundle.size, media_type="application/zip",
                                 filename=bundle.file_name, download=True)
    except DecryptionError as exc:
        return _damaged(request, exc)
    if "Range" not in request.headers:
        services.bundle_download_record(bundle=bundle, actor=request.user)
    return response


@require_http_methods(["GET", "POST"])
def bundle_verify(request):
    """Anyone may check a bundle (no account), a limited number of times per hour."""
    form = VerifyBundleForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST":
        if not hit("verify", client_ip(request), settings.LIUZHENG_VERIFY_PER_HOUR):
            return render(request, "evidence/bundle_verify.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            upload = form.cleaned_data["bundle"]
            verdict = verify_bundle(upload.file, max_total_bytes=settings.LIUZHENG_VERIFY_MAX_BYTES * 4)
    return render(request, "evidence/bundle_verify.html", {"form": form, "verdict": verdict})


def signing_key(request):
    return HttpResponse(signing.public_pem(), content_type="application/x-pem-file")


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
