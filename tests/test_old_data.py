"""Data written by old code still opens, decrypts and verifies.

tests/fixtures/old_data/old_data.tar.gz is a whole LIUZHENG_DATA_DIR (SQLite database,
encrypted blobs, master keyset, secret key, Ed25519 signing key) written by commit 1e9a495,
before `evidence/` was split into subpackages; make_old_data.py next to it is the generator
that ran against 1e9a495 and expected.json holds what it recorded (users, counts, hashes,
a few plaintexts of encrypted fields).

Everything here goes through `manage.py` in subprocesses and through django.apps, never through
an import of an evidence module by path: module paths may move, data must not break.
"""
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "old_data"
EXPECTED = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
MARK = "OLD_DATA_SUMMARY "


def _extract(tmp_path) -> Path:
    with tarfile.open(FIXTURE / "old_data.tar.gz") as tar:
        try:
            tar.extractall(tmp_path, filter="data")
        except TypeError:  # Python without extraction filters
            tar.extractall(tmp_path)
    data = tmp_path / "data"
    assert (data / "liuzheng.sqlite3").is_file() and (data / "keys" / "master-keyset.json").is_file()
    return data


def _env(data_dir: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_")}
    env.update(LIUZHENG_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0",
               PYTHONIOENCODING="utf-8", **extra)
    return env


def manage(env, *args, check_rc=0):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
                            text=True, encoding="utf-8", timeout=300)
    if check_rc is not None:
        shown = " ".join(a if len(a) < 200 else "<script>" for a in args)
        assert result.returncode == check_rc, (
            f"manage.py {shown} exited {result.returncode}, wanted {check_rc}\n"
            f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}")
    return result


