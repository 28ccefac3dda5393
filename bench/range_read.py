"""Seeking to the end of a long recording: what a Range request for the last MiB costs.

Writes one blob of --mb MiB (default 1024) through the real store (PendingBlob), then times:
  full read      blobstore.iter_plain from byte 0 to the end (what a Range request cost before:
                 Tink's Python stream decrypts from the start and the reader skipped ahead)
  last MiB       blobstore.iter_plain(start=size-1MiB): crypto.decrypt_range reads the header
                 and the two segments that hold it
  tink from 0    Tink's own decrypting stream over the file, skipping to the last MiB
Prints seconds and the ciphertext bytes each one read. `--s3 URL` runs it against an S3
endpoint instead of the disk (LIUZHENG_S3_* from the environment).

    .venv/bin/python bench/range_read.py [--mb 1024]
"""
from __future__ import annotations

import argparse
import os
import time
import uuid

from common import MiB, in_temp_dir


def run(args, work):
    import django

    django.setup()
    from accounts.services import user_create
    from django.core.management import call_command
    from evidence.store import blobstore
    from evidence.store.crypto import blob_ad, decrypting_stream

    call_command("migrate", "-v0")
    user = user_create(username=f"bench{uuid.uuid4().hex[:6]}", password="Correct-horse-42", role="borrower")
    object_id = uuid.uuid4()
    key = blobstore.key_for(object_id, "original")
    piece = os.urandom(MiB)
    started = time.perf_counter()
    blob = blobstore.PendingBlob(user.pk, object_id, "original")
    for _ in range(args.mb):
        blob.write(piece)
    blob.commit(key)
    print(f"wrote {args.mb} MiB on {blobstore.backend().name} in {time.perf_counter() - started:.1f} s")
    size = args.mb * MiB
    store = blobstore.backend()
    counted = {"bytes": 0}
    real_open = store.open_at

    def counting(k, offset=0, end=None):
        stream, total = real_open(k, offset, end)
        counted["bytes"] += (end if end is not None else total) - offset
        return stream, total

    store.open_at = counting

    def timed(label, fn):
        counted["bytes"] = 0
        t = time.perf_counter()
        n = fn()
        print(f"{label:<14} {time.perf_counter() - t:8.3f} s  {n / MiB:8.1f} MiB out  "
              f"{counted['bytes'] / MiB:8.1f} MiB of ciphertext asked for")

    timed("full read", lambda: sum(len(c) for c in blobstore.iter_plain(user.pk, object_id, "original", key)))
    timed("last MiB", lambda: sum(len(c) for c in blobstore.iter_plain(user.pk, object_id, "original", key,
                                                                       size - MiB)))
    if store.name == "disk":
        def tink_skip():
            with open(blobstore.blob_path(key), "rb") as f, \
                    decrypting_stream(user.pk, f, blob_ad(user.pk, object_id, "original")) as stream:
                skipped = 0
                while skipped < size - MiB:
                    skipped += len(stream.read(min(MiB, size - MiB - skipped)))
                return len(stream.read())
        timed("tink from 0", tink_skip)
    blobstore.delete(key)
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--dir", default=None)
    in_temp_dir("lz-range-", parser.parse_args(), run)
