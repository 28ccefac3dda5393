"""The rules engine: what a rule sees, what it answers, and how the answer is worded.

A rule set is a plain list of `Rule`s (cn.py, us.py). A rule rests on one or more
`Source`s (a statute, a regulation, a standard…), each with its own force and the
dates it is in force. The engine

  1. turns entries into `Facts` (plain data; facts.py reads them from the database fast),
  2. puts them in time order and in the case's time zone once (`Event`),
  3. gives each rule only the events on days when one of its sources was in force
     (a call made before a standard existed does not count against it),
  4. attaches to each finding the sources in force on the days it rests on, so a
     finding from 2025 cites the 2012 text of a law and one from 2026 its revision.

Sorting is the only O(n log n) step; every rule is one pass over the events.
The product never says "illegal": `wording()` says "may violate" for laws,
judicial interpretations and regulations, "does not comply with" for standards
and self-regulation (LEGAL-FACTS.md), and `NOT_LEGAL_ADVICE` goes with every page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

LANGS = ("zh-hans", "zh-hant", "en")
FORCES = ("LAW", "JI", "REG", "STD", "SRO")
# A breach of these "may violate"; of the others it "does not comply with".
BINDING = frozenset({"LAW", "JI", "REG"})
CONFIDENCES = ("H", "M-H", "M", "L")

NOT_LEGAL_ADVICE = {
    "zh-hans": "本工具不构成法律意见",
    "zh-hant": "本工具不構成法律意見",
    "en": "Not legal advice",
}

# The values of evidence.models.Entry.Kind / Direction / Tag that rules read.
# Spelled out here so the engine stays plain Python (tests check they match).
CALL, SMS, THIRD_PARTY, VISIT, POST = "call", "sms", "third_party", "visit", "post"
INCOMING, OUTGOING, MISSED = "incoming", "outgoing", "missed"
ANSWERED = "answered"  # Entry.Outcome: only this one is a call that was picked up
EXACT, DAY_ONLY, TIME_UNKNOWN = "exact", "day", "unknown"  # Entry.TimePrecision
THREAT, INSULT, OBSCENE = "threat", "insult", "obscene"
CLAIMED_POLICE, CLAIMED_COURT, CLAIMED_LAWYER = "claimed_police", "claimed_court", "claimed_lawyer"
FAKE_LEGAL_DOC = "fake_legal_document"
DISCLOSED_DEBT, REPEATED = "disclosed_debt", "repeated"

_LANG_ALIASES = {
    "zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-my": "zh-hans",
    "zh-tw": "zh-hant", "zh-hk": "zh-hant", "zh-mo": "zh-hant",
}


def lang_key(lang: str | None) -> str:
    """'zh_Hans', 'zh-Hant', 'zh-TW', 'en-us' … → one of LANGS (English when unknown)."""
    code = (lang or "").replace("_", "-").lower()
    if code in LANGS:
        return code
    if code in _LANG_ALIASES:
        return _LANG_ALIASES[code]
    if code.startswith("zh-hant"):
        return "zh-hant"
    if code.startswith("zh"):
        return "zh-hans"
    return "en"


def pick(texts: dict, lang: str | None) -> str:
    return texts[lang_key(lang)]


def _check_langs(what: str, texts: dict):
    missing = [lang for lang in LANGS if not texts.get(lang)]
    if missing:
        raise ValueError(f"{what}: no text for {', '.join(missing)}")


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule may know about one entry."""

    id: str
    kind: str
    occurred_at: datetime  # aware
    direction: str = ""
    duration_seconds: int | None = None
    tags: frozenset = frozenset()
    number_key: str = ""  # groups entries by collector number (the blind index, never the number)
    relation: str = ""  # contact_relation of a third-party entry ("妻子", "guarantor" …)
    text: str = ""  # content, claimed identity and notes, when asked for (signals)
    outcome: str = ""  # a call's outcome (Entry.Outcome); blank or "unknown" is not answered
    time_known: str = EXACT  # EXACT, DAY_ONLY (the hour is not known) or TIME_UNKNOWN


def facts_from_entries(entries: Iterable, *, text: bool = False) -> list[Facts]:
    """Entry rows → Facts. Trashed entries are left out.

    Text fields are encrypted: they are decrypted only where a rule needs them
    (the relation of a third-party contact) or when `text=True` (signals).
    """
    out = []
    for e in entries:
        if e.trashed_at is not None:
            continue
        out.append(Facts(
            id=str(e.pk),
            kind=e.kind,
            occurred_at=e.occurred_at,
            direction=e.direction or "",
            duration_seconds=e.duration_seconds,
            tags=frozenset(e.tags or ()),
            number_key=e.number_index or "",
            relation=(e.contact_relation or "") if e.kind == THIRD_PARTY else "",
            text="\n".join(s for s in (e.content, e.claimed_identity, e.notes) if s) if text else "",
            outcome=getattr(e, "call_outcome", "") or "",
            time_known=getattr(e, "time_precision", EXACT) or EXACT,
        ))
    return out


