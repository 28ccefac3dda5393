"""Generated phone backups: SMS Backup & Restore XML, a call-log CSV, an iPhone sms.db."""
import base64
import io
import sqlite3
from datetime import datetime, timezone
from xml.sax.saxutils import quoteattr

from tests.media_samples import png_bytes

T0 = int(datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc).timestamp() * 1000)  # 09:30 in Shanghai
COLLECTOR = "+86 138 0013 8000"
FRIEND = "13912345678"


def sms(address, date, body, kind=1, contact="催收"):
    return (f'  <sms protocol="0" address={quoteattr(address)} date="{date}" type="{kind}" subject="null" '
            f'body={quoteattr(body)} toa="null" sc_toa="null" service_center="null" read="1" status="-1" '
            f'locked="0" date_sent="{date}" readable_date="x" contact_name={quoteattr(contact)} />\n')


def call(number, date, kind, duration=0, contact="(Unknown)"):
    return (f'  <call number={quoteattr(number)} duration="{duration}" date="{date}" type="{kind}" '
            f'presentation="1" readable_date="x" contact_name={quoteattr(contact)} />\n')


def mms(address, date, text, image: bytes, box=1):
    data = base64.b64encode(image).decode()
    return (f'  <mms date="{date}" msg_box="{box}" address={quoteattr(address)} m_type="132" read="1" '
            f'contact_name="null" text_only="0">\n    <parts>\n'
            f'      <part seq="-1" ct="application/smil" name="null" text="&lt;smil&gt;&lt;/smil&gt;" />\n'
            f'      <part seq="0" ct="text/plain" name="null" cl="text000.txt" text={quoteattr(text)} />\n'
            f'      <part seq="1" ct="image/png" name="photo.png" cl="photo.png" data="{data}" />\n'
            f'    </parts>\n    <addrs>\n      <addr address={quoteattr(address)} type="137" charset="106" />\n'
            f'      <addr address="insert-address-token" type="151" charset="106" />\n    </addrs>\n  </mms>\n')


def sms_backup(records: list[str], root="smses") -> bytes:
    body = "".join(records)
    return (f"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"
            f"<!--File Created By SMS Backup & Restore v10.20.002 on 02/03/2026 10:00:00-->\n"
            f'<?xml-stylesheet type="text/xsl" href="sms.xsl"?>\n'
            f'<{root} count="{len(records)}" backup_set="x" backup_date="{T0}" type="full">\n{body}</{root}>\n'
            ).encode("utf-8")


def messages_backup() -> bytes:
    """Two SMS from the collector (one with an emoji written as two surrogate references, as
    old versions did), one from a friend, one draft (never imported), an MMS with an image."""
    return sms_backup([
        sms(COLLECTOR, T0, "今天不还钱就去你单位找你领导"),
        sms("+8613800138000", T0 + 60_000, "最后通知 &#55357;&#56832;".replace("&", "\x00"), contact="催收"),
        sms(FRIEND, T0 + 120_000, "晚上吃饭吗", contact="老王"),
        sms(COLLECTOR, T0 + 180_000, "草稿", kind=3),
        mms("013800138000", T0 + 240_000, "看看你家的照片", png_bytes(60, 40, "red")),
    ]).replace(b"\x00", b"&")


def calls_backup() -> bytes:
    """One call of every type 1-7 from the collector (two answered ones last 35 s and 10 s)."""
    durations = {1: 35, 2: 10}
    return sms_backup([call(COLLECTOR, T0 + i * 3_600_000, i, durations.get(i, 0)) for i in range(1, 8)]
                      + [call(FRIEND, T0 + 8 * 3_600_000, 1, 100)], root="calls")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<smses count="1"><sms address="1" date="1" type="1" body="&lol3;" /></smses>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE smses [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<smses count="1"><sms address="1" date="1" type="1" body="&secret;" /></smses>
"""


def calls_csv(encoding="utf-8") -> bytes:
    rows = ["起始时间,通话时长,呼叫类型,对方号码,通话地",
            "2026-03-02 09:30:00,00:01:05,被叫,138 0013 8000,上海",
            "2026-03-02 23:10:00,0,未接,13800138000,上海",
            "2026/03/03 08:00:00,2分3秒,主叫,95188,上海",
            "合计,,,,"]
    return ("\r\n".join(rows) + "\r\n").encode(encoding)


def sms_db() -> bytes:
    """A small iPhone sms.db: two handles, one chat, three messages (iOS 11+ nanosecond dates)."""
    db = sqlite3.connect(":memory:")
    db.executescript("""
        CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT, service TEXT);
        CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, guid TEXT, chat_identifier TEXT);
        CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, attributedBody BLOB,
                              handle_id INTEGER, date INTEGER, is_from_me INTEGER, service TEXT);
        CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER);
    """)
    apple = (T0 / 1000 - 978307200) * 1_000_000_000
    db.execute("INSERT INTO handle VALUES (1, '+8613800138000', 'SMS'), (2, 'friend@icloud.com', 'iMessage')")
    db.execute("INSERT INTO chat VALUES (1, 'SMS;-;+8613800138000', '+8613800138000')")
    db.executemany("INSERT INTO message VALUES (?,?,?,?,?,?,?,?)", [
        (1, "G1", "再不还款就起诉你", None, 1, int(apple), 0, "SMS"),
        (2, "G2", "我会还的", None, 0, int(apple + 60e9), 1, "SMS"),
        (3, "G3", "周末见", None, 2, int(apple + 120e9), 0, "iMessage"),
    ])
    db.executemany("INSERT INTO chat_message_join VALUES (?,?,?)", [(1, 1, 0), (1, 2, 0)])
    db.commit()
    return db.serialize()


def big_backup(n: int, numbers: int = 50) -> io.BytesIO:
    """n SMS from `numbers` numbers, for the benchmark."""
    out = io.BytesIO()
    out.write(b"<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"%d\">\n" % n)
    for i in range(n):
        out.write(sms(f"+86 138 0000 {i % numbers:04d}", T0 + i * 1000,
                      f"第{i}条：今天必须还款，否则联系你的家人和单位").encode())
    out.write(b"</smses>\n")
    out.seek(0)
    return out
