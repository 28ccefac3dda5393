"""Our RFC 3161 token check against `openssl ts -verify`, on every byte of a real token
flipped every way asked (default: each of the eight bits, and 0xff): how many copies,
how many each side accepts, and every copy where they disagree, with the ASN.1 field
`openssl asn1parse` puts it in. The suite's tests/bundle/test_token_strict.py runs two of
these masks (0x01, 0x20) and requires 0 disagreements.

    .venv/bin/python bench/token_agreement.py [--masks 01,02,04,08,10,20,40,80,ff] [--workers 2]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

import hashlib  # noqa: E402
import multiprocessing  # noqa: E402

from pyhanko.sign.timestamps.api import TimeStamper  # noqa: E402

from tests.bundle import test_token_strict as t  # noqa: E402
from tests.tsa import LocalTSA  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--masks", default="01,02,04,08,10,20,40,80,ff")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    t.MASKS = tuple(int(m, 16) for m in args.masks.split(","))
    t.WORKERS = args.workers
    tsa = LocalTSA()  # the fixture's body, without pytest
    digest = hashlib.sha256(b"SHA256SUMS of a bundle").digest()
    _nonce, query = TimeStamper().request_cms(digest, "sha256")
    der = tsa.reply(query.dump())
    with open(tsa.ca_file, "rb") as f:
        token = (der, digest, f.read(), tsa.ca_file)
    t._STATE["token"] = token
    der = token[0]
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(t.WORKERS) as pool:
        results = [r for part in pool.map(t._work, range(t.WORKERS)) for r in part]
    elapsed = time.monotonic() - started
    print(f"token: {len(der)} bytes; masks {args.masks}; {len(results)} copies in {elapsed:.0f} s")
    for mask in t.MASKS:
        rows = [r for r in results if r[1] == mask]
        print(f"  mask 0x{mask:02x}: {len(rows)} copies, accepted by both {sum(1 for r in rows if r[2] and r[3])}, "
              f"here only {sum(1 for r in rows if r[2] and not r[3])}, openssl only "
              f"{sum(1 for r in rows if r[3] and not r[2])}")
    for offset, mask, ours, theirs in results:
        if ours != theirs:
            print(f"  DISAGREE at {offset} ^0x{mask:02x}: ours={ours} openssl={theirs}  {t._field(der, offset)}")
    print("disagreements:", sum(1 for r in results if r[2] != r[3]))


if __name__ == "__main__":
    main()
