"""A small fixed-window rate limit for anonymous pages (the bundle verifier)."""
import time

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind a proxy, set it to overwrite REMOTE_ADDR; we do not trust X-Forwarded-For.
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one use; False once `limit` uses happened in the current window."""
    bucket = f"rl:{scope}:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, window_seconds)
    try:
        count = cache.incr(bucket)
    except ValueError:
        cache.set(bucket, 1, window_seconds)
        count = 1
    return count <= limit
