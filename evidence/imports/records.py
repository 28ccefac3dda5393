"""What every backup format is read into: one Record per message or call, in file order.

The parsers (sbr, calllog_csv, iosdb) know nothing of cases or the database; they turn a
stream of plaintext into Records, and refuse a file they cannot read with ImportFormatError,
whose message is shown to the user as it is."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from django.utils.translation import gettext as _

from .numbers import normalise

SMS, MMS, CALL = "sms", "mms", "call"


class ImportFormatError(ValueError):
    """The file is not what it says, or is hostile: the message says which, for the user."""


@dataclass
class Part:
    """An MMS image, as the backup holds it."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Record:
    no: int                       # 1-based position among the file's records
    kind: str                     # SMS, MMS or CALL
    number: str                   # exactly as the backup writes it
    at: datetime                  # aware, UTC
    direction: str                # incoming / outgoing (Entry.Direction), or ""
    original_type: str = ""       # the backup's own type code, e.g. call type "5"
    text: str = ""
    duration: int | None = None
    # Calls: answered / missed / rejected / unknown (Entry.Outcome) — what the backup says
    # happened, "unknown" where it does not say (a 0-second incoming call may have rung out).
    outcome: str = ""
    contact: str = ""             # the name the phone's address book gave the number
    parts: list[Part] = field(default_factory=list)
    identity: str = ""            # what makes two copies of this record the same record

    def dedupe_material(self) -> bytes:
        parts = "".join(hashlib.sha256(p.data).hexdigest() for p in self.parts)
        text = hashlib.sha256((self.text + parts).encode("utf-8")).hexdigest()
        return "|".join([self.kind, normalise(self.number), str(int(self.at.timestamp() * 1000)),
                         self.original_type, str(self.duration if self.duration is not None else ""), text,
                         self.identity]).encode("utf-8")


def from_java_ms(value: str) -> datetime:
    """Android's times: milliseconds since 1970, UTC."""
    try:
        ms = int(str(value).strip())
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ImportFormatError(_("A record has no readable time (“%(value)s”).") % {"value": value}) from exc


def clean(text) -> str:
    """The backups write a missing value as the string "null"."""
    text = "" if text is None else str(text)
    return "" if text == "null" else text
