"""The restore drill of docs/deployment.md, run for real: back up, wipe, restore, verify.

A live installation (its own database, blob store and keys, driven through `manage.py` in
subprocesses as an operator would) gets demo data and a bundle; then the three backups of
the runbook are taken apart from each other: the database (pg_dump, or SQLite's online
backup), the blobs (a copy of the tree, or a sync of the bucket prefix) and the keys (the
escrow copy). Everything is wiped; restored; and `verify_custody` must recompute every
custody chain and the SHA-256 of every original, while every other blob (thumbnails, the
bundle) must decrypt and be byte-identical ciphertext. Without the escrowed master key the
restored data must not open. Runs on both blob backends; on PostgreSQL when the suite does.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT
from tests.pg import psql

pytestmark = pytest.mark.django_db  # not ours: the drill's installation has its own database

DRILL_SHELL = r'''
import hashlib, io, json, os
from django.apps import apps
from django.core.management import call_command
from evidence.store import blobstore
M = apps.get_model
report = io.StringIO()
call_command("verify_custody", stdout=report)  # exits 1 (SystemExit) when anything fails
print(report.getvalue())
out = {}
for att in M("evidence", "Attachment").objects.select_related("case"):
    out[att.blob_key] = hashlib.sha256(blobstore.read_bytes(att.case.owner_id, att.pk, "original", att.blob_key)).hexdigest()
    if att.thumbnail_size is not None:
        out[att.thumb_key] = len(blobstore.read_bytes(att.case.owner_id, att.pk, "thumbnail", att.thumb_key))
for b in M("evidence", "Bundle").objects.filter(status="done").select_related("case"):
    out[b.blob_key] = hashlib.sha256(blobstore.read_bytes(b.case.owner_id, b.pk, "bundle", b.blob_key)).hexdigest()
print("DRILL " + json.dumps({"plain": out, "cipher": {k: hashlib.sha256(blobstore.raw_read(k)).hexdigest()
                                                      for k in blobstore.all_keys()}}))
'''

# A small installation: two borrowers, a photo, a recording, a note, a bundle (seed_demo's three
# weeks would make the drill slow without testing anything more).
MAKE_DATA = r'''
from datetime import timedelta
from django.utils import timezone
from accounts.services import user_create
from evidence.bundle.services import bundle_build, bundle_request
from evidence.cases.services import attachment_add, case_create, entry_create
from evidence.management.demo import recording_wav, sms_screenshot_png
from evidence.store.uploads import encrypted_upload_from_bytes
now = timezone.now()
for n, name in enumerate(["drill_a", "drill_b"]):
    user = user_create(username=name, password="Correct-horse-42", role="borrower")
    case = case_create(owner=user, lender="借呗", product="借呗", amount_owed="12000", notes="备份演练")
    entry, _ = entry_create(case=case, actor=user, kind="call", occurred_at=now - timedelta(hours=n + 1),
                            direction="incoming", number="13800138000", content="不还钱就找你家人")
    for fname, data in [("shot.png", sms_screenshot_png("95188", ["逾期通知"], now, scale=1)),
                        ("call.wav", recording_wav(2.0, seed=n))]:
        attachment_add(entry=entry, actor=user,
                       upload=encrypted_upload_from_bytes(owner_id=user.pk, name=fname, data=data))
bundle_build(bundle=bundle_request(case=case, actor=case.owner, selection={}))
'''


@pytest.fixture(params=["disk", "s3"])
def installation(request, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0", PYTHONIOENCODING="utf-8",
               LIUZHENG_DATA_DIR=str(tmp_path / "live"), LIUZHENG_TASK_BACKEND="django_tasks.backends.immediate.ImmediateBackend")
    pg = os.environ.get("LIUZHENG_TEST_DATABASE_URL", "")
    if pg:
        url = urlparse(pg)
        name = f"{url.path.lstrip('/')}_drill_{request.param}"
        env["LIUZHENG_DATABASE_URL"] = url._replace(path=f"/{name}").geturl()
        env["DRILL_PG_ADMIN"] = url._replace(path="/postgres").geturl()
        env["DRILL_PG_NAME"] = name
        _psql(env, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        env.update(server.settings_env(f"drill-{uuid.uuid4().hex}/"))
        env["DRILL_S3"] = "1"
        request.node.s3 = server
    yield env
    if pg:
        _psql(env, f'DROP DATABASE IF EXISTS "{env["DRILL_PG_NAME"]}"')


def _psql(env, *statements):
    psql(env["DRILL_PG_ADMIN"], *statements)


def manage(env, *args, check_rc=0):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, encoding="utf-8", timeout=600)
    if check_rc is not None:
        assert result.returncode == check_rc, (f"manage.py {args[0]} exited {result.returncode}\n"
                                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def snapshot(env):
    """verify_custody's report, and what every blob decrypts to and its stored ciphertext."""
    out = manage(env, "shell", "-c", DRILL_SHELL).stdout
    report, data = out.split("DRILL ", 1)
    return report, json.loads(data)


