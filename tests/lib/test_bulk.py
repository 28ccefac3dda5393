"""The bulk inserter's shortcuts give exactly what Django's get_db_prep_save gives."""
import datetime
import uuid
import zoneinfo

import pytest
from django.apps import apps
from django.db import connection, connections
from django.test.utils import isolate_apps

from evidence.lib.bulk import preparer
from evidence.models import Entry

UTC = datetime.timezone.utc
SAMPLES = [None, "", "文本 \"quoted\" \\ \x00", "123", 0, 7, -3, 2**40, True, False,
           datetime.datetime(2024, 1, 5, 14, 30, tzinfo=UTC),
           datetime.datetime(2024, 1, 5, 14, 30, 0, 123456, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
           uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678",
           [], ["tag"], {"a": 1}, 12.5, Entry.Kind.CALL, Entry.Direction.INCOMING]


def _same(result):
    """A result as a comparable value: psycopg's wrappers (Jsonb, Binary on PostgreSQL) compare
    by identity, so they are compared by the object they wrap."""
    kind, value = result
    if type(value).__module__.startswith("psycopg") and hasattr(value, "obj"):
        return kind, type(value), value.obj
    return kind, value


def _db_value(field, value, conn):
    try:
        return ("ok", field.get_db_prep_save(value, conn))
    except Exception as exc:  # noqa: BLE001 — the shortcut must refuse the same values
        return ("error", type(exc))


@pytest.mark.parametrize("model", [m for m in apps.get_app_config("evidence").get_models()],
                         ids=lambda m: m.__name__)
def test_every_field_of_every_model_prepares_as_django_does(model):
    conn = connections["default"]
    for field in model._meta.concrete_fields:
        prep = preparer(field, conn)
        for value in SAMPLES:
            want = _db_value(field, value, conn)
            try:
                got = ("ok", prep(value))
            except Exception as exc:  # noqa: BLE001
                got = ("error", type(exc))
            assert _same(got) == _same(want), (model.__name__, field.name, value)
            assert type(got[1]) is type(want[1]), (model.__name__, field.name, value)


def test_a_repeated_time_is_adapted_once_and_a_new_one_afresh():
    from evidence.models import CustodyEvent

    prep = preparer(CustodyEvent._meta.get_field("created_at"), connection)
    a = datetime.datetime(2024, 1, 5, 14, 30, tzinfo=UTC)
    b = datetime.datetime(2025, 2, 6, 1, 2, 3, tzinfo=UTC)
    assert prep(a) == prep(a) == connection.ops.adapt_datetimefield_value(a)
    assert prep(b) == connection.ops.adapt_datetimefield_value(b) != prep(a)


@isolate_apps("evidence")
def test_a_char_field_that_changes_strings_is_not_short_cut():
    from django.db import models

    class Upper(models.CharField):
        def get_prep_value(self, value):
            return super().get_prep_value(value).upper()

    class Thing(models.Model):
        name = Upper(max_length=9)

        class Meta:
            app_label = "evidence"

    assert preparer(Thing._meta.get_field("name"), connection)("abc") == "ABC"
