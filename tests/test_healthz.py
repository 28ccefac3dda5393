"""GET /healthz: database, storage, workers, timestamps; no secrets, no case data."""
import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from evidence.custody.timestamps import chain_timestamp_request, stamp_pending_task
from evidence.models import Timestamp

pytestmark = pytest.mark.django_db


def get(client=None):
    response = (client or Client()).get("/healthz")
    return response.status_code, json.loads(response.content), response.content.decode()


def test_all_well_answers_200_to_anyone(case, entry, settings):
    code, body, text = get()
    assert code == 200 and body["status"] == "ok", body
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert body["checks"]["storage"]["backend"] == settings.LIUZHENG_BLOB_BACKEND
    assert body["checks"]["tsa"] == {"configured": False, "ok": True, "ms": body["checks"]["tsa"]["ms"]}
    # nothing of the case, nothing secret
    for secret in ("借呗", "95188", "案件备注", "不还钱", settings.SECRET_KEY, str(settings.LIUZHENG_BLOB_DIR),
                   "13800138000"):
        assert secret not in text


def test_storage_down_is_503_and_says_no_path(settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.LIUZHENG_BLOB_BACKEND = "disk"
    settings.LIUZHENG_BLOB_DIR = blocker / "blobs"
    code, body, text = get()
    assert code == 503 and body["status"] == "fail"
    assert body["checks"]["storage"] == {"ok": False, "error": body["checks"]["storage"]["error"],
                                         "ms": body["checks"]["storage"]["ms"]}
    assert "not-a-dir" not in text and str(tmp_path) not in text


def test_a_missing_bucket_is_503_without_naming_it(settings, s3_server):
    s3_server.configure(settings, "t-health/")
    code, body, _ = get()
    assert code == 200 and body["checks"]["storage"]["backend"] == "s3"
    settings.LIUZHENG_S3_BUCKET = f"no-such-{uuid.uuid4().hex[:12]}"
    code, body, text = get()
    assert code == 503 and not body["checks"]["storage"]["ok"]
    assert settings.LIUZHENG_S3_BUCKET not in text and s3_server.endpoint not in text


def test_waiting_work_nobody_takes_is_degraded(db):
    code, body, _ = get()
    assert body["checks"]["worker"]["oldest_waiting_seconds"] is None
    stamp_pending_task.enqueue()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    code, body, _ = get()
    assert code == 200 and body["status"] == "degraded"
    assert not body["checks"]["worker"]["ok"] and body["checks"]["worker"]["oldest_waiting_seconds"] >= 600


def test_timestamps_overdue_is_degraded(case, settings):
    settings.LIUZHENG_TSA_URLS = ["http://127.0.0.1:9/tsa"]
    settings.LIUZHENG_HEALTH_TSA_LAG_SECONDS = 60
    from django.db import transaction

    with transaction.atomic():
        chain_timestamp_request(case)
    Timestamp.objects.update(next_try_at=timezone.now() - timedelta(hours=2))
    code, body, _ = get()
    tsa = body["checks"]["tsa"]
    assert code == 200 and body["status"] == "degraded"
    assert tsa["configured"] and not tsa["ok"] and tsa["last_success_seconds_ago"] is None
    assert tsa["oldest_overdue_seconds"] >= 7200


def test_json_logs_are_one_object_a_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0", LIUZHENG_LOG_FORMAT="json",
               LIUZHENG_DATA_DIR=str(tmp_path))
    code = ("import django, logging; django.setup(); log = logging.getLogger('liuzheng.blobs'); "
            "log.warning('Blob %s is missing', 'abc.orig')\n"
            "try:\n    1/0\nexcept ZeroDivisionError:\n    log.exception('failed 失败')")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert lines[0]["message"] == "Blob abc.orig is missing" and lines[0]["level"] == "WARNING"
    assert lines[0]["logger"] == "liuzheng.blobs" and lines[0]["time"].endswith("+00:00")
    assert lines[1]["message"] == "failed 失败" and "ZeroDivisionError" in lines[1]["exception"]


def test_the_public_default_tsas_count_as_configured(db, settings):
    """With nothing set, `make run` stamps with the public services (issue 12): /healthz must
    watch them, not say "no TSA"."""
    settings.LIUZHENG_TSA_URLS = []
    settings.LIUZHENG_TSA_DEFAULTS = True
    _code, body, _text = get()
    assert body["checks"]["tsa"]["configured"] is True
    settings.LIUZHENG_TSA_DEFAULTS = False
    _code, body, _text = get()
    assert body["checks"]["tsa"]["configured"] is False