def _bucket(env, server):
    client = server.client()
    return client, env["LIUZHENG_S3_BUCKET"], env["LIUZHENG_S3_PREFIX"]


def _list(client, bucket, prefix):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def backup(env, request, backup_dir: Path, escrow: Path):
    live = Path(env["LIUZHENG_DATA_DIR"])
    backup_dir.mkdir()
    # 1. the database
    if "DRILL_PG_NAME" in env:
        subprocess.run(["pg_dump", "-Fc", "-f", str(backup_dir / "db.dump"), env["LIUZHENG_DATABASE_URL"]],
                       check=True, capture_output=True)
    else:
        with sqlite3.connect(live / "liuzheng.sqlite3") as source, \
                sqlite3.connect(backup_dir / "liuzheng.sqlite3") as target:
            source.backup(target)
    # 2. the blobs (ciphertext only): the tree, or the bucket prefix synced elsewhere
    if "DRILL_S3" in env:
        client, bucket, prefix = _bucket(env, request.node.s3)
        for key in _list(client, bucket, prefix):
            client.copy_object(Bucket=bucket, Key="backup-" + key, CopySource={"Bucket": bucket, "Key": key})
    else:
        shutil.copytree(live / "blobs", backup_dir / "blobs", ignore=shutil.ignore_patterns("tmp"))
    # 3. the keys, in escrow: kept apart from both
    shutil.copytree(live / "keys", escrow)


def wipe(env, request):
    shutil.rmtree(env["LIUZHENG_DATA_DIR"])
    if "DRILL_PG_NAME" in env:
        _psql(env, f'DROP DATABASE "{env["DRILL_PG_NAME"]}"')
    if "DRILL_S3" in env:
        client, bucket, prefix = _bucket(env, request.node.s3)
        for key in _list(client, bucket, prefix):
            client.delete_object(Bucket=bucket, Key=key)
        assert _list(client, bucket, prefix) == []


def restore(env, request, backup_dir: Path, escrow: Path | None):
    live = Path(env["LIUZHENG_DATA_DIR"])
    live.mkdir(mode=0o700)
    if escrow is not None:
        shutil.copytree(escrow, live / "keys")
    if "DRILL_PG_NAME" in env:
        _psql(env, f'CREATE DATABASE "{env["DRILL_PG_NAME"]}"')
        subprocess.run(["pg_restore", "--no-owner", "-d", env["LIUZHENG_DATABASE_URL"], str(backup_dir / "db.dump")],
                       check=True, capture_output=True)
    else:
        shutil.copy2(backup_dir / "liuzheng.sqlite3", live / "liuzheng.sqlite3")
    if "DRILL_S3" in env:
        client, bucket, prefix = _bucket(env, request.node.s3)
        for key in _list(client, bucket, "backup-" + prefix):
            client.copy_object(Bucket=bucket, Key=key[len("backup-"):], CopySource={"Bucket": bucket, "Key": key})
    else:
        shutil.copytree(backup_dir / "blobs", live / "blobs")


def test_back_up_wipe_restore_verify(installation, request, tmp_path):
    env = installation
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", MAKE_DATA)
    verified, before = snapshot(env)
    assert "All custody chains and files verified." in verified
    assert len(before["plain"]) >= 5 and any(k.endswith(".bundle") for k in before["plain"])
    assert set(before["cipher"]) >= set(before["plain"])

    backup(env, request, tmp_path / "backup", tmp_path / "escrow")
    wipe(env, request)

    # Restored without the escrowed master key (a new one is made): the data is there and stays shut.
    restore(env, request, tmp_path / "backup", None)
    refused = manage(env, "verify_custody", check_rc=None)
    assert refused.returncode != 0 and "cannot be decrypted" in refused.stdout
    wipe(env, request)

    restore(env, request, tmp_path / "backup", tmp_path / "escrow")
    after_verify, after = snapshot(env)
    assert "All custody chains and files verified." in after_verify
    assert after_verify.count("OK   case") == verified.count("OK   case") == 2
    assert after == before  # every blob decrypts to the same plaintext; ciphertext byte-identical
