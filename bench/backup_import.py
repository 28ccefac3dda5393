"""Backup import benchmark: a generated SMS Backup & Restore file of N messages (default
100,000 from 50 numbers) staged (encrypted, previewed) and imported into one case, as
`manage.py import_backup` does. Prints messages/s for the preview pass and the import, the
process's peak RSS, and the machine's load. Targets: import ≥ 2,000 messages/s, RSS < 200 MB.

    .venv/bin/python bench/backup_import.py [--messages 100000] [--check]
"""
import argparse
import os
import time

from common import MiB, proc_status, report_cpu_busy  # noqa: E402  (bench/ is on sys.path)
from common import ROOT, in_temp_dir


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile the import (slower)")
    in_temp_dir("lz-bench-import-", parser.parse_args(), run)


def run(args, work):
    import subprocess
    import sys

    # Migrations in a process of their own: rendering 60 migrations' models costs ~100 MB of
    # RSS that an import worker never pays, and the peak below is this process's.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], check=True, cwd=ROOT)
    import django

    django.setup()
    from accounts.services import user_create
    from evidence.cases.services import case_create
    from evidence.custody.actors import Actor
    from evidence.custody.verify import verify_case
    from evidence.imports import services
    from evidence.models import Entry
    from tests.imports.samples import big_backup

    owner = user_create(username="bench", password="Bench-pass-2026")
    case = case_create(owner=owner, lender="bench", collector_numbers="+86 138 0000 0001")
    path = work / "sms-bench.xml"
    path.write_bytes(big_backup(args.messages).getvalue())
    size = path.stat().st_size
    print(f"Backup import: {args.messages:,} SMS, {size / MiB:.1f} MiB of XML")
    report_cpu_busy()
    la = os.getloadavg()
    print(f"  load average: {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} CPUs")
    actor = Actor.system("bench")
    # The account's Argon2 hash above briefly takes ~100 MB: start the peak (VmHWM) afresh.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        print("  (cannot reset the RSS peak: it includes the set-up)")
    rss_start = proc_status(os.getpid(), "VmRSS")

    start = time.perf_counter()
    upload = services.upload_from_path(owner_id=owner.pk, path=path)
    backup = services.stage(case=case, actor=actor, upload=upload)
    stage_s = time.perf_counter() - start
    print(f"  stage (encrypt + preview pass): {stage_s:.1f} s, {args.messages / stage_s:,.0f} messages/s")

    start, cpu = time.perf_counter(), time.process_time()
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("services.backup_import(backup=backup, actor=actor)", globals(), locals(), "/tmp/import.prof")
        pstats.Stats("/tmp/import.prof").sort_stats("tottime").print_stats(30)
    else:
        services.backup_import(backup=backup, actor=actor)
    import_s, import_cpu = time.perf_counter() - start, time.process_time() - cpu
    rate = args.messages / import_s
    count = Entry.objects.filter(case=case).count()
    print(f"  import: {import_s:.1f} s, {rate:,.0f} messages/s ({count:,} entries); "
          f"{import_cpu:.1f} s of CPU, {args.messages / import_cpu:,.0f} messages per CPU-second "
          f"({import_cpu / args.messages * 1e6:.0f} us of CPU each); load average now {os.getloadavg()[0]:.2f}")
    peak_import = proc_status(os.getpid(), "VmHWM")

    start = time.perf_counter()
    services.backup_import(backup=backup, actor=actor)
    again_s = time.perf_counter() - start
    print(f"  re-import (all duplicates): {again_s:.1f} s, {backup.last_run['duplicates']:,} skipped")
    peak = proc_status(os.getpid(), "VmHWM")
    print(f"  process RSS: {rss_start / MiB:.0f} MiB before, peak {peak_import / MiB:.0f} MiB during the import"
          f" (and the stage before it), {peak / MiB:.0f} MiB after the re-import")
    start = time.perf_counter()
    report = verify_case(case)
    print(f"  verify_custody of the case: {time.perf_counter() - start:.1f} s, "
          f"{report.events:,} events, {'OK' if report.ok else report.problems[:1]}")
    ok = rate >= 2000 and peak_import < 200 * MiB and report.ok and count == args.messages
    print(f"  targets (≥ 2,000 messages/s, RSS < 200 MiB): {'met' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    main()
