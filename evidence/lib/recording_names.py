"""The number and time a phone's call recorder writes into a recording's file name.

Chinese phones name a call recording after the other party and the moment it started, e.g.
Xiaomi (MIUI) `张三(13800138000)_20240105143000.mp3`. When such a file is chosen on the entry
form, the number and time are proposed (static/js/recording-name.js fills the fields only if
the user has not, and says where the values came from); nothing is invented: a name without
a time proposes no time, a name without a number no number, an impossible date nothing.

The time in a file name is the phone's local time, with no zone: the form reads it in the
user's time zone, and says so.

One source of truth: PATTERNS is served to the page as JSON (the template tag
`recording_name_patterns`) and the script applies the same regular expressions, written in
the syntax Python's `re` and JavaScript's `RegExp` share (no named groups, no lookbehind).
Each pattern lists what its groups are: "who" (a number or a contact name: only digits make
it a number), "number", "name", and the time's parts "y" (4 digits, or 2 meaning 20yy), "m",
"d", "H", "M", "S". docs/import.md says which formats are confirmed and which are not.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

AUDIO_EXTENSIONS = ("mp3", "m4a", "amr", "aac", "3gp", "3ga", "wav", "ogg", "opus", "awb", "flac")

_NUM = r"(\+?[0-9][0-9 -]{1,22}[0-9])"
_YMDHMS = r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})"
_TIME6 = ["y", "m", "d", "H", "M", "S"]

# (id, phones, regular expression over the name without its extension, group roles)
PATTERNS = [
    # MIUI's recorder: contact name, the number in brackets, yyyyMMddHHmmss (its framework's
    # RecordingNameUtils formats the time so). Without a contact the name is the number itself.
    ("xiaomi", "Xiaomi / Redmi (MIUI, HyperOS)",
     r"^(.*?)[(（]" + _NUM + r"[)）](?:_" + _YMDHMS + r")?$", ["name", "number", *_TIME6]),
    # Huawei / Honor (EMUI, HarmonyOS, MagicOS): "通话录音 <number or name> 2024-01-05 14-30-00".
    ("huawei", "Huawei / Honor",
     r"^通话录音[ _]?(.+?)[ _]([0-9]{4})-([0-9]{2})-([0-9]{2})[ _]([0-9]{2})[-.:]?([0-9]{2})[-.:]?([0-9]{2})$",
     ["who", *_TIME6]),
    # Samsung (One UI): "Call recording <number or name>_240105_143000" (yyMMdd_HHmmss);
    # the Chinese UI writes 通话录音 for "Call recording".
    ("samsung", "Samsung",
     r"^(?:Call recording|通话录音)[ _](.+?)_([0-9]{2})([0-9]{2})([0-9]{2})_([0-9]{2})([0-9]{2})([0-9]{2})$",
     ["who", *_TIME6]),
    # <name>_<number>_yyyyMMddHHmmss or yyyyMMdd_HHmmss, and <name>@<number>_…: forms reported
    # for OPPO / OnePlus / realme (ColorOS) and vivo / iQOO (OriginOS) recorders.
    ("name_number_time", "OPPO / OnePlus / realme, vivo / iQOO",
     r"^(.+?)[_@]" + _NUM + r"[_-]([0-9]{4})([0-9]{2})([0-9]{2})[_-]?([0-9]{2})([0-9]{2})([0-9]{2})$",
     ["name", "number", *_TIME6]),
    # <number>_yyyyMMddHHmmss (Huawei / Honor's older recorders, OPPO, vivo), also with
    # yyyyMMdd_HHmmss or "-" between.
    ("number_time", "Huawei / Honor, OPPO, vivo",
     r"^" + _NUM + r"[_-]([0-9]{4})([0-9]{2})([0-9]{2})[_-]?([0-9]{2})([0-9]{2})([0-9]{2})$",
     ["number", *_TIME6]),
]

_COMPILED = [(pid, re.compile(rx), roles) for pid, _, rx, roles in PATTERNS]
_ONLY_NUMBER = re.compile(r"^\+?[0-9][0-9 -]{1,22}[0-9]$")


@dataclass(frozen=True)
class RecordingName:
    pattern: str                 # which PATTERNS entry matched
    number: str = ""             # digits (and a leading +) as the name writes them, without spaces
    name: str = ""               # the contact name the phone wrote, if any
    started_at: datetime | None = None  # naive: the phone's local time


def patterns_json() -> str:
    """PATTERNS for the page's script (static/js/recording-name.js)."""
    return json.dumps({"extensions": AUDIO_EXTENSIONS,
                       "patterns": [{"id": pid, "regex": rx, "roles": roles} for pid, _, rx, roles in PATTERNS]},
                      ensure_ascii=False)


def _time(parts: dict) -> datetime | None:
    if not all(parts.get(k) for k in _TIME6):
        return None
    year = int(parts["y"])
    if len(parts["y"]) == 2:
        year += 2000
    try:
        return datetime(year, int(parts["m"]), int(parts["d"]), int(parts["H"]), int(parts["M"]), int(parts["S"]))
    except ValueError:  # 2024-13-40 is not a time: propose none
        return None


def parse(file_name: str) -> RecordingName | None:
    """What a recording's file name says, or None when it is not a call recorder's name
    (or not an audio file)."""
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() not in AUDIO_EXTENSIONS:
        return None
    for pid, rx, roles in _COMPILED:
        m = rx.match(stem)
        if not m:
            continue
        parts = {role: (m.group(i + 1) or "") for i, role in enumerate(roles)}
        if "who" in parts:
            who = parts.pop("who").strip()
            parts["number" if _ONLY_NUMBER.match(who) else "name"] = who
        number = re.sub(r"[ -]", "", parts.get("number", ""))
        when = _time(parts)
        if not number and when is None:
            continue
        return RecordingName(pid, number, parts.get("name", "").strip(), when)
    return None