# Runs inside `manage.py shell -c` against the copied old data (django.apps only, no evidence imports).
SHELL = r'''
import hashlib, json, os
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

expected = json.loads(Path(os.environ["OLD_DATA_EXPECTED"]).read_text(encoding="utf-8"))
out = Path(os.environ["OLD_DATA_OUT"])
s = {"problems": [], "decrypt_failures": [], "decrypted_fields": 0, "encrypted_models": {},
     "plaintexts_checked": 0, "originals": 0, "thumbnails": 0, "no_thumbnail_404": 0}
M = apps.get_model
Case, Entry, Attachment = M("evidence", "Case"), M("evidence", "Entry"), M("evidence", "Attachment")
Event, Bundle = M("evidence", "CustodyEvent"), M("evidence", "Bundle")
case_id = expected["case_id"]

# Counts and the custody chain, before this script adds anything to it.
events = list(Event._base_manager.filter(case_id=case_id).order_by("seq"))
s["counts"] = {
    "users": get_user_model()._base_manager.count(),
    "cases": Case._base_manager.count(),
    "entries": Entry._base_manager.filter(case_id=case_id).count(),
    "entries_trashed": Entry._base_manager.filter(case_id=case_id, trashed_at__isnull=False).count(),
    "entry_revisions": M("evidence", "EntryRevision")._base_manager.filter(entry__case_id=case_id).count(),
    "attachments": Attachment._base_manager.filter(case_id=case_id).count(),
    "thumbnails": Attachment._base_manager.filter(case_id=case_id, thumbnail_size__isnull=False).count(),
    "transcripts": M("evidence", "Transcript")._base_manager.filter(attachment__case_id=case_id).count(),
    "custody_events": len(events),
    "witness_submissions": M("evidence", "WitnessSubmission")._base_manager.filter(case_id=case_id).count(),
    "case_accesses": M("evidence", "CaseAccess")._base_manager.filter(case_id=case_id, revoked_at__isnull=True).count(),
    "complaint_drafts": M("evidence", "ComplaintDraft")._base_manager.filter(case_id=case_id).count(),
    "bundles": Bundle._base_manager.filter(case_id=case_id).count(),
}
s["custody_head"] = events[-1].hash if events else None
s["custody_actions"] = [e.action for e in events]

# Every encrypted field of every row of both apps decrypts, and is not plaintext on disk.
for label in ("evidence", "accounts"):
    for model in apps.get_app_config(label).get_models():
        fields = [f for f in model._meta.concrete_fields if type(f).__name__ == "EncryptedTextField"]
        if not fields:
            continue
        table, pk = model._meta.db_table, model._meta.pk
        n = 0
        for obj in model._base_manager.all():
            for f in fields:
                try:
                    plain = getattr(obj, f.attname)
                except Exception as exc:
                    s["decrypt_failures"].append(f"{model._meta.label}.{f.name} {obj.pk}: {type(exc).__name__}: {exc}")
                    continue
                if not isinstance(plain, str):
                    s["decrypt_failures"].append(f"{model._meta.label}.{f.name} {obj.pk}: got {type(plain).__name__}")
                    continue
                with connection.cursor() as cur:
                    cur.execute(f'SELECT "{f.column}" FROM "{table}" WHERE "{pk.column}" = %s',
                                [pk.get_db_prep_value(obj.pk, connection)])
                    raw = cur.fetchone()[0]
                if not raw or raw == plain or (plain and plain in raw):
                    s["problems"].append(f"{model._meta.label}.{f.name} {obj.pk} is not ciphertext in the database")
                s["decrypted_fields"] += 1
                n += 1
        s["encrypted_models"][model._meta.label_lower] = n

for p in expected["plaintexts"]:
    try:
        value = getattr(M(p["model"])._base_manager.get(pk=p["pk"]), p["field"])
    except Exception as exc:
        s["decrypt_failures"].append(f"{p['model']}.{p['field']} {p['pk']}: {type(exc).__name__}: {exc}")
        continue
    if value != p["value"]:
        s["problems"].append(f"{p['model']}.{p['field']} {p['pk']}: {value!r} != {p['value']!r}")
    s["plaintexts_checked"] += 1

# The passwords still check (the hashes survived); the borrower opens every file.
User = get_user_model()
borrower = User._base_manager.get(username=expected["borrower"]["username"])
lawyer = User._base_manager.get(username=expected["lawyer"]["username"])
for who, user in (("borrower", borrower), ("lawyer", lawyer)):
    if not user.check_password(expected[who]["password"]):
        s["problems"].append(f"{who}'s password no longer checks")

def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content

client = Client(HTTP_HOST="127.0.0.1")
client.force_login(borrower, backend="django.contrib.auth.backends.ModelBackend")
r = client.get(reverse("case_detail", args=[case_id]))
if r.status_code != 200:
    s["problems"].append(f"case page: HTTP {r.status_code}")
for att_id, exp in expected["attachments"].items():
    att = Attachment._base_manager.get(pk=att_id)
    if att.sha256 != exp["sha256"] or att.size != exp["size"]:
        s["problems"].append(f"attachment {att_id}: row sha256/size changed")
    if exp["duration_seconds"] is not None and abs((att.duration_seconds or 0) - exp["duration_seconds"]) > 0.01:
        s["problems"].append(f"attachment {att_id}: duration {att.duration_seconds} != {exp['duration_seconds']}")
    r = client.get(reverse("attachment_file", args=[att_id]))
    data = body(r) if r.status_code == 200 else b""
    if r.status_code != 200 or hashlib.sha256(data).hexdigest() != att.sha256 or len(data) != att.size:
        s["problems"].append(f"original {att_id}: HTTP {r.status_code}, {len(data)} bytes, "
                             f"sha256 {hashlib.sha256(data).hexdigest()} (row {att.sha256})")
    else:
        s["originals"] += 1
    r = client.get(reverse("attachment_thumbnail", args=[att_id]))
    if exp["thumbnail_size"]:
        thumb = body(r) if r.status_code == 200 else b""
        if r.status_code != 200 or not thumb.startswith(b"\xff\xd8") or len(thumb) != exp["thumbnail_size"]:
            s["problems"].append(f"thumbnail {att_id}: HTTP {r.status_code}, {len(thumb)} bytes")
        else:
            s["thumbnails"] += 1
    elif r.status_code == 404:
        s["no_thumbnail_404"] += 1
    else:
        s["problems"].append(f"thumbnail {att_id}: HTTP {r.status_code} for a file without one")

bexp = expected["bundle"]
r = client.get(reverse("bundle_download", args=[bexp["id"]]))
data = body(r) if r.status_code == 200 else b""
s["bundle_sha256"] = hashlib.sha256(data).hexdigest()
if r.status_code != 200 or s["bundle_sha256"] != bexp["sha256"] or len(data) != bexp["size"]:
    s["problems"].append(f"bundle download: HTTP {r.status_code}, {len(data)} bytes, sha256 {s['bundle_sha256']}")
(out / "stored-bundle.zip").write_bytes(data)

# The lawyer's grant still works: with the second factor, the bundle's status is theirs to see.
from django_otp import DEVICE_ID_SESSION_KEY
device = M("otp_totp", "TOTPDevice")._base_manager.filter(user=lawyer, confirmed=True).first()
if device is None:
    s["problems"].append("the lawyer's TOTP device is gone")
else:
    lc = Client(HTTP_HOST="127.0.0.1")
    lc.force_login(lawyer, backend="django.contrib.auth.backends.ModelBackend")
    session = lc.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    r = lc.get(reverse("bundle_status", args=[bexp["id"]]))
    if r.status_code != 200 or r.json().get("sha256") != bexp["sha256"] or not r.json().get("available"):
        s["problems"].append(f"lawyer bundle status: HTTP {r.status_code} {r.content[:200]!r}")

# Issue 14: calls logged before the outcome was asked are "unknown", never made "answered".
s["call_outcomes"] = sorted(set(M("evidence", "Entry")._base_manager.filter(kind="call")
                                .values_list("call_outcome", flat=True)))
s["time_precisions"] = sorted(set(M("evidence", "Entry")._base_manager.values_list("time_precision", flat=True)))

print("OLD_DATA_SUMMARY " + json.dumps(s, ensure_ascii=False))
'''


