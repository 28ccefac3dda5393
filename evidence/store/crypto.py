"""Envelope encryption for everything a borrower stores.

Key hierarchy (docs/encryption.md):

    master keyset (Tink AES256_GCM keyset, a file outside the database)
      └─ wraps each user's data keys (UserKey row, Tink "encrypted keyset" format,
         associated data = user id + purpose), one per purpose:
           aead    AES256_GCM          text columns
           stream  AES256_GCM_HKDF_1MB files (originals and derived files)
           mac     HMAC_SHA256         blind index of collector phone numbers

Threat answered: a stolen disk, database file or backup copy reveals nothing
without the master key. Not answered: an attacker running code inside the live
server, which must hold keys in memory to serve the owner.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import tink
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from tink import aead, mac, secret_key_access, streaming_aead
from tink.proto import tink_pb2

from .models import UserKey

aead.register()
mac.register()
streaming_aead.register()

log = logging.getLogger("liuzheng.crypto")

TEXT_PREFIX = "lz1:"  # versioned so the text format can change later
_MASTER_AD = b"liuzheng:master-keyset"
_TOKEN = secret_key_access.TOKEN
_TEMPLATES = {
    "aead": aead.aead_key_templates.AES256_GCM,
    "stream": streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB,
    "mac": mac.mac_key_templates.HMAC_SHA256_256BITTAG,
}


class DecryptionError(Exception):
    """Ciphertext failed authentication: tampered, truncated, moved or wrong key.

    Never swallowed into ciphertext-as-text; callers show a friendly page and log.
    """


class MissingKeyError(DecryptionError):
    """The user's data key is gone (crypto-erased) or the master key cannot unwrap it."""


# --------------------------------------------------------------------------- master key


