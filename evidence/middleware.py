"""Request-wide plumbing for the evidence app."""
import logging
import sys
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import OperationalError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from accounts.middleware import to_second_factor
from evidence.store import crypto

log = logging.getLogger("liuzheng.views")


class KeysScopeMiddleware:
    """One data-key look-up per user per request: a timeline of 2,000 entries decrypts
    thousands of fields, and each would otherwise query its owner's UserKey row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with crypto.keys_scope():
            return self.get_response(request)


class DamagedEvidenceMiddleware:
    """Evidence that fails to decrypt (tampered, truncated, moved, key gone) gets one
    friendly page, logged, from whichever view met it: never a traceback, never a
    half-rendered page, and no view has to remember to catch it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, crypto.DecryptionError):
            return None
        log.error("Decryption failed for user %s at %s: %s", getattr(request.user, "pk", None), request.path, exception)
        return render(request, "evidence/damaged.html", status=500)


def database_busy(exception) -> bool:
    """SQLite's "database is locked" / "database table is locked" after its busy timeout
    (LIUZHENG_SQLITE_TIMEOUT_SECONDS); PostgreSQL's lock timeout or a deadlock."""
    if not isinstance(exception, OperationalError):
        return False
    text = str(exception).lower()
    return any(word in text for word in ("locked", "busy", "lock timeout", "deadlock", "could not obtain lock"))


def busy_response(request, exception):
    """503 with a page in the user's language: nothing was saved (the write's transaction rolled
    back), go back and send it again. Retry-After tells scripts and the PWA when."""
    log.warning("Database busy at %s %s for user %s: %s", request.method, request.path,
                getattr(getattr(request, "user", None), "pk", None), exception)
    response = render(request, "503.html", status=503)
    response["Retry-After"] = "10"
    return response


class DatabaseBusyMiddleware:
    """A database that stays locked longer than the busy timeout (a backup holding SQLite's
    write lock, a long migration, a stuck connection) is not a crash: the user is told the
    server is busy and that nothing was saved, never a bare 500. Every write is one
    transaction, so nothing half-done is left behind."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return busy_response(request, exception) if database_busy(exception) else None


def server_error(request):
    """handler500: the same busy page when the lock was met outside a view (a middleware
    saving the session); otherwise Django's plain 500."""
    exception = sys.exc_info()[1]
    if database_busy(exception):
        return busy_response(request, exception)
    return defaults.server_error(request)


# Pages: our own scripts, styles, images and media only; no inline script, no plug-ins, no
# framing, forms post only to us. (Style attributes stay allowed: they cannot run code.)
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; "
               "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'none'")
# Anything else we send (an original shown inline, a thumbnail, a bundle): it may be a
# disguised HTML or SVG file, so nothing in it may run, load or submit anything.
FILE_POLICY = ("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
               "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox")
# The service worker (/sw.js): a worker takes the policy of its own script, so the file policy
# would forbid it to fetch and cache the offline page and our static files.
WORKER_POLICY = ("default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
                 "object-src 'none'; base-uri 'none'")
# Evidence is captured with the camera and microphone through file inputs; nothing else.
PERMISSIONS_POLICY = ("camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), serial=(), "
                      "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
                      "display-capture=(), browsing-topics=()")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response Django makes, and
    `Cache-Control: no-store` on whatever a signed-in user sees (decrypted evidence must not
    stay in a phone's browser cache) and on anonymous pages that did not set their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        response.setdefault("Content-Security-Policy", PAGE_POLICY if html else FILE_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        else:
            response.setdefault("Cache-Control", "no-store")
        return response


# Requests a page makes by itself (progress polling, thumbnails, an audio player's ranged
# requests): they are not the user being there, and they must not take SQLite's write lock
# to save the session (tests/custody/test_door.py: a door with nothing to record…).
_NOT_ACTIVITY = {"bundle_status", "attachment_file", "attachment_thumbnail"}
_LAST_SEEN = "liuzheng_last_seen"


class IdleTimeoutMiddleware:
    """Sign out a session left idle for LIUZHENG_SESSION_IDLE_MINUTES (a phone left unlocked
    on a table, a shared computer): the next request goes to the login page, with a message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = int(time.time())
        idle = settings.LIUZHENG_SESSION_IDLE_MINUTES * 60
        last = request.session.get(_LAST_SEEN)
        if last is not None and now - last > idle:
            logout(request)
            messages.info(request, _("You were signed out after %(minutes)d minutes without activity.")
                          % {"minutes": settings.LIUZHENG_SESSION_IDLE_MINUTES})
            return redirect_to_login(request.get_full_path())
        match = request.resolver_match
        if (match is None or match.url_name not in _NOT_ACTIVITY) and (last is None or now - last >= 30):
            request.session[_LAST_SEEN] = now  # written at most every 30 s
        return None


class StaffTwoFactorMiddleware:
    """Staff reach /admin/ only after the second factor, as lawyers reach client cases:
    one with TOTP set up is asked for a code, one without is sent to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.app_name != "admin":
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff or user.is_verified():
            return None
        return to_second_factor(request)
