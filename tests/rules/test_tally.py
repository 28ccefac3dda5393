"""Statistics and findings kept up to date (evidence.rules.tally, evidence.rules.kept): after
any sequence of changes through the services, the kept counters and findings equal a count
of the case and a run of the rules from scratch, and the statistics built from them equal
those of the same entries counted in hand."""
import dataclasses
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from django.db.models import F

from evidence.cases import services
from evidence.imports import services as imports
from evidence.models import CaseTally, Entry, FindingDay
from evidence.rules import RULE_SETS, CaseContext, evaluate, facts_for_case, kept, tally
from evidence.rules.stats import case_stats, forget_cached_stats, third_party_counts
from evidence.witness import services as witness
from tests.conftest import make_upload
from tests.imports import samples

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NUMBERS = ["13800000001", "13800000002", "95188", ""]
NAMES = ["妈妈", "李阿姨", " 李阿姨 ", "", "王 经理"]
KINDS = ["call", "sms", "visit", "third_party", "post", "other"]
# Busy days on both sides of 2026-01-30, when the banking association's guideline (CN-FREQ-ATTEMPTS) took effect.
FORTNIGHT = datetime(2026, 1, 24, tzinfo=SHANGHAI)
# US cases: fortnights across New York's clock changes (2026-03-08 forward, 2026-11-01 back).
SPRING_FORWARD = datetime(2026, 3, 1, tzinfo=NEW_YORK)
FALL_BACK = datetime(2026, 10, 25, tzinfo=NEW_YORK)


def kept_counts(case):
    row = CaseTally.objects.get(case=case)
    return {k: v for k, v in row.counts.items() if v}


def from_scratch(case):
    return {k: v for k, v in tally.recount(case).items() if v}


def random_fields(rng, start=datetime(2026, 1, 1, tzinfo=SHANGHAI), days=120, calls=0.0):
    """`calls`: the share of the collector's calls, beyond the kinds' even chances (US-7IN7's
    windows need many)."""
    kind = "call" if calls and rng.random() < calls else rng.choice(KINDS)
    fields = {
        "kind": kind,
        # Around midnight and the permitted hours' edges in Shanghai, over ~4 months (day and week
        # charts), or over a busy fortnight (the findings that count per day and per 7 days).
        "occurred_at": start + timedelta(days=rng.randrange(days),
                                                                        hours=rng.choice([0, 7, 8, 12, 21, 22, 23]),
                                                                        minutes=rng.randrange(60)),
        "direction": rng.choice(["incoming", "outgoing", "missed", ""]),
        "number": rng.choice(NUMBERS),
        "time_precision": rng.choice(["exact", "exact", "day", "unknown"]),
        "tags": rng.sample(["threat", "insult", "claimed_police", "disclosed_debt", "repeated", "fake_legal_document"],
                           rng.randrange(3)),
    }
    if kind == "call":
        fields["duration_seconds"] = rng.choice([None, 0, 30])
        fields["call_outcome"] = rng.choice(["answered", "unknown", ""])
    if kind == "third_party":
        fields["contact_name"] = rng.choice(NAMES)
        fields["contact_relation"] = rng.choice(["妈妈", "同事", "", "担保人", "my wife"])
    return fields


def findings_from_scratch(case):
    """The findings as the rules give them over the case's live entries, read afresh."""
    return evaluate(case.rule_set, facts_for_case(case), CaseContext.for_case(case))


def assert_kept_equal_a_recount(case):
    """The kept counters and the kept findings, as a page reads them, equal a count and a
    run of the rules from scratch; and once read, no day is left marked."""
    case.refresh_from_db()
    assert dict(tally.current(case)) == from_scratch(case)
    scratch = findings_from_scratch(case)
    counted = kept.counts_of(scratch, RULE_SETS[case.rule_set])  # what the statistics page shows
    if len(scratch) % 2:  # either may be the first to read a marked day
        assert kept.rule_counts(case) == counted
    assert kept.findings(case) == scratch
    assert not FindingDay.objects.filter(case=case).exclude(changes=F("counted")).exists()
    assert kept.findings(case) == scratch  # and read again from the sealed days alone
    assert kept.rule_counts(case) == counted
    return scratch


