"""Envelope encryption: text, blobs, blind index, rotation and crypto-erase."""
import json
import os

import pytest
from django.core.management import call_command
from django.db import connection

from evidence.store import blobstore
from evidence.store.crypto import (
    DecryptionError,
    MissingKeyError,
    blind_index,
    decrypt_text,
    encrypt_text,
    forget_cached_keys,
    keys_scope,
    master_keyring,
    normalise_number,
)
from evidence.models import Attachment, Case, Entry, UserKey
from evidence.cases.services import attachment_add, entry_create

from tests.conftest import make_upload
from tests.media_samples import png_bytes


def raw_column(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex])
        return cur.fetchone()[0]


def test_it_creates_the_master_key_with_0600(borrower, data_dir):
    path = data_dir / "keys" / "master-keyset.json"
    assert path.exists()
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_it_stores_text_as_ciphertext(case):
    stored = raw_column("evidence_case", "notes", case.pk)
    assert stored.startswith("lz1:")
    assert "案件备注" not in stored
    assert Case.objects.get(pk=case.pk).notes == "案件备注"


def test_it_binds_text_to_its_row(case, borrower):
    from evidence.cases.services import case_create

    other = case_create(owner=borrower, lender="花呗")
    stolen = raw_column("evidence_case", "notes", case.pk)
    with connection.cursor() as cur:
        cur.execute("UPDATE evidence_case SET notes = %s WHERE id = %s", [stolen, other.pk.hex])
    with pytest.raises(DecryptionError):
        Case.objects.get(pk=other.pk).notes


def test_it_binds_text_to_its_column(case):
    token = encrypt_text(owner_id=case.owner_id, table="evidence_case", column="notes", row_id=case.pk, plaintext="x")
    with pytest.raises(DecryptionError):
        decrypt_text(owner_id=case.owner_id, table="evidence_case", column="lender", row_id=case.pk, token=token)


def test_it_fails_closed_on_a_flipped_byte(case):
    token = raw_column("evidence_case", "notes", case.pk)
    import base64

    raw = bytearray(base64.b64decode(token[4:]))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_text(owner_id=case.owner_id, table="evidence_case", column="notes", row_id=case.pk,
                     token="lz1:" + base64.b64encode(bytes(raw)).decode())


def test_it_refuses_unprefixed_text(case):
    with pytest.raises(DecryptionError):
        decrypt_text(owner_id=case.owner_id, table="evidence_case", column="notes", row_id=case.pk, token="plain")


def test_it_fails_with_another_users_key(case, other_borrower):
    token = raw_column("evidence_case", "notes", case.pk)
    with pytest.raises(DecryptionError):
        decrypt_text(owner_id=other_borrower.pk, table="evidence_case", column="notes", row_id=case.pk, token=token)


def test_it_fails_with_a_wrong_master_key(case, settings, data_dir):
    # A different installation's master key cannot unwrap this user's data key.
    settings.LIUZHENG_MASTER_KEY_FILE = data_dir / "keys" / "other-master.json"
    forget_cached_keys()
    with pytest.raises(MissingKeyError):
        Case.objects.get(pk=case.pk).notes


def test_it_looks_up_a_users_key_once_per_scope(entry, django_assert_num_queries):
    """A page or an export decrypts thousands of fields: one key query, not one per field."""
    rows = [Entry.objects.select_related("case").get(pk=entry.pk) for _ in range(3)]  # nothing decrypted yet
    with django_assert_num_queries(2):  # without a scope, every field read checks the key row
        assert rows[0].content == "不还钱就找你家人" and rows[0].number
    with keys_scope(), django_assert_num_queries(1):
        for row in rows[1:]:
            assert row.content == "不还钱就找你家人" and row.number


def test_it_checks_the_key_row_on_every_read_outside_a_scope(entry, borrower):
    """An erased user's text must stop decrypting at once, scope or not after it ends."""
    with keys_scope():
        assert Entry.objects.get(pk=entry.pk).content
    UserKey.objects.filter(user=borrower).delete()
    with pytest.raises(MissingKeyError):
        Entry.objects.get(pk=entry.pk).content  # noqa: B018


