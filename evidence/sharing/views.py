"""Sharing a case with lawyers: invitations, grants, revocation, the access log,
and the lawyer's side (accepting an invitation, private notes)."""
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from evidence.access import READ, WRITE, access_get_for_user, case_get_for_user, invitation_get_for_user
from evidence.lib.ratelimit import client_ip, hit
from evidence.models import Invitation, LawyerNote

from . import services
from .forms import InvitationCodeForm, InvitationForm, LawyerNoteForm
from .selectors import access_log_rows

security_log = logging.getLogger("liuzheng.security")

@login_required
@require_http_methods(["GET", "POST"])
def case_sharing(request, case_id):
    case = case_get_for_user(request.user, case_id, WRITE)
    form = InvitationForm(request.POST or None)
    new_link = None
    if request.method == "POST" and form.is_valid():
        invitation, token = services.case_share(
            case=case, actor=request.user, level=form.cleaned_data["level"], label=form.cleaned_data["label"],
            access_expires_at=form.access_expires_at())
        # Only the hash is stored: this answer is the one time the link can be shown.
        new_link = {"invitation": invitation, "token": token,
                    "url": request.build_absolute_uri(reverse("invitation_accept", args=[token]))}
        form = InvitationForm()
    now = timezone.now()
    accesses = case.accesses.select_related("lawyer").order_by("-granted_at")
    return render(request, "evidence/case_sharing.html", {
        "case": case, "form": form, "new_link": new_link, "now": now,
        "accesses": [{"access": a, "active": a.is_active(now)} for a in accesses],
        "invitations": [i for i in case.invitations.select_related("case") if i.is_open(now)],
        "log": access_log_rows(case),
        "days": settings.LIUZHENG_INVITATION_DAYS,
    })


@login_required
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = invitation_get_for_user(request.user, invitation_id)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("case_sharing", invitation.case_id)


@login_required
@require_POST
def access_revoke(request, access_id):
    access = access_get_for_user(request.user, access_id)
    services.access_revoke(access=access, actor=request.user)
    messages.success(request, _("Access revoked. From now on %(name)s cannot open this case.")
                     % {"name": access.lawyer.username})
    return redirect("case_sharing", access.case_id)


INVITATION_REFUSALS = {
    "used": gettext_lazy("This invitation has already been used. Ask your client for a new one."),
    "revoked": gettext_lazy("This invitation was withdrawn by your client."),
    "expired": gettext_lazy("This invitation has expired. Ask your client for a new one."),
    "not_lawyer": gettext_lazy("Only a lawyer account can accept an invitation. Log in or sign up as a lawyer."),
    "own_case": gettext_lazy("This is your own case."),
}


@login_required
@require_http_methods(["GET", "POST"])
def invitation_enter(request):
    """A lawyer types or pastes the code they were given."""
    form = InvitationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("invitation_accept", form.cleaned_data["code"])
    return render(request, "evidence/invitation_enter.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    if not hit("invitation", client_ip(request), settings.LIUZHENG_TOKEN_TRIES_PER_HOUR):
        security_log.warning("Invitation tries over the limit from %s (user %s)", client_ip(request), request.user.pk)
        return render(request, "evidence/invitation_enter.html",
                      {"form": InvitationCodeForm(), "refusal": _("Too many tries. Please wait an hour.")},
                      status=429)
    invitation = Invitation.for_token(token)
    if invitation is None:
        security_log.warning("Unknown invitation token tried by user %s from %s", request.user.pk,
                             client_ip(request))
        return render(request, "evidence/invitation_enter.html", {
            "form": InvitationCodeForm(), "refusal": _("This invitation code is not valid. Check it and try again.")},
            status=404)
    refusal = services.invitation_refusal(invitation, request.user)
    if refusal is None and request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, lawyer=request.user)
        except services.SharingError as exc:
            refusal = str(exc.args[0])
        else:
            messages.success(request, _("You now have access to this case."))
            return redirect(invitation.case)
    if refusal is not None:
        security_log.warning("Refused invitation %s to user %s: %s", invitation.pk, request.user.pk, refusal)
        return render(request, "evidence/invitation_accept.html",
                      {"refusal": INVITATION_REFUSALS[refusal]}, status=410 if refusal != "not_lawyer" else 403)
    return render(request, "evidence/invitation_accept.html", {"invitation": invitation})


@login_required
@require_http_methods(["GET", "POST"])
def lawyer_notes(request, case_id):
    case = case_get_for_user(request.user, case_id, READ)
    if case.owner_id == request.user.pk:
        raise Http404  # lawyers' notes only: the owner has the case notes
    note = LawyerNote.objects.filter(case=case, author=request.user).select_related("author").first()
    form = LawyerNoteForm(request.POST or None, initial={"text": note.text if note else ""})
    if request.method == "POST" and form.is_valid():
        services.lawyer_note_save(case=case, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Notes saved."))
        return redirect("lawyer_notes", case.pk)
    return render(request, "evidence/lawyer_notes.html", {"case": case, "form": form, "note": note})
