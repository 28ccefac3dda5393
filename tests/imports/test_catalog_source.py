"""The 证据目录 says truthfully how an entry came in: read from a phone backup (备份导入),
not typed in by the borrower (本人记录) — and the imported outcome counts as it should."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from evidence.bundle.writer import BundleWriter
from evidence.cases import services as cases
from evidence.imports import services as imports
from tests.conftest import make_upload

from . import samples


@pytest.fixture
def case(borrower):
    return cases.case_create(owner=borrower, lender="借呗", collector_numbers="138-0013-8000\n95188")


def _items(case):
    data = BundleWriter(case, actor_label="t", selection={"grouping": "number"}).catalog_data()
    return [it for g in data["groups"] for it in g["items"]]


def test_imported_calls_and_messages_are_labelled_backup_imports(case):
    backup = imports.stage(case=case, actor=case.owner, upload=make_upload(case.owner, "calls.xml", samples.calls_backup()))
    imports.backup_import(backup=backup, actor=case.owner)
    typed = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    cases.entry_create(case=case, actor=case.owner, kind="call", direction="incoming", call_outcome="missed",
                       occurred_at=typed, number="021-5555-0000")

    items = _items(case)
    typed_items = [it for it in items if "021-5555-0000" in it["name"]]
    imported = [it for it in items if it not in typed_items]
    assert typed_items and imported
    assert {(it["kind"], it["source"]) for it in typed_items} == {("当事人陈述", "本人记录")}
    assert {(it["kind"], it["source"]) for it in imported} == {("电子数据", "备份导入")}
    assert all("备份文件" in it["original"] for it in imported)
    # Types 3 (missed) and 4 (voicemail) from the collector count as not answered.
    collector = next(it for it in imported if "13800138000" in it["name"].replace("-", "").replace(" ", ""))
    assert "未接 2 次" in collector["purpose"], collector["purpose"]
