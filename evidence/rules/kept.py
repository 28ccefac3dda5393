"""A case's findings kept up to date: what the statistics, findings and case pages read
after a change, instead of reading and decrypting every entry and running every rule
over the whole case again.

Nearly every rule counts per local day (`Rule.per_day`: a day's findings rest on that
day's events alone). So the findings are kept per day, one `FindingDay` row each, sealed
with the owner's key (a contact's relation, which decides whether they are a third
party, is case text). A change of an entry marks the local days it was and is on
(`touch`, called from `tally.replace`, which every service that changes entries calls
inside its transaction); a single change re-counts its day at once, an import's batch
leaves its days marked and the next read re-counts them. Re-counting a day reads only that
day's entries (`facts_for_case(case, start=, end=)`) and runs the per-day rules over them.
Each day also keeps, in a second small sealed column (`brief`), how many findings each rule
has there and over how many entries: the statistics page and the case page's summary show
only these counts (`rule_counts`) and never open the findings themselves.

A rule that looks across a window of days (US-7IN7's 7, `engine.window_days`) promises that
how many of its findings start on a day, and which of that day's entries are in one, depend
only on the days within the window on either side. So each day also keeps those two numbers
for it, a change on day D counts again D-6 … D+6 (reading D-12 … D+12), and the statistics
page sums them like a per-day rule's. Its findings themselves can span more days (windows
that overlap are one finding), so where they are listed (`findings`) it is re-run over the
facts it reads (the collector's calls), which each day keeps sealed beside its findings: no
entry is read or decrypted for it. A rule marked neither way is re-run over those facts
everywhere: the safe default.

Everything the days were counted under — the rule set, the time zone, the case's answers
(usurious debt, a police warning, consent to night contacts) and the rules' own code — is
the `basis` (CaseFindings.basis, a keyed MAC). When it changes, the next read counts the
whole case again (`rebuild`). tests/rules/test_tally.py compares the kept findings with a
run from scratch after every step of random changes.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F

from evidence.models import Case, CaseFindings, FindingDay
from evidence.store.crypto import keys_for, keys_scope

from . import RULE_SETS, RULES_BY_ID
from .engine import LANGS, CaseContext, Event, Facts, Finding, lang_key, run, timeline
from .facts import facts_for_case

# The rules' code: a new version (another threshold, a reworded summary) counts every case again.
_CODE = hashlib.sha256(b"".join((Path(__file__).parent / name).read_bytes()
                                for name in ("engine.py", "cn.py", "us.py", "facts.py", "kept.py"))).hexdigest()
# A change touching at most this many days re-counts them in its own transaction; an
# import's batch (thousands of entries over many days) leaves them to the next read.
COUNT_AT_ONCE = 4
# A local day's entries are read with this much to spare on each side (a clock change), then
# sorted by their local day in Python: exact whatever the zone's offsets.
_MARGIN = timedelta(hours=3)
_LANG_INDEX = {lang: i for i, lang in enumerate(LANGS)}


class Rendered(Mapping):
    """A kept finding's summary, already worded in every language (an engine `Summary`
    formats on reading; equal to it language by language)."""

    __slots__ = ("texts",)

    def __init__(self, texts):
        self.texts = texts

    def __getitem__(self, lang):
        return self.texts[_LANG_INDEX[lang_key(lang)]]

    def __iter__(self):
        return iter(LANGS)

    def __len__(self):
        return len(LANGS)

    def __repr__(self):
        return f"<Rendered {self['en']!r}>"


def basis(case: Case, ctx: CaseContext) -> str:
    """What the kept findings rest on beyond the entries, as the owner's keyed MAC."""
    warned = ctx.police_warning_at.isoformat() if ctx.police_warning_at else ""
    text = "|".join((case.rule_set, ctx.time_zone.key, str(ctx.usurious), warned, str(ctx.debtor_consented_hours),
                     _CODE))
    tag = keys_for(case.owner_id).mac.compute_mac(b"liuzheng:findings-basis:" + text.encode())
    return hashlib.sha256(tag).hexdigest()


# --------------------------------------------------------------------------- one day


