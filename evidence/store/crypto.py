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
import struct
import threading
from collections import OrderedDict
from contextlib import closing, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import tink
from django.conf import settings
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from tink import aead, mac, secret_key_access, streaming_aead
from tink.proto import aes_gcm_hkdf_streaming_pb2, common_pb2, tink_pb2

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


class BlobMissing(DecryptionError):
    """A blob's ciphertext is not where its row says (deleted, never written, storage lost)."""


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


@dataclass(frozen=True)
class SegmentKey:
    """One AES-GCM-HKDF streaming key of a keyset, for reading a blob at any offset."""

    key_value: bytes
    segment_size: int
    derived_key_size: int
    hkdf_hash: int  # common_pb2.HashType


@dataclass
class UserKeys:
    user_id: int
    aead: aead.Aead
    stream: streaming_aead.StreamingAead
    mac: mac.Mac
    segment_keys: tuple = ()


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
        segment_keys_of(handles[1]),
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


_MOBILE = re.compile(r"1[3-9]\d{9}")


def normalise_number(number: str) -> str:
    """Digits only, without China's +86/0086 prefix, so 138-0013-8000 == +8613800138000.

    Also as phones' backups write them: a mobile number with a trunk 0 (013800138000) is the
    mobile number, and a landline after +86 gets its trunk 0 back (+86 10 8888 6666 ==
    010-8888-6666)."""
    raw = (number or "").strip()
    digits = _DIGITS.sub("", raw)
    international = raw.startswith("+86") or digits.startswith("0086")
    rest = digits[4:] if digits.startswith("0086") else digits[2:] if digits.startswith("86") else None
    if rest is not None:
        if international and 9 <= len(rest) <= 11 and rest[0] != "0" and not _MOBILE.fullmatch(rest):
            digits = "0" + rest  # +86 10 8888 6666: Beijing's landline, dialled 010 at home
        elif len(rest) >= 11:
            digits = rest
    if len(digits) == 12 and digits[0] == "0" and _MOBILE.fullmatch(digits[1:]):
        digits = digits[1:]
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


# --------------------------------------------------------------------------- random access
#
# Tink's Python binding decrypts a stream from its start only. To serve a Range request
# for the end of a long recording without decrypting everything before it, we read
# Tink's documented AES-GCM-HKDF streaming format ourselves (tests/store/test_segments.py
# proves the output byte-equal to Tink's, at every segment boundary):
#
#   header      = header_len (1 byte) || salt (derived_key_size bytes) || nonce_prefix (7 bytes)
#   key         = HKDF(hash, ikm=key_value, salt=salt, info=associated_data)
#   segment i   = AES-GCM(key, nonce_prefix || i (4 bytes, big-endian) || last (1 byte), no AAD)
#   segment 0 holds segment_size - header_len bytes of ciphertext, the others segment_size;
#   each carries a 16-byte tag; only the final segment is sealed with last = 1.
#
# Each segment is authenticated on its own and bound to its number and to being last,
# so a reader that starts in the middle still refuses a reordered, cut or swapped file.

_STREAM_KEY_URL = "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey"
_TAG = 16
_NONCE_PREFIX = 7
_HASHES = {common_pb2.SHA1: hashes.SHA1, common_pb2.SHA256: hashes.SHA256, common_pb2.SHA512: hashes.SHA512}


def segment_keys_of(handle) -> tuple:
    """The keyset's enabled streaming keys, primary first."""
    keyset = _keyset_proto(handle)
    found = []
    for key in keyset.key:
        if key.status != tink_pb2.ENABLED or key.key_data.type_url != _STREAM_KEY_URL:
            continue
        proto = aes_gcm_hkdf_streaming_pb2.AesGcmHkdfStreamingKey.FromString(key.key_data.value)
        entry = SegmentKey(proto.key_value, proto.params.ciphertext_segment_size,
                           proto.params.derived_key_size, proto.params.hkdf_hash_type)
        found.insert(0, entry) if key.key_id == keyset.primary_key_id else found.append(entry)
    return tuple(found)


class SegmentLayout:
    """Where each segment of one blob lies, from the key's parameters and the ciphertext size."""

    def __init__(self, key: SegmentKey, ciphertext_size: int):
        self.key = key
        self.segment = key.segment_size
        self.header_len = 1 + key.derived_key_size + _NONCE_PREFIX
        self.first_plain = self.segment - self.header_len - _TAG
        self.plain = self.segment - _TAG
        full, rest = divmod(ciphertext_size, self.segment)
        self.count = full + (1 if rest else 0)
        if ciphertext_size < self.header_len + _TAG or (rest and rest < _TAG) or self.first_plain <= 0:
            raise DecryptionError("ciphertext too short or cut")
        last_ct = (rest or self.segment) - (self.header_len if self.count == 1 else 0)
        self.plaintext_size = ciphertext_size - self.header_len - self.count * _TAG
        self.last_ct = last_ct

    def segment_of(self, plain_offset: int) -> int:
        if plain_offset < self.first_plain:
            return 0
        return 1 + (plain_offset - self.first_plain) // self.plain

    def plain_start(self, i: int) -> int:
        return 0 if i == 0 else self.first_plain + (i - 1) * self.plain

    def cipher_start(self, i: int) -> int:
        return self.header_len if i == 0 else i * self.segment

    def cipher_len(self, i: int) -> int:
        if i == self.count - 1:
            return self.last_ct
        return self.segment - (self.header_len if i == 0 else 0)


