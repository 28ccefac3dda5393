"""GET /healthz: is this instance able to serve, and is the rest of the system keeping up?

For a load balancer, a monitor or an operator's curl. It names no secret (no URL, bucket,
key or error text: only the class of an error) and no case data (ages in seconds, nothing
counted per user). HTTP 503 when this instance cannot serve (database or blob storage
down); 200 with "degraded" when it can but the background side lags (no worker has picked
up waiting work, or no trusted timestamp has been obtained for a long time).
"""
from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult, get_date_max

from evidence.custody.timestamps import tsa_configured
from evidence.models import Timestamp, TimestampToken
from evidence.store import blobstore

# A task waiting longer than this means no worker is taking work.
WORKER_LAG_SECONDS = 300


def _timed(check):
    started = time.monotonic()
    try:
        out = check() or {}
        out["ok"] = out.get("ok", True)
    except Exception as exc:  # the class only: messages may carry hosts or paths
        out = {"ok": False, "error": type(exc).__name__}
    out["ms"] = round((time.monotonic() - started) * 1000, 1)
    return out


def _database():
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchone()
    return {"vendor": connection.vendor}


def _storage():
    store = blobstore.backend()
    store.check()
    return {"backend": store.name}


def _age(moment, now):
    return None if moment is None else max(int((now - moment).total_seconds()), 0)


def _worker():
    """No heartbeat table of its own: the queue says whether workers keep up."""
    now = timezone.now()
    never = get_date_max()  # django_tasks_db's "no run_after": ready from enqueueing on
    ready = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", "run_after")[:50]
    waiting = min((enqueued if run_after == never else max(enqueued, run_after) for enqueued, run_after in ready),
                  default=None)
    finished = DBTaskResult.objects.exclude(finished_at=None).order_by("-finished_at") \
        .values_list("finished_at", flat=True).first()
    running = DBTaskResult.objects.running().count()
    oldest = _age(waiting, now)
    return {"ok": oldest is None or oldest < WORKER_LAG_SECONDS, "oldest_waiting_seconds": oldest,
            "last_finished_seconds_ago": _age(finished, now), "running": running}


def _tsa():
    # Configured or the public defaults (issue 12): the same list the stamping uses.
    if not tsa_configured():
        return {"configured": False}
    now = timezone.now()
    last = TimestampToken.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    overdue = Timestamp.objects.filter(token=None, next_try_at__lt=now).order_by("next_try_at") \
        .values_list("next_try_at", flat=True).first()
    overdue_age = _age(overdue, now)
    return {"configured": True, "last_success_seconds_ago": _age(last, now),
            "oldest_overdue_seconds": overdue_age,
            "ok": overdue_age is None or overdue_age < settings.LIUZHENG_HEALTH_TSA_LAG_SECONDS}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _timed(_database), "storage": _timed(_storage)}
    if checks["database"]["ok"]:
        checks["worker"] = _timed(_worker)
        checks["tsa"] = _timed(_tsa)
    serving = checks["database"]["ok"] and checks["storage"]["ok"]
    status = "fail" if not serving else ("ok" if all(c["ok"] for c in checks.values()) else "degraded")
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)
