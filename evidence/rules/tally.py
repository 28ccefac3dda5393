"""A case's statistics kept up to date (the CaseTally row): what the statistics page,
the case page's third-party count and catalog.pdf's figures read, changed by an increment
on every change of an entry instead of a pass over the whole case.

Each live entry contributes a few counters (`parts`); the tally is their sum. A service
that changes entries calls `replace(case, before, after)` with the entries' parts before
and after the change, inside its own transaction, so the change and the tally commit
together. `recount` sums every live entry from scratch: the tests check that the two agree
after random creates, edits, trashes, restores, acceptances and imports.

Counter names: entries, calls, messages, night (collector contacts outside the permitted
hours), day_only and unknown (entries whose hour, or day, is not known: left out of the
hour figures, never guessed), tp (third-party contacts); d:<day> (dated entries on a
local day), d:<day>:c and d:<day>:m (the collector's calls and messages that day),
h:<weekday>:<hour> (the heat map), n:<number MAC> (contacts per collector number),
p:<person MAC> (third-party contacts per person).
"""
from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from evidence.models import Case, CaseTally, Entry
from evidence.store.crypto import decrypt_many, keys_for

from . import cn, kept, us
from .engine import CALL, OUTGOING, SMS, THIRD_PARTY, Event, facts_from_entries
from .facts import facts_for_case

# The hours contact is allowed in, per rule set: [start, end) in local hours, as the hours rules say.
PERMITTED_HOURS = {cn.RULE_SET: (cn.DAY_STARTS.hour, cn.NIGHT_STARTS.hour),
                   us.RULE_SET: (us.DAY_STARTS.hour, us.DAY_ENDS.hour)}


def permitted_hours(rule_set: str) -> tuple[int, int]:
    return PERMITTED_HOURS.get(rule_set, (8, 22))


def outside_permitted(permitted: tuple[int, int], local_hour: int) -> bool:
    """Whether a local hour is outside the rule set's permitted hours [start, end)."""
    start, end = permitted
    return not start <= local_hour < end


def basis(case: Case) -> str:
    """What the counters depend on beyond the entries: a change of either rebuilds them."""
    return f"{case.rule_set}|{case.zone_name()}"


def person_key(owner_id: int, pk, number_key: str, name: str) -> str:
    """The same person: the same number, else the same name; with neither, each contact counts.
    A name is kept only as the owner's keyed MAC, never in clear."""
    if number_key:
        return number_key
    name = " ".join((name or "").split()).casefold()
    if name:
        return "name:" + keys_for(owner_id).mac.compute_mac(b"liuzheng:person:" + name.encode()).hex()
    return f"entry:{pk}"


def event_parts(event: Event, permitted: tuple[int, int], person: str = "", into: Counter | None = None) -> Counter:
    """What one live entry adds to the counters (the same tests as the full statistics),
    added to `into` when given (a recount sums 20,000 entries into one Counter)."""
    c = Counter() if into is None else into
    c["entries"] += 1
    kind = event.kind
    if kind == CALL:
        c["calls"] += 1
    elif kind == SMS:
        c["messages"] += 1
    if event.dated:
        day = event.day.isoformat()
        c[f"d:{day}"] += 1
        if kind in (CALL, SMS) and event.facts.direction != OUTGOING:
            c[f"d:{day}:{'c' if kind == CALL else 'm'}"] += 1
        if not event.timed:
            c["day_only"] += 1
    else:
        c["unknown"] += 1
    if event.contact:
        if event.timed:  # an hour not known is not drawn, nor counted at night
            c[f"h:{event.local.weekday()}:{event.local.hour}"] += 1
            if outside_permitted(permitted, event.local.hour):
                c["night"] += 1
        if event.facts.number_key:
            c[f"n:{event.facts.number_key}"] += 1
    if kind == THIRD_PARTY:
        c["tp"] += 1
        c[f"p:{person}"] += 1
    return c


class Parts(Counter):
    """An entry's counters, and the local day its findings rest on (`day`: None when it is
    not live or its day is not known): `replace` tells the kept findings which days changed."""

    day = None


