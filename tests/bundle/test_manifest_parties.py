"""manifest.json names the borrower as the catalogue does (the legal name, never the
username), and its 证明目的 are the catalogue's, built by one function, each phrase once."""
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from evidence.bundle.writer import BundleWriter
from evidence.cases.services import case_create, entry_create


def _manifest_and_catalog(case):
    writer = BundleWriter(case, actor_label="system", selection={})
    manifest = json.loads(writer.manifest())
    items = [item for group in writer.catalog_data()["groups"] for item in group["items"]]
    return manifest, items


@pytest.mark.parametrize("legal_name, expected", [("", None), ("  ", None), ("张三", "张三")])
def test_the_borrower_is_the_legal_name_or_unknown_never_the_username(borrower, legal_name, expected):
    borrower.legal_name = legal_name
    borrower.save(update_fields=["legal_name"])
    case = case_create(owner=borrower, lender="借呗")
    manifest, _ = _manifest_and_catalog(case)
    assert manifest["case"]["borrower"] == expected
    assert borrower.username not in json.dumps(list(manifest["case"].values()), ensure_ascii=False)


def test_manifest_purpose_is_the_catalogues_and_says_each_thing_once(borrower):
    case = case_create(owner=borrower, lender="借呗")
    zone = ZoneInfo(borrower.time_zone)
    sms, _ = entry_create(case=case, actor=borrower, kind="sms", direction="incoming", number="95188",
                          occurred_at=datetime(2026, 3, 2, 23, 10, tzinfo=zone), content="再不还就上门",
                          tags=["night", "threat"])
    third, _ = entry_create(case=case, actor=borrower, kind="third_party", contact_name="李四",
                            contact_relation="同事", occurred_at=datetime(2026, 3, 3, 10, 0, tzinfo=zone),
                            content="问我认不认识他", tags=["disclosed_debt"])
    own, _ = entry_create(case=case, actor=borrower, kind="sms", direction="incoming", number="95188",
                          occurred_at=datetime(2026, 3, 4, 9, 0, tzinfo=zone), purpose="证明对方自称律师")
    manifest, items = _manifest_and_catalog(case)
    in_manifest = {e["id"]: e["purpose"] for e in manifest["entries"]}
    in_catalog = {item["facts"][-1][1]: item["purpose"] for item in items}  # 记录ID is the last fact
    for entry in (sms, third, own):
        assert in_manifest[str(entry.pk)] == in_catalog[str(entry.pk)]
    night_sms = in_manifest[str(sms.pk)]
    # 夜间 once: the night finding says it, so the time carries no （夜间） mark and no 夜间 tag follows.
    assert night_sms.count("夜间") == 1 and "夜间催收" in night_sms and "威胁" in night_sms, night_sms
    assert in_manifest[str(third.pk)].count("爆通讯录") <= 1
    assert in_manifest[str(own.pk)] == "证明对方自称律师"  # the borrower's own words, untouched
    for text in in_manifest.values():
        phrases = [p for p in re.split(r"[、，；：（）。]", text) if p]
        assert len(phrases) == len(set(phrases)), text


def test_grouped_calls_show_what_happened_to_each_call(borrower):
    case = case_create(owner=borrower, lender="借呗")
    zone = ZoneInfo(borrower.time_zone)
    for hour, outcome in ((9, "missed"), (10, "answered"), (11, "")):
        entry_create(case=case, actor=borrower, kind="call", direction="incoming", number="95188",
                     occurred_at=datetime(2026, 3, 2, hour, 0, tzinfo=zone), call_outcome=outcome)
    manifest, items = _manifest_and_catalog(case)
    assert [e["call_outcome"] for e in manifest["entries"]] == ["missed", "answered", "unknown"]
    [group] = [i for i in items if i.get("table")]
    assert group["table"]["columns"][2] == "方向·结果"
    assert [row[2] for row in group["table"]["rows"]] == ["来电·未接", "来电·接通", "来电·不确定"]
    assert "未接 1 次" in group["purpose"]
