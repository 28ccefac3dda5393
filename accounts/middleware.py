import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


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
