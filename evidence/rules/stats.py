"""A case's findings and statistics: what the rules engine and the charts read.

The figures (counts, days, hours, numbers, third parties) come from the case's tally,
kept up to date by the services that change entries (evidence.rules.tally); the
findings from the findings kept per local day (evidence.rules.kept), which a change
counts again only for the days it touched. Only the top collector numbers are decrypted.
A bundle's selection (`entries`) is counted and judged in hand. Used by the statistics and
findings pages, catalog.pdf and the complaint drafts.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q

from evidence.models import Case, Entry
from . import RULE_SETS, evaluate, kept, tally
from .engine import THIRD_PARTY, CaseContext, facts_from_entries, timeline
from .tally import outside_permitted, permitted_hours  # noqa: F401  (outside_permitted: the bundle reads it here)

TOP_NUMBERS = 5
# A span longer than this is charted per week: a bar a day stops being readable on a phone.
MAX_DAY_BARS = 92


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
    # Entries the time-based figures and rules left out: {"day_only": n, "unknown": n}.
    untimed: dict = field(default_factory=lambda: {"day_only": 0, "unknown": 0})


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
    ctx = case_context(case)
    permitted = permitted_hours(case.rule_set)
    if entries is None:
        # Both kept up to date by the services: no pass over the entries. The findings
        # themselves are opened only when a page reads them (the statistics show counts).
        counts = tally.current(case)
        findings_by_rule = kept.rule_counts(case)
        findings = KeptFindings(case)
    else:
        events = timeline(facts_from_entries(entries), ctx.time_zone)
        people = {pk: tally.person_key(case.owner_id, pk, index, name)
                  for pk, index, name in _third_party_in_hand(entries)}
        counts = Counter()
        for e in events:
            tally.event_parts(e, permitted, people.get(e.id, ""), counts)
        findings = evaluate(case.rule_set, (), ctx, events=events)
        findings_by_rule = kept.counts_of(findings, RULE_SETS[case.rule_set])
    figures = figures_from_counts(counts)

    top = []
    in_hand = {e.number_index: e for e in entries or () if e.number_index}
    for key, count in figures.pop("top_keys"):
        sample = in_hand.get(key) or Entry.objects.filter(case=case, number_index=key).select_related("case").only(
            "number", "case__owner_id").first()
        top.append((sample.number if sample else "?", count))

    return CaseStats(rule_set=case.rule_set, zone=str(ctx.time_zone.key), permitted=permitted, top_numbers=top,
                     findings=findings, findings_by_rule=findings_by_rule, **figures)


class KeptFindings(Sequence):
    """A case's kept findings (evidence.rules.kept), opened on first use: the statistics page
    shows only their counts per rule, the findings page and the complaint drafts read them."""

    def __init__(self, case: Case):
        self._case, self._list, self._lock = case, None, threading.Lock()

    def _all(self) -> list:
        with self._lock:
            if self._list is None:
                self._list = kept.findings(self._case)
            return self._list

    def __getitem__(self, i):
        return self._all()[i]

    def __len__(self):
        return len(self._all())

    def __iter__(self):
        return iter(self._all())

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self):
        return f"<KeptFindings of {self._case.pk}: {'not opened' if self._list is None else len(self._list)}>"


def figures_from_counts(counts: Counter) -> dict:
    """The statistics' figures from a case's counters (evidence.rules.tally)."""
    per_day: dict[date, Bucket] = {}
    heat = [[0] * 24 for _ in range(7)]
    numbers, people, days = [], 0, []
    for key, n in counts.items():
        if not n or ":" not in key:
            continue
        what, rest = key.split(":", 1)
        if what == "d":
            day, _sep, which = rest.partition(":")
            day = date.fromisoformat(day)
            if not which:
                days.append(day)
                continue
            bucket = per_day.get(day)
            if bucket is None:
                bucket = per_day[day] = Bucket(day)
            if which == "c":
                bucket.calls += n
            else:
                bucket.messages += n
        elif what == "h":
            weekday, hour = rest.split(":")
            heat[int(weekday)][int(hour)] = n
        elif what == "n":
            numbers.append((rest, n))
        elif what == "p":
            people += 1
    first, last = (min(days), max(days)) if days else (None, None)
    buckets, per_week = _buckets(per_day, first, last)
    numbers.sort(key=lambda item: (-item[1], item[0]))  # ties in one order, whatever the counting order
    return {"first_day": first, "last_day": last, "entries": counts["entries"], "calls": counts["calls"],
            "messages": counts["messages"], "night": counts["night"], "buckets": buckets, "per_week": per_week,
            "heat": heat, "top_keys": numbers[:TOP_NUMBERS], "third_parties": people,
            "third_party_contacts": counts["tp"],
            "untimed": {"day_only": counts["day_only"], "unknown": counts["unknown"]}}


def _third_party_in_hand(entries) -> list[tuple]:
    return [(str(e.pk), e.number_index, e.contact_name) for e in entries
            if e.kind == THIRD_PARTY and e.trashed_at is None and not getattr(e, "witness_pending", False)]


def third_party_counts(case: Case, entries: list | None = None) -> tuple[int, int]:
    """(distinct third parties contacted, third-party contacts) over the case's live entries,
    or over `entries`. The one count of third parties every page shows (the case list, the
    case page, the statistics, the bundle): they used to disagree (7 contacts against 6 people).
    The case's own count is read from its tally, kept up to date by the services.
    """
    if entries is None:
        counts = tally.current(case)
        return sum(1 for k, n in counts.items() if n and k.startswith("p:")), counts["tp"]
    third = _third_party_in_hand(entries)
    return len({tally.person_key(case.owner_id, pk, index, name) for pk, index, name in third}), len(third)


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