def _summary(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith(MARK)]
    assert len(lines) == 1, stdout[-4000:]
    return json.loads(lines[0][len(MARK):])


def _manifest_shas(zip_path: Path) -> set:
    with zipfile.ZipFile(zip_path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    return {item["sha256"] for item in manifest["files"]}


def test_old_data_decrypts_and_verifies(tmp_path):
    data = _extract(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    env = _env(data, OLD_DATA_EXPECTED=str(FIXTURE / "expected.json"), OLD_DATA_OUT=str(out))
    case_id = EXPECTED["case_id"]

    manage(env, "migrate", "--noinput")
    manage(env, "verify_custody")

    s = _summary(manage(env, "shell", "-c", SHELL).stdout)
    assert s["decrypt_failures"] == []
    assert s["problems"] == []
    assert s["counts"] == EXPECTED["counts"]
    assert s["custody_head"] == EXPECTED["custody_head"]
    assert s["custody_actions"] == EXPECTED["custody_actions"]
    assert s["plaintexts_checked"] == len(EXPECTED["plaintexts"])
    # Every model with encrypted columns that the fixture has rows of was read.
    for label in ("evidence.case", "evidence.entry", "evidence.entryrevision", "evidence.attachment",
                  "evidence.transcript", "evidence.witnesslink", "evidence.witnesssubmission",
                  "evidence.invitation", "evidence.lawyernote", "evidence.complaintdraft"):
        assert s["encrypted_models"].get(label), (label, s["encrypted_models"])
    assert s["originals"] == EXPECTED["counts"]["attachments"]
    assert s["thumbnails"] == EXPECTED["counts"]["thumbnails"]
    assert s["thumbnails"] + s["no_thumbnail_404"] == EXPECTED["counts"]["attachments"]
    assert s["bundle_sha256"] == EXPECTED["bundle"]["sha256"]
    assert s["call_outcomes"] == ["unknown"] and s["time_precisions"] == ["exact"]

    # The bundle exported by the old code, downloaded by the new, still verifies.
    stored = out / "stored-bundle.zip"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == EXPECTED["bundle"]["sha256"]
    manage(env, "verify_bundle", str(stored))
    attachment_shas = {a["sha256"] for a in EXPECTED["attachments"].values()}
    assert attachment_shas <= _manifest_shas(stored)

    # A fresh export of the old case verifies too, and the chain it extended still holds.
    fresh = out / "fresh-bundle.zip"
    manage(env, "export_bundle", "--case", case_id, "--output", str(fresh))
    manage(env, "verify_bundle", str(fresh))
    assert attachment_shas <= _manifest_shas(fresh)
    manage(env, "verify_custody")


def test_a_flipped_byte_in_an_old_blob_is_caught(tmp_path):
    data = _extract(tmp_path)
    env = _env(data)
    att_id = next(a for a, exp in EXPECTED["attachments"].items() if exp["kind"] == "audio")
    hexid = att_id.replace("-", "")
    blob = data / "blobs" / hexid[:2] / f"{hexid}.orig"
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    blob.write_bytes(bytes(raw))

    manage(env, "migrate", "--noinput")
    result = manage(env, "verify_custody", check_rc=1)
    assert att_id in result.stdout + result.stderr, result.stdout