@dataclass
class CaseContext:
    """What the borrower tells us about the case, beyond its entries."""

    time_zone: ZoneInfo  # where the borrower was: hours are judged there
    usurious: bool = False  # the borrower marks the debt as above 4× the one-year LPR
    police_warning_at: datetime | None = None  # when the police warned the collector
    debtor_consented_hours: bool = False  # the borrower agreed to contact at night

    def __post_init__(self):
        if isinstance(self.time_zone, str):
            self.time_zone = ZoneInfo(self.time_zone)

    @classmethod
    def for_case(cls, case, *, time_zone=None, **kwargs) -> CaseContext:
        """The case's context: its own time zone (else the owner's), and what the
        borrower said about the debt, the night contacts and a police warning."""
        zone = time_zone or case.zone_name()
        kwargs.setdefault("usurious", bool(getattr(case, "debt_usurious", False)))
        kwargs.setdefault("police_warning_at", getattr(case, "police_warned_at", None))
        kwargs.setdefault("debtor_consented_hours", bool(getattr(case, "consented_night_contact", False)))
        return cls(time_zone=zone, **kwargs)


class Event:
    """Facts placed in the case's time zone, with what most rules ask computed once."""

    __slots__ = ("facts", "id", "local", "day", "kind", "tags", "contact", "attempt", "answered", "dated", "timed")

    def __init__(self, facts: Facts, zone: ZoneInfo):
        self.facts = facts
        self.id = facts.id
        self.local = facts.occurred_at.astimezone(zone)
        self.day = self.local.date()
        self.kind = kind = facts.kind
        self.tags = facts.tags
        collector = facts.direction != OUTGOING  # a blank direction counts: the form's default is their call
        # A call the collector placed, answered or not.
        self.attempt = kind == CALL and collector
        # A collector reaching the borrower: a call, SMS or visit the borrower did not make.
        self.contact = self.attempt or (collector and kind in (SMS, VISIT))
        # A collector's call the borrower said was picked up (接通): only that outcome counts,
        # never a default; a 0-second call was not; an answered call of unknown duration was.
        self.answered = (self.attempt and facts.outcome == ANSWERED and facts.direction != MISSED
                         and facts.duration_seconds != 0)
        # What is known of its time: the day (rules counting per day), the hour (night rules).
        self.dated = facts.time_known != TIME_UNKNOWN
        self.timed = facts.time_known == EXACT

    def __repr__(self):
        return f"<Event {self.kind} {self.local:%Y-%m-%d %H:%M}>"