def parts(case: Case, entry: Entry | None) -> Counter:
    """What `entry`, as it is now in memory, adds to its case's counters (nothing when it is
    not live: trashed, or a witness's submission not yet accepted)."""
    if entry is None or entry.trashed_at is not None or entry.witness_pending:
        return Parts()
    facts = facts_from_entries([entry])[0]
    person = person_key(case.owner_id, entry.pk, facts.number_key, entry.contact_name) if entry.kind == THIRD_PARTY \
        else ""
    event = Event(facts, ZoneInfo(case.zone_name()))
    counted = event_parts(event, permitted_hours(case.rule_set), person, Parts())
    counted.day = event.day if event.dated else None
    return counted


def _days(*counted) -> set:
    return {c.day for c in counted if getattr(c, "day", None) is not None}


def recount(case: Case, facts=None) -> Counter:
    """The counters summed over every live entry, from scratch (`facts`: read already)."""
    zone, permitted = ZoneInfo(case.zone_name()), permitted_hours(case.rule_set)
    people = {pk: person_key(case.owner_id, pk, index, name) for pk, index, name in third_party_rows(case)}
    total = Counter()
    for facts in facts_for_case(case) if facts is None else facts:
        event_parts(Event(facts, zone), permitted, people.get(facts.id, ""), total)
    return total


def third_party_rows(case: Case) -> list[tuple]:
    """(pk as text, number MAC, name in clear) of the case's live third-party contacts."""
    rows = list(Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False, kind=THIRD_PARTY)
                .values_list("pk", "number_index", "contact_name"))
    names = decrypt_many(owner_id=case.owner_id, table=Entry._meta.db_table,
                         column=Entry._meta.get_field("contact_name").column,
                         items=[(pk, name) for pk, index, name in rows if not index])
    return [(str(pk), index, names.get(pk, "")) for pk, index, _name in rows]


def _stored(counts: Counter) -> dict:
    return {k: v for k, v in sorted(counts.items()) if v}


def rebuild(case: Case, *, findings: bool = True) -> Counter:
    """Count the case again from its entries and keep the result, and its findings (`kept`)
    unless `findings=False`. Called when the row is missing or its basis changed (derived
    bookkeeping, like the chain's stored head), and by whatever wrote entries past the
    services (a benchmark's bulk_create)."""
    with transaction.atomic():
        # The case row locked first, as every custody append locks it (PostgreSQL): a change
        # committing meanwhile is either counted here or applied to the row written here.
        if connection.features.has_select_for_update:
            Case.objects.select_for_update().filter(pk=case.pk).exists()
        facts = facts_for_case(case)
        counts = recount(case, facts)
        CaseTally.objects.update_or_create(case=case, defaults={"basis": basis(case), "counts": _stored(counts)})
        if findings:
            kept.rebuild(case, facts=facts)
    return counts


def start(case: Case) -> None:
    """A new case's counters and findings: none yet (called by case_create)."""
    CaseTally.objects.create(case=case, basis=basis(case), counts={})
    kept.start(case)


def current(case: Case) -> Counter:
    """The case's counters: the kept row, or a rebuild when there is none for this basis."""
    row = CaseTally.objects.filter(case=case).only("basis", "counts").first()
    if row is None or row.basis != basis(case):
        return rebuild(case, findings=False)  # the findings check their own basis when read
    return Counter(row.counts)


def replace(case: Case, before: Counter, after: Counter) -> None:
    """Apply one change: `before` leaves the counters, `after` joins them. Called by the
    services inside their transaction, after their custody event (which locks the case row);
    the row is locked (PostgreSQL) so two changes at
    once both count. A row missing or counted under another basis is left for `current`
    to rebuild from the entries, which then already include this change.

    The local days `before` and `after` are on (`parts`) are the days whose findings the
    change may alter: the kept findings count them again (`kept.touch`), even when the
    counters do not move (a tag or a relation edited)."""
    kept.touch(case, _days(before, after))
    if before == after:
        return
    row = CaseTally.objects.select_for_update().filter(case=case).first()
    if row is None or row.basis != basis(case):
        return
    counts = Counter(row.counts)
    counts.update(after)
    counts.subtract(before)
    row.counts = _stored(counts)
    row.save(update_fields=["counts", "updated_at"])


def add_many(case: Case, entries) -> None:
    """Entries created together (an import's batch)."""
    total, days = Counter(), set()
    for entry in entries:
        counted = parts(case, entry)
        total.update(counted)
        days |= _days(counted)
    kept.touch(case, days)
    replace(case, Counter(), total)
