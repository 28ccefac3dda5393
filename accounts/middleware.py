import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django_otp import user_has_device

from evidence.access import SECOND_FACTOR_AT, FreshSecondFactorRequired, TwoFactorRequired


class UserPreferencesMiddleware:
    """Show times in the user's zone and pages in the user's language.

    Anonymous visitors get the default zone (Asia/Shanghai) and whatever
    language LocaleMiddleware picked (cookie, then browser, then zh-hans).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = settings.LIUZHENG_DEFAULT_TIME_ZONE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zone = user.time_zone or zone
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.LIUZHENG_DEFAULT_TIME_ZONE))
        response = self.get_response(request)
        timezone.deactivate()
        return response


# Pages a signed-in user can reach before the second step: the step itself,
# logging out and changing the language.
_BEFORE_SECOND_STEP = {"otp_verify", "logout", "set_language"}


class TwoFactorMiddleware:
    """Password first, then the one-time code.

    Whoever has set up TOTP must pass it in every new session before any other
    page; a lawyer who has not set it up is sent to the setup page as soon as
    they try to open a client case (see evidence.access).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if user.is_verified():
            # When the code was entered: evidence.access asks for a fresh one before an export.
            user.otp_verified_at = request.session.get(SECOND_FACTOR_AT)
            return None
        match = request.resolver_match
        if match and match.url_name in _BEFORE_SECOND_STEP:
            return None
        if user_has_device(user, confirmed=True):
            return _to("otp_verify", request)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, FreshSecondFactorRequired):
            return to_fresh_second_factor(request, exception.case)
        if isinstance(exception, TwoFactorRequired):
            return to_second_factor(request)
        return None


def to_second_factor(request):
    """To the one-time code for a user who has set up TOTP, to its setup for one who has not;
    back to this page afterwards."""
    return _to("otp_verify" if user_has_device(request.user, confirmed=True) else "otp_setup", request)


def to_fresh_second_factor(request, case):
    """A new code before an export. Back to the download afterwards; after a refused POST (asking
    for a bundle) back to the case's bundles, where the lawyer presses export again."""
    back = request.get_full_path() if request.method in ("GET", "HEAD") else f"{case.get_absolute_url()}#bundles"
    return redirect(f"{reverse('otp_verify')}?{urlencode({'next': back, 'fresh': '1'})}")


def _to(name, request):
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