def _day_data(events: list[Event], rules, ctx: CaseContext, windowed: dict | None = None) -> dict:
    """One local day's kept findings: those of the per-day rules over its (dated, live) events,
    the facts the rules across days read, and the counts of every rule kept per day or per
    window (`windowed`: the window rules' counts of this day, `_window_counts`). Entry ids are
    kept once and referred to."""
    ids, refs = [], {}

    def ref(entry_id):
        n = refs.get(entry_id)
        if n is None:
            n = refs[entry_id] = len(ids)
            ids.append(entry_id)
        return n

    found = []
    for f in run([r for r in rules if r.per_day], (), ctx, events=events):
        sources = RULES_BY_ID[f.rule_id].sources
        found.append([f.rule_id, [ref(i) for i in f.entry_ids], [f.summary[lang] for lang in LANGS],
                      [sources.index(s) for s in f.sources], f.when.isoformat() if f.when else None])
    wide = [r.needs for r in rules if not r.per_day]
    facts = [_facts_row(e.facts) for e in events if any(n is None or n(e) for n in wide)] if wide else []
    counts: dict[str, list] = {}
    for rule_id, refs, *_rest in found:
        n = counts.setdefault(rule_id, [0, set()])
        n[0] += 1
        n[1].update(refs)
    counts = {rule_id: [n, len(refs)] for rule_id, (n, refs) in counts.items()}
    counts.update(windowed or {})
    return {"i": ids, "f": found, "k": facts, "n": counts} if found or facts or counts else {}


def _window_counts(rules, events: list[Event], ctx: CaseContext) -> dict[date, dict[str, list]]:
    """Per local day, each window rule's [hits starting that day, that day's entries in a hit],
    from one run over `events`: exact for every day whose reach (`_reach`) `events` hold whole,
    as `engine.window_days` promises. Each entry is counted on its own day only, so the days'
    counts add up to the rule's distinct entries."""
    windowed = [r for r in rules if r.window]
    if not windowed:
        return {}
    day_of = {e.id: e.day for e in events}
    counted: dict[date, dict[str, list]] = {}

    def slot(day, rule_id):
        return counted.setdefault(day, {}).setdefault(rule_id, [0, set()])

    for f in run(windowed, (), ctx, events=events):
        slot(f.when, f.rule_id)[0] += 1
        for entry_id in f.entry_ids:
            slot(day_of[entry_id], f.rule_id)[1].add(entry_id)
    return {day: {rule_id: [n, len(ids)] for rule_id, (n, ids) in by_rule.items()}
            for day, by_rule in counted.items()}


def _reach(rules) -> int:
    """How many days on either side of a change the window rules' counts may move."""
    return max((r.window - 1 for r in rules if r.window), default=0)


def _facts_row(f: Facts) -> list:
    return [f.id, f.kind, f.occurred_at.isoformat(), f.direction, f.duration_seconds, sorted(f.tags), f.number_key,
            f.relation, f.outcome, f.time_known]


def _facts(row: list) -> Facts:
    pk, kind, occurred_at, direction, duration, tags, number_key, relation, outcome, time_known = row
    return Facts(pk, kind, datetime.fromisoformat(occurred_at), direction, duration, frozenset(tags), number_key,
                 relation, "", outcome, time_known)


def _ad(case_pk, day: date, part: str) -> bytes:
    # Binds the sealed findings to their case, day and column: a value copied elsewhere fails to open.
    return f"liuzheng:findings:v1:{case_pk}:{day.isoformat()}:{part}".encode()


def _seal_one(case: Case, day: date, part: str, data: dict) -> bytes:
    raw = zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 1)
    return keys_for(case.owner_id).aead.encrypt(raw, _ad(case.pk, day, part))


def _seal(case: Case, day: date, data: dict) -> dict:
    """A day's kept data as its two sealed columns: the findings with the facts the rules
    across days read, and the counts per rule (all the statistics page opens)."""
    return {"sealed": _seal_one(case, day, "sealed", {"i": data["i"], "f": data["f"], "k": data["k"]}),
            "brief": _seal_one(case, day, "brief", {"n": data["n"]})}


def _open(case: Case, day: date, part: str, sealed) -> dict:
    if not sealed:
        return {}
    return json.loads(zlib.decompress(keys_for(case.owner_id).aead.decrypt(bytes(sealed), _ad(case.pk, day, part))))


def _by_day(events: list[Event], wanted=None) -> dict[date, list[Event]]:
    """Dated events by local day (in time order within a day), only `wanted` days if given."""
    days: dict[date, list[Event]] = {}
    for e in events:
        if e.dated and (wanted is None or e.day in wanted):
            days.setdefault(e.day, []).append(e)
    return days


