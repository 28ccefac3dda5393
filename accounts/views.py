from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device

from .forms import ProfileForm, SignupForm
from .models import User
from .services import user_create, user_update_profile


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