def random_backup(rng, start=FORTNIGHT) -> bytes:
    """A few calls (every type) or SMS from the collectors over the same fortnight, or a burst
    of calls on one day (more than 6 in a day, more than 7 in 7 days)."""
    burst = rng.random() < 0.4
    day = rng.randrange(14)

    def when():
        return int((start + timedelta(days=day if burst else rng.randrange(14),
                                                                      hours=rng.choice([0, 7, 8, 12, 21, 22, 23]),
                                                                      minutes=rng.randrange(60))).timestamp() * 1000)
    n = rng.randrange(7, 12) if burst else rng.randrange(1, 12)
    if burst or rng.random() < 0.6:
        return samples.sms_backup([samples.call(rng.choice(NUMBERS[:3]), when(),
                                                rng.choice([1, 3]) if burst else rng.randrange(1, 8),
                                                rng.choice([0, 20])) for _ in range(n)], root="calls")
    return samples.sms_backup([samples.sms(rng.choice(NUMBERS[:3]), when(), "还钱", kind=rng.choice([1, 2]))
                               for _ in range(n)])


def random_case_change(rng, start=FORTNIGHT) -> dict:
    change = rng.choice(["time_zone", "rule_set", "debt_usurious", "police_warned_at", "consented_night_contact"])
    value = {
        "time_zone": lambda: rng.choice(["Asia/Shanghai", "America/New_York", "Asia/Hong_Kong", ""]),
        "rule_set": lambda: rng.choice(["cn", "us"]),
        "debt_usurious": lambda: rng.random() < 0.5,
        "police_warned_at": lambda: rng.choice([None, start + timedelta(days=rng.randrange(-3, 14),
                                                                           hours=rng.randrange(24))]),
        "consented_night_contact": lambda: rng.random() < 0.5,
    }[change]()
    return {change: value}


def moved_across_a_window_edge(rng, entry, zone) -> datetime:
    """A new time for a call: 6 or 7 days away (just inside or outside US-7IN7's window), or
    just across local midnight (onto the next or the previous day)."""
    local = entry.occurred_at.astimezone(zone)
    if rng.random() < 0.6:
        return local + timedelta(days=rng.choice([-7, -6, 6, 7]))
    midnight = datetime.combine(local.date() + timedelta(days=rng.choice([0, 1])), datetime.min.time(), zone)
    return midnight + timedelta(minutes=rng.choice([-1, 1]))


