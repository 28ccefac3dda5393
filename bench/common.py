"""What every benchmark script shares: its own temporary data directory, the CPU
load before measuring, process memory from /proc, and MB/s."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

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
