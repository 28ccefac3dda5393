"""Blobs in an S3-compatible object store (AWS S3, SeaweedFS, Ceph RGW, Garage, MinIO …).

Selected with LIUZHENG_BLOB_BACKEND=s3; see docs/deployment.md for the settings. The
bucket holds ciphertext only, under LIUZHENG_S3_PREFIX + the blob's random key; nothing
in a name says whose case an object belongs to.

Uploads stream: ciphertext is cut into parts of LIUZHENG_S3_PART_MB (5 MiB at least,
S3's minimum) and sent as a multipart upload, so a 2 GB video costs one part of memory.
A blob smaller than one part is a single PUT. The upload is completed when the encrypted
stream ends, straight at the blob's final key (known from its row id before the first
byte), so an upload that fails validation is deleted again, and one that a killed
process never completed is aborted by `gc_blobs` (sweep_stale_parts).

Reads are ranged GETs: decrypt_range asks for the header and for the segments it
needs only.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings

from evidence.store.crypto import BlobMissing

log = logging.getLogger("liuzheng.blobs")

MIN_PART = 5 * 1024 * 1024  # S3 refuses smaller parts, except the last
STAGING = "incoming/"  # uploads whose final key is not known yet (none of ours today)
_MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    bucket: str
    prefix: str
    region: str
    access_key_id: str
    secret_access_key: str
    part_size: int
    addressing_style: str

    @classmethod
    def from_settings(cls) -> "S3Config":
        if not settings.LIUZHENG_S3_BUCKET:
            raise ValueError("LIUZHENG_BLOB_BACKEND=s3 needs LIUZHENG_S3_BUCKET")
        return cls(
            endpoint_url=settings.LIUZHENG_S3_ENDPOINT_URL or "",
            bucket=settings.LIUZHENG_S3_BUCKET,
            prefix=settings.LIUZHENG_S3_PREFIX or "",
            region=settings.LIUZHENG_S3_REGION or "us-east-1",
            access_key_id=settings.LIUZHENG_S3_ACCESS_KEY_ID or "",
            secret_access_key=settings.LIUZHENG_S3_SECRET_ACCESS_KEY or "",
            part_size=max(int(settings.LIUZHENG_S3_PART_MB * 1024 * 1024), MIN_PART),
            addressing_style=settings.LIUZHENG_S3_ADDRESSING_STYLE or "auto",
        )


def make_client(conf: S3Config):
    # Empty credentials: boto3's own chain decides (AWS_* variables, instance roles, ~/.aws).
    return boto3.session.Session().client(
        "s3",
        endpoint_url=conf.endpoint_url or None,
        region_name=conf.region,
        aws_access_key_id=conf.access_key_id or None,
        aws_secret_access_key=conf.secret_access_key or None,
        config=Config(
            s3={"addressing_style": conf.addressing_style},
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            # Checksums only where the API requires them: several S3-compatible servers
            # refuse the newer default trailers; TLS and our own AEAD cover integrity.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _S3Sink:
    """Tink's destination: buffers one part of ciphertext at a time and sends it."""

    def __init__(self, store: "S3Backend", key_hint: str | None):
        self.store = store
        self.key = key_hint or f"{STAGING}{uuid.uuid4().hex}"
        self.buf = bytearray()
        self.parts: list = []
        self.upload_id = None
        self.uploaded = False
        self.closed = False

    # -- the file-like side Tink writes to
    def write(self, data):
        self.buf += data
        if len(self.buf) >= self.store.conf.part_size:
            self._send_full_parts()
        return len(data)

    def flush(self):
        pass

    def close(self):
        self.closed = True

    def writable(self):
        return True

    # -- the multipart upload
    def _send_full_parts(self):
        size = self.store.conf.part_size
        if self.upload_id is None:
            self.upload_id = self.store.client.create_multipart_upload(
                Bucket=self.store.conf.bucket, Key=self.store.full(self.key))["UploadId"]
        while len(self.buf) >= size:
            self._send_part(bytes(memoryview(self.buf)[:size]))
            del self.buf[:size]

    def _send_part(self, body: bytes):
        number = len(self.parts) + 1
        answer = self.store.client.upload_part(Bucket=self.store.conf.bucket, Key=self.store.full(self.key),
                                               UploadId=self.upload_id, PartNumber=number, Body=body)
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def finish_upload(self):
        if self.uploaded:
            return
        bucket, full = self.store.conf.bucket, self.store.full(self.key)
        if self.upload_id is None:
            self.store.client.put_object(Bucket=bucket, Key=full, Body=bytes(self.buf))
        else:
            if self.buf:
                self._send_part(bytes(self.buf))
            self.store.client.complete_multipart_upload(Bucket=bucket, Key=full, UploadId=self.upload_id,
                                                        MultipartUpload={"Parts": self.parts})
        self.buf = bytearray()
        self.uploaded = True

    def open_at(self, offset: int, end=None):
        self.finish_upload()
        return self.store.open_at(self.key, offset, end)

    def commit(self, key: str):
        self.finish_upload()
        if key != self.key:  # staged under a temporary name: copy on the server, then drop it
            self.store.client.copy({"Bucket": self.store.conf.bucket, "Key": self.store.full(self.key)},
                                   self.store.conf.bucket, self.store.full(key))
            self.store.delete(self.key)
            self.key = key

    def discard(self):
        try:
            if self.uploaded:
                self.store.delete(self.key)
            elif self.upload_id is not None:
                self.store.client.abort_multipart_upload(Bucket=self.store.conf.bucket,
                                                         Key=self.store.full(self.key), UploadId=self.upload_id)
        except ClientError as exc:  # gc_blobs sweeps what is left
            log.warning("Could not discard upload %s: %s", self.key, exc)
        self.buf = bytearray()