def _write_private(path: Path, text: str):
    """Atomic 0600 write: a crash leaves the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename durable too
    finally:
        os.close(dir_fd)


class MasterKeyring:
    """The master keyset; several keys coexist while a rotation is under way."""

    def __init__(self, keyset: tink_pb2.Keyset, path: Path | None):
        self.keyset = keyset
        self.path = path
        self._load_primitive()

    def _load_primitive(self):
        handle = tink.proto_keyset_format.parse(self.keyset.SerializeToString(), _TOKEN)
        self.aead = handle.primitive(aead.Aead)

    @property
    def primary_id(self) -> int:
        return self.keyset.primary_key_id

    @property
    def key_ids(self) -> list[int]:
        return [k.key_id for k in self.keyset.key]

    def save(self):
        if self.path is None:
            raise ImproperlyConfigured("The master key came from the environment; rotation needs a key file.")
        handle = tink.proto_keyset_format.parse(self.keyset.SerializeToString(), _TOKEN)
        _write_private(self.path, tink.json_proto_keyset_format.serialize(handle, _TOKEN))
        self._load_primitive()

    def add_primary(self) -> int:
        fresh = _keyset_proto(tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM))
        key = fresh.key[0]
        while key.key_id in self.key_ids:  # vanishingly rare id clash
            fresh = _keyset_proto(tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM))
            key = fresh.key[0]
        self.keyset.key.append(key)
        self.keyset.primary_key_id = key.key_id
        self.save()
        return key.key_id

    def retire_all_but_primary(self) -> list[int]:
        old = [k for k in self.keyset.key if k.key_id != self.primary_id]
        keep = [k for k in self.keyset.key if k.key_id == self.primary_id]
        del self.keyset.key[:]
        self.keyset.key.extend(keep)
        self.save()
        return [k.key_id for k in old]


def _keyset_proto(handle) -> tink_pb2.Keyset:
    return tink_pb2.Keyset.FromString(tink.proto_keyset_format.serialize(handle, _TOKEN))


_master_lock = threading.Lock()
_master_cache: dict = {}


def master_keyring(create: bool | None = None) -> MasterKeyring:
    """Load the master keyset, creating it on first run outside production."""
    if settings.LIUZHENG_MASTER_KEY:
        text, path, stamp = settings.LIUZHENG_MASTER_KEY, None, ("env", settings.LIUZHENG_MASTER_KEY)
    else:
        path = Path(settings.LIUZHENG_MASTER_KEY_FILE)
        with _master_lock:
            if not path.exists():
                if create is False or (create is None and settings.PRODUCTION):
                    raise ImproperlyConfigured(f"Master key file {path} does not exist.")
                handle = tink.new_keyset_handle(aead.aead_key_templates.AES256_GCM)
                _write_private(path, tink.json_proto_keyset_format.serialize(handle, _TOKEN))
                log.warning("Created a new master key at %s: back it up apart from the data.", path)
        st = path.stat()
        stamp = (str(path), st.st_mtime_ns, st.st_size)
        text = None
    cached = _master_cache.get("ring")
    if cached and cached[0] == stamp:
        return cached[1]
    if text is None:
        text = path.read_text()
    handle = tink.json_proto_keyset_format.parse(text, _TOKEN)
    ring = MasterKeyring(_keyset_proto(handle), path)
    _master_cache["ring"] = (stamp, ring)
    return ring


# --------------------------------------------------------------------------- user data keys


@dataclass
class UserKeys:
    user_id: int
    aead: aead.Aead
    stream: streaming_aead.StreamingAead
    mac: mac.Mac


def _wrap_ad(user_id: int, purpose: str) -> bytes:
    # Binds a wrapped key to its user: a key row copied onto another user fails.
    return f"liuzheng:userkey:v1:{user_id}:{purpose}".encode()


def user_key_create(user):
    ring = master_keyring()
    wrapped = {
        purpose: tink.proto_keyset_format.serialize_encrypted(
            tink.new_keyset_handle(template), ring.aead, _wrap_ad(user.pk, purpose)
        )
        for purpose, template in _TEMPLATES.items()
    }
    return UserKey.objects.create(
        user=user,
        master_key_id=ring.primary_id,
        wrapped_aead=wrapped["aead"],
        wrapped_stream=wrapped["stream"],
        wrapped_mac=wrapped["mac"],
    )


def user_key_rewrap(user_key, ring: MasterKeyring):
    """Re-encrypt one user's data keys under the ring's primary master key."""
    for purpose in _TEMPLATES:
        field = f"wrapped_{purpose}"
        handle = tink.proto_keyset_format.parse_encrypted(
            bytes(getattr(user_key, field)), ring.aead, _wrap_ad(user_key.user_id, purpose)
        )
        setattr(
            user_key,
            field,
            tink.proto_keyset_format.serialize_encrypted(handle, ring.aead, _wrap_ad(user_key.user_id, purpose)),
        )
    user_key.master_key_id = ring.primary_id
    user_key.save(update_fields=["wrapped_aead", "wrapped_stream", "wrapped_mac", "master_key_id"])


_keys_lock = threading.Lock()
_keys_cache: OrderedDict = OrderedDict()
_KEYS_CACHE_SIZE = 512


# Within one request or one export, a user's keys are looked up once: without this,
# every encrypted field read costs a query for its UserKey row (2,000 entries → 4,000+).
_scope: ContextVar[dict | None] = ContextVar("liuzheng_keys_scope", default=None)


@contextmanager
def keys_scope(memo: dict | None = None):
    """Remember each user's keys until the block ends (a request, an export).
    Pass the same `memo` to several blocks to share the look-ups between them."""
    if _scope.get() is not None:  # already inside one: the outer scope decides
        yield
        return
    token = _scope.set({} if memo is None else memo)
    try:
        yield
    finally:
        _scope.reset(token)


def keys_for(user_id: int) -> UserKeys:
    scoped = _scope.get()
    if scoped is not None and user_id in scoped:
        return scoped[user_id]
    keys = _keys_for(user_id)
    if scoped is not None:
        scoped[user_id] = keys
    return keys


def _keys_for(user_id: int) -> UserKeys:
    row = UserKey.objects.filter(user_id=user_id).first()
    if row is None:
        raise MissingKeyError(f"user {user_id} has no data key (erased?)")
    wrapped = (bytes(row.wrapped_aead), bytes(row.wrapped_stream), bytes(row.wrapped_mac))
    # Cache by the wrapped bytes: a rewrap or erase changes them, so no stale key.
    cache_key = (user_id, hashlib.sha256(b"".join(wrapped)).digest())
    with _keys_lock:
        hit = _keys_cache.get(cache_key)
        if hit:
            _keys_cache.move_to_end(cache_key)
            return hit
    ring = master_keyring()
    try:
        handles = [
            tink.proto_keyset_format.parse_encrypted(w, ring.aead, _wrap_ad(user_id, p))
            for w, p in zip(wrapped, _TEMPLATES)
        ]
    except tink.TinkError as exc:
        log.error("Cannot unwrap data key of user %s (master key id %s): %s", user_id, row.master_key_id, exc)
        raise MissingKeyError(f"cannot unwrap data key of user {user_id}") from exc
    keys = UserKeys(
        user_id,
        handles[0].primitive(aead.Aead),
        handles[1].primitive(streaming_aead.StreamingAead),
        handles[2].primitive(mac.Mac),
    )
    with _keys_lock:
        _keys_cache[cache_key] = keys
        while len(_keys_cache) > _KEYS_CACHE_SIZE:
            _keys_cache.popitem(last=False)
    return keys


def forget_cached_keys():
    with _keys_lock:
        _keys_cache.clear()
    _master_cache.clear()


# --------------------------------------------------------------------------- text


def _text_ad(table: str, column: str, row_id) -> bytes:
    # Naming table, column and row means a ciphertext pasted into another cell fails.
    return f"{TEXT_PREFIX}{table}:{column}:{row_id}".encode()


def encrypt_text(*, owner_id: int, table: str, column: str, row_id, plaintext: str) -> str:
    ct = keys_for(owner_id).aead.encrypt(plaintext.encode("utf-8"), _text_ad(table, column, row_id))
    return TEXT_PREFIX + base64.b64encode(ct).decode("ascii")


def decrypt_text(*, owner_id: int, table: str, column: str, row_id, token: str) -> str:
    if not token.startswith(TEXT_PREFIX):
        raise DecryptionError(f"{table}.{column} row {row_id}: unknown text format")
    try:
        ct = base64.b64decode(token[len(TEXT_PREFIX):], validate=True)
        return keys_for(owner_id).aead.decrypt(ct, _text_ad(table, column, row_id)).decode("utf-8")
    except MissingKeyError:
        raise
    except (tink.TinkError, ValueError) as exc:
        log.error("Text decryption failed for %s.%s row %s: %s", table, column, row_id, exc)
        raise DecryptionError(f"{table}.{column} row {row_id} failed to decrypt") from exc


def decrypt_many(*, owner_id: int, table: str, column: str, items) -> dict:
    """{row_id: plaintext} for many (row_id, token) of one owner's column, looking the
    owner's key up once (a page listing thousands of rows would otherwise query it per row)."""
    with keys_scope():
        keys_for(owner_id)  # an erased owner fails here, even when every token is empty
        out = {}
        for row_id, token in items:
            token = getattr(token, "token", token)  # a Sealed from values_list(), or the raw text
            out[row_id] = decrypt_text(owner_id=owner_id, table=table, column=column, row_id=row_id,
                                       token=token) if token else ""
        return out


# --------------------------------------------------------------------------- blind index

_DIGITS = re.compile(r"\D+")


def normalise_number(number: str) -> str:
    """Digits only, without China's +86/0086 prefix, so 138-0013-8000 == +8613800138000."""
    digits = _DIGITS.sub("", number or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            digits = digits[len(prefix):]
            break
    return digits


def blind_index(owner_id: int, number: str) -> str:
    """Keyed HMAC of the normalised number: groups calls without storing the number."""
    norm = normalise_number(number)
    if not norm:
        return ""
    return keys_for(owner_id).mac.compute_mac(b"liuzheng:number:" + norm.encode()).hex()


# --------------------------------------------------------------------------- files


def blob_ad(owner_id: int, object_id, role: str) -> bytes:
    # Binds the blob to its owner and row: a file moved to another row or user fails.
    return f"liuzheng:blob:v1:{owner_id}:{object_id}:{role}".encode()


def encrypting_stream(owner_id: int, destination, ad: bytes):
    """A writable stream; closing it finalises the ciphertext and closes destination."""
    return keys_for(owner_id).stream.new_encrypting_stream(destination, ad)


def decrypting_stream(owner_id: int, source, ad: bytes):
    return keys_for(owner_id).stream.new_decrypting_stream(source, ad)