@pytest.mark.parametrize("seed, rule_set, start", [
    (1, "cn", FORTNIGHT), (2, "cn", FORTNIGHT), (3, "cn", FORTNIGHT),
    (4, "us", SPRING_FORWARD), (5, "us", FALL_BACK), (6, "us", SPRING_FORWARD),
])
def test_the_kept_counters_and_findings_equal_a_recount_after_random_changes(case, borrower, seed, rule_set, start):
    """Creates, edits, trashes, restores, imports, witness acceptances and rejections, and
    changes of the case's time zone, rule set, debt, police warning and consent, in random
    order over one busy fortnight (so the per-day frequency rules and US-7IN7 fire): after
    every step the kept counters and findings equal a recount and a run of the rules.

    The US cases start in New York over a clock change, with calls dense enough for
    US-7IN7's 7-day windows, and calls moved to a window's edge (6 or 7 days away) or across
    local midnight."""
    rng = random.Random(seed)
    us = rule_set == "us"
    if us:
        services.case_update(case=case, actor=borrower, rule_set="us", time_zone="America/New_York")
    entries = []
    link = witness.witness_link_create(case=case, actor=borrower, name="妈妈",
                                       expires_at=datetime.now(SHANGHAI) + timedelta(days=1), max_submissions=100)
    ops, found, spans = [], set(), set()
    for _step in range(70):
        op = rng.random()
        live = [e for e in entries if e.trashed_at is None]
        trashed = [e for e in entries if e.trashed_at is not None]
        if _step in (30, 55):  # both rule sets, whatever the dice say
            ops.append("case")
            services.case_update(case=case, actor=borrower, rule_set="us" if case.rule_set == "cn" else "cn")
        elif op < 0.4 or not entries:
            ops.append("create")
            entries.append(services.entry_create(case=case, actor=borrower,
                                                 **random_fields(rng, start, 14, calls=0.5 if us else 0))[0])
        elif us and op < 0.5 and (calls := [e for e in live if e.kind == "call"]):
            ops.append("move")
            entry = Entry.objects.select_related("case").get(pk=rng.choice(calls).pk)
            services.entry_update(entry=entry, actor=borrower,
                                  occurred_at=moved_across_a_window_edge(rng, entry, ZoneInfo(case.zone_name())))
            entries = [entry if e.pk == entry.pk else e for e in entries]
        elif op < 0.58 and live:
            ops.append("edit")
            entry = Entry.objects.select_related("case").get(pk=rng.choice(live).pk)
            changes = random_fields(rng, start, 14)
            keep = rng.sample(sorted(changes), rng.randrange(1, len(changes) + 1))
            services.entry_update(entry=entry, actor=borrower, **{k: changes[k] for k in keep})
            entries[entries.index(next(e for e in entries if e.pk == entry.pk))] = entry
        elif op < 0.68 and live:
            ops.append("trash")
            entry = Entry.objects.select_related("case").get(pk=rng.choice(live).pk)
            services.entry_trash(entry=entry, actor=borrower, reason="测试")
            entries = [entry if e.pk == entry.pk else e for e in entries]
        elif op < 0.75 and trashed:
            ops.append("restore")
            entry = Entry.objects.select_related("case").get(pk=rng.choice(trashed).pk)
            services.entry_restore(entry=entry, actor=borrower)
            entries = [entry if e.pk == entry.pk else e for e in entries]
        elif op < 0.82:
            ops.append("import")
            backup = imports.stage(case=case, actor=borrower,
                                   upload=make_upload(borrower, "calls.xml", random_backup(rng, start)))
            imports.backup_import(backup=backup, actor=borrower)
        elif op < 0.9:
            ops.append("witness")
            sub = witness.witness_submission_create(
                link=link, ip="127.0.0.1", user_agent="t", name=rng.choice(NAMES[:2]), consent=True,
                relation=rng.choice(["妈妈", "担保人", "同事", "my wife"]),
                contacted_at=start + timedelta(days=rng.randrange(14), hours=rng.choice([12, 23])),
                time_precision=rng.choice(["exact", "day"]), collector_number=rng.choice(NUMBERS), told="说我欠钱")
            assert_kept_equal_a_recount(case)  # pending: not part of the case yet
            if rng.random() < 0.7:
                witness.witness_submission_accept(submission=sub, actor=borrower)
            else:
                witness.witness_submission_reject(submission=sub, actor=borrower, reason="不认识")
        else:
            ops.append("case")
            services.case_update(case=case, actor=borrower, **random_case_change(rng, start))
        scratch = assert_kept_equal_a_recount(case)
        found |= {f.rule_id for f in scratch}
        # US-7IN7's calls over more than one day: its windows at work, not a busy day alone.
        spans |= {f.summary["en"].split(":")[0] for f in scratch if f.rule_id == "US-7IN7" and " to " in f.summary["en"]
                  and len(set(f.summary["en"].split(":")[0].split(" to "))) == 2}
    assert kept_counts(case)["entries"] == Entry.objects.filter(case=case, trashed_at__isnull=True,
                                                                witness_pending=False).count()
    # The steps did what they say: every kind of change happened, and findings of both rule sets.
    assert {"create", "edit", "trash", "restore", "import", "witness", "case"} <= set(ops), ops
    assert {"CN-HOURS", "CN-THIRD-PARTY", "US-HOURS", "US-7IN7"} <= found, found
    assert found & {"CN-FREQ-ATTEMPTS", "CN-FREQ-ANSWERED"}, found
    if us:
        assert "move" in ops and spans, (ops, spans)