def _derive(key: SegmentKey, header: bytes, ad: bytes):
    header_len = 1 + key.derived_key_size + _NONCE_PREFIX
    if len(header) < header_len or header[0] != header_len:
        return None
    salt = header[1:1 + key.derived_key_size]
    hash_cls = _HASHES.get(key.hkdf_hash)
    if hash_cls is None:
        return None
    derived = HKDF(algorithm=hash_cls(), length=key.derived_key_size, salt=salt, info=ad).derive(key.key_value)
    return AESGCM(derived), header[1 + key.derived_key_size:header_len]


def _read_exact(stream, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def decrypt_range(owner_id: int, ad: bytes, open_at, start: int = 0, length: int | None = None):
    """Yield the plaintext of [start, start+length) of a Tink streaming ciphertext, reading and
    decrypting only the segments that hold it. `open_at(offset, end)` returns (stream, total size)
    of the ciphertext from byte `offset` up to `end` (exclusive; None for the end of the blob)."""
    keys = keys_for(owner_id).segment_keys
    if not keys:
        raise MissingKeyError(f"user {owner_id} has no streaming key")
    yield from decrypt_range_with(keys, ad, open_at, start, length)


def decrypt_range_with(keys: tuple, ad: bytes, open_at, start: int = 0, length: int | None = None):
    """decrypt_range with the given SegmentKeys (segment_keys_of a keyset handle)."""
    if len(keys) == 1 and start < keys[0].segment_size - (1 + keys[0].derived_key_size + _NONCE_PREFIX) - _TAG:
        # From the first segment on (whole files, thumbnails, Safari's bytes=0-1 probe) with the
        # usual single key: header and segments in one read, one GET on S3.
        yield from _from_the_start(keys[0], ad, open_at, start, length)
        return
    max_header = max(1 + k.derived_key_size + _NONCE_PREFIX for k in keys)
    head_stream, total = open_at(0, max_header)
    with closing(head_stream):
        header = _read_exact(head_stream, max_header)
    # Which key wrote it is known only once a segment authenticates: try each (primary first).
    last_error = None
    for key in keys:
        try:
            layout = SegmentLayout(key, total)
        except DecryptionError as exc:
            last_error = exc
            continue
        derived = _derive(key, header, ad)
        if derived is None:
            continue
        try:
            yield from _decrypt_segments(layout, derived, open_at, start, length, first_key=len(keys) > 1)
            return
        except _WrongKey:
            continue
    raise DecryptionError("no key authenticates this blob") from last_error


class _WrongKey(Exception):
    pass


def _from_the_start(key: SegmentKey, ad: bytes, open_at, start, length):
    header_len = 1 + key.derived_key_size + _NONCE_PREFIX
    end = None
    if length is not None:  # the ciphertext end of the last segment asked for, were it not the final one
        last_plain = start + max(length, 1) - 1
        first_plain, plain = key.segment_size - header_len - _TAG, key.segment_size - _TAG
        last = 0 if last_plain < first_plain else 1 + (last_plain - first_plain) // plain
        end = (last + 1) * key.segment_size
    stream, total = open_at(0, end)
    try:
        header = _read_exact(stream, header_len)
        layout = SegmentLayout(key, total)
        derived = _derive(key, header, ad)
        if derived is None:
            raise DecryptionError("not a blob of this key")
    except BaseException:
        stream.close()
        raise
    yield from _decrypt_segments(layout, derived, open_at, start, length, first_key=False, stream=stream)


def _decrypt_segments(layout: SegmentLayout, derived, open_at, start, length, first_key, stream=None):
    cipher, prefix = derived
    size = layout.plaintext_size
    end = size if length is None else min(size, start + length)
    if start >= end:
        # Nothing asked for (or past the end): still authenticate the last segment, so an
        # empty answer is never given for a file that is not ours or has been cut.
        first = last = layout.count - 1
    else:
        first, last = layout.segment_of(start), layout.segment_of(end - 1)
    c_end = layout.cipher_start(last) + layout.cipher_len(last)
    if stream is not None and first != 0:  # opened at the header, but the answer is further on
        stream.close()
        stream = None
    if stream is None:
        stream, _ = open_at(layout.cipher_start(first), c_end)
    with closing(stream):
        for i in range(first, last + 1):
            n = layout.cipher_len(i)
            data = _read_exact(stream, n)
            if len(data) != n:
                raise DecryptionError(f"segment {i} is cut")
            nonce = prefix + struct.pack(">I", i) + (b"\x01" if i == layout.count - 1 else b"\x00")
            try:
                plain = cipher.decrypt(nonce, data, None)
            except InvalidTag as exc:
                if i == first and first_key:
                    raise _WrongKey() from exc
                raise DecryptionError(f"segment {i} failed authentication") from exc
            first_key = False
            if start >= end:
                return
            p0 = layout.plain_start(i)
            lo, hi = max(start - p0, 0), min(end - p0, len(plain))
            if lo == 0 and hi == len(plain):
                yield plain
            else:
                yield plain[lo:hi]
