import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device

from evidence.lib.ratelimit import client_ip, hit

from .forms import ProfileForm, SignupForm
from .models import User
from .services import user_create, user_update_profile

security_log = logging.getLogger("liuzheng.security")


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("case_list")
    next_url = request.POST.get("next") or request.GET.get("next", "")
    # Someone arriving from a client's invitation link is a lawyer.
    initial = {"role": User.Role.LAWYER} if next_url.startswith("/invite/") else None
    form = SignupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data.get("email", ""),
            password=form.cleaned_data["password1"],
            role=form.cleaned_data["role"],
            language=getattr(request, "LANGUAGE_CODE", None),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = request.POST.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)  # e.g. a lawyer's invitation link
        if user.is_lawyer:
            messages.success(request, _("Welcome. Open the invitation link your client sent you."))
            return redirect("invitation_enter")
        messages.success(request, _("Welcome. Start by opening a case."))
        return redirect("case_create")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your settings were saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html",
                  {"form": form, "has_2fa": user_has_device(request.user, confirmed=True)})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, with a limit on the mails it sends: per address and per client,
    counted in the shared cache (every worker, every machine). Over the limit the form says
    so and sends nothing, whether or not the address has an account."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        per_hour = settings.LIUZHENG_PASSWORD_RESETS_PER_HOUR
        address = hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]
        # Both counters count every request, so neither can be drained to hide the other.
        by_address = hit("password-reset", address, per_hour)
        by_client = hit("password-reset-ip", client_ip(self.request), per_hour * 4)
        if not (by_address and by_client):
            security_log.warning("Password-reset mails over the limit from %s", client_ip(self.request))
            form.add_error(None, _("Too many password-reset requests. Please wait an hour and try again."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)