def test_it_normalises_numbers_for_the_blind_index(borrower):
    assert normalise_number("+86 138-0013-8000") == "13800138000"
    assert normalise_number("0086 13800138000") == "13800138000"
    assert normalise_number("95188") == "95188"
    # as phones' backups write them: a trunk 0 before a mobile, a landline after +86
    assert normalise_number("013800138000") == "13800138000"
    assert normalise_number("+86 10 8888 6666") == normalise_number("010-8888-6666") == "01088886666"
    assert normalise_number("0086 755 1234 5678") == normalise_number("0755-12345678") == "075512345678"
    assert normalise_number("8613800138000") == "13800138000"
    assert normalise_number("+1 415 555 0100") == "14155550100"
    assert blind_index(borrower.pk, "+86 138 0013 8000") == blind_index(borrower.pk, "13800138000")


def test_it_keeps_the_blind_index_per_user(borrower, other_borrower):
    assert blind_index(borrower.pk, "13800138000") != blind_index(other_borrower.pk, "13800138000")


def test_it_never_stores_the_number_in_clear(entry):
    assert "13800138000" not in raw_column("evidence_entry", "number", entry.pk)
    assert entry.number_index == blind_index(entry.case.owner_id, "138 0013 8000")
    assert "13800138000" not in entry.number_index


# --------------------------------------------------------------------------- blobs


@pytest.fixture
def attachment(entry, borrower):
    return attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "shot.png", png_bytes()))


def _move(src, dest):
    """An attacker with the storage moves one blob's ciphertext onto another's key."""
    blobstore.raw_write(dest, blobstore.raw_read(src))
    blobstore.delete(src)


def test_it_keeps_the_original_bytes(attachment, borrower):
    data = png_bytes()
    assert blobstore.read_bytes(borrower.pk, attachment.pk, "original", attachment.blob_key) == data
    on_disk = blobstore.raw_read(attachment.blob_key)
    assert data[:64] not in on_disk


def test_it_fails_closed_on_a_flipped_blob_byte(attachment, borrower):
    raw = bytearray(blobstore.raw_read(attachment.blob_key))
    raw[len(raw) // 2] ^= 0x01
    blobstore.raw_write(attachment.blob_key, bytes(raw))
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(borrower.pk, attachment.pk, "original", attachment.blob_key)


def test_it_fails_closed_on_a_truncated_blob(attachment, borrower):
    blobstore.raw_write(attachment.blob_key, blobstore.raw_read(attachment.blob_key)[:-20])
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(borrower.pk, attachment.pk, "original", attachment.blob_key)


def test_it_fails_when_a_blob_moves_to_another_row(attachment, entry, borrower):
    second = attachment_add(entry=entry, actor=borrower, upload=make_upload(borrower, "b.png", png_bytes(color="red")))
    _move(attachment.blob_key, second.blob_key)
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(borrower.pk, second.pk, "original", second.blob_key)


def test_it_fails_when_a_blob_is_swapped_between_users(attachment, other_borrower):
    from evidence.cases.services import case_create

    other_case = case_create(owner=other_borrower, lender="花呗")
    other_entry, _ = entry_create(case=other_case, actor=other_borrower, kind="sms",
                                  occurred_at=attachment.entry.occurred_at)
    theirs = attachment_add(entry=other_entry, actor=other_borrower,
                            upload=make_upload(other_borrower, "x.png", png_bytes(color="blue")))
    _move(attachment.blob_key, theirs.blob_key)
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(other_borrower.pk, theirs.pk, "original", theirs.blob_key)


def test_it_shows_a_friendly_page_for_a_damaged_file_and_the_case_still_works(attachment, borrower_client):
    raw = bytearray(blobstore.raw_read(attachment.blob_key))
    raw[40] ^= 0xFF
    blobstore.raw_write(attachment.blob_key, bytes(raw))
    response = borrower_client.get(f"/files/{attachment.pk}/")
    assert response.status_code == 500
    assert "evidence/damaged.html" in [t.name for t in response.templates]
    assert borrower_client.get(f"/cases/{attachment.case_id}/").status_code == 200


def test_it_shows_the_rest_of_the_case_when_one_entry_is_damaged(entry, case, borrower, borrower_client):
    from django.utils import timezone

    good, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=timezone.now(), content="完好的短信")
    with connection.cursor() as cur:
        cur.execute("UPDATE evidence_entry SET content = %s WHERE id = %s",
                    [raw_column("evidence_entry", "content", good.pk), entry.pk.hex])
    html = borrower_client.get(f"/cases/{case.pk}/").content.decode()
    assert "完好的短信" in html
    assert "could not be decrypted" in html or "无法解密" in html