def _count_days(case: Case, ctx: CaseContext, days) -> dict[date, dict]:
    """Count these local days again from their entries, and from those of the days around
    them that the window rules look at (`_reach`)."""
    zone, days = ctx.time_zone, sorted(days)
    rules = RULE_SETS[case.rule_set]
    reach = timedelta(days=_reach(rules))
    spans: list[list[date]] = []  # [first, last] local days to read, apart and in order
    for day in days:
        if spans and day - reach <= spans[-1][1] + timedelta(days=1):
            spans[-1][1] = day + reach
        else:
            spans.append([day - reach, day + reach])
    if len(spans) > COUNT_AT_ONCE:  # one read over the span of the days (an import's)
        spans = [[spans[0][0], spans[-1][1]]]
    events = []
    for first, last in spans:
        start = datetime.combine(first, time.min, zone) - _MARGIN
        end = datetime.combine(last + timedelta(days=1), time.min, zone) + _MARGIN
        events += [e for e in timeline(facts_for_case(case, start=start, end=end), zone) if first <= e.day <= last]
    grouped = _by_day(events, set(days))
    windowed = _window_counts(rules, events, ctx)
    return {day: _day_data(grouped.get(day, []), rules, ctx, windowed.get(day)) for day in days}


def _store(case: Case, counted: dict[date, int], datas: dict[date, dict]) -> None:
    """Keep each day's new count, unless the day changed again meanwhile (then its `changes`
    moved on and it stays marked: a count is never written over a newer change)."""
    for day, seen in counted.items():
        current = FindingDay.objects.filter(case=case, day=day, changes=seen)
        if datas[day]:
            current.update(counted=seen, **_seal(case, day, datas[day]))
        else:
            current.delete()  # nothing found on that day any more


# --------------------------------------------------------------------------- the whole case


def _assemble(case: Case, ctx: CaseContext, days: list[tuple[date, dict]]) -> list[Finding]:
    """The findings as `evaluate` gives them (rule order, then by day) from the kept days."""
    per_rule: dict[str, list[Finding]] = {}
    wide_facts = []
    sources_of = {rule.id: rule.sources for rule in RULE_SETS[case.rule_set]}
    for day, data in days:
        entry_id, iso = data["i"].__getitem__, day.isoformat()
        for rule_id, refs, texts, sources, when in data["f"]:
            rule_sources = sources_of[rule_id]
            per_rule.setdefault(rule_id, []).append(Finding(
                rule_id, tuple(map(entry_id, refs)), Rendered(texts),
                day if when == iso else (date.fromisoformat(when) if when else None),
                tuple(rule_sources[s] for s in sources)))
        wide_facts += data["k"]
    findings = []
    wide = None
    for rule in RULE_SETS[case.rule_set]:
        if rule.per_day:
            findings += per_rule.get(rule.id, ())
        else:
            if wide is None:
                wide = timeline([_facts(row) for row in wide_facts], ctx.time_zone)
            findings += run([rule], (), ctx, events=wide)
    return findings


def findings(case: Case) -> list[Finding]:
    """The case's findings, as `evaluate` over its live entries would give them now."""
    with keys_scope():  # the owner's keys looked up once, not once per day
        ctx, days = _kept_days(case, ("sealed", "brief"))
        return days if ctx is None else _assemble(case, ctx, days)


def rule_counts(case: Case) -> list[tuple[str, int, int]]:
    """(rule id, findings, entries they rest on) per rule with findings, in rule order: what
    `findings` would give, counted, from the days' counts without opening their findings."""
    rules = RULE_SETS[case.rule_set]
    rerun = {r.id for r in rules if not r.per_day and not r.window}  # run over their facts, in "sealed"
    with keys_scope():
        ctx, days = _kept_days(case, ("brief", "sealed") if rerun else ("brief",))
        if ctx is None:  # counted again just now: `days` are the findings
            return counts_of(days, rules)
        totals: dict[str, list] = {}
        for _day, data in days:
            for rule_id, (n, entries) in data["n"].items():
                total = totals.setdefault(rule_id, [0, 0])
                total[0] += n
                total[1] += entries  # each entry is counted on its own day only: no entry twice
        out = []
        wide = None
        for rule in rules:
            if rule.id in rerun:
                if wide is None:
                    wide = timeline([_facts(row) for _day, data in days for row in data["k"]], ctx.time_zone)
                out += counts_of(run([rule], (), ctx, events=wide), [rule])
            elif rule.id in totals:
                out.append((rule.id, *totals[rule.id]))
        return out


