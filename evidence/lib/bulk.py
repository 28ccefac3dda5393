"""Insert many new rows of one model with one prepared statement (executemany).

`bulk_create` compiles every value of every row through the SQL compiler; for an import of
100,000 entries that is most of the time. This writes the same values (each field's
`pre_save` — which is where EncryptedTextField encrypts — and `get_db_prep_save`) without
it. New rows only; an auto-increment primary key is left to the database.

Even `get_db_prep_save` per value was most of an import's time (issue 15's profile: 860,000
calls, each looking the connection up through `django.db.connection`'s thread-local proxy
several times). So each field gets a *preparer* made once per insert: the real connection
object, and for the common cases a shortcut that gives exactly what `get_db_prep_save`
would — a `str` for a plain CharField/TextField, an `int` through the backend's integer adapter, an aware
`datetime` through the backend's adapter, a UUID as the backend stores it, a `bool`, a
foreign key as its target column; a field class that says `bulk_str_as_is` (its
get_db_prep_save returns a str as it is: the encrypted text's ciphertext) — and the full
`get_db_prep_save` for anything else. `tests/lib/test_bulk.py` checks the two agree."""
from __future__ import annotations

import datetime
import uuid

from django.db import DEFAULT_DB_ALIAS, connections, models

_STR_PREP = {models.Field.get_prep_value, models.CharField.get_prep_value, models.TextField.get_prep_value}
_AUTO_FIELDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INT_FIELDS = (models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
               models.PositiveBigIntegerField, models.PositiveSmallIntegerField)


def _plain(field, method: str) -> bool:
    """The field's class does not override Field's `method` (get_db_prep_save / _value)."""
    return getattr(type(field), method) is getattr(models.Field, method)


def preparer(field, conn):
    """value -> what `field.get_db_prep_save(value, conn)` returns, faster for common values."""
    def generic(v):
        return field.get_db_prep_save(v, conn)

    cls = type(field)
    if isinstance(field, models.ForeignKey) and cls.get_db_prep_save is models.ForeignKey.get_db_prep_save:
        target = preparer(field.target_field, conn)  # ForeignKey hands a non-empty value to its target
        return lambda v: None if v is None else target(v) if type(v) in (int, uuid.UUID) else generic(v)
    if cls in _AUTO_FIELDS:
        return lambda v: v if type(v) is int else generic(v)  # AutoFieldMixin hands the int on
    if cls in _INT_FIELDS:
        # What IntegerField.get_db_prep_value ends in: the backend's own adapter (psycopg's
        # Int4/Int8 on PostgreSQL, the int itself on SQLite).
        adapt_int, internal = conn.ops.adapt_integerfield_value, field.get_internal_type()
        return lambda v: adapt_int(v, internal) if type(v) is int else generic(v)
    if cls is models.BooleanField:
        return lambda v: v if type(v) is bool else generic(v)
    if (isinstance(field, (models.CharField, models.TextField)) and _plain(field, "get_db_prep_save")
            and _plain(field, "get_db_prep_value")
            and (cls.get_prep_value in _STR_PREP or cls.__dict__.get("bulk_str_as_is"))):
        # to_python returns any str (a TextChoices member too) as it is.
        return lambda v: v if isinstance(v, str) else generic(v)
    if cls is models.DateTimeField:
        adapt = conn.ops.adapt_datetimefield_value
        last = [None, None]  # a batch often repeats one time (the custody events' `created_at`)

        def prep_datetime(v):
            if type(v) is datetime.datetime and v.tzinfo is not None:
                if v is not last[0]:
                    last[0], last[1] = v, adapt(v)
                return last[1]
            return None if v is None else generic(v)
        return prep_datetime
    if cls is models.UUIDField:
        native = conn.features.has_native_uuid_field
        return lambda v: (v if native else v.hex) if type(v) is uuid.UUID else generic(v)
    return generic


def _insert_sql(conn, meta, fields) -> str:
    qn = conn.ops.quote_name
    return (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})")


def insert_many(objs: list, batch_size: int = 1000) -> None:
    if not objs:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not isinstance(f, models.AutoField)]
    sql = _insert_sql(conn, meta, fields)
    # Only the fields that change a value on save (auto_now, encryption, …) need pre_save;
    # Field.pre_save itself is getattr(obj, attname).
    steps = [(f.attname, None if type(f).pre_save is models.Field.pre_save else f.pre_save, preparer(f, conn))
             for f in fields]
    with conn.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            rows = []
            for obj in objs[start:start + batch_size]:
                rows.append(tuple(prep(pre(obj, True) if pre is not None else getattr(obj, attname))
                                  for attname, pre, prep in steps))
            cursor.executemany(sql, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def insert_values(model, names: list[str], rows) -> int:
    """Insert rows given as tuples of Python values for the fields `names` (attnames:
    "case_id"), without making a model instance per row. The other columns must have a
    database default or be nullable. Returns the number of rows."""
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[n] for n in names]
    sql = _insert_sql(conn, meta, fields)
    preps = [preparer(f, conn) for f in fields]
    prepared = [tuple(p(v) for p, v in zip(preps, row)) for row in rows]
    if prepared:
        with conn.cursor() as cursor:
            cursor.executemany(sql, prepared)
    return len(prepared)
