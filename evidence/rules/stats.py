"""A case's findings and statistics: what the rules engine and the charts read.

One pass over the case's live entries (plain rows, see `facts_for_case`), in the
case's time zone; only the few values a page shows are decrypted (the top
collector numbers, the third parties' names). Used by the statistics and
findings pages, catalog.pdf and the complaint drafts.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q

from evidence.store.crypto import decrypt_many
from evidence.models import Case, Entry
from . import RULE_SETS, cn, evaluate, us
from .engine import CALL, OUTGOING, SMS, THIRD_PARTY, CaseContext, facts_from_entries, timeline
from .facts import facts_for_case

TOP_NUMBERS = 5
# A span longer than this is charted per week: a bar a day stops being readable on a phone.
MAX_DAY_BARS = 92
# The hours contact is allowed in, per rule set: [start, end) in local hours, as the hours rules say.
PERMITTED_HOURS = {cn.RULE_SET: (cn.DAY_STARTS.hour, cn.NIGHT_STARTS.hour),
                   us.RULE_SET: (us.DAY_STARTS.hour, us.DAY_ENDS.hour)}


def outside_permitted(permitted: tuple[int, int], local_hour: int) -> bool:
    """Whether a local hour is outside the rule set's permitted hours [start, end)."""
    start, end = permitted
    return not start <= local_hour < end


@dataclass
class Bucket:
    start: date
    calls: int = 0
    messages: int = 0


@dataclass
class CaseStats:
    rule_set: str
    zone: str
    first_day: date | None
    last_day: date | None
    entries: int
    calls: int
    messages: int
    night: int  # collector contacts outside the permitted hours
    buckets: list[Bucket]
    per_week: bool
    heat: list[list[int]]  # [weekday 0=Monday][hour] collector contacts
    permitted: tuple[int, int]
    top_numbers: list[tuple[str, int]]  # (number in clear, contacts)
    third_parties: int  # distinct people contacted
    third_party_contacts: int
    findings: list = field(default_factory=list)
    findings_by_rule: list[tuple[str, int, int]] = field(default_factory=list)  # (rule id, findings, entries)


def case_context(case: Case) -> CaseContext:
    return CaseContext.for_case(case)


def case_findings(case: Case, facts=None) -> list:
    """The findings of the case's rule set over its live entries (as they are now)."""
    if facts is None:
        return case_stats(case).findings
    return evaluate(case.rule_set, facts, case_context(case))


# The last few cases' statistics, per process, keyed by what they were computed from:
# a page viewed again without a change in between costs one aggregate query. Kept in
# this process's memory only (never Django's cache, which may be on disk or shared).
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 8
_cache_lock = threading.Lock()


def _version(case: Case) -> tuple:
    """Changes whenever an entry is added, edited, trashed or restored, or the case's settings change."""
    # Accepting a witness submission flips witness_pending without touching updated_at.
    agg = Entry.objects.filter(case=case).aggregate(n=Count("id"), last=Max("updated_at"), trashed=Count("trashed_at"),
                                                    pending=Count("id", filter=Q(witness_pending=True)))
    return (case.pk, case.updated_at, case.rule_set, case.zone_name(), agg["n"], agg["last"], agg["trashed"],
            agg["pending"])


def case_stats(case: Case, entries: list | None = None) -> CaseStats:
    """The statistics of the case's live entries, or of `entries` (Entry rows at hand:
    a bundle's selection), with the findings over the same entries."""
    if entries is not None:
        return _compute(case, entries)
    version = _version(case)
    with _cache_lock:
        hit = _CACHE.get(case.pk)
        if hit and hit[0] == version:
            _CACHE.move_to_end(case.pk)
            return hit[1]
    stats = _compute(case, None)
    with _cache_lock:
        _CACHE[case.pk] = (version, stats)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return stats


def forget_cached_stats():
    with _cache_lock:
        _CACHE.clear()


