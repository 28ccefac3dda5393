"""catalog.pdf alone: time and peak memory of building it, for cases of several sizes.

Each size runs in its own child process on a fresh data directory: a case of N entries
over a year (bench/common.py's year_of_entries, bulk-created), then
BundleWriter(case).catalog_pdf(). The child's peak RSS is reset (/proc/self/clear_refs)
after the set-up, so "catalogue peak" is the high-water mark while the catalogue is built;
"increase" is that peak less the RSS before it. No attachments: the figure is the
document's own (item sections, tables, the timeline), which is what grows with the case.

    .venv/bin/python bench/catalog_memory.py [--sizes 200,2000] [--check] [--fresh-font]

--fresh-font has every PDF load the CJK face through fpdf2's own add_font(), as before the
face was shared per process (evidence/pdf/faces.py): the "before" of that change. Process
CPU time is printed beside the wall time: the machine is shared, CPU time is the fairer figure.

Target (issue 17): export peak RSS < 150 MB, flat from 200 to 20,000 entries.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from common import MiB, django_ready, in_temp_dir, memoised_keys, proc_status, report_cpu_busy, year_of_entries  # noqa: E402

TARGET_RSS_MB = 150


def child(n: int, fresh_font: bool = False) -> dict:
    django_ready()
    if fresh_font:
        from evidence.pdf import layout
        layout.shared_face = lambda path, index: None
    from accounts.services import user_create
    from evidence.bundle.writer import BundleWriter
    from evidence.cases.services import case_create
    from evidence.models import Entry
    from evidence.rules import tally

    owner = user_create(username="bench", password="Bench-pass-2026")
    case = case_create(owner=owner, lender=f"bench {n}", collector_numbers="95188")
    with memoised_keys(owner.pk):
        Entry.objects.bulk_create(year_of_entries(case, owner, n, random.Random(7), detailed=True), batch_size=2000)
    tally.rebuild(case)  # bulk-created past the services
    case.refresh_from_db()
    before = proc_status(os.getpid(), "VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak from here on
    start, cpu = time.perf_counter(), time.process_time()
    pdf = BundleWriter(case, actor_label="bench").catalog_pdf()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"entries": n, "seconds": seconds, "cpu": cpu, "before": before, "peak": proc_status(os.getpid(), "VmHWM"),
            "bytes": len(pdf), "pages": pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200,2000", help="entry counts, comma-separated")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--fresh-font", action="store_true", help="fpdf2's add_font() per PDF (before faces.py)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        in_temp_dir("lz-bench-catalog-", args, lambda a, work: print(json.dumps(child(a.child, a.fresh_font))) or True)
        return
    if not run(args) and args.check:
        sys.exit(1)


def run(args) -> bool:
    load = os.getloadavg()
    print(f"catalog.pdf benchmark{' (fresh font per PDF)' if args.fresh_font else ''}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 shared cores)")
    report_cpu_busy()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--child", str(n)] + ["--fresh-font"] * args.fresh_font,
                             capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(res)
        print(f"  {n:>6,} entries: {res['seconds']:7.1f} s (CPU {res['cpu']:.1f} s), {res['pages']:>6,} pages, {res['bytes'] / MiB:6.1f} MB; "
              f"RSS before {res['before'] / MiB:6.1f} MB, catalogue peak {res['peak'] / MiB:6.1f} MB "
              f"(+{(res['peak'] - res['before']) / MiB:.1f} MB)", flush=True)
    peaks = [r["peak"] / MiB for r in results]
    grows = [(r["peak"] - r["before"]) / MiB for r in results]
    met = max(peaks) < TARGET_RSS_MB
    # Flat: the catalogue's own increase at the largest size within 25 % (or 10 MB) of the smallest's.
    flat = len(grows) < 2 or max(grows) <= max(1.25 * min(grows), min(grows) + 10)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"target peak < {TARGET_RSS_MB} MB: {'met' if met else 'MISSED'} (max {max(peaks):.1f} MB, the process "
          f"with its set-up); flat across sizes (the catalogue's increase): {'met' if flat else 'MISSED'} "
          f"({', '.join(f'+{g:.0f} MB' for g in grows)})")
    return met and flat


if __name__ == "__main__":
    main()
