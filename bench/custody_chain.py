"""Custody-chain benchmark: append N events one by one and the same number in batches
(the import path, `custody_append_batch`), verify them, and count TSA requests for 1,000
uploads. Prints its figures, the load, and the batch target met or missed.

    .venv/bin/python bench/custody_chain.py [--events 100000] [--batch 1000] [--uploads 1000] [--check]

Target (issue 17): custody appends in a batch >= 5,000 events/s.
"""
import argparse
import os
import sys
import time

from common import ROOT, in_temp_dir, report_cpu_busy  # noqa: E402  (bench/ is on sys.path)

BATCH_TARGET = 5000  # events/s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="events per custody_append_batch call")
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--check", action="store_true", help="exit 1 when the batch target is missed")
    in_temp_dir("lz-bench-custody-", parser.parse_args(), run)


def run(args, data):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from accounts.services import user_create
    from evidence.custody.actions import Action
    from evidence.custody.actors import Actor
    from evidence.custody.chain import custody_append, custody_append_batch
    from evidence.custody.door import service
    from evidence.models import Timestamp
    from evidence.cases.services import case_create
    from evidence.custody.verify import verify_case

    load_before = os.getloadavg()
    report_cpu_busy()
    owner = user_create(username="bench", password="Bench-pass-2026")
    case = case_create(owner=owner, lender="bench")
    batch_case = case_create(owner=owner, lender="bench batch")

    start, cpu = time.perf_counter(), time.process_time()
    # One transaction per 1,000 appends, as a busy worker would commit; each append goes
    # through a door as a service's does (a savepoint), reads the head and writes one row.
    actor = Actor.of(owner)

    @service
    def append(n):
        custody_append(case=case, actor=actor, action=Action.CASE_VIEW, object_type="bench", object_id=n,
                       content_sha256=f"{n:064x}")

    done = 0
    while done < args.events:
        with transaction.atomic():
            for _ in range(min(1000, args.events - done)):
                append(done)
                done += 1
    append_s, append_cpu = time.perf_counter() - start, time.process_time() - cpu

    # The import path: one door call per batch of --batch events (imported_entries_record's shape).
    @service
    def append_batch(first, count):
        return custody_append_batch(case=batch_case, actor=actor, action=Action.ENTRY_CREATE,
                                    objects=[("bench", n, f"{n:064x}") for n in range(first, first + count)])

    start, cpu = time.perf_counter(), time.process_time()
    done = 0
    while done < args.events:
        done += append_batch(done, min(args.batch, args.events - done))
    batch_s, batch_cpu = time.perf_counter() - start, time.process_time() - cpu
    batch_report = verify_case(batch_case, files=False)
    assert batch_report.ok and batch_report.events == args.events + 1, batch_report.problems

    start = time.perf_counter()
    report = verify_case(case, files=False)
    verify_s = time.perf_counter() - start
    assert report.ok, report.problems

    # Timestamping: 1,000 uploads queue 1,000 file hashes; one worker pass stamps them.
    sys.path.insert(0, str(ROOT / "tests"))
    from tests.tsa import LocalTSA

    from django.utils import timezone

    from evidence.custody.timestamps import stamp_pending

    tsa = LocalTSA()
    settings.LIUZHENG_TSA_URLS = [tsa.url]
    settings.LIUZHENG_TSA_CA_FILE = tsa.ca_file
    Timestamp.objects.bulk_create([
        Timestamp(case=case, subject="file", digest=f"{i:064x}", next_try_at=timezone.now())
        for i in range(args.uploads)])
    start = time.perf_counter()
    result = stamp_pending()
    stamp_s = time.perf_counter() - start
    tsa.close()

    print(f"custody events appended : {args.events:,} in {append_s:.1f} s = {args.events / append_s:,.0f} events/s"
          f" ({append_cpu:.1f} s of CPU: {args.events / append_cpu:,.0f} events per CPU-second)")
    single_rate, batch_rate = args.events / append_s, args.events / batch_s
    print(f"custody events appended in batches of {args.batch:,}: {args.events:,} in {batch_s:.1f} s = "
          f"{batch_rate:,.0f} events/s ({batch_rate / single_rate:.1f}x one by one); {batch_cpu:.2f} s of CPU: "
          f"{args.events / batch_cpu:,.0f} events per CPU-second, {batch_cpu / args.events * 1e6:.0f} us each; "
          f"the chain verifies")
    print(f"custody events verified : {report.events:,} in {verify_s:.1f} s = {report.events / verify_s:,.0f} events/s")
    print(f"timestamping {args.uploads:,} uploads: {tsa.requests} TSA request(s), "
          f"{result['stamped']:,} stamped in {stamp_s:.2f} s")
    met = batch_rate >= BATCH_TARGET
    print(f"CPU time per batch event: {batch_cpu / args.events * 1e6:.0f} us "
          f"(the target needs <= {1e6 / BATCH_TARGET:.0f} us of wall time each)")
    print(f"load average before/after: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f} (2 shared cores)")
    print(f"target: batch appends >= {BATCH_TARGET:,}/s: {'met' if met else 'MISSED'} ({batch_rate:,.0f}/s)")
    return met


if __name__ == "__main__":
    main()
