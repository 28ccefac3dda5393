"""The first upload handler: files are encrypted while they stream in.

Django's own handlers keep small files in memory and write big ones to a
temporary file in plaintext. This handler comes first and claims every file,
so the plaintext of evidence never reaches the disk; memory stays flat (one
chunk plus a 64 KiB head used to recognise the file type).
"""
from __future__ import annotations

import io
import logging
import uuid

import tink
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import multipartparser

from . import blobstore, media

log = logging.getLogger("liuzheng.uploads")

# Django reads the headers of each part of a multipart body in at most 1 KiB: a file name
# over ~950 UTF-8 bytes (320 Chinese characters; phones produce such names) made the whole
# request a bare "Bad Request (400)" and lost everything typed. 16 KiB per part's headers is
# still nothing to a server (it is read once per part, the body stays streamed); Django then
# shortens a name over 255 characters itself, keeping its extension (UploadedFile._set_name).
# A name longer still gets the translated 400 page (templates/400.html).
MAX_PART_HEADER_BYTES = 16 * 1024
multipartparser.MAX_TOTAL_HEADER_SIZE = max(multipartparser.MAX_TOTAL_HEADER_SIZE, MAX_PART_HEADER_BYTES)


# Whose key encrypts a request's files, or None to refuse all files: decided from the
# resolved URL before the body is parsed, so only a view that takes evidence for a case
# the requester may write to gets files at all. The store knows nothing of cases: the
# app wires evidence.access.upload_owner_for_request in here at start-up (apps.py).
_owner_resolver = None


def set_owner_resolver(resolver):
    global _owner_resolver
    _owner_resolver = resolver


def upload_owner_for(request):
    if _owner_resolver is None:
        raise RuntimeError("no upload owner resolver: evidence.apps wires it at start-up")
    return _owner_resolver(request)


class StoreFailed(Exception):
    """The store could not write a derived blob (a full disk, an I/O error)."""


class EncryptedUpload(UploadedFile):
    """Stands in for UploadedFile: carries the pending ciphertext, never plaintext."""

    thumb = None  # the thumbnail's pending blob, once staged (stage_thumbnail)

    def __init__(self, *, name, content_type, owner_id, object_id, blob, head, too_large, store_failed=False):
        super().__init__(file=None, name=name, content_type=content_type, size=blob.size)
        # The store could not write it (disk full, I/O error): refused with a message, nothing kept.
        self.store_failed = store_failed
        self.owner_id = owner_id
        self.object_id = object_id
        self.blob = blob
        self.head = head
        self.too_large = too_large
        self.sha256 = blob.sha256.hexdigest()
        self.info = None  # media.MediaInfo once checked

    def read_plaintext(self) -> bytearray:
        # One buffer of exactly the file's size: joining chunks would hold it twice.
        buf, pos = bytearray(self.size), 0
        for chunk in self.blob.iter_plain():
            buf[pos:pos + len(chunk)] = chunk
            pos += len(chunk)
        return buf

    def inspect(self):
        if self.info is None:
            self.info = media.inspect(self.head, self.name, self.size, self.read_plaintext)
        return self.info

    def stage_thumbnail(self):
        """Write the thumbnail's ciphertext now, while the form is checked, so that a full disk is
        a message on the form (StoreFailed) and never a failure half-way through saving: the
        attachment then only renames it into place (cases.services.attachment_add)."""
        info = self.inspect()
        if not info.thumbnail or self.thumb is not None:
            return
        blob = None
        try:
            blob = blobstore.PendingBlob(self.owner_id, self.object_id, "thumbnail")
            blob.write(info.thumbnail)
            blob.finish()
        except (OSError, tink.TinkError) as exc:
            log.error("Could not store the thumbnail of an upload: %s", exc)
            if blob is not None:
                blob.discard()
            raise StoreFailed(str(exc)) from exc
        self.thumb = blob

    def open(self, mode=None):
        raise RuntimeError("EncryptedUpload holds ciphertext only; use read_plaintext()")

    def close(self):
        # Django closes request files at the end of the request: anything not
        # committed to an attachment is removed (it is ciphertext anyway).
        self.blob.discard()
        if self.thumb is not None:
            self.thumb.discard()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _ParkedBlob:
    """The blob of a parked upload: already at the key its attachment will have."""

    def __init__(self, owner_id, object_id, key):
        self.owner_id, self.object_id, self.key = owner_id, object_id, key

    def iter_plain(self, start: int = 0, length: int | None = None):
        return blobstore.iter_plain(self.owner_id, self.object_id, "original", self.key, start, length)

    def commit(self, key: str):
        if key != self.key:
            raise ValueError(f"a parked upload lives at {self.key}, not {key}")
        return key

    def discard(self):
        pass  # a parked upload is removed by its owner or collected after a day, never by a request


