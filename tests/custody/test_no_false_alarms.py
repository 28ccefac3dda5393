"""verify_custody after every service of the app: no false alarm, and a real tamper still caught.

The audit found verify_custody crying tampering after ordinary use (a transcript saved, a
lawyer opening a case). Each service below is the table of test_door.py, so a service added
there is checked here too.
"""
from datetime import datetime, timezone as dt_timezone

import pytest

from evidence.store import blobstore
from tests.custody.test_custody import attacker_sql, verify
from tests.custody.test_door import SERVICES, _call, world  # noqa: F401  (world is a fixture)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_false_alarm_after_the_service_and_tampering_still_caught(world, name):
    _call(world, name)()
    code, out = verify()
    assert code == 0, f"after {name}: {out}"
    # The same database, now changed behind the app's back: an entry's time …
    entry = world["entry"]
    attacker_sql("UPDATE evidence_entry SET occurred_at = %s WHERE id = %s",
                 [datetime(2020, 1, 1, tzinfo=dt_timezone.utc), entry.pk.hex])
    code, out = verify()
    assert code == 1 and f"entry {entry.pk} differs" in out


@pytest.mark.parametrize("tamper", ["event field", "deleted event", "file hash", "blob byte", "missing blob",
                                    "case field"])
def test_after_ordinary_use_every_tamper_is_caught(world, tamper):
    for name in ("evidence.cases.services.transcript_save", "evidence.custody.services.case_view_record",
                 "evidence.custody.services.attachment_view_record", "evidence.bundle.services.bundle_finish",
                 "evidence.witness.services.witness_submission_accept", "evidence.cases.services.entry_update"):
        if name in SERVICES:
            _call(world, name)()
    assert verify()[0] == 0
    image, case = world["image"], world["case"]
    if tamper == "event field":
        attacker_sql("UPDATE evidence_custodyevent SET actor_label = 'someone else' WHERE seq = 2 AND case_id = %s",
                     [case.pk.hex])
        needle = "event #2"
    elif tamper == "deleted event":
        attacker_sql("DELETE FROM evidence_custodyevent WHERE seq = 3 AND case_id = %s", [case.pk.hex])
        needle = "event #3 is missing"
    elif tamper == "file hash":
        attacker_sql("UPDATE evidence_attachment SET sha256 = %s WHERE id = %s", ["0" * 64, image.pk.hex])
        needle = f"file {image.pk}"
    elif tamper == "blob byte":
        path = blobstore.blob_path(image.blob_key)
        raw = bytearray(path.read_bytes())
        raw[60] ^= 0x01
        path.write_bytes(bytes(raw))
        needle = f"file {image.pk} is damaged"
    elif tamper == "missing blob":
        blobstore.blob_path(image.blob_key).unlink()
        needle = f"file {image.pk} is damaged or missing"
    else:
        attacker_sql("UPDATE evidence_case SET overdue_since = %s WHERE id = %s", ["2001-01-01", case.pk.hex])
        needle = f"case {case.pk}"
    code, out = verify()
    assert code == 1 and needle in out, out
