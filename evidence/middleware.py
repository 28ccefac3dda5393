"""Request-wide plumbing for the evidence app."""
import logging

from django.shortcuts import render

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
