"""Bundles: export, progress, download, the public verifier and the signing key."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence.access import EXPORT, bundle_get_for_user, case_get_for_user
from evidence.lib.ratelimit import client_ip, hit
from evidence.store.serving import blob_response

from . import services, signing
from .forms import BundleForm, VerifyBundleForm
from .verify import verify_bundle

VERIFY_PAGE_SHOWN = 50  # problems listed on the page; the rest are counted (a page, not a dump)
VERIFY_PAGE_MAX_TOKENS = 1000


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
    bundle = bundle_get_for_user(request.user, bundle_id, recheck=False)
    return JsonResponse({"status": bundle.status, "progress": bundle.progress, "sha256": bundle.sha256,
                         "available": bundle.is_available})


@login_required
def bundle_download(request, bundle_id):
    bundle = bundle_get_for_user(request.user, bundle_id)
    if not bundle.is_available:
        raise Http404
    response = blob_response(request, owner_id=bundle.case.owner_id, object_id=bundle.pk, role="bundle",
                             key=bundle.blob_key, size=bundle.size, media_type="application/zip",
                             filename=bundle.file_name, download=True)
    if response.status_code in (200, 206):
        services.bundle_download_record(bundle=bundle, actor=request.user, first_byte=response.range_start)
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
            verdict = verify_bundle(upload.file, max_total_bytes=settings.LIUZHENG_VERIFY_MAX_BYTES * 4,
                                    max_tokens=VERIFY_PAGE_MAX_TOKENS)
    problems = [c for c in verdict.results if not c.ok] if verdict else []
    return render(request, "evidence/bundle_verify.html", {
        "form": form, "verdict": verdict, "problems": problems[:VERIFY_PAGE_SHOWN],
        "more_problems": max(0, (verdict.failed if verdict else 0) - VERIFY_PAGE_SHOWN),
        "checks": verdict.results[:VERIFY_PAGE_SHOWN * 10] if verdict else []})


def signing_key(request):
    return HttpResponse(signing.public_pem(), content_type="application/x-pem-file")
