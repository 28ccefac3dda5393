"""Request-wide plumbing for the evidence app."""
from . import crypto


class KeysScopeMiddleware:
    """One data-key look-up per user per request: a timeline of 2,000 entries decrypts
    thousands of fields, and each would otherwise query its owner's UserKey row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with crypto.keys_scope():
            return self.get_response(request)