def test_imports_and_witness_decisions_are_counted(case, borrower):
    backup = imports.stage(case=case, actor=borrower, upload=make_upload(borrower, "calls.xml", samples.calls_backup()))
    imports.backup_import(backup=backup, actor=borrower)
    backup = imports.stage(case=case, actor=borrower, upload=make_upload(borrower, "sms.xml", samples.messages_backup()))
    imports.backup_import(backup=backup, actor=borrower)
    assert kept_counts(case)["entries"] == Entry.objects.filter(case=case).count() > 0
    assert kept_counts(case) == from_scratch(case)

    link = witness.witness_link_create(case=case, actor=borrower, name="妈妈",
                                       expires_at=datetime.now(SHANGHAI) + timedelta(days=1), max_submissions=5)
    subs = [witness.witness_submission_create(link=link, ip="127.0.0.1", user_agent="t", name=name, consent=True,
                                              contacted_at=datetime(2026, 2, 3, 23, 30, tzinfo=SHANGHAI),
                                              collector_number="95188", told="说我欠钱")
            for name in ("李阿姨", "王叔叔")]
    before = kept_counts(case)
    assert before == from_scratch(case)  # a pending submission is not part of the case yet
    witness.witness_submission_accept(submission=subs[0], actor=borrower)
    witness.witness_submission_reject(submission=subs[1], actor=borrower, reason="不认识")
    after = kept_counts(case)
    assert after == from_scratch(case)
    assert after["tp"] == before.get("tp", 0) + 1


def test_a_case_without_a_row_or_with_another_basis_is_counted_again(case, borrower):
    services.entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="95188",
                          occurred_at=datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI))
    row = CaseTally.objects.get(case=case)
    assert row.counts["night"] == 1 and row.counts["h:0:23"] == 1  # a Monday, 23:00 in Shanghai
    services.case_update(case=case, actor=borrower, time_zone="America/New_York")
    assert tally.current(case)["h:0:10"] == 1  # 10:30 in New York: counted again, not night
    assert tally.current(case)["night"] == 0
    CaseTally.objects.filter(case=case).delete()
    assert tally.current(case) == tally.recount(case)
    assert CaseTally.objects.filter(case=case).exists()


def test_the_statistics_from_the_tally_equal_those_of_the_entries_in_hand(case, borrower):
    rng = random.Random(9)
    for _ in range(40):
        services.entry_create(case=case, actor=borrower, **random_fields(rng))
    forget_cached_stats()
    kept_stats = case_stats(case)
    live = list(Entry.objects.filter(case=case, trashed_at__isnull=True).select_related("case"))
    in_hand = case_stats(case, live)
    for name in ("entries", "calls", "messages", "night", "buckets", "per_week", "heat", "first_day", "last_day",
                 "top_numbers", "third_parties", "third_party_contacts", "untimed", "findings_by_rule"):
        assert getattr(kept_stats, name) == getattr(in_hand, name), name
    assert third_party_counts(case) == third_party_counts(case, live)


def test_no_name_is_kept_in_clear(case, borrower):
    services.entry_create(case=case, actor=borrower, kind="third_party", contact_name="李阿姨", contact_relation="同事",
                          occurred_at=datetime(2026, 3, 2, 12, tzinfo=SHANGHAI))
    services.entry_create(case=case, actor=borrower, kind="third_party", contact_name=" 李阿姨", number="",
                          occurred_at=datetime(2026, 3, 3, 12, tzinfo=SHANGHAI))
    text = str(CaseTally.objects.get(case=case).counts)
    assert "李" not in text
    assert third_party_counts(case) == (1, 2)  # the same name, spaced differently: one person


def busy_day(case, borrower, day=2, **fields):
    """Eight calls from the collector on one day, two of them at night: findings to keep."""
    for minute in range(8):
        services.entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="95188",
                              call_outcome="answered", duration_seconds=30,
                              occurred_at=datetime(2026, 3, day, 21, 50, tzinfo=SHANGHAI) + timedelta(minutes=minute * 3),
                              **fields)


