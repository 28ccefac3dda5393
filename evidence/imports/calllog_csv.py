"""A call log as CSV: carriers' 通话详单 and call-log apps. The columns differ from one
exporter to the next, so the user maps them (number, time, direction or outcome, duration);
a guess from the header's words is offered first. Times without a zone are read in the
case's zone."""
from __future__ import annotations

import codecs
import csv
import io
import re
import zoneinfo
from datetime import datetime, timezone

from django.utils.translation import gettext as _

from .records import CALL, ImportFormatError, Record

FIELDS = ("number", "time", "direction", "duration")
GUESS = {
    "number": ("对方号码", "对端号码", "号码", "电话", "number", "phone", "手機號碼", "號碼"),
    "time": ("起始时间", "开始时间", "通话时间", "通话起始时间", "呼叫时间", "时间", "日期", "date", "time", "時間"),
    "direction": ("呼叫类型", "通话类型", "类型", "呼叫方式", "direction", "type", "outcome", "類型"),
    "duration": ("通话时长", "时长", "duration", "seconds", "時長"),
}
MISSED = ("未接", "missed", "未接通", "响铃")
REJECTED = ("拒接", "rejected", "拒绝", "拦截", "blocked")
DIRECTIONS = [
    (MISSED, "incoming"),
    (REJECTED, "incoming"),
    (("被叫", "呼入", "来电", "incoming", "in", "接听", "來電"), "incoming"),
    (("主叫", "呼出", "去电", "拨出", "outgoing", "out", "撥出"), "outgoing"),
]
OUTCOMES = [(REJECTED, "rejected"), (MISSED, "missed")]
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S",
                "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M:%S",
                "%m/%d/%Y %H:%M")
_HMS = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})$")
_MS = re.compile(r"^(\d+):(\d{1,2})$")
_CN = re.compile(r"^(?:(\d+)\s*(?:小时|時|时|h))?\s*(?:(\d+)\s*(?:分钟|分鐘|分|m|min))?\s*(?:(\d+)\s*(?:秒|s|sec))?$")


def encoding_of(head: bytes) -> str:
    """UTF-8 (with or without its mark) when the first bytes decode, else GB18030 (Excel in China)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head[:4000].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > 3990:  # a character cut by the end of the head
            return "utf-8"
        return "gb18030"


def _text(stream, encoding):
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def _reader(text):
    sample = text.read(8192)
    rest = text
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(_chain(sample, rest), dialect)


def _chain(sample, rest):
    yield from io.StringIO(sample)  # the sample's last line may be cut: the next read completes it
    yield from rest


def header(stream, encoding) -> list[str]:
    for row in _reader(_text(stream, encoding)):
        return [c.strip() for c in row]
    raise ImportFormatError(_("The CSV file is empty."))


def guess_mapping(columns: list[str]) -> dict:
    mapping = {}
    for field, words in GUESS.items():
        for word in words:
            hit = next((i for i, c in enumerate(columns) if word in c.lower() and i not in mapping.values()), None)
            if hit is not None:
                mapping[field] = hit
                break
    return mapping


def parse_time(value: str, zone: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        for fmt in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None
    return parsed.astimezone(timezone.utc)


def parse_duration(value: str) -> int | None:
    value = value.strip().replace(" ", "")
    if not value:
        return None
    if value.isdigit():
        return int(value)
    for pattern, parts in ((_HMS, 3), (_MS, 2)):
        m = pattern.match(value)
        if m:
            nums = [int(g) for g in m.groups()]
            return nums[0] * 3600 + nums[1] * 60 + nums[2] if parts == 3 else nums[0] * 60 + nums[1]
    m = _CN.match(value)
    if m and any(m.groups()):
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        return h * 3600 + mi * 60 + s
    return None


def _word_match(value: str, table) -> str:
    """The meaning of the first words in `table` that `value` says: a word is the whole
    value, or (longer than two characters) part of it; "" when none."""
    low = value.strip().lower()
    for words, meaning in table:
        if any(w == low or (len(w) > 2 and w in low) for w in words):
            return meaning
    return ""


def parse_direction(value: str) -> str:
    return _word_match(value, DIRECTIONS)


def parse_outcome(value: str, duration: int | None) -> str:
    """The CSV's own word when it names the outcome; else talk time means answered, and no
    talk time is left "unknown" (never assumed answered)."""
    return _word_match(value, OUTCOMES) or ("answered" if duration else "unknown")


def records(stream, mapping: dict):
    """One CALL record per data row that has a number and a readable time (rows without,
    such as a carrier's 合计 line, are skipped; the preview counts them)."""
    encoding = mapping.get("encoding") or "utf-8"
    zone = mapping.get("zone") or "Asia/Shanghai"
    if "number" not in mapping or "time" not in mapping:
        raise ImportFormatError(_("Choose which column holds the number and which the time."))
    rows = _reader(_text(stream, encoding))
    next(rows, None)  # the header
    for no, row in enumerate(rows, start=1):
        def cell(field):
            i = mapping.get(field)
            return row[i].strip() if i is not None and 0 <= i < len(row) else ""

        number, at = cell("number"), parse_time(cell("time"), zone)
        if not number or at is None:
            continue
        raw_direction, duration = cell("direction"), parse_duration(cell("duration"))
        yield Record(no=no, kind=CALL, number=number, at=at, direction=parse_direction(raw_direction),
                     original_type=raw_direction[:16], duration=duration, outcome=parse_outcome(raw_direction, duration))
