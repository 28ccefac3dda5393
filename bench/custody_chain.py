"""Custody-chain benchmark: append N events, verify them, and count TSA requests
for 1,000 uploads. Prints its figures.

    .venv/bin/python bench/custody_chain.py [--events 100000] [--uploads 1000]
"""
import argparse
import sys
import time

from common import ROOT, in_temp_dir  # noqa: E402  (bench/ is on sys.path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--uploads", type=int, default=1000)
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
    from evidence.custody.chain import custody_append
    from evidence.custody.door import service
    from evidence.models import Timestamp
    from evidence.cases.services import case_create
    from evidence.custody.verify import verify_case

    owner = user_create(username="bench", password="Bench-pass-2026")
    case = case_create(owner=owner, lender="bench")

    start = time.perf_counter()
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
    append_s = time.perf_counter() - start

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

    print(f"custody events appended : {args.events:,} in {append_s:.1f} s = {args.events / append_s:,.0f} events/s")
    print(f"custody events verified : {report.events:,} in {verify_s:.1f} s = {report.events / verify_s:,.0f} events/s")
    print(f"timestamping {args.uploads:,} uploads: {tsa.requests} TSA request(s), "
          f"{result['stamped']:,} stamped in {stamp_s:.2f} s")


if __name__ == "__main__":
    main()