def counts_of(found: list[Finding], rules) -> list[tuple[str, int, int]]:
    """(rule id, findings, distinct entries) per rule with findings, in the order of `rules`."""
    by_rule: dict[str, list] = {}
    for f in found:
        by_rule.setdefault(f.rule_id, []).append(f)
    return [(r.id, len(by_rule[r.id]), len({i for f in by_rule[r.id] for i in f.entry_ids}))
            for r in rules if r.id in by_rule]


def _kept_days(case: Case, columns: tuple) -> tuple:
    """(ctx, [(day, data)]) of the kept days, the marked ones counted again on the way, with
    the `columns` opened; (None, findings) when the whole case had to be counted again."""
    ctx = CaseContext.for_case(case)
    kept_basis = CaseFindings.objects.filter(case=case).values_list("basis", flat=True).first()
    if kept_basis != basis(case, ctx):
        return None, rebuild(case, ctx=ctx)
    rows = list(FindingDay.objects.filter(case=case).order_by("day").values_list("day", "changes", "counted",
                                                                                  *columns))
    marked = {row[0]: row[1] for row in rows if row[1] != row[2]}
    fresh = {}
    if marked:
        fresh = _count_days(case, ctx, marked)
        with transaction.atomic():
            _store(case, marked, fresh)
    days = []
    for day, _changes, _counted, *sealed in rows:
        if day in fresh:
            data = fresh[day]
        else:
            data = {}
            for part, value in zip(columns, sealed):
                data.update(_open(case, day, part, value))
        if data:
            days.append((day, data))
    return ctx, days


def rebuild(case: Case, *, ctx: CaseContext | None = None, facts: list[Facts] | None = None) -> list[Finding]:
    """Count every day of the case again from its entries (`facts`: read already) and keep them.
    For a case kept under another basis, or never kept (from before this table)."""
    ctx = ctx or CaseContext.for_case(case)
    with keys_scope(), transaction.atomic():
        # The case row locked first, as every custody append locks it (PostgreSQL): a change
        # committing meanwhile is either counted here or marks a day kept here.
        if connection.features.has_select_for_update:
            Case.objects.select_for_update().filter(pk=case.pk).exists()
        if facts is None:
            facts = facts_for_case(case)
        rules = RULE_SETS[case.rule_set]
        events = timeline(facts, ctx.time_zone)
        windowed = _window_counts(rules, events, ctx)
        datas = [(day, _day_data(day_events, rules, ctx, windowed.get(day)))
                 for day, day_events in sorted(_by_day(events).items())]
        datas = [(day, data) for day, data in datas if data]
        FindingDay.objects.filter(case=case).delete()
        FindingDay.objects.bulk_create([FindingDay(case=case, day=day, **_seal(case, day, data))
                                        for day, data in datas], batch_size=500)
        CaseFindings.objects.update_or_create(case=case, defaults={"basis": basis(case, ctx)})
    return _assemble(case, ctx, datas)


def start(case: Case) -> None:
    """A new case: nothing found yet (called by case_create, through tally.start)."""
    CaseFindings.objects.create(case=case, basis=basis(case, CaseContext.for_case(case)))


def touch(case: Case, days: set[date]) -> None:
    """Entries on these local days changed (inside the change's transaction, after its
    custody event has locked the case row): mark the days, and count them again at once
    when they are few. A case kept under another basis is left for the next read to rebuild,
    which then includes this change."""
    if not days:
        return
    ctx = CaseContext.for_case(case)
    if CaseFindings.objects.filter(case=case).values_list("basis", flat=True).first() != basis(case, ctx):
        return
    # A window rule's counts of the days around a changed day may move too (`_reach`).
    reach = _reach(RULE_SETS[case.rule_set])
    marked = {day + timedelta(days=n) for day in days for n in range(-reach, reach + 1)}
    rows = FindingDay.objects.filter(case=case, day__in=marked)
    if rows.update(changes=F("changes") + 1) < len(marked):
        kept_days = set(rows.values_list("day", flat=True))
        FindingDay.objects.bulk_create([FindingDay(case=case, day=day, changes=1, counted=0)
                                        for day in marked - kept_days])
    if len(days) <= COUNT_AT_ONCE:
        counted = dict(FindingDay.objects.filter(case=case, day__in=marked).values_list("day", "changes"))
        with keys_scope():
            _store(case, counted, _count_days(case, ctx, marked))