def timeline(facts: Iterable[Facts], zone: ZoneInfo) -> list[Event]:
    """Events in time order (ties by id, so every run lists them the same way)."""
    return [Event(f, zone) for f in sorted(facts, key=attrgetter("occurred_at", "id"))]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Source:
    """One document a rule rests on, in force from/to the given days (inclusive)."""

    force: str
    citation: dict  # lang -> text, article numbers only where LEGAL-FACTS.md has them
    confidence: str = "H"
    effective_from: date | None = None
    effective_to: date | None = None

    def __post_init__(self):
        if self.force not in FORCES:
            raise ValueError(f"unknown force {self.force!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"unknown confidence {self.confidence!r}")
        _check_langs(f"citation {self.citation.get('en')!r}", self.citation)

    def in_force(self, day: date) -> bool:
        return (self.effective_from is None or day >= self.effective_from) and (
            self.effective_to is None or day <= self.effective_to)


@dataclass(frozen=True)
class Hit:
    """What a rule's check returns: the entries, a summary per language, a day."""

    entry_ids: tuple
    summary: Mapping
    when: date | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    entry_ids: tuple
    summary: Mapping  # lang -> one line for the incident table (a `Summary`)
    when: date | None = None  # local day (the first day for a span)
    sources: tuple = ()  # the rule's sources in force on the days the finding rests on


Check = Callable[[list[Event], CaseContext], list[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    rule_set: str
    titles: dict
    sources: tuple
    confidence: str
    check: Check

    def __post_init__(self):
        _check_langs(f"rule {self.id} title", self.titles)
        if not self.sources:
            raise ValueError(f"rule {self.id} has no source")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"rule {self.id}: unknown confidence {self.confidence!r}")

    @property
    def per_day(self) -> bool:
        """Each of its findings rests on one local day's events alone (`by_day`): the kept
        findings (evidence.rules.kept) re-run it only over the days a change touched."""
        return getattr(self.check, "per_day", False)

    @property
    def window(self) -> int | None:
        """For a rule that looks across a window of days (`window_days`): how many days."""
        return getattr(self.check, "window", None)

    @property
    def needs(self) -> Callable[[Event], bool] | None:
        """For a rule that looks across days: the events it reads (None: all of them)."""
        return getattr(self.check, "needs", None)

    @property
    def force(self) -> str:
        """'STD/SRO', 'REG/LAW' …: the forces of its sources, strongest first."""
        return "/".join(f for f in FORCES if any(s.force == f for s in self.sources))

    @property
    def citation(self) -> dict:
        return {lang: _join_citations([s.citation[lang] for s in self.sources], lang) for lang in LANGS}

    @property
    def effective_from(self) -> date | None:
        starts = [s.effective_from for s in self.sources]
        return None if None in starts else min(starts)

    @property
    def effective_to(self) -> date | None:
        ends = [s.effective_to for s in self.sources]
        return None if None in ends else max(ends)

    def in_force(self, day: date) -> bool:
        return any(s.in_force(day) for s in self.sources)


def run(rules: Iterable[Rule], facts: Iterable[Facts], ctx: CaseContext, *,
        events: list[Event] | None = None) -> list[Finding]:
    """Every rule over the facts; findings in rule order, then by day.

    `events`: the facts' timeline when the caller has already built it (statistics).
    """
    if events is None:
        events = timeline(facts, ctx.time_zone)
    # An entry whose day is not known cannot be placed against any rule's dates or days:
    # left out here (the pages say how many, `untimed_counts`); one with a day but no hour
    # is left out of the hour rules (`local_time_outside`).
    events = [e for e in events if e.dated]
    days = {e.id: e.day for e in events}
    distinct_days = set(days.values())
    findings = []
    for rule in rules:
        # Decided once per day, not per entry: a year of entries has ~365 days.
        in_force = {d for d in distinct_days if rule.in_force(d)}
        eligible = events if len(in_force) == len(distinct_days) else [e for e in events if e.day in in_force]
        for hit in rule.check(eligible, ctx):
            hit_days = {days[i] for i in hit.entry_ids}
            sources = tuple(s for s in rule.sources if any(s.in_force(d) for d in hit_days))
            findings.append(Finding(rule.id, tuple(hit.entry_ids), hit.summary, hit.when, sources))
    return findings


# --------------------------------------------------------------------------- wording

_WORDING = {
    "zh-hans": ("涉嫌违反{}。", "不符合{}的要求。", "；", ""),
    "zh-hant": ("涉嫌違反{}。", "不符合{}的要求。", "；", ""),
    "en": ("May violate {}.", "Does not comply with {}.", "; ", " "),
}


def _join_citations(citations: list[str], lang: str) -> str:
    return _WORDING[lang_key(lang)][2].join(citations)


def wording(rule: Rule, lang: str, finding: Finding | None = None) -> str:
    """'涉嫌违反…。不符合…的要求。' / 'May violate …. Does not comply with ….'

    With a finding, only the sources in force on its days are named.
    """
    lang = lang_key(lang)
    violate, comply, _, gap = _WORDING[lang]
    sources = finding.sources if finding is not None else rule.sources
    binding = [s.citation[lang] for s in sources if s.force in BINDING]
    soft = [s.citation[lang] for s in sources if s.force not in BINDING]
    parts = []
    if binding:
        parts.append(violate.format(_join_citations(binding, lang)))
    if soft:
        parts.append(comply.format(_join_citations(soft, lang)))
    return gap.join(parts)


# --------------------------------------------------------------------------- building blocks for rules

_LIST_SEP = {"zh-hans": "、", "zh-hant": "、", "en": ", "}
_MAX_TIMES = 12  # times listed in a summary line; the entries are all in the finding


class Summary(Mapping):
    """A finding's one-line summary per language, formatted when read.

    A big case has thousands of findings and a page shows one language of a few.
    Fields: {date} (the first day), {n} (entries), {times} (local HH:MM), and any others given.
    """

    __slots__ = ("template", "values", "times")

    def __init__(self, template: dict, events: list[Event], **values):
        self.template = template
        self.times = [e.local if e.timed else None for e in events[:_MAX_TIMES + 1]]
        self.values = {"date": events[0].day.isoformat() if events else "", "n": len(events), **values}

    def __getitem__(self, lang):
        lang = lang_key(lang)
        shown = _LIST_SEP[lang].join(f"{t.hour:02d}:{t.minute:02d}" if t else "--:--"
                                     for t in self.times[:_MAX_TIMES])
        more = "…" if len(self.times) > _MAX_TIMES else ""
        return self.template[lang].format(times=shown + more, **self.values)

    def __iter__(self):
        return iter(LANGS)

    def __len__(self):
        return len(LANGS)

    def __repr__(self):
        return f"<Summary {self['en']!r}>"



def by_day(events: list[Event], match: Callable[[Event], bool], summary: dict, *, more_than: int = 0,
           values: dict | None = None) -> list[Hit]:
    """One hit per local day on which more than `more_than` events match.

    `summary` is a template per language (see `Summary`), `values` fills its extra fields.
    """
    hits = []
    for day, group in groupby(filter(match, events), key=attrgetter("day")):  # events are in time order
        group = list(group)
        if len(group) > more_than:
            hits.append(Hit(tuple(g.id for g in group), Summary(summary, group, **(values or {})), day))
    return hits


def per_day(check: Check) -> Check:
    """Marks a check whose every hit rests on the events of one local day alone, whatever the
    other days hold (a `by_day` count): run over one day's events it finds that day's hits.
    The kept findings (evidence.rules.kept) then re-run it only for the days a change touched;
    an unmarked check is re-run over the whole case."""
    check.per_day = True
    return check


def window_days(days: int, *, needs: Callable[[Event], bool] | None = None) -> Callable[[Check], Check]:
    """Marks a check that looks across a window of `days` local days (US-7IN7's 7), with this
    promise: every hit has a day (`when`, one of its events' days), and for any local day D,
    how many hits start on D and which of D's events are in a hit are decided by the events
    of days D-(days-1) … D+(days-1) alone, whatever the other days hold. A hit itself may
    span more (overlapping windows merged). The kept findings (evidence.rules.kept) then
    count it per day, a change on day D counting again the days D-(days-1) … D+(days-1).
    `needs` says which events it reads at all (None: all), which the kept days keep for
    re-running it where its findings themselves are shown."""
    def mark(check: Check) -> Check:
        check.window = days
        check.needs = needs
        return check

    return mark


def daily(match: Callable[[Event], bool], summary: dict, *, more_than: int = 0) -> Check:
    """A declarative rule: `match` per entry, counted per local day."""
    _check_langs("summary", summary)

    @per_day
    def check(events, ctx):
        return by_day(events, match, summary, more_than=more_than)

    return check


def tagged(*tags: str) -> Callable[[Event], bool]:
    wanted = frozenset(tags)
    return lambda e: not wanted.isdisjoint(e.tags)


def local_time_outside(start: time, end: time, *, end_inclusive: bool = True) -> Callable[[Event], bool]:
    """A contact whose local time is before `start` or after `end`.

    `end_inclusive=True`: `end` itself is already outside (China's 22:00).
    """
    # An entry whose hour is not known is never "at night": it is left out, not guessed.
    if end_inclusive:
        return lambda e: e.contact and e.timed and not (start <= e.local.time() < end)
    return lambda e: e.contact and e.timed and not (start <= e.local.time() <= end)


def untimed_counts(events: Iterable[Event]) -> dict:
    """How many events the time-based rules left out: {"day_only": n, "unknown": n}."""
    day_only = unknown = 0
    for e in events:
        if not e.dated:
            unknown += 1
        elif not e.timed:
            day_only += 1
    return {"day_only": day_only, "unknown": unknown}


def plus_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def relation_is(relation: str, words: frozenset) -> bool:
    """The contact's relation is exactly one of `words` ("my wife", "我的老婆" → wife, 老婆)."""
    r = relation.strip().casefold()
    for prefix in ("my ", "我的", "我"):
        if r.startswith(prefix) and r[len(prefix):].strip() in words:
            return True
    return r in words


def reaches_others(not_third_parties: frozenset) -> Callable[[Event], bool]:
    """An entry where the debt reached someone else: tagged as disclosed, a public post, or a
    third-party contact whose relation is not one of `not_third_parties` (see `relation_is`)."""
    def match(e: Event) -> bool:
        f = e.facts
        if DISCLOSED_DEBT in f.tags or f.kind == POST:
            return True
        return f.kind == THIRD_PARTY and not relation_is(f.relation, not_third_parties)

    return match
