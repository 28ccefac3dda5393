"""Two-factor authentication: set up an authenticator, then pass it after the password."""
import base64
import io
import logging
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from evidence.access import SECOND_FACTOR_AT, second_factor_fresh
from evidence.lib.ratelimit import hit

from .forms import OTPTokenForm
from .services import otp_disable as otp_disable_service
from .services import recovery_codes_create, totp_confirm, totp_device_pending

security_log = logging.getLogger("liuzheng.security")


def _next(request, default="case_list"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _tries_left(request) -> bool:
    """Six digits are guessable without a limit: cap the tries per user."""
    if hit("otp", str(request.user.pk), settings.LIUZHENG_OTP_TRIES_PER_15MIN, window_seconds=900):
        return True
    security_log.warning("Two-factor tries over the limit for user %s", request.user.pk)
    return False


def _second_factor_passed(request, device):
    """The session now holds a verified device, and when: exports ask again after a while."""
    otp_login(request, device)
    request.session[SECOND_FACTOR_AT] = int(time.time())
    request.user.otp_verified_at = request.session[SECOND_FACTOR_AT]


def _qr_svg(text) -> str:
    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return out.getvalue().decode("utf-8")


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect(f"{_verify_url()}?next={request.path}")
    device = totp_device_pending(user=request.user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _tries_left(request):
            form.add_error(None, _("Too many tries. Please wait 15 minutes."))
        elif device.verify_token(form.cleaned_data["token"]):
            codes = totp_confirm(device=device)
            _second_factor_passed(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
        else:
            security_log.warning("Wrong code while setting up two-factor for user %s", request.user.pk)
            form.add_error("token", _("This code is not right. Check the time on your phone and try again."))
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr": _qr_svg(device.config_url), "next": _next(request, ""),
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
        "enabled": user_has_device(request.user, confirmed=True),
    })


def _verify_url():
    return reverse("otp_verify")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    if not user_has_device(request.user, confirmed=True):
        return redirect("otp_setup")
    # ?fresh=1: an export asks for a new code although the session passed the second factor
    # (evidence.access.second_factor_fresh); once it is fresh, straight on.
    fresh = (request.POST.get("fresh") or request.GET.get("fresh")) == "1"
    if request.user.is_verified():
        request.user.otp_verified_at = request.session.get(SECOND_FACTOR_AT)
        if not fresh or second_factor_fresh(request.user):
            return redirect(_next(request))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _tries_left(request):
            form.add_error(None, _("Too many tries. Please wait 15 minutes."))
        else:
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None and device.confirmed:
                _second_factor_passed(request, device)
                if device.name == "recovery":
                    messages.warning(request, _("You used a recovery code; each works once. "
                                                "Make new ones in Settings if you are running out."))
                return redirect(_next(request))
            security_log.warning("Wrong two-factor code for user %s", request.user.pk)
            form.add_error("token", _("This code is not right."))
    return render(request, "accounts/otp_verify.html", {
        "form": form, "next": _next(request, ""), "fresh": fresh and request.user.is_verified(),
        "minutes": settings.LIUZHENG_EXPORT_REVERIFY_MINUTES})


@login_required
@require_POST
def recovery_codes_new(request):
    if not request.user.is_verified():
        return redirect("otp_verify")
    codes = recovery_codes_create(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})


@login_required
@require_POST
def otp_disable(request):
    """Borrowers may switch two-factor off again, with a current code (a stolen session alone
    must not be enough). Lawyers may not: client cases require it."""
    user = request.user
    if user.is_lawyer:
        security_log.warning("Lawyer %s tried to switch two-factor off", user.pk)
        messages.error(request, _("Lawyer accounts must keep two-factor authentication."))
        return redirect("profile")
    if not user_has_device(user, confirmed=True):
        return redirect("profile")
    form = OTPTokenForm(request.POST)
    if not _tries_left(request):
        messages.error(request, _("Too many tries. Please wait 15 minutes."))
        return redirect("profile")
    device = match_token(user, form.cleaned_data["token"]) if form.is_valid() else None
    if device is None or not device.confirmed:
        security_log.warning("Wrong code while switching two-factor off for user %s", user.pk)
        messages.error(request, _("This code is not right."))
        return redirect("profile")
    otp_disable_service(user=user)
    security_log.info("Two-factor switched off by user %s", user.pk)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("profile")