class ParkedUpload(EncryptedUpload):
    """A file uploaded with a form that came back with an error, kept encrypted at the key its
    attachment will have ({object_id}.orig) until the form is saved (issue 14)."""

    def __init__(self, *, name, owner_id, object_id, size, sha256, key):
        blob = _ParkedBlob(owner_id, object_id, key)
        UploadedFile.__init__(self, file=None, name=name, content_type="", size=size)
        self.owner_id, self.object_id, self.blob, self.too_large = owner_id, object_id, blob, False
        self.sha256 = sha256
        self.info = None
        self.head = b"".join(blob.iter_plain(0, media.HEAD_BYTES))  # decrypts the first segment only


class EncryptingUploadHandler(FileUploadHandler):
    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self.owner_id = upload_owner_for(self.request)
        self.active = self.owner_id is not None
        if not self.active:
            log.info("Refused a file on %s: no upload owner", self.request.path)
            return
        self.object_id = uuid.uuid4()
        self.blob = blobstore.PendingBlob(self.owner_id, self.object_id, "original")
        self.head = bytearray()
        self.too_large = False
        self.store_failed = False
        self.limit = settings.LIUZHENG_MAX_UPLOAD_BYTES

    def receive_data_chunk(self, raw_data, start):
        if not self.active:
            return raw_data  # not evidence of ours: the next handler decides (and refuses by default)
        if self.too_large or self.store_failed:
            return None  # keep reading (and dropping) so the rest of the form still arrives
        if self.blob.size + len(raw_data) > self.limit:
            # Keep reading (and dropping) so the rest of the form still arrives.
            self.too_large = True
            self.blob.size += len(raw_data)
            return None
        if len(self.head) < media.HEAD_BYTES:
            self.head += raw_data[: media.HEAD_BYTES - len(self.head)]
        try:
            self.blob.write(raw_data)
        except (OSError, tink.TinkError) as exc:  # Tink wraps the sink's OSError in its own
            self._failed(exc)
        return None

    def _failed(self, exc):
        # A full disk (ENOSPC) or an I/O error: the partial ciphertext goes, the request goes
        # on, and the form says the file could not be stored. Never a 500, never half a blob.
        log.error("Could not store an upload on %s: %s", self.request.path, exc)
        self.store_failed = True
        self.blob.discard()

    def file_complete(self, file_size):
        if not self.active:
            return None
        if not self.store_failed:
            try:
                self.blob.finish()
            except (OSError, tink.TinkError) as exc:  # the last segment and the fsync can meet a full disk too
                self._failed(exc)
            except Exception:
                self.blob.discard()
                raise
        return EncryptedUpload(
            name=self.file_name,
            content_type=self.content_type,
            owner_id=self.owner_id,
            object_id=self.object_id,
            blob=self.blob,
            head=bytes(self.head),
            too_large=self.too_large,
            store_failed=self.store_failed,
        )

    def upload_interrupted(self):
        if getattr(self, "active", False):
            self.blob.discard()


def encrypted_upload_from_bytes(*, owner_id: int, name: str, data: bytes, content_type: str = "") -> EncryptedUpload:
    """The same encrypted upload the handler makes, from bytes already in memory
    (demo data, imports). Goes through the identical encrypt-while-hashing path."""
    blob = blobstore.PendingBlob(owner_id, uuid.uuid4(), "original")
    try:
        for start in range(0, len(data), blobstore.CHUNK):
            blob.write(data[start:start + blobstore.CHUNK])
        blob.finish()
    except Exception:
        blob.discard()
        raise
    return EncryptedUpload(
        name=name, content_type=content_type, owner_id=owner_id, object_id=blob.object_id,
        blob=blob, head=data[: media.HEAD_BYTES], too_large=len(data) > settings.LIUZHENG_MAX_UPLOAD_BYTES,
    )


class BundleVerifyUploadHandler(FileUploadHandler):
    """The public verify page: a bundle someone else made, kept in memory only
    (never on our disk) and only up to LIUZHENG_VERIFY_MAX_MB; any other file
    that reaches this handler is dropped."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        match = getattr(self.request, "resolver_match", None)
        self.active = match is not None and match.url_name == "bundle_verify"
        self.buffer = bytearray()
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if self.active and not self.too_large:
            if len(self.buffer) + len(raw_data) > settings.LIUZHENG_VERIFY_MAX_BYTES:
                self.too_large = True
                self.buffer = bytearray()
            else:
                self.buffer += raw_data
        return None

    def file_complete(self, file_size):
        if not self.active:
            return None
        f = InMemoryUploadedFile(io.BytesIO(bytes(self.buffer)), self.field_name, self.file_name,
                                 self.content_type, file_size, self.charset)
        f.too_large = self.too_large
        return f
