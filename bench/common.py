"""What every benchmark script shares: its own temporary data directory, Django set up
on it, a year of bulk-created entries, the CPU load before measuring, process memory
from /proc, and MB/s."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024

# Settings that could point a run at real data; a benchmark owns its own directory.
FOREIGN_ENV = ("LIUZHENG_BLOB_DIR", "LIUZHENG_MASTER_KEY_FILE", "LIUZHENG_MASTER_KEY", "LIUZHENG_DATABASE_URL",
               "LIUZHENG_SECRET_KEY_FILE", "LIUZHENG_SECRET_KEY", "LIUZHENG_PRODUCTION", "LIUZHENG_TMP_DIR",
               "LIUZHENG_SIGNING_KEY_FILE", "LIUZHENG_TSA_URLS", "LIUZHENG_TSA_CA_FILE")


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / MiB / seconds if seconds > 0 else float("inf")


def in_temp_dir(prefix: str, args, run, *, data_subdir: str = "") -> bool:
    """Run `run(args, work)` with LIUZHENG_DATA_DIR in a fresh temporary directory
    (under args.dir), removed afterwards unless args.keep; exit 1 on a miss with --check."""
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=getattr(args, "dir", None)))
    for name in FOREIGN_ENV:
        os.environ.pop(name, None)
    data_dir = work / data_subdir if data_subdir else work
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_DATA_DIR": str(data_dir)})
    os.environ.setdefault("LIUZHENG_LOG_LEVEL", "ERROR")  # not the "new master key" notice
    try:
        ok = run(args, work)
    finally:
        if getattr(args, "keep", False):
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if getattr(args, "check", False) and not ok:
        sys.exit(1)
    return ok


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Share of all CPUs busy over `seconds`, from /proc/stat (None where there is none)."""
    def snap():
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    try:
        before = snap()
        time.sleep(seconds)
        after = snap()
    except OSError:
        return None
    delta = [b - a for a, b in zip(before, after)]
    total = sum(delta[:8])
    return 1 - (delta[3] + delta[4]) / total if total else None


def report_cpu_busy(label: str = "CPUs busy before the measurements"):
    """Print how busy the machine was: other work lowers every figure, some more than others."""
    busy = cpu_busy()
    if busy is not None:
        print(f"  {label}: {busy:.0%}"
              + ("  (other work is running: expect slow and noisy numbers)" if busy > 0.2 else ""), flush=True)


def proc_status(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM) in bytes; 0 if unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def django_ready():
    """Django set up on the benchmark's data directory, any host allowed (the test client's
    "testserver"), the database migrated."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)


@contextmanager
def memoised_keys(owner_id):
    """Set-up only: encrypting looks the owner's key up per field; memoise it while creating."""
    from evidence.store import crypto

    keys = crypto.keys_for(owner_id)
    real_keys_for, crypto.keys_for = crypto.keys_for, lambda user_id: keys
    try:
        yield
    finally:
        crypto.keys_for = real_keys_for


def year_of_entries(case, owner, n, rng, *, detailed=False):
    """n unsaved entries over a year from 2025-11-01 (Asia/Shanghai): calls at all hours
    (70%), SMS (23%) and third-party contacts, from 40 numbers, a tag on 5%. `detailed` adds
    what the case page shows: a claimed identity, numbered SMS text, notes on 20%, the author.
    The same rng gives the same entries."""
    from evidence.models import Entry
    from evidence.store.crypto import blind_index

    start = datetime(2025, 11, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    numbers = [f"1380000{i:04d}" for i in range(40)]
    indexes = {num: blind_index(owner.pk, num) for num in numbers}
    tags = ["threat", "insult", "claimed_police", "disclosed_debt", "mentioned_family"]
    rows = []
    for i in range(n):
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        r = rng.random()
        kind = "call" if r < 0.7 else "sms" if r < 0.93 else "third_party"
        number = rng.choice(numbers)
        # The rng is drawn in this order, field by field: keep it so the entries stay the same.
        fields = dict(
            case=case, kind=kind, occurred_at=when,
            direction=rng.choice(["incoming", "incoming", "missed"]) if kind == "call" else "",
            duration_seconds=rng.randrange(0, 300) if kind == "call" else None,
            tags=[rng.choice(tags)] if rng.random() < 0.05 else [],
            number=number if kind != "third_party" else "",
            number_index=indexes[number] if kind != "third_party" else "",
        )
        if detailed:
            fields["claimed_identity"] = rng.choice(["", "法务部", "催收专员"])
        sms = f"再不还钱就爆你通讯录 第{i}条" if detailed else "再不还钱就爆你通讯录"
        fields["content"] = sms if kind == "sms" else ""
        fields["contact_name"] = f"联系人{rng.randrange(300)}" if kind == "third_party" else ""
        relations = ["母亲", "同事", "朋友", "担保人"]
        fields["contact_relation"] = rng.choice(relations) if kind == "third_party" else ""
        if detailed:
            fields["notes"] = "" if rng.random() < 0.8 else "对方语气凶狠"
            fields["created_by"] = owner
        rows.append(Entry(**fields))
    return rows
