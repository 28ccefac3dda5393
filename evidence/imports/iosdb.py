"""iPhone messages: `sms.db` from an unencrypted iTunes / Finder backup (its file is
3d0d7e5fb2ce288813306e4d4636395e047a3d28 in the backup folder). Read in memory
(sqlite3 deserialize): the plaintext database never touches the disk."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from django.utils.translation import gettext as _

from .records import SMS, ImportFormatError, Record

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=timezone.utc)
QUERY = """
SELECT m.ROWID, m.guid, m.text, m.attributedBody, m.date, m.is_from_me, m.service,
       COALESCE(h.id, (SELECT c.chat_identifier FROM chat_message_join j JOIN chat c ON c.ROWID = j.chat_id
                       WHERE j.message_id = m.ROWID LIMIT 1), '')
FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id
ORDER BY m.ROWID
"""


def apple_time(value) -> datetime:
    """Seconds since 2001 before iOS 11, nanoseconds since."""
    value = int(value or 0)
    seconds = value / 1e9 if abs(value) > 1e11 else value
    return APPLE_EPOCH + timedelta(seconds=seconds)


def text_of_attributed_body(blob) -> str:
    """Newer iOS keeps some texts only in attributedBody (an NSArchiver stream): the
    first NSString's bytes are the text."""
    if not blob:
        return ""
    blob = bytes(blob)
    at = blob.find(b"NSString")
    if at == -1:
        return ""
    pos = at + len(b"NSString") + 5
    if pos >= len(blob):
        return ""
    length = blob[pos]
    pos += 1
    if length == 0x81:
        length, pos = int.from_bytes(blob[pos:pos + 2], "little"), pos + 2
    elif length == 0x82:
        length, pos = int.from_bytes(blob[pos:pos + 4], "little"), pos + 4
    return blob[pos:pos + length].decode("utf-8", errors="replace")


def records(stream):
    data = stream.read()
    if not data.startswith(b"SQLite format 3\x00"):
        raise ImportFormatError(_("This is not an SQLite database (an iPhone's sms.db)."))
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(data)
        del data
        try:
            rows = db.execute(QUERY)
        except sqlite3.DatabaseError as exc:
            raise ImportFormatError(_("This database is not an iPhone's sms.db (%(error)s).")
                                    % {"error": str(exc)[:120]}) from exc
        for no, (rowid, guid, text, body, date, from_me, service, number) in enumerate(rows, start=1):
            yield Record(no=no, kind=SMS, number=number or "", at=apple_time(date),
                         direction="outgoing" if from_me else "incoming", original_type=(service or "")[:16],
                         text=text if text is not None else text_of_attributed_body(body), identity=guid or str(rowid))
    finally:
        db.close()
