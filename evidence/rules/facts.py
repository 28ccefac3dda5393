"""The facts of a case read from the database, fast: the one part of the rules that
touches the database (the engine itself works on plain `Facts`)."""
from __future__ import annotations

import json
from datetime import datetime
from datetime import timezone as _timezone

from django.db import connections

from evidence.models import Entry
from evidence.store.crypto import decrypt_many

from .engine import EXACT, THIRD_PARTY, Facts

_UTC = _timezone.utc


def facts_for_case(case, *, start: datetime | None = None, end: datetime | None = None) -> list[Facts]:
    """The facts of a case's live entries, for the rules page of a big case; with `start`
    and `end`, of those that occurred in [start, end) only (the kept findings re-read a day).

    Reads only the columns the rules use, as plain rows (no model instances, no
    decryption), in time order; only third-party entries are loaded whole, for
    their relation (a guarantor or a spouse is not a third party).
    """
    live = Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False)
    if start is not None:
        live = live.filter(occurred_at__gte=start)
    if end is not None:
        live = live.filter(occurred_at__lt=end)
    # One key lookup for all the relations, not one per row.
    relations = decrypt_many(owner_id=case.owner_id, table=Entry._meta.db_table,
                             column=Entry._meta.get_field("contact_relation").column,
                             items=live.filter(kind=THIRD_PARTY).values_list("pk", "contact_relation"))
    relations = {str(pk): text for pk, text in relations.items()}
    rows = live.order_by("occurred_at", "id").values_list(
        "id", "kind", "occurred_at", "direction", "duration_seconds", "tags", "number_index", "call_outcome",
        "time_precision")
    # The rows as the database driver returns them: Django's per-value converters
    # (UUID, aware datetime, JSON) cost more than everything else on a 20,000-entry case.
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    no_tags = frozenset()
    out = []
    for pk, kind, occurred_at, direction, duration, tags, number_key, outcome, precision in raw:
        pk = _uuid_text(pk)
        out.append(Facts(pk, kind, _aware_utc(occurred_at), direction or "", duration,
                         _tag_set(tags) if tags and tags != "[]" else no_tags, number_key or "",
                         relations.get(pk, ""), "", outcome or "", precision or EXACT))
    return out


def _uuid_text(value) -> str:
    """str(uuid) from a UUID (PostgreSQL) or 32 hex digits (SQLite's char(32))."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def _aware_utc(value) -> datetime:
    """Stored datetimes are UTC (USE_TZ): SQLite gives naive ones (or text), PostgreSQL aware ones."""
    if value.__class__ is str:
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=_UTC) if value.tzinfo is None else value


def _tag_set(value) -> frozenset:
    if isinstance(value, str):
        value = json.loads(value)
    return frozenset(value or ())
