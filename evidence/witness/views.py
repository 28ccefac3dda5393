"""Witness links: the owner makes them and decides on what comes in; a witness,
with no account, sends what the collector sent them."""
import io
import logging
from datetime import timedelta

import qrcode
import qrcode.image.svg

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from evidence.access import WRITE, case_get_for_user, submission_get_for_user, witness_link_get_for_user
from evidence.lib.ratelimit import client_ip, hit
from evidence.models import WitnessLink, WitnessSubmission

from evidence.cases import services as case_services

from . import services
from .forms import RejectForm, WitnessLinkForm, WitnessSubmissionForm

security_log = logging.getLogger("liuzheng.security")


def _link_url(request, link):
    return request.build_absolute_uri(reverse("witness_submit", args=[link.token]))


@login_required
@require_http_methods(["GET", "POST"])
def witness_links(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    form = WitnessLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = services.witness_link_create(
            case=case, actor=request.user, name=form.cleaned_data["name"],
            expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            max_submissions=form.cleaned_data["max_submissions"])
        messages.success(request, _("Link created. Send it to %(name)s or let them scan the QR code.")
                         % {"name": link.name})
        return redirect("witness_link_detail", link.pk)
    now = timezone.now()
    links = [{"link": link, "state": link.state(now)} for link in case.witness_links.select_related("case")]
    return render(request, "evidence/witness_links.html", {"case": case, "form": form, "links": links})


@login_required
def witness_link_detail(request, link_id):
    link = witness_link_get_for_user(request.user, link_id)
    return render(request, "evidence/witness_link_detail.html", {
        "link": link, "case": link.case, "state": link.state(timezone.now()), "url": _link_url(request, link)})


@login_required
def witness_link_qr(request, link_id):
    """The link as a QR code, drawn here as SVG: no CDN, no script."""
    link = witness_link_get_for_user(request.user, link_id)
    image = qrcode.make(_link_url(request, link), image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def witness_link_revoke(request, link_id):
    link = witness_link_get_for_user(request.user, link_id)
    services.witness_link_revoke(link=link, actor=request.user)
    messages.success(request, _("The link was revoked; it no longer accepts anything."))
    return redirect("witness_links", link.case_id)


@login_required
def witness_inbox(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    submissions = (WitnessSubmission.objects.filter(case=case).select_related("case", "link", "entry", "entry__case")
                   .prefetch_related("entry__attachments__derivatives"))
    return render(request, "evidence/witness_inbox.html", {
        "case": case, "reject_form": RejectForm(),
        "pending": [s for s in submissions if s.status == WitnessSubmission.Status.PENDING],
        "decided": [s for s in submissions if s.status != WitnessSubmission.Status.PENDING][:50],
    })


@login_required
@require_POST
def submission_accept(request, submission_id):
    submission = submission_get_for_user(request.user, submission_id)
    services.witness_submission_accept(submission=submission, actor=request.user)
    messages.success(request, _("Accepted. It is now on the timeline, marked as sent by a witness."))
    return redirect(f"{submission.case.get_absolute_url()}#entry-{submission.entry_id}")


@login_required
@require_POST
def submission_reject(request, submission_id):
    submission = submission_get_for_user(request.user, submission_id)
    form = RejectForm(request.POST)
    reason = (form.cleaned_data["reason"] if form.is_valid() else "") or _("Rejected witness submission")
    services.witness_submission_reject(submission=submission, actor=request.user, reason=reason)
    messages.success(request, _("Rejected. It is kept in the trash and can be restored from there."))
    return redirect("witness_inbox", submission.case_id)


@require_http_methods(["GET", "POST"])
def witness_submit(request, token):
    """The witness's page. It shows nothing of the case, not even whose it is."""
    ip = client_ip(request)
    # Tokens cannot be guessed (256 bits), and this caps the tries per address anyway.
    if not hit("witness-token", ip, settings.LIUZHENG_TOKEN_TRIES_PER_HOUR):
        security_log.warning("Witness link tries over the limit from %s", ip)
        return render(request, "evidence/witness_gone.html", {"limited": True}, status=429)
    link = WitnessLink.for_token(token)
    if link is None:
        security_log.warning("Unknown witness token tried from %s", ip)
        return render(request, "evidence/witness_gone.html", {"unknown": True}, status=404)
    state = link.state(timezone.now())
    if state != "open":
        security_log.warning("Witness link %s used while %s, from %s", link.pk, state, ip)
        return render(request, "evidence/witness_gone.html", {"state": state}, status=410)
    form = WitnessSubmissionForm(request.POST or None, request.FILES or None)
    pending = []
    if request.method == "POST":
        if not hit("witness-post", ip, settings.LIUZHENG_WITNESS_POSTS_PER_HOUR):
            security_log.warning("Witness submissions over the limit from %s", ip)
            return render(request, "evidence/witness_gone.html", {"limited": True}, status=429)
        valid = form.is_valid()
        token = getattr(form, "cleaned_data", {}).get("form_token")  # an empty POST leaves the form unbound
        # Files kept from an earlier try of this same form (the consent box forgotten …).
        pending = case_services.pending_for_form(case=link.case, form_token=token, witness_link=link,
                                                 ids=request.POST.getlist("pending"))
        if valid:
            data = form.submission_fields(link.case.zone_name())
            uploads = list(form.cleaned_data["attachments"]) + case_services.pending_uploads(pending)
            try:
                services.witness_submission_create(
                    link=link, ip=ip, user_agent=request.headers.get("User-Agent", ""), uploads=uploads, **data)
            except services.WitnessLinkClosed as exc:
                return render(request, "evidence/witness_gone.html", {"state": exc.args[0]}, status=410)
            return render(request, "evidence/witness_thanks.html")
        if form.errors.get("attachments"):
            security_log.warning("Witness link %s: files refused from %s: %s", link.pk, ip,
                                 "; ".join(form.errors["attachments"]))
        if token:  # what was accepted stays, listed on the page: nothing is lost to an error
            pending += case_services.pending_park(
                case=link.case, form_token=token, witness_link=link,
                uploads=getattr(form.fields["attachments"], "accepted_uploads", []))
    return render(request, "evidence/witness_submit.html", {
        "form": form, "max_upload": settings.LIUZHENG_MAX_UPLOAD_BYTES, "pending": pending})