# --------------------------------------------------------------------------- rotation and erasure


def _readable(user_ids_and_cases):
    forget_cached_keys()
    for case_id, notes in user_ids_and_cases:
        assert Case.objects.get(pk=case_id).notes == notes


def test_it_rotates_the_master_key(db, data_dir):
    from accounts.services import user_create
    from evidence.cases.services import case_create

    users = [user_create(username=f"u{i}", password="Correct-horse-42") for i in range(4)]
    cases = [(case_create(owner=u, lender="x", notes=f"note {u.pk}").pk, f"note {u.pk}") for u in users]
    old_id = master_keyring().primary_id
    call_command("rotate_master_key", stdout=open(os.devnull, "w"))
    ring = master_keyring()
    assert ring.primary_id != old_id
    assert ring.key_ids == [ring.primary_id]
    assert set(UserKey.objects.values_list("master_key_id", flat=True)) == {ring.primary_id}
    _readable(cases)


def test_it_resumes_a_rotation_that_crashed_half_way(db, data_dir):
    from accounts.services import user_create
    from evidence.store.crypto import user_key_rewrap
    from evidence.cases.services import case_create

    users = [user_create(username=f"u{i}", password="Correct-horse-42") for i in range(4)]
    cases = [(case_create(owner=u, lender="x", notes=f"note {u.pk}").pk, f"note {u.pk}") for u in users]
    ring = master_keyring()
    ring.add_primary()  # what the command does first...
    for key in UserKey.objects.order_by("pk")[:2]:  # ...then it dies after half the users
        user_key_rewrap(key, master_keyring())
    during = set(UserKey.objects.values_list("master_key_id", flat=True))
    assert len(during) == 2
    _readable(cases)  # readable during the rotation
    call_command("rotate_master_key", stdout=open(os.devnull, "w"))
    assert len(master_keyring().key_ids) == 1
    _readable(cases)  # and after


def test_it_crypto_erases_a_user(attachment, borrower, other_borrower, data_dir, django_capture_on_commit_callbacks):
    from evidence.cases.services import case_create

    kept = case_create(owner=other_borrower, lender="花呗", notes="留下")
    wrapped = UserKey.objects.get(user=borrower)
    saved_key = (bytes(wrapped.wrapped_aead), bytes(wrapped.wrapped_stream), bytes(wrapped.wrapped_mac))
    blob = blobstore.raw_read(attachment.blob_key)
    with django_capture_on_commit_callbacks(execute=True):  # blobs go once the erasure commits
        call_command("erase_user", "borrower", "--yes", stdout=open(os.devnull, "w"))
    assert not Attachment.objects.exists() and not Entry.objects.exists()
    assert not blobstore.exists(attachment.blob_key)
    # Someone kept a backup of the blob and the wrapped key row; after the
    # master key is rotated (old one retired), nothing left can open them.
    call_command("rotate_master_key", stdout=open(os.devnull, "w"))
    forget_cached_keys()
    import tink

    from evidence.store.crypto import _wrap_ad

    with pytest.raises(tink.TinkError):
        tink.proto_keyset_format.parse_encrypted(saved_key[1], master_keyring().aead, _wrap_ad(borrower.pk, "stream"))
    assert blob and Case.objects.get(pk=kept.pk).notes == "留下"


def test_it_keeps_the_master_key_out_of_the_database(borrower, data_dir):
    keyset = json.loads((data_dir / "keys" / "master-keyset.json").read_text())
    secret = keyset["key"][0]["keyData"]["value"]
    db_path = connection.settings_dict["NAME"]
    if os.path.exists(str(db_path)):
        assert secret.encode() not in open(db_path, "rb").read()
    assert UserKey.objects.filter(user=borrower).exists()


def test_production_refuses_to_start_without_a_master_key(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "LIUZHENG_PRODUCTION": "1", "LIUZHENG_DATA_DIR": str(tmp_path),
           "LIUZHENG_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_TSA_DEFAULTS": "0"}
    env.pop("LIUZHENG_MASTER_KEY_FILE", None)
    env.pop("LIUZHENG_MASTER_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "master key" in result.stderr
    assert not (tmp_path / "keys").exists()
