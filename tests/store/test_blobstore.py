"""The blob store's one interface, on local disk and on a real S3 server (SeaweedFS)."""
import os
import re
import time
import tracemalloc
import uuid

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from evidence.models import Attachment, Bundle
from evidence.store import blobstore
from evidence.store.crypto import DecryptionError
from evidence.store.serving import blob_response

MiB = 1024 * 1024


@pytest.fixture(params=["disk", "s3"])
def store(request, settings, borrower):
    """Each test once per backend; the S3 one under a prefix of its own."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        server.configure(settings, f"t-{uuid.uuid4().hex}/")
        settings.LIUZHENG_S3_PART_MB = 5
        request.node.s3 = server
    else:
        settings.LIUZHENG_BLOB_BACKEND = "disk"
    assert blobstore.backend().name == request.param
    return request.param


def _write(owner, data, role="original"):
    object_id = uuid.uuid4()
    key = blobstore.key_for(object_id, role)
    blob = blobstore.PendingBlob(owner.pk, object_id, role)
    for pos in range(0, len(data), MiB):
        blob.write(data[pos:pos + MiB])
    blob.commit(key)
    return object_id, key


def _objects(settings, server):
    client = server.client()
    listing = client.list_objects_v2(Bucket=settings.LIUZHENG_S3_BUCKET, Prefix=settings.LIUZHENG_S3_PREFIX)
    return {o["Key"][len(settings.LIUZHENG_S3_PREFIX):]: o for o in listing.get("Contents", [])}


def test_keys_agree_with_the_models():
    pk = uuid.uuid4()
    assert blobstore.key_for(pk, "original") == Attachment(id=pk).blob_key
    assert blobstore.key_for(pk, "thumbnail") == Attachment(id=pk).thumb_key
    assert blobstore.key_for(pk, "bundle") == Bundle(id=pk).blob_key


def test_round_trip_and_ranges(store, borrower):
    data = os.urandom(3 * MiB + 777)
    object_id, key = _write(borrower, data)
    assert blobstore.read_bytes(borrower.pk, object_id, "original", key) == data
    for start, length in [(0, 10), (MiB - 50, 100), (3 * MiB, None), (len(data) - 1, 1), (len(data), 5)]:
        got = b"".join(blobstore.iter_plain(borrower.pk, object_id, "original", key, start, length))
        assert got == (data[start:] if length is None else data[start:start + length])


def test_a_range_at_the_end_reads_only_its_segments(store, borrower, monkeypatch):
    data = os.urandom(12 * MiB)
    object_id, key = _write(borrower, data)
    backend = blobstore.backend()
    asked = []
    real_open = backend.open_at

    def counting_open(k, offset=0, end=None):
        asked.append((offset, end))
        return real_open(k, offset, end)

    monkeypatch.setattr(backend, "open_at", counting_open)
    # What the iPhone asks when it seeks to the end: the last MiB, through the serving code.
    response = blob_response(RequestFactory().get("/", HTTP_RANGE=f"bytes=-{MiB}"), owner_id=borrower.pk,
                             object_id=object_id, role="original", key=key, size=len(data),
                             media_type="video/mp4")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(data) - MiB}-{len(data) - 1}/{len(data)}"
    assert b"".join(response.streaming_content) == data[-MiB:]
    assert asked[0] == (0, 40)  # the header
    start, end = asked[1]
    assert end - start <= 2 * MiB and start >= 10 * MiB, asked  # two segments, from the end


def test_only_random_keys_and_ciphertext_reach_the_bucket(store, borrower, settings, request):
    marker = "借呗催收录音 borrower-13800138000 ".encode() * 5000
    object_id, key = _write(borrower, marker)
    raw = blobstore.raw_read(key)
    assert marker[:40] not in raw and b"13800138000" not in raw
    assert re.fullmatch(r"[0-9a-f]{32}\.orig", key)
    if store == "s3":
        objects = _objects(settings, request.node.s3)
        assert list(objects) == [key]
        assert re.fullmatch(r"t-[0-9a-f]{32}/", settings.LIUZHENG_S3_PREFIX)


def test_a_large_upload_is_multipart_with_bounded_memory(store, borrower, settings, request):
    if store != "s3":
        pytest.skip("multipart is the object store's")
    data = os.urandom(16 * MiB)
    tracemalloc.start()
    try:
        object_id, key = _write(borrower, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # One 5 MiB part in the buffer and its copy on the way out; the 1 MiB writes; never 16 MiB.
    assert peak < 14 * MiB, peak
    etag = _objects(settings, request.node.s3)[key]["ETag"]
    assert etag.strip('"').endswith("-4")  # 4 parts: 3 × 5 MiB and the rest
    assert blobstore.read_bytes(borrower.pk, object_id, "original", key) == data


def test_discarded_uploads_leave_nothing(store, borrower, settings, request):
    for size in (100, 12 * MiB):  # a single PUT and a multipart upload
        blob = blobstore.PendingBlob(borrower.pk, uuid.uuid4(), "original")
        blob.write(os.urandom(size))
        if size == 100:
            blob.finish()  # finished (so readable for checking), then refused
            assert len(b"".join(blob.iter_plain())) == 100
        blob.discard()
    assert blobstore.all_keys() == []
    if store == "s3":
        client = request.node.s3.client()
        uploads = client.list_multipart_uploads(Bucket=settings.LIUZHENG_S3_BUCKET,
                                                Prefix=settings.LIUZHENG_S3_PREFIX).get("Uploads") or []
        assert uploads == []
        assert _objects(settings, request.node.s3) == {}


def test_killed_uploads_and_orphans_are_swept(store, borrower, settings, request):
    blob = blobstore.PendingBlob(borrower.pk, uuid.uuid4(), "original")
    blob.write(os.urandom(7 * MiB))  # one part sent (S3) or a .part file (disk); never finished
    orphan_id, orphan = _write(borrower, b"orphan")
    assert blobstore.sweep_stale_parts(3600) == 0  # too young
    time.sleep(1.1)
    assert blobstore.sweep_stale_parts(0) == 1
    assert blobstore.sweep_orphans({"kept"}, 3600) == 0
    assert blobstore.sweep_orphans({"kept"}, 0) == 1
    assert not blobstore.exists(orphan)


def test_delete_and_missing(store, borrower):
    object_id, key = _write(borrower, b"evidence")
    assert blobstore.exists(key)
    blobstore.delete(key)
    blobstore.delete(key)  # twice is fine
    assert not blobstore.exists(key)
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(borrower.pk, object_id, "original", key)


def test_tampered_ciphertext_is_refused(store, borrower):
    object_id, key = _write(borrower, os.urandom(2 * MiB))
    raw = bytearray(blobstore.raw_read(key))
    raw[MiB + 5] ^= 1
    blobstore.raw_write(key, bytes(raw))
    with pytest.raises(DecryptionError):
        blobstore.read_bytes(borrower.pk, object_id, "original", key)
    assert len(b"".join(blobstore.iter_plain(borrower.pk, object_id, "original", key, 0, 1000))) == 1000


def test_gc_command_on_each_backend(store, borrower):
    blob = blobstore.PendingBlob(borrower.pk, uuid.uuid4(), "original")
    blob.write(b"x" * 10)
    time.sleep(1.1)
    call_command("gc_blobs", min_age_hours=0)
    assert blobstore.sweep_stale_parts(0) == 0
