"""Encrypted blob store on local disk.

Only ciphertext is ever written here. A blob is first written to tmp/<id>.part
and renamed into place once complete and fsynced, so a process killed mid-upload
leaves at most an unreferenced .part file of ciphertext (swept by `gc_blobs`),
never a half blob that a database row points to.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from pathlib import Path

import tink
from django.conf import settings

from evidence.store.crypto import DecryptionError, blob_ad, decrypting_stream, encrypting_stream

log = logging.getLogger("liuzheng.blobs")
CHUNK = 1024 * 1024


def root() -> Path:
    return Path(settings.LIUZHENG_BLOB_DIR)


def blob_path(key: str) -> Path:
    if not key or "/" in key or key.startswith("."):
        raise ValueError(f"bad blob key {key!r}")
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


# Tink's Python wrapper copies every write twice (bytes(b), then into C++); a copy
# above glibc's mmap threshold (128 KiB) costs an mmap, page faults and a munmap,
# so big writes are fed to Tink in slices of this size.
TINK_WRITE = 64 * 1024
# A helper thread pushes the ciphertext to the disk every SYNC_BEHIND bytes, so the
# disk writes while we encrypt and commit()'s fsync has only the tail left to do.
SYNC_BEHIND = 32 * CHUNK


class _Sink:
    """Writes ciphertext, syncs it behind the writer, and fsyncs before Tink closes the file."""

    def __init__(self, f):
        self.f = f
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


class PendingBlob:
    """Encrypt-as-you-write; `commit(key)` moves the finished ciphertext into place."""

    def __init__(self, owner_id: int, object_id, role: str):
        self.owner_id = owner_id
        self.object_id = object_id
        self.role = role
        self.path = tmp_dir() / f"{uuid.uuid4().hex}.part"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._sink = _Sink(os.fdopen(fd, "wb"))
        self._stream = encrypting_stream(owner_id, self._sink, blob_ad(owner_id, object_id, role))
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.finished = False
        self.committed = False

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
            self.finished = True

    def commit(self, key: str) -> Path:
        self.finish()
        dest = blob_path(key)
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.replace(self.path, dest)
        fsync_dir(dest.parent)  # the rename itself must survive a power cut before the row is written
        self.committed = True
        return dest

    def discard(self):
        if self.committed:
            return
        try:
            if not self.finished:
                self._stream.close()
                self.finished = True
        except Exception:  # closing a half stream may complain; we delete it anyway
            pass
        self._sink.stop_syncing()
        self.path.unlink(missing_ok=True)


def write_bytes(owner_id: int, object_id, role: str, key: str, data: bytes) -> str:
    blob = PendingBlob(owner_id, object_id, role)
    try:
        blob.write(data)
        blob.commit(key)
    finally:
        blob.discard()
    return blob.sha256.hexdigest()


def open_plain(owner_id: int, object_id, role: str, path: Path):
    """A readable stream of the decrypted blob; authentication is checked per segment."""
    try:
        f = open(path, "rb")
    except FileNotFoundError as exc:
        log.error("Blob %s is missing", path.name)
        raise DecryptionError(f"blob {path.name} is missing") from exc
    return decrypting_stream(owner_id, f, blob_ad(owner_id, object_id, role))


def iter_plain(owner_id: int, object_id, role: str, key: str, start: int = 0, length: int | None = None):
    """Yield decrypted chunks of [start, start+length). Raises DecryptionError on tampering."""
    return iter_path(owner_id, object_id, role, blob_path(key), start, length)


def iter_path(owner_id: int, object_id, role: str, path: Path, start: int = 0, length: int | None = None):
    try:
        stream = open_plain(owner_id, object_id, role, path)
        with stream:
            skipped = 0
            while skipped < start:
                chunk = stream.read(min(CHUNK, start - skipped))
                if not chunk:
                    return
                skipped += len(chunk)
            remaining = length
            while remaining is None or remaining > 0:
                chunk = stream.read(CHUNK if remaining is None else min(CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
    except tink.TinkError as exc:
        log.error("Blob %s failed authentication (owner %s): %s", path.name, owner_id, exc)
        raise DecryptionError(f"blob {path.name} failed to decrypt") from exc


def read_bytes(owner_id: int, object_id, role: str, key: str) -> bytes:
    return b"".join(iter_plain(owner_id, object_id, role, key))


def delete(key: str):
    blob_path(key).unlink(missing_ok=True)


def sweep_stale_parts(older_than_seconds: int = 24 * 3600) -> int:
    """Remove .part files left by killed uploads (ciphertext, but useless)."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for part in tmp_dir().glob("*.part"):
        if part.stat().st_mtime < cutoff:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_orphans(known_keys: set, older_than_seconds: int = 24 * 3600) -> int:
    """Remove committed blobs no attachment row points to (a crash between commit and insert)."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in root().glob("??/*"):
        if path.name not in known_keys and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