def test_the_comparison_sees_findings_gone_stale(case, borrower):
    """What the random test compares would fail if a change reached the entries without
    reaching the kept findings: a tag set past the services is not in the kept days until
    the case is counted again."""
    busy_day(case, borrower)
    assert kept.findings(case) == findings_from_scratch(case)
    first = Entry.objects.filter(case=case).order_by("occurred_at").first()
    Entry.objects.filter(pk=first.pk).update(tags=["threat"])  # past the services: no custody event, no touch
    scratch = findings_from_scratch(case)
    assert "CN-THREAT-INSULT" in {f.rule_id for f in scratch}
    assert kept.findings(case) != scratch
    tally.rebuild(case)  # what anything writing past the services must call
    assert kept.findings(case) == scratch


def test_a_count_is_never_kept_over_a_newer_change(case, borrower):
    """A read counting a marked day keeps its count only if no change marked the day again
    meanwhile; otherwise the day stays marked and the next read counts it."""
    busy_day(case, borrower)
    row = FindingDay.objects.get(case=case)
    n = row.changes
    assert row.counted == n  # each create counted its day at once
    ctx = CaseContext.for_case(case)
    stale = kept._count_days(case, ctx, [row.day])  # a read counts the day …
    services.entry_create(case=case, actor=borrower, kind="sms", direction="incoming", number="95188",
                          tags=["threat"], occurred_at=datetime(2026, 3, 2, 23, 59, tzinfo=SHANGHAI))
    kept._store(case, {row.day: n}, stale)  # … and tries to keep it after a change moved the day on
    row.refresh_from_db()
    assert row.changes == row.counted == n + 1  # the change's own count stands
    assert kept.findings(case) == findings_from_scratch(case)
    FindingDay.objects.filter(pk=row.pk).update(changes=n + 2)  # marked, as an import leaves its days
    kept._store(case, {row.day: n + 1}, stale)
    row.refresh_from_db()
    assert (row.changes, row.counted) == (n + 2, n + 1)
    assert kept.findings(case) == findings_from_scratch(case)
    row.refresh_from_db()
    assert row.changes == row.counted == n + 2


def test_an_import_leaves_its_days_for_the_next_read(case, borrower):
    days = [samples.call(samples.COLLECTOR, samples.T0 + d * 86_400_000 + m * 60_000, 1, 30)
            for d in range(kept.COUNT_AT_ONCE + 2) for m in range(5)]
    backup = imports.stage(case=case, actor=borrower, upload=make_upload(
        borrower, "calls.xml", samples.sms_backup(days, root="calls")))
    imports.backup_import(backup=backup, actor=borrower)
    assert FindingDay.objects.filter(case=case).exclude(changes=F("counted")).count() == kept.COUNT_AT_ONCE + 2
    assert_kept_equal_a_recount(case)
    assert {f.rule_id for f in kept.findings(case)} >= {"CN-FREQ-ANSWERED"}


def test_the_kept_days_hold_no_case_text_and_open_only_where_they_were_sealed(case, borrower):
    services.entry_create(case=case, actor=borrower, kind="third_party", contact_name="李阿姨", contact_relation="同事阿芳",
                          number="13800000001", occurred_at=datetime(2026, 3, 2, 12, tzinfo=SHANGHAI))
    services.case_update(case=case, actor=borrower, rule_set="us")  # US-7IN7 keeps facts: the relation too
    busy_day(case, borrower, day=3)
    assert {f.rule_id for f in kept.findings(case)} >= {"US-THIRD-PARTY", "US-7IN7", "US-HOURS"}
    rows = list(FindingDay.objects.filter(case=case).order_by("day"))
    assert len(rows) == 2
    for row in rows:
        raw = bytes(row.sealed) + bytes(row.brief)
        for text in ("同事阿芳", "李阿姨", "13800000001", "95188", "US-", "call"):
            assert text.encode() not in raw
    # A day's sealed findings pasted onto another day (or case) do not open.
    FindingDay.objects.filter(pk=rows[1].pk).update(sealed=rows[0].sealed)
    forget_cached_stats()
    with pytest.raises(Exception, match="(?i)decrypt"):
        kept.findings(case)


def us7in7_counts(case, day):
    """[findings starting on `day`, that day's entries in one] of US-7IN7, as the day keeps them."""
    row = FindingDay.objects.filter(case=case, day=day).first()
    return kept._open(case, day, "brief", row.brief).get("n", {}).get("US-7IN7") if row and row.brief else None


