"""The encrypted blob store: one interface, two places to keep ciphertext.

Only ciphertext ever leaves this module. Where it goes is a setting
(LIUZHENG_BLOB_BACKEND): `disk` (the default, LIUZHENG_BLOB_DIR) or `s3`, any
S3-compatible object store (objectstore.py). Keys are the random ids of the rows
(`<uuid>.orig`, `<uuid>.thumb`, `<uuid>.bundle`): a bucket listing says nothing of
whose case a file belongs to.

Writing: `PendingBlob` encrypts as it is written. On disk the ciphertext goes to
tmp/<id>.part and is renamed into place once complete and fsynced, so a process
killed mid-upload leaves at most an unreferenced .part file (swept by `gc_blobs`),
never a half blob that a database row points to. On S3 it streams out as a
multipart upload in parts of LIUZHENG_S3_PART_MB (memory stays at about one part),
which becomes an object only when the upload completes.

Reading: `iter_plain` decrypts only the segments that hold the bytes asked for
(crypto.decrypt_range), so a Range request for the end of a long video reads the
end of its ciphertext only.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import time
import uuid
from functools import partial
from pathlib import Path

from django.conf import settings

from evidence.store import objectstore
from evidence.store.crypto import (BlobMissing, DecryptionError, MissingKeyError, blob_ad, decrypt_range,
                                   encrypting_stream)

log = logging.getLogger("liuzheng.blobs")
CHUNK = 1024 * 1024


# The key of a blob is its row's id and role (the models' blob_key/thumb_key properties say
# the same; tests/store/test_blobstore.py checks they agree): knowing it when the upload
# starts lets the object store write straight to it.
_SUFFIX = {"original": "orig", "thumbnail": "thumb", "bundle": "bundle", "derivative": "deriv"}


def key_for(object_id, role: str) -> str | None:
    suffix = _SUFFIX.get(role)
    if suffix is None:
        return None
    return f"{uuid.UUID(str(object_id)).hex}.{suffix}"


def check_key(key: str) -> str:
    if not key or "/" in key or key.startswith(".") or "\\" in key:
        raise ValueError(f"bad blob key {key!r}")
    return key


# --------------------------------------------------------------------------- local disk


def root() -> Path:
    return Path(settings.LIUZHENG_BLOB_DIR)


def blob_path(key: str) -> Path:
    check_key(key)
    return root() / key[:2] / key


def fsync_dir(path: Path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tmp_dir() -> Path:
    path = root() / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


# A helper thread pushes the ciphertext to the disk every SYNC_BEHIND bytes, so the
# disk writes while we encrypt and commit()'s fsync has only the tail left to do.
SYNC_BEHIND = 32 * CHUNK


class _DiskSink:
    """Writes ciphertext, syncs it behind the writer, and fsyncs before Tink closes the file."""

    def __init__(self):
        self.path = tmp_dir() / f"{uuid.uuid4().hex}.part"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.f = os.fdopen(fd, "wb")
        self.written = 0
        self._synced = 0
        self._syncer = None
        self._stopping = False
        self._cv = threading.Condition()

    def write(self, data):
        n = self.f.write(data)
        self.written += n
        if self.written - self._synced >= SYNC_BEHIND:
            with self._cv:
                if self._syncer is None and not self._stopping:
                    self._syncer = threading.Thread(target=self._sync_behind, name="blob-sync", daemon=True)
                    self._syncer.start()
                self._cv.notify()
        return n

    def _sync_behind(self):
        fd = self.f.fileno()
        while True:
            with self._cv:
                while not self._stopping and self.written - self._synced < SYNC_BEHIND:
                    self._cv.wait()
                if self._stopping:
                    return
                self._synced = self.written
            try:
                os.fdatasync(fd)
            except OSError:
                return  # close() fsyncs again and raises

    def stop_syncing(self):
        with self._cv:
            self._stopping = True
            self._cv.notify()
        if self._syncer is not None:
            self._syncer.join()

    def flush(self):
        self.f.flush()

    def close(self):
        self.stop_syncing()
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()

    @property
    def closed(self):
        return self.f.closed

    def writable(self):
        return True

    # -- after Tink has closed the stream
    def finish_upload(self):
        pass

    def open_at(self, offset: int, end=None):
        return _open_file(self.path, offset, self.path.name)

    def commit(self, key: str):
        dest = blob_path(key)
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(self.path, dest)
        fsync_dir(dest.parent)  # the rename itself must survive a power cut before the row is written

    def discard(self):
        self.stop_syncing()
        try:
            # A stream that failed to close (disk full) leaves the file open: close it, or
            # the deleted .part keeps its space until the process ends.
            self.f.close()
        except OSError:
            pass
        self.path.unlink(missing_ok=True)


def _open_file(path: Path, offset: int, name: str):
    try:
        f = open(path, "rb")
    except FileNotFoundError as exc:
        log.error("Blob %s is missing", name)
        raise BlobMissing(f"blob {name} is missing") from exc
    total = os.fstat(f.fileno()).st_size
    f.seek(offset)
    return f, total


class DiskBackend:
    name = "disk"

    def pending(self, key_hint):
        return _DiskSink()

    def open_at(self, key: str, offset: int = 0, end=None):
        return _open_file(blob_path(key), offset, key)

    def exists(self, key: str) -> bool:
        return blob_path(key).exists()

    def delete(self, key: str):
        blob_path(key).unlink(missing_ok=True)

    def raw_read(self, key: str) -> bytes:
        try:
            return blob_path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissing(f"blob {key} is missing") from exc

    def raw_write(self, key: str, data: bytes):
        path = blob_path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(data)

    def keys(self):
        """(key, modified time) of every committed blob."""
        for path in root().glob("??/*"):
            try:
                yield path.name, path.stat().st_mtime
            except FileNotFoundError:
                continue

    def sweep_stale_parts(self, cutoff: float) -> int:
        removed = 0
        for part in tmp_dir().glob("*.part"):
            if part.stat().st_mtime < cutoff:
                part.unlink(missing_ok=True)
                removed += 1
        return removed

    def check(self):
        """Raises if the store cannot be written (for /healthz)."""
        tmp = tmp_dir()
        probe = tmp / f"health-{uuid.uuid4().hex}.probe"
        probe.write_bytes(b"")
        probe.unlink()


# --------------------------------------------------------------------------- which one

_backend_lock = threading.Lock()
_backends: dict = {}


def backend():
    kind = getattr(settings, "LIUZHENG_BLOB_BACKEND", "disk") or "disk"
    if kind == "disk":
        return _DISK
    if kind != "s3":
        raise ValueError(f"unknown LIUZHENG_BLOB_BACKEND {kind!r} (disk or s3)")
    conf = objectstore.S3Config.from_settings()
    with _backend_lock:
        found = _backends.get(conf)
        if found is None:
            found = _backends[conf] = objectstore.S3Backend(conf)
        return found


_DISK = DiskBackend()


# --------------------------------------------------------------------------- writing

# Tink's Python wrapper copies every write twice (bytes(b), then into C++); a copy
# above glibc's mmap threshold (128 KiB) costs an mmap, page faults and a munmap,
# so big writes are fed to Tink in slices of this size.
TINK_WRITE = 64 * 1024


class PendingBlob:
    """Encrypt-as-you-write; `commit(key)` makes the finished ciphertext the blob `key`."""

    def __init__(self, owner_id: int, object_id, role: str):
        self.owner_id = owner_id
        self.object_id = object_id
        self.role = role
        self.key_hint = key_for(object_id, role)
        self._sink = backend().pending(self.key_hint)
        self._stream = encrypting_stream(owner_id, self._sink, blob_ad(owner_id, object_id, role))
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.finished = False
        self.committed = False

    @property
    def path(self):
        """The .part file (disk only): for tools and tests that look at the ciphertext."""
        return getattr(self._sink, "path", None)

    def write(self, data: bytes):
        # Hash the plaintext as it streams, before anything else touches it.
        self.sha256.update(data)
        self.size += len(data)
        view = memoryview(data)
        for pos in range(0, len(view), TINK_WRITE):
            self._stream.write(view[pos:pos + TINK_WRITE])

    def finish(self):
        if not self.finished:
            self._stream.close()
            self._sink.finish_upload()
            self.finished = True

    def iter_plain(self, start: int = 0, length: int | None = None):
        """Read the finished blob back before it is committed (checking an upload's content)."""
        self.finish()
        return _iter(self.owner_id, self.object_id, self.role, "pending upload", self._sink.open_at, start, length)

    def open_plain(self) -> io.BufferedReader:
        """The finished blob as a readable stream, before it is committed."""
        return _reader(self.iter_plain())

    def commit(self, key: str):
        self.finish()
        self._sink.commit(check_key(key))
        self.committed = True
        return key

    def discard(self):
        if self.committed:
            return
        try:
            if not self.finished:
                self._stream.close()
                self.finished = True
        except Exception:  # closing a half stream may complain; we delete it anyway
            pass
        self._sink.discard()


def write_bytes(owner_id: int, object_id, role: str, key: str, data: bytes) -> str:
    blob = PendingBlob(owner_id, object_id, role)
    try:
        blob.write(data)
        blob.commit(key)
    finally:
        blob.discard()
    return blob.sha256.hexdigest()


# --------------------------------------------------------------------------- reading


def iter_plain(owner_id: int, object_id, role: str, key: str, start: int = 0, length: int | None = None):
    """Yield decrypted chunks of [start, start+length). Raises DecryptionError on tampering.

    Only the segments (1 MiB each) that hold the range are read and decrypted."""
    return _iter(owner_id, object_id, role, key, partial(backend().open_at, check_key(key)), start, length)


def _iter(owner_id, object_id, role, name, open_at, start, length):
    try:
        yield from decrypt_range(owner_id, blob_ad(owner_id, object_id, role), open_at, start, length)
    except (BlobMissing, MissingKeyError):
        raise
    except DecryptionError as exc:
        log.error("Blob %s failed authentication (owner %s): %s", name, owner_id, exc)
        raise DecryptionError(f"blob {name} failed to decrypt") from exc


def read_bytes(owner_id: int, object_id, role: str, key: str) -> bytes:
    return b"".join(iter_plain(owner_id, object_id, role, key))


class _ChunkStream(io.RawIOBase):
    """A readable file over decrypted chunks, for parsers that want read() (a phone backup
    parsed as a stream): one segment in memory at a time, on either backend."""

    def __init__(self, chunks):
        self._chunks, self._buf = iter(chunks), b""

    def readable(self):
        return True

    def readinto(self, b):
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n


def _reader(chunks) -> io.BufferedReader:
    return io.BufferedReader(_ChunkStream(chunks), buffer_size=CHUNK)


def open_plain(owner_id: int, object_id, role: str, key: str) -> io.BufferedReader:
    """A readable stream of the decrypted blob; authentication is checked per segment."""
    return _reader(iter_plain(owner_id, object_id, role, key))


# --------------------------------------------------------------------------- the rest


def delete(key: str):
    """Remove a blob's ciphertext (crypto-erasure, expiry, the collector). Missing is fine."""
    backend().delete(check_key(key))


def exists(key: str) -> bool:
    return backend().exists(check_key(key))


def raw_read(key: str) -> bytes:
    """The ciphertext as stored (backups, tests that tamper with it)."""
    return backend().raw_read(check_key(key))


def raw_write(key: str, data: bytes):
    """Put ciphertext back as it was stored (a restore, tests that tamper with it)."""
    backend().raw_write(check_key(key), data)


def all_keys() -> list[str]:
    return sorted(key for key, _ in backend().keys())


def sweep_stale_parts(older_than_seconds: int = 24 * 3600) -> int:
    """Remove what killed uploads left (.part files; unfinished multipart uploads)."""
    return backend().sweep_stale_parts(time.time() - older_than_seconds)


def sweep_orphans(known_keys: set, older_than_seconds: int = 24 * 3600) -> int:
    """Remove committed blobs no row points to (a crash between commit and insert)."""
    cutoff = time.time() - older_than_seconds
    store = backend()
    removed = 0
    for key, mtime in list(store.keys()):
        if key not in known_keys and mtime < cutoff:
            store.delete(key)
            removed += 1
    return removed
