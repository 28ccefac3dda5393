"""The rules engine: what a rule sees, what it answers, and how the answer is worded.

A rule set is a plain list of `Rule`s (cn.py, us.py). A rule rests on one or more
`Source`s (a statute, a regulation, a standard…), each with its own force and the
dates it is in force. The engine

  1. turns entries into `Facts` (plain data, no database),
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
from typing import Callable, Iterable
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

    @property
    def is_contact(self) -> bool:
        """A collector reaching the borrower: a call, SMS or visit that the borrower did not make.

        A blank direction counts: the form's default subject is a collector's call.
        """
        return self.kind in (CALL, SMS, VISIT) and self.direction != OUTGOING

    @property
    def is_call_attempt(self) -> bool:
        """A call the collector placed, answered or not."""
        return self.kind == CALL and self.direction != OUTGOING

    @property
    def is_answered(self) -> bool:
        """A collector's call that was picked up. A 0-second incoming call was not;
        an unknown duration on an incoming (not missed) call was."""
        return self.kind == CALL and self.direction == INCOMING and self.duration_seconds != 0


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
        """The case's context; the time zone defaults to the owner's."""
        from django.conf import settings

        zone = time_zone or case.owner.time_zone or settings.LIUZHENG_DEFAULT_TIME_ZONE
        return cls(time_zone=zone, **kwargs)


@dataclass(frozen=True, slots=True)
class Event:
    """Facts placed in the case's time zone."""

    facts: Facts
    local: datetime
    day: date


def timeline(facts: Iterable[Facts], zone: ZoneInfo) -> list[Event]:
    ordered = sorted(facts, key=lambda f: (f.occurred_at, f.id))
    out = []
    for f in ordered:
        local = f.occurred_at.astimezone(zone)
        out.append(Event(f, local, local.date()))
    return out


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
    summary: dict
    when: date | None = None


@dataclass(frozen=True)
class Finding:
    rule_id: str
    entry_ids: tuple
    summary: dict  # lang -> one line for the incident table
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


def run(rules: Iterable[Rule], facts: Iterable[Facts], ctx: CaseContext) -> list[Finding]:
    """Every rule over the facts; findings in rule order, then by day."""
    events = timeline(facts, ctx.time_zone)
    days = {e.facts.id: e.day for e in events}
    findings = []
    for rule in rules:
        eligible = [e for e in events if rule.in_force(e.day)]
        for hit in rule.check(eligible, ctx):
            hit_days = {days[i] for i in hit.entry_ids}
            sources = tuple(s for s in rule.sources if any(s.in_force(d) for d in hit_days))
            findings.append(Finding(rule.id, tuple(hit.entry_ids), hit.summary, hit.when, sources))
    return findings


# --------------------------------------------------------------------------- wording

_WORDING = {
    "zh-hans": ("涉嫌违反{}。", "不符合{}的要求。", "、", ""),
    "zh-hant": ("涉嫌違反{}。", "不符合{}的要求。", "、", ""),
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


def _times(events: list[Event], lang: str) -> str:
    shown = [e.local.strftime("%H:%M") for e in events[:_MAX_TIMES]]
    more = "…" if len(events) > _MAX_TIMES else ""
    return _LIST_SEP[lang].join(shown) + more


def summarize(template: dict, events: list[Event], **values) -> dict:
    """Fill a summary template per language: {date}, {n}, {times} and any `values`."""
    first = events[0].day.isoformat() if events else ""
    return {lang: template[lang].format(date=first, n=len(events), times=_times(events, lang), **values)
            for lang in LANGS}


def by_day(events: list[Event], match: Callable[[Event], bool], summary: dict, *, more_than: int = 0,
           values: dict | None = None) -> list[Hit]:
    """One hit per local day on which more than `more_than` events match.

    `summary` is a template per language (see `summarize`), `values` fills its extra fields.
    """
    hits = []
    day, group = None, []

    def flush():
        if len(group) > more_than:
            hits.append(Hit(tuple(e.facts.id for e in group), summarize(summary, group, **(values or {})), day))

    for e in events:
        if not match(e):
            continue
        if e.day != day:
            flush()
            day, group = e.day, []
        group.append(e)
    flush()
    return hits


def daily(match: Callable[[Event], bool], summary: dict, *, more_than: int = 0) -> Check:
    """A declarative rule: `match` per entry, counted per local day."""
    _check_langs("summary", summary)

    def check(events, ctx):
        return by_day(events, match, summary, more_than=more_than)

    return check


def tagged(*tags: str) -> Callable[[Event], bool]:
    wanted = frozenset(tags)
    return lambda e: not wanted.isdisjoint(e.facts.tags)


def local_time_outside(start: time, end: time, *, end_inclusive: bool = True) -> Callable[[Event], bool]:
    """A contact whose local time is before `start` or after `end`.

    `end_inclusive=True`: `end` itself is already outside (China's 22:00).
    """
    if end_inclusive:
        return lambda e: e.facts.is_contact and not (start <= e.local.time() < end)
    return lambda e: e.facts.is_contact and not (start <= e.local.time() <= end)


def plus_days(day: date, n: int) -> date:
    return day + timedelta(days=n)


def relation_is(relation: str, words: frozenset) -> bool:
    """The contact's relation is exactly one of `words` ("my wife", "我的老婆" → wife, 老婆)."""
    r = relation.strip().casefold()
    for prefix in ("my ", "我的", "我"):
        if r.startswith(prefix) and r[len(prefix):].strip() in words:
            return True
    return r in words