def test_a_change_on_one_day_counts_again_the_days_whose_7_day_window_covers_it(case, borrower):
    """US-7IN7 is kept per day: one more call on day D (in New York, the window across the
    spring clock change) makes D-6 … D+6 one run of more than 7 calls, so the counts kept on
    D-6 and on D+6 change with it; D-7 and D+7, outside every window holding D, are not
    counted again. Moving the call 7 days on (just outside the window) undoes it."""
    services.case_update(case=case, actor=borrower, rule_set="us", time_zone="America/New_York")
    d = datetime(2026, 3, 5, tzinfo=NEW_YORK)  # D+6 is 2026-03-11, after the clocks went forward on 03-08

    def calls(offset, n, hour=23, minute=50):
        return [services.entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="95188",
                                      occurred_at=d + timedelta(days=offset, hours=hour, minutes=minute + i))[0]
                for i in range(n)]

    calls(-7, 2)
    calls(-6, 4)  # 23:50 … 23:53, the last minutes of the day
    calls(0, 3, hour=0, minute=1)  # the first minutes of D
    calls(6, 4)
    calls(7, 2)
    day = d.date()
    edge = {n: day + timedelta(days=n) for n in (-7, -6, 6, 7)}
    assert "US-7IN7" not in {f.rule_id for f in assert_kept_equal_a_recount(case)}  # 7 calls in every 7 days
    changes = dict(FindingDay.objects.filter(case=case).values_list("day", "changes"))

    eighth = calls(0, 1, hour=12)[0]
    after = dict(FindingDay.objects.filter(case=case).values_list("day", "changes"))
    assert after[edge[-6]] > changes[edge[-6]] and after[edge[6]] > changes[edge[6]]
    assert after[edge[-7]] == changes[edge[-7]] and after[edge[7]] == changes[edge[7]]
    # Counted at once, in the change's transaction: D-6 starts the run, D+6's calls are in it.
    assert us7in7_counts(case, edge[-6]) == [1, 4]
    assert us7in7_counts(case, edge[6]) == [0, 4]
    assert us7in7_counts(case, edge[7]) is None
    scratch = assert_kept_equal_a_recount(case)
    assert [(f.rule_id, f.when, len(f.entry_ids)) for f in scratch if f.rule_id == "US-7IN7"] == [
        ("US-7IN7", edge[-6], 12)]
    assert ("US-7IN7", 1, 12) in kept.rule_counts(case)

    entry = Entry.objects.select_related("case").get(pk=eighth.pk)
    services.entry_update(entry=entry, actor=borrower, occurred_at=eighth.occurred_at + timedelta(days=7))
    assert us7in7_counts(case, edge[-6]) is None and us7in7_counts(case, edge[6]) is None
    assert "US-7IN7" not in {f.rule_id for f in assert_kept_equal_a_recount(case)}


def test_a_rule_marked_neither_per_day_nor_per_window_is_run_over_the_whole_case(case, borrower, monkeypatch):
    """The safe default: US-7IN7 without its `window_days` mark is re-run over the facts every
    day keeps, on the statistics page too, and its findings still equal a run from scratch."""
    seven = next(r for r in RULE_SETS["us"] if r.id == "US-7IN7")
    unmarked = dataclasses.replace(seven, check=lambda events, ctx: seven.check(events, ctx))
    assert unmarked.window is None and not unmarked.per_day
    monkeypatch.setitem(RULE_SETS, "us", tuple(unmarked if r.id == "US-7IN7" else r for r in RULE_SETS["us"]))
    services.case_update(case=case, actor=borrower, rule_set="us", time_zone="America/New_York")
    made = [services.entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="95188",
                                  occurred_at=datetime(2026, 3, 5 + 3 * (i % 3), 23, 50 - i, tzinfo=NEW_YORK))[0]
            for i in range(9)]
    assert "US-7IN7" in {f.rule_id for f in assert_kept_equal_a_recount(case)}
    entry = Entry.objects.select_related("case").get(pk=made[0].pk)
    services.entry_update(entry=entry, actor=borrower, occurred_at=made[0].occurred_at + timedelta(days=7))
    assert_kept_equal_a_recount(case)
