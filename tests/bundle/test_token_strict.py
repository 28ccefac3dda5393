"""Our token check and `openssl ts -verify` agree on every damaged copy of a real token.

A real RFC 3161 answer (the local TSA is `openssl ts -reply`, asked the way our exporter
asks) has every one of its bytes flipped, three ways each: the two lowest bits (tag numbers,
lengths, values, versions) and the constructed bit 0x20 of a tag (bench/token_agreement.py
tries all eight bits and 0xff). Each copy goes to our verifier's check and to openssl itself; they must give the same answer on every one,
either way: never accept what openssl refuses, never refuse what openssl accepts. Every
position is tried, so the outcome does not hang on a random draw (the token's own bytes —
serial, time, signature — differ run to run; its layout does not).
"""
import hashlib
import multiprocessing
import os
import signal
import subprocess
import tempfile
import time

import pytest
from pyhanko.sign.timestamps.api import TimeStamper

from evidence.bundle import tokenparse
from evidence.bundle.verify import _validate_cached
from tests.tsa import LocalTSA

MASKS = (0x01, 0x02, 0x20)
WORKERS = 2
_STATE: dict = {}


@pytest.fixture(scope="module")
def token():
    tsa = LocalTSA()
    digest = hashlib.sha256(b"SHA256SUMS of a bundle").digest()
    _nonce, query = TimeStamper().request_cms(digest, "sha256")
    der = tsa.reply(query.dump())
    with open(tsa.ca_file, "rb") as f:
        ca = f.read()
    yield der, digest, ca, tsa.ca_file
    tsa.close()


def _ours(der, digest, ca):
    try:
        _validate_cached(der, digest, ca)
        return True
    except Exception:  # noqa: BLE001 - any refusal is a "no"
        return False


def _openssl(der, digest, ca_file, tmp):
    path = os.path.join(tmp, "t.tsr")
    with open(path, "wb") as f:
        f.write(der)
    run = subprocess.run(["openssl", "ts", "-verify", "-digest", digest.hex(), "-in", path, "-CAfile", ca_file],
                         capture_output=True, text=True)
    return run.returncode == 0 and "Verification: OK" in run.stdout


def _work(worker):
    der, digest, ca, ca_file = _STATE["token"]
    tmp = tempfile.mkdtemp(prefix="lz-tok-")
    out = []
    copies = [(offset, mask) for offset in range(len(der)) for mask in MASKS]
    for i, (offset, mask) in enumerate(copies):
        if i % WORKERS != worker:
            continue
        data = bytearray(der)
        data[offset] ^= mask
        data = bytes(data)
        out.append((offset, mask, _ours(data, digest, ca), _openssl(data, digest, ca_file, tmp)))
    return out


def _default_sigterm():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _field(der, offset) -> str:
    """The ASN.1 field a byte belongs to, as `openssl asn1parse` names it (for the message)."""
    with tempfile.NamedTemporaryFile(suffix=".der") as f:
        f.write(der)
        f.flush()
        lines = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", f.name, "-i"],
                               capture_output=True, text=True).stdout.splitlines()
    best = ""
    for line in lines:
        start = int(line.split(":", 1)[0])
        if start <= offset:
            best = line.strip()
    return best[:100]


def test_every_flipped_byte_gets_openssls_answer(token):
    der, digest, ca, ca_file = token
    assert _ours(der, digest, ca) and _openssl(der, digest, ca_file, tempfile.mkdtemp())
    _STATE["token"] = token
    started = time.monotonic()
    # The children start with the default SIGTERM, whatever this process has installed: the
    # pool ends them with SIGTERM when it closes.
    with multiprocessing.get_context("fork").Pool(WORKERS, initializer=_default_sigterm) as pool:
        results = [r for part in pool.map(_work, range(WORKERS)) for r in part]
    elapsed = time.monotonic() - started
    laxer = [(o, m) for o, m, ours, theirs in results if ours and not theirs]
    stricter = [(o, m) for o, m, ours, theirs in results if theirs and not ours]
    both = sum(1 for _o, _m, ours, theirs in results if ours and theirs)
    print(f"\n{len(results)} damaged copies of a {len(der)}-byte token in {elapsed:.0f} s: accepted by both "
          f"{both}, refused by both {len(results) - both - len(laxer) - len(stricter)}, "
          f"accepted here only {len(laxer)}, by openssl only {len(stricter)}")
    assert len(results) == len(der) * len(MASKS)
    assert not laxer, [(o, hex(m), _field(der, o)) for o, m in laxer[:10]]
    assert not stricter, [(o, hex(m), _field(der, o)) for o, m in stricter[:10]]


def test_trailing_bytes_and_truncations_as_openssl(token):
    der, digest, ca, ca_file = token
    tmp = tempfile.mkdtemp()
    for data in (der + b"\0", der + b"junk", der[:-1], der[:100], der[:2], b"", b"\x30\x80\x00\x00"):
        assert _ours(data, digest, ca) == _openssl(data, digest, ca_file, tmp), len(data)


def test_the_form_check_refuses_what_openssl_cannot_decode():
    good = b"\x30\x05\x30\x03\x02\x01\x00"  # a TimeStampResp with status 0 and no token
    assert tokenparse.check(good + b"junk") == (good, None)
    for bad in (b"\x30\x04\x30\x02\x02\x00",  # empty INTEGER
                b"\x30\x06\x30\x04\x02\x02\x00\x01",  # INTEGER with padding
                b"\x30\x05\x30\x04\x02\x01\x00",  # runs past its container
                b"\x30\x05\x10\x03\x02\x01\x00",  # a structure (SEQUENCE) sent primitive
                b"\x30\x08\x30\x03\x02\x01\x00\x30\x01\x00"):  # a token that is not a ContentInfo
        with pytest.raises(tokenparse.TokenFormError):
            tokenparse.check(bad)
    # A SET OF sent primitive is read as OpenSSL reads it, and handed on constructed.
    text = b"\x30\x09\x30\x07\x02\x01\x00\x10\x02\x0c\x00"
    assert tokenparse.check(text)[0] == b"\x30\x09\x30\x07\x02\x01\x00\x30\x02\x0c\x00"
