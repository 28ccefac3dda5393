"""The statistics and findings pages of a big case right after a change: N entries (default
20,000) bulk-created over a year, then a real `entry_create` (or `entry_update`,
`entry_trash`) through the service, and the page right after it, through Django's test
client (middleware, the real view, the template). Median of --repeat changes, wall time and
the process's CPU time (less disturbed by other work on a shared machine), the load average.

Beside it, in the same run: the same pages with the findings run from scratch over the
whole case (the code before the findings were kept: every entry's facts read, the rules run),
and a check that the kept findings (and their counts per rule, which the statistics page
reads) equal a run from scratch after all the changes.

    .venv/bin/python bench/rules_stats.py [--entries 20000] [--repeat 5] [--rule-set cn|us] [--check] [--profile]

Target (issue 17): the statistics page right after a change, 20,000 entries, < 200 ms.
"""
import argparse
import os
import random
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from common import django_ready, in_temp_dir, memoised_keys, report_cpu_busy, year_of_entries  # noqa: E402

TARGET_MS = 200
SHANGHAI = ZoneInfo("Asia/Shanghai")


def timed(fn, repeat):
    """(last result, median wall ms, median CPU ms, best wall ms) of `repeat` runs."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return result, statistics.median(wall), statistics.median(cpu), min(wall)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rule-set", default="cn", choices=["cn", "us"])
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--profile", action="store_true", help="print where the page after a change spends its time")
    in_temp_dir("lz-bench-rules-", parser.parse_args(), run)


def run(args, data) -> bool:
    load_before = os.getloadavg()
    report_cpu_busy()
    django_ready()
    from django.test import Client

    from accounts.services import user_create
    from evidence.cases import services
    from evidence.models import Entry, FindingDay
    from evidence.rules import RULE_SETS, CaseContext, evaluate, facts_for_case, kept, stats, tally

    owner = user_create(username="bench", password="Bench-pass-2026")
    case = services.case_create(owner=owner, lender="bench", collector_numbers="95188", rule_set=args.rule_set)

    # A year of collection: ~55 entries a day, calls at all hours (more by day), from 40
    # numbers; SMS, some third-party contacts; tags on a few. Bulk-created (the
    # services' one-by-one custody logging is not what is measured here).
    t0 = time.perf_counter()
    rows = year_of_entries(case, owner, args.entries, random.Random(7))
    with memoised_keys(owner.pk):
        Entry.objects.bulk_create(rows, batch_size=2000)
    create_s = time.perf_counter() - t0
    # Bulk-created past the services: the case's statistics and findings are counted once here.
    _, rebuild_ms, rebuild_cpu, _ = timed(lambda: tally.rebuild(case), 1)

    client = Client()
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    stats_url, findings_url = f"/cases/{case.pk}/statistics/", f"/cases/{case.pk}/findings/"
    assert client.get(stats_url).status_code == 200  # warm: templates, keys, phrase book
    assert client.get(findings_url).status_code == 200

    when = iter(datetime(2026, 6, 1, 23, tzinfo=SHANGHAI) + timedelta(minutes=i) for i in range(10_000))
    made = []

    def create():
        made.append(services.entry_create(case=case, actor=owner, kind="call", direction="incoming",
                                          number="13800000001", call_outcome="answered",
                                          occurred_at=next(when), duration_seconds=10)[0])

    def edit():
        entry = Entry.objects.select_related("case").get(pk=made[-1].pk)
        services.entry_update(entry=entry, actor=owner, tags=["threat"] if not entry.tags else [])

    def trash():
        entry = Entry.objects.select_related("case").get(pk=made.pop().pk)
        services.entry_trash(entry=entry, actor=owner, reason="bench")

    def after(change, url):
        """Wall and CPU ms of the page right after `change` (the change itself not timed)."""
        wall, cpu = [], []
        for _ in range(args.repeat):
            change()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        return statistics.median(wall), statistics.median(cpu), min(wall), len(response.content) / 1024

    _, create_ms, create_cpu, _ = timed(create, args.repeat)
    results = {
        ("statistics", "entry_create"): after(create, stats_url),
        ("findings", "entry_create"): after(create, findings_url),
        ("statistics", "entry_update"): after(edit, stats_url),
        ("statistics", "entry_trash"): after(trash, stats_url),
    }
    _, again_ms, again_cpu, _ = timed(lambda: client.get(stats_url), args.repeat)  # no change in between

    # The same pages with the findings run from scratch over the whole case, as before they were kept.
    def from_scratch(case_):
        return evaluate(case_.rule_set, facts_for_case(case_), CaseContext.for_case(case_))

    kept_findings, kept_counts = kept.findings, kept.rule_counts
    kept.findings = from_scratch
    kept.rule_counts = lambda case_: kept.counts_of(from_scratch(case_), RULE_SETS[case_.rule_set])
    try:
        before = {("statistics", "entry_create"): after(create, stats_url),
                  ("findings", "entry_create"): after(create, findings_url)}
    finally:
        kept.findings, kept.rule_counts = kept_findings, kept_counts
    # The parts on their own, once the page is kept: what a page after a change is made of.
    _, read_ms, read_cpu, _ = timed(lambda: kept.findings(case), args.repeat)
    _, counts_ms, counts_cpu, _ = timed(lambda: kept.rule_counts(case), args.repeat)
    _, facts_ms, _, _ = timed(lambda: facts_for_case(case), args.repeat)
    facts = facts_for_case(case)
    ctx = CaseContext.for_case(case)
    _, rules_ms, _, _ = timed(lambda: evaluate(case.rule_set, facts, ctx), args.repeat)

    stats.forget_cached_stats()
    scratch = from_scratch(case)
    kept_now = kept.findings(case)
    equal = kept_now == scratch
    live = Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False).count()
    days = FindingDay.objects.filter(case=case).count()

    load_after = os.getloadavg()
    print(f"entries: {args.entries:,} bulk-created in {create_s:.1f} s, now {live:,} live; rule set {args.rule_set}; "
          f"{len(scratch):,} findings kept over {days} days")
    print(f"first count of the case (tally.rebuild, once after a bulk load): {rebuild_ms:,.0f} ms "
          f"(CPU {rebuild_cpu:,.0f} ms)")
    print(f"entry_create through the service (its tally and findings increment): {create_ms:.1f} ms median "
          f"(CPU {create_cpu:.1f} ms)")
    print(f"median of {args.repeat} changes each, page time only:")
    print("| page | right after | kept findings: wall | CPU | best | from scratch: wall | CPU | size |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (page, change), (wall, cpu, best, kb) in results.items():
        old = before.get((page, change))
        print(f"| {page} | {change} | {wall:.1f} ms | {cpu:.1f} ms | {best:.1f} ms | "
              + (f"{old[0]:.1f} ms | {old[1]:.1f} ms" if old else "— | —") + f" | {kb:.0f} KiB |")
    print(f"statistics page again, no change in between: {again_ms:.1f} ms (CPU {again_cpu:.1f} ms)")
    print(f"kept findings read (kept.findings): {read_ms:.1f} ms (CPU {read_cpu:.1f} ms); their counts per rule "
          f"(kept.rule_counts, what the statistics page reads): {counts_ms:.1f} ms (CPU {counts_cpu:.1f} ms); "
          f"from scratch: facts read {facts_ms:.1f} ms + rules {rules_ms:.1f} ms")
    equal_counts = kept.rule_counts(case) == kept.counts_of(scratch, RULE_SETS[case.rule_set])
    print(f"kept findings equal a run from scratch after {6 * args.repeat} changes: {equal}; "
          f"their counts too: {equal_counts}")
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {', '.join(f'{x:.2f}' for x in load_after)} (2 cores, shared: CPU time is the steadier figure)")
    if args.profile:
        import cProfile
        import pstats

        create()
        profiler = cProfile.Profile()
        profiler.runcall(client.get, stats_url)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"evidence|accounts|templates", 30)
    wall, cpu = results[("statistics", "entry_create")][:2]
    met = wall < TARGET_MS and equal and equal_counts
    print(f"target: statistics page right after entry_create < {TARGET_MS} ms: "
          f"{'met' if wall < TARGET_MS else 'MISSED'} (wall {wall:.0f} ms, CPU {cpu:.0f} ms); "
          f"findings page {results[('findings', 'entry_create')][0]:.0f} ms")
    return met


if __name__ == "__main__":
    main()
