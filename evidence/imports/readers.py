"""Which reader reads a backup, what the file looks like, and the preview of what it holds."""
from __future__ import annotations

from django.utils.translation import gettext as _

from . import calllog_csv, iosdb, sbr
from .numbers import normalise
from .records import CALL, MMS, SMS, ImportFormatError

SBR, CSV, IOS = "sbr", "csv", "ios"


def detect(head: bytes, name: str) -> str:
    """The format, from the file's first bytes (never from its name alone)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\x00"):
        return IOS
    if start.startswith(b"<"):
        return SBR
    if name.lower().endswith((".csv", ".txt")) or b"," in head[:4096] or b"\t" in head[:4096]:
        return CSV
    raise ImportFormatError(_("This file is neither an SMS Backup & Restore XML file, nor a CSV call log, "
                              "nor an iPhone sms.db."))


def records(fmt: str, stream, *, mapping=None, with_parts=True):
    if fmt == SBR:
        return sbr.records(stream, with_parts=with_parts)
    if fmt == CSV:
        return calllog_csv.records(stream, mapping or {})
    if fmt == IOS:
        return iosdb.records(stream)
    raise ImportFormatError(f"unknown format {fmt!r}")


def summarise(fmt: str, stream, *, mapping=None, collectors=frozenset()) -> dict:
    """Numbers with their counts, first and last time, in the order of most records first."""
    numbers, total = {}, 0
    first = last = None
    for record in records(fmt, stream, mapping=mapping, with_parts=False):
        total += 1
        norm = normalise(record.number)
        at = record.at.isoformat()
        row = numbers.get(norm)
        if row is None:
            row = numbers[norm] = {"number": record.number, "norm": norm, SMS: 0, MMS: 0, CALL: 0, "contact": "",
                                   "first": at, "last": at}
        row[record.kind] += 1
        row["contact"] = row["contact"] or record.contact
        row["first"], row["last"] = min(row["first"], at), max(row["last"], at)
        first = at if first is None else min(first, at)
        last = at if last is None else max(last, at)
    rows = sorted(numbers.values(), key=lambda r: (-(r[SMS] + r[MMS] + r[CALL]), r["norm"]))
    for row in rows:
        row["collector"] = row["norm"] in collectors
    return {"format": fmt, "total": total, "first": first, "last": last, "numbers": rows}
