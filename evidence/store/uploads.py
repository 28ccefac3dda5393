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

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from . import blobstore, media

log = logging.getLogger("liuzheng.uploads")


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


class EncryptedUpload(UploadedFile):
    """Stands in for UploadedFile: carries the pending ciphertext, never plaintext."""

    def __init__(self, *, name, content_type, owner_id, object_id, blob, head, too_large):
        super().__init__(file=None, name=name, content_type=content_type, size=blob.size)
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
        for chunk in blobstore.iter_path(self.owner_id, self.object_id, "original", self.blob.path):
            buf[pos:pos + len(chunk)] = chunk
            pos += len(chunk)
        return buf

    def inspect(self):
        if self.info is None:
            self.info = media.inspect(self.head, self.name, self.size, self.read_plaintext)
        return self.info

    def open(self, mode=None):
        raise RuntimeError("EncryptedUpload holds ciphertext only; use read_plaintext()")

    def close(self):
        # Django closes request files at the end of the request: anything not
        # committed to an attachment is removed (it is ciphertext anyway).
        self.blob.discard()

    def __del__(self):
        try:
            self.blob.discard()
        except Exception:
            pass


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
        self.limit = settings.LIUZHENG_MAX_UPLOAD_BYTES

    def receive_data_chunk(self, raw_data, start):
        if not self.active:
            return raw_data  # not evidence of ours: the next handler decides (and refuses by default)
        if self.too_large:
            return None
        if self.blob.size + len(raw_data) > self.limit:
            # Keep reading (and dropping) so the rest of the form still arrives.
            self.too_large = True
            self.blob.size += len(raw_data)
            return None
        if len(self.head) < media.HEAD_BYTES:
            self.head += raw_data[: media.HEAD_BYTES - len(self.head)]
        self.blob.write(raw_data)
        return None

    def file_complete(self, file_size):
        if not self.active:
            return None
        try:
            self.blob.finish()
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