def _compute(case: Case, entries: list | None) -> CaseStats:
    facts = facts_for_case(case) if entries is None else facts_from_entries(entries)
    ctx = case_context(case)
    events = timeline(facts, ctx.time_zone)
    start, end = PERMITTED_HOURS.get(case.rule_set, (8, 22))

    per_day: dict[date, Bucket] = {}
    heat = [[0] * 24 for _ in range(7)]
    numbers: Counter = Counter()
    calls = messages = night = 0
    for e in events:
        if e.kind == CALL:
            calls += 1
        elif e.kind == SMS:
            messages += 1
        if e.kind in (CALL, SMS) and e.facts.direction != OUTGOING:
            bucket = per_day.get(e.day)
            if bucket is None:
                bucket = per_day[e.day] = Bucket(e.day)
            if e.kind == CALL:
                bucket.calls += 1
            else:
                bucket.messages += 1
        if e.contact:
            heat[e.local.weekday()][e.local.hour] += 1
            if outside_permitted((start, end), e.local.hour):
                night += 1
            if e.facts.number_key:
                numbers[e.facts.number_key] += 1

    first = events[0].day if events else None
    last = events[-1].day if events else None
    buckets, per_week = _buckets(per_day, first, last)

    top = []
    in_hand = {e.number_index: e for e in entries or () if e.number_index}
    for key, count in numbers.most_common(TOP_NUMBERS):
        sample = in_hand.get(key) or Entry.objects.filter(case=case, number_index=key).select_related("case").only(
            "number", "case__owner_id").first()
        top.append((sample.number if sample else "?", count))

    third_party_contacts, people = 0, set()
    if entries is None:
        rows = list(Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False, kind=THIRD_PARTY)
                    .values_list("pk", "number_index", "contact_name"))
        names = decrypt_many(owner_id=case.owner_id, table=Entry._meta.db_table,
                             column=Entry._meta.get_field("contact_name").column,
                             items=[(pk, name) for pk, index, name in rows if not index])
        third = [(pk, index, names.get(pk, "")) for pk, index, _name in rows]
    else:
        third = [(e.pk, e.number_index, e.contact_name) for e in entries
                 if e.kind == THIRD_PARTY and e.trashed_at is None]
    for pk, index, name in third:
        third_party_contacts += 1
        # The same person: the same number, else the same name; with neither, each contact counts.
        people.add(index or " ".join((name or "").split()).casefold() or f"entry:{pk}")

    findings = evaluate(case.rule_set, facts, ctx, events=events)
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    order = [r.id for r in RULE_SETS[case.rule_set]]
    findings_by_rule = [(rid, len(by_rule[rid]), len({i for f in by_rule[rid] for i in f.entry_ids}))
                        for rid in order if rid in by_rule]
    return CaseStats(
        rule_set=case.rule_set, zone=str(ctx.time_zone.key), first_day=first, last_day=last, entries=len(events),
        calls=calls, messages=messages, night=night, buckets=buckets, per_week=per_week, heat=heat,
        permitted=(start, end), top_numbers=top, third_parties=len(people),
        third_party_contacts=third_party_contacts, findings=findings, findings_by_rule=findings_by_rule,
    )


def _buckets(per_day: dict, first: date | None, last: date | None) -> tuple[list[Bucket], bool]:
    """Every day from the first to the last entry (empty days too), or every week when long."""
    if first is None:
        return [], False
    span = (last - first).days + 1
    if span <= MAX_DAY_BARS:
        return [per_day.get(first + timedelta(days=i)) or Bucket(first + timedelta(days=i)) for i in range(span)], False
    monday = first - timedelta(days=first.weekday())
    weeks: dict[date, Bucket] = {}
    week = monday
    while week <= last:
        weeks[week] = Bucket(week)
        week += timedelta(days=7)
    for day, b in per_day.items():
        w = weeks[day - timedelta(days=day.weekday())]
        w.calls += b.calls
        w.messages += b.messages
    return list(weeks.values()), True