class _Body:
    """A GET's body as a plain readable stream: read(n) and close()."""

    def __init__(self, body, skip: int = 0):
        self.body = body
        self.skip = skip

    def read(self, n: int = -1) -> bytes:
        while self.skip:  # the server ignored our Range (allowed by HTTP): skip ourselves
            dropped = self.body.read(min(self.skip, 1024 * 1024))
            if not dropped:
                break
            self.skip -= len(dropped)
        return self.body.read(None if n is None or n < 0 else n)

    def close(self):
        self.body.close()


class S3Backend:
    name = "s3"

    def __init__(self, conf: S3Config):
        self.conf = conf
        self.client = make_client(conf)  # boto3 clients are thread-safe

    def full(self, key: str) -> str:
        return self.conf.prefix + key

    def pending(self, key_hint):
        return _S3Sink(self, key_hint)

    def open_at(self, key: str, offset: int = 0, end=None):
        rng = f"bytes={offset}-{'' if end is None else end - 1}"
        try:
            answer = self.client.get_object(Bucket=self.conf.bucket, Key=self.full(key), Range=rng)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                log.error("Blob %s is missing", key)
                raise BlobMissing(f"blob {key} is missing") from exc
            if _code(exc) == "InvalidRange":  # asked at or past the end: an empty read
                size = self.client.head_object(Bucket=self.conf.bucket, Key=self.full(key))["ContentLength"]
                return _Empty(), size
            raise
        content_range = answer.get("ContentRange")
        if content_range:
            return _Body(answer["Body"]), int(content_range.rsplit("/", 1)[1])
        return _Body(answer["Body"], skip=offset), int(answer["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.conf.bucket, Key=self.full(key))
            return True
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise

    def delete(self, key: str):
        self.client.delete_object(Bucket=self.conf.bucket, Key=self.full(key))

    def raw_read(self, key: str) -> bytes:
        stream, _ = self.open_at(key, 0)
        try:
            return stream.read()
        finally:
            stream.close()

    def raw_write(self, key: str, data: bytes):
        self.client.put_object(Bucket=self.conf.bucket, Key=self.full(key), Body=data)

    def keys(self):
        """(key, modified time) of every committed blob under our prefix."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.conf.bucket,
                                                                      Prefix=self.conf.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.conf.prefix):]
                if key and not key.startswith(STAGING) and "/" not in key:
                    yield key, item["LastModified"].timestamp()

    def sweep_stale_parts(self, cutoff: float) -> int:
        removed = 0
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.conf.bucket,
                                                                               Prefix=self.conf.prefix)
        for page in uploads:
            for item in page.get("Uploads", []) or []:
                if item["Initiated"].timestamp() < cutoff:
                    self.client.abort_multipart_upload(Bucket=self.conf.bucket, Key=item["Key"],
                                                       UploadId=item["UploadId"])
                    removed += 1
        staged = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.conf.bucket,
                                                                       Prefix=self.full(STAGING))
        for page in staged:
            for item in page.get("Contents", []):
                if item["LastModified"].timestamp() < cutoff:
                    self.client.delete_object(Bucket=self.conf.bucket, Key=item["Key"])
                    removed += 1
        return removed

    def check(self):
        """Raises if the bucket cannot be reached (for /healthz)."""
        self.client.head_bucket(Bucket=self.conf.bucket)


class _Empty:
    def read(self, n: int = -1) -> bytes:
        return b""

    def close(self):
        pass
