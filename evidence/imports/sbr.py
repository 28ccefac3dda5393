"""SMS Backup & Restore (Android): `<smses>` of `<sms>` and `<mms>`, `<calls>` of `<call>`.

Read as a stream (iterparse), one record at a time, so a 100,000-message backup never sits
in memory; each record's element is dropped once read. The parser is defusedxml's: a
document type declaration, an entity or an external reference is refused, with a message
that says so (a backup the app writes never has any)."""
from __future__ import annotations

import base64
import binascii
import re
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

from .records import CALL, MMS, SMS, ImportFormatError, Part, Record, clean, from_java_ms

# Call types, as Android's CallLog.Calls.TYPE numbers them: 1 incoming, 2 outgoing, 3 missed,
# 4 voicemail, 5 rejected, 6 blocked, 7 answered externally.
# What Entry.direction can say of each: a rejected, blocked or voicemail call still came in.
CALL_DIRECTION = {"1": "incoming", "2": "outgoing", "3": "incoming", "4": "incoming", "5": "incoming",
                  "6": "incoming", "7": "incoming"}
# What happened to the call (Entry.Outcome). Types 1 and 2 say only who called: a call with
# talk time was answered; without, an incoming one is "unknown" and an outgoing one went
# unanswered. Voicemail counts as not answered; blocked as rejected.
CALL_OUTCOME = {"3": "missed", "4": "missed", "5": "rejected", "6": "rejected", "7": "answered"}


def call_outcome(kind: str, duration: int | None) -> str:
    if kind in CALL_OUTCOME:
        return CALL_OUTCOME[kind]
    if duration:
        return "answered"
    return "missed" if kind == "2" else "unknown"
# SMS types (Telephony.TextBasedSmsColumns.TYPE): 1 inbox, 2 sent, 3 draft, 4 outbox, 5 failed, 6 queued.
SMS_DIRECTION = {"1": "incoming", "2": "outgoing", "4": "outgoing", "5": "outgoing", "6": "outgoing"}
SMS_DRAFT = "3"  # never sent: not a message between anyone
MMS_DIRECTION = {"1": "incoming", "2": "outgoing", "4": "outgoing"}
MMS_FROM = "137"  # PduHeaders.FROM in <addr type=…>

_SURROGATES = re.compile(rb"&#(\d{5});&#(\d{5});")
_LONE = re.compile(rb"&#(5[5-7]\d{3});")


def _pair(m):
    hi, lo = int(m.group(1)), int(m.group(2))
    if 0xD800 <= hi <= 0xDBFF and 0xDC00 <= lo <= 0xDFFF:
        return b"&#%d;" % (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    return m.group(0)


def _lone(m):
    return b"&#65533;" if 0xD800 <= int(m.group(1)) <= 0xDFFF else m.group(0)


class _EmojiFix:
    """Older versions of the app wrote an emoji as two character references to UTF-16
    surrogates (&#55357;&#56832;), which XML forbids: joined here into the one character
    they mean, as the stream passes (a lone half becomes U+FFFD)."""

    def __init__(self, raw):
        self.raw = raw
        self.carry = b""

    def read(self, n=65536):
        while True:
            chunk = self.raw.read(n)
            data = self.carry + chunk
            if not chunk:  # the end: whatever was held back goes out as it is
                self.carry = b""
                return self._fix(data)
            # A pair of references cut by the chunk's end waits for the rest (a pair is 16 bytes).
            cut = data.find(b"&", max(0, len(data) - 16))
            if cut == -1:
                data, self.carry = data, b""
            else:
                data, self.carry = data[:cut], data[cut:]
            if data:
                return self._fix(data)

    @staticmethod
    def _fix(data):
        return _LONE.sub(_lone, _SURROGATES.sub(_pair, data))


def _refused(exc) -> ImportFormatError:
    return ImportFormatError(_(
        "This file declares XML entities or a document type, or points outside itself (%(what)s). "
        "A backup made by SMS Backup & Restore never does: the file was refused, nothing was read from it."
    ) % {"what": type(exc).__name__})


def _mms_record(no, elem) -> Record:
    box = clean(elem.get("msg_box"))
    number = clean(elem.get("address"))
    sender = ""
    for addr in elem.iter("addr"):
        if addr.get("type") == MMS_FROM:
            sender = clean(addr.get("address"))
    if box == "1" and sender:
        number = sender  # a group MMS lists every address with "~"; the sender is the one that matters
    texts, parts = [], []
    for i, part in enumerate(elem.iter("part")):
        ctype = clean(part.get("ct")).lower()
        if ctype == "text/plain":
            texts.append(clean(part.get("text")))
        elif ctype.startswith("image/") and part.get("data"):
            try:
                data = base64.b64decode(part.get("data"), validate=False)
            except (binascii.Error, ValueError):
                continue
            name = clean(part.get("cl")) or clean(part.get("name")) or f"mms-{no}-{i}.{ctype[6:] or 'img'}"
            parts.append(Part(name=name, content_type=ctype, data=data))
    return Record(no=no, kind=MMS, number=number, at=from_java_ms(elem.get("date")),
                  direction=MMS_DIRECTION.get(box, ""), original_type=box, text="\n".join(t for t in texts if t),
                  contact=clean(elem.get("contact_name")), parts=parts)


def records(stream, *, with_parts=True):
    """Yield every record of the backup, in file order. `stream` is a readable binary
    stream of the plaintext. with_parts=False skips decoding MMS images (the preview)."""
    no = 0
    root = None
    kinds = {"sms", "mms", "call"}
    try:
        for event, elem in iterparse(_EmojiFix(stream), events=("start", "end"), forbid_dtd=True,
                                     forbid_entities=True, forbid_external=True):
            if event == "start":
                if root is None:
                    root = elem
                    if elem.tag not in ("smses", "calls"):
                        raise ImportFormatError(_(
                            "This is not a backup made by SMS Backup & Restore (it starts with <%(tag)s>, "
                            "not <smses> or <calls>).") % {"tag": elem.tag[:40]})
                continue
            if elem.tag not in kinds:
                continue
            no += 1
            if elem.tag == "sms":
                kind = clean(elem.get("type"))
                if kind == SMS_DRAFT:
                    record = None
                else:
                    record = Record(no=no, kind=SMS, number=clean(elem.get("address")),
                                    at=from_java_ms(elem.get("date")), direction=SMS_DIRECTION.get(kind, ""),
                                    original_type=kind, text=clean(elem.get("body")),
                                    contact=clean(elem.get("contact_name")))
            elif elem.tag == "call":
                kind = clean(elem.get("type"))
                try:
                    duration = max(0, int(clean(elem.get("duration")) or 0))
                except ValueError:
                    duration = None
                record = Record(no=no, kind=CALL, number=clean(elem.get("number")),
                                at=from_java_ms(elem.get("date")), direction=CALL_DIRECTION.get(kind, ""),
                                original_type=kind, duration=duration, outcome=call_outcome(kind, duration),
                                contact=clean(elem.get("contact_name")))
            else:
                record = _mms_record(no, elem)
                if not with_parts:
                    for part in record.parts:
                        part.data = b""
            root.clear()  # the record is read: drop it (and every one before it) from the tree
            if record is not None:
                yield record
    except DefusedXmlException as exc:
        raise _refused(exc) from exc
    except ParseError as exc:
        raise ImportFormatError(_("The file is not well-formed XML (%(error)s); nothing was imported.")
                                % {"error": str(exc)[:200]}) from exc
    if root is None:
        raise ImportFormatError(_("The file is empty."))
