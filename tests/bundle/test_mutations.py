"""The verifier never breaks and never passes a changed bundle.

One real bundle is exported from seed_demo (local `openssl ts` TSA), then ≥ 2,000
mutated copies go through verify_bundle in-process: byte flips anywhere (local headers,
central directory, CRC fields, data), truncations, members added / removed / renamed /
duplicated / reordered, contents edited with SHA256SUMS recomputed or not, tokens and
keys damaged, JSON bombs. For each copy:

- verify_bundle returns a Verdict (an exception is counted as a failure of the test);
- when the copy's contents differ from the original (read back with zipfile: names and
  bytes), the verdict is NOT verified and a problem line names a changed member (or the
  ZIP, when the copy is not a readable ZIP at all);
- a copy whose contents are unchanged (a reordered or re-zipped bundle, a flipped byte in
  a field no reader uses) may pass.

The table is printed (-s) for the note. Separately, every token in the bundle, damaged
byte by byte, gets the same answer from our verifier and from `openssl ts -verify`.
"""
import hashlib
import io
import json
import random
import struct
import subprocess
import time
import zipfile
from collections import Counter

import pytest

from evidence.bundle.verify import _validate_cached, verify_bundle

from .test_bundle import demo_case, exported  # noqa: F401 - fixtures

SEED = 20261201
N_FLIPS = 700


def members(blob):
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def contents(blob):
    """What a reader gets out of the copy: sorted (name, sha256), or None if unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            return sorted((i.filename, hashlib.sha256(zf.read(i)).hexdigest()) for i in zf.infolist())
    except Exception:  # noqa: BLE001 - the oracle only needs "unreadable"
        return None


_KNOWN: dict = {}  # id(bytes) -> sha256 of the original members, so the oracle need not re-read them


def rezip(items, *, sums=False, compress=zipfile.ZIP_STORED):
    """A new ZIP of `items`, and what a reader gets from it (the oracle, computed from the
    items: zipfile wrote them, and reading back a ZIP zipfile just wrote proves nothing)."""
    items = list(items)
    if sums:
        text = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(items)
                       if n not in ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig"))
        items = [(n, text.encode() if n == "SHA256SUMS" else d) for n, d in items]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as zf:
        for name, data in items:
            zf.writestr(zipfile.ZipInfo(name, (2026, 12, 1, 0, 0, 0)), data)
    known = sorted((n, _KNOWN.get(id(d)) or hashlib.sha256(d).hexdigest()) for n, d in items)
    return out.getvalue(), known


def layout(blob):
    """[(start, end, member)] byte ranges: local header + data, and central directory entries."""
    ranges = []
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        infos = zf.infolist()
        start_dir = zf.start_dir
    for info in infos:
        n, m = struct.unpack("<HH", blob[info.header_offset + 26:info.header_offset + 30])
        end = info.header_offset + 30 + n + m + info.compress_size
        ranges.append((info.header_offset, end, info.filename, "local"))
    pos = start_dir
    for info in infos:
        n, m, k = struct.unpack("<HHH", blob[pos + 28:pos + 34])
        ranges.append((pos, pos + 46 + n + m + k, info.filename, "central"))
        pos += 46 + n + m + k
    ranges.append((pos, len(blob), "ZIP", "eocd"))
    return ranges


def owner(ranges, offset):
    for start, end, name, _kind in ranges:
        if start <= offset < end:
            return name
    return "ZIP"


def flip(blob, offset, bit):
    b = bytearray(blob)
    b[offset] ^= 1 << bit
    return bytes(b)


def mutations(blob, rng):
    """Yield (kind, mutated bytes, the member it changes)."""
    items = members(blob)
    _KNOWN.clear()
    _KNOWN.update({id(d): hashlib.sha256(d).hexdigest() for _n, d in items})
    names = [n for n, _ in items]
    ranges = layout(blob)
    data_of = dict(items)
    for _ in range(N_FLIPS):
        offset = rng.randrange(len(blob))
        yield "byte flip anywhere", (flip(blob, offset, rng.randrange(8)), None), owner(ranges, offset)
    for start, end, name, kind in ranges:  # every header, every CRC field
        if kind == "eocd":
            for _ in range(6):
                offset = rng.randrange(start, end)
                yield "byte flip in the end record", (flip(blob, offset, rng.randrange(8)), None), "ZIP"
            continue
        header = 30 if kind == "local" else 46
        for _ in range(2):
            offset = start + rng.randrange(header)
            yield f"byte flip in a {kind} header", (flip(blob, offset, rng.randrange(8)), None), name
        crc_at = start + (14 if kind == "local" else 16)
        yield f"CRC-32 changed ({kind} header)", (flip(blob, crc_at + rng.randrange(4), rng.randrange(8)), None), name
        if kind == "local":
            yield "flag bits: encrypted / strong encryption", \
                (flip(flip(blob, start + 6, 0), start + 6, 6) if rng.random() < 0.5 else flip(blob, start + 6, 0),
                 None), name
            yield "compression method changed", (flip(blob, start + 8, rng.choice([0, 1, 3])), None), name
    for _ in range(150):
        cut = rng.randrange(len(blob))
        yield "truncated", (blob[:cut], None), "ZIP"
    folders = sorted({n.rsplit("/", 1)[0] for n in names if "/" in n})
    for i in range(120):
        where = rng.choice(folders + [""])
        name = f"{where}/extra-{i}.png".lstrip("/") if i % 3 else rng.choice(["notes.txt", "catalog2.pdf",
                                                                             f"timestamps/{'a' * 64}.tsr"])
        extra = items + [(name, rng.randbytes(rng.randrange(1, 400)))]
        yield "member added" + (", SHA256SUMS recomputed" if i % 2 else ""), rezip(extra, sums=bool(i % 2)), name
    for i in range(120):
        name = rng.choice(names)
        rest = [(n, d) for n, d in items if n != name]
        yield "member removed" + (", SHA256SUMS recomputed" if i % 2 else ""), rezip(rest, sums=bool(i % 2)), name
    for i in range(100):
        name = rng.choice(names)
        new = name[:-1] + ("x" if name[-1] != "x" else "y")
        renamed = [(new if n == name else n, d) for n, d in items]
        yield "member renamed" + (", SHA256SUMS recomputed" if i % 2 else ""), rezip(renamed, sums=bool(i % 2)), name
    for _ in range(60):
        name = rng.choice(names)
        twin = data_of[name] if rng.random() < 0.5 else data_of[name] + b"x"
        yield "member duplicated", rezip(items + [(name, twin)]), name
    for _ in range(40):
        shuffled = items[:]
        rng.shuffle(shuffled)
        yield "members reordered (contents unchanged)", rezip(shuffled), None
    yield "re-zipped deflated (contents unchanged)", rezip(items, compress=zipfile.ZIP_DEFLATED), None
    for i in range(200):
        name = rng.choice(names)
        data = bytearray(data_of[name])
        if not data:
            continue
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        edited = [(n, bytes(data) if n == name else d) for n, d in items]
        yield "content edited" + (", SHA256SUMS recomputed" if i % 2 else ""), rezip(edited, sums=bool(i % 2)), name
    tokens = [n for n in names if n.endswith(".tsr")]
    keys = [n for n in names if n.startswith("keys/")]
    for i in range(120):
        name = rng.choice(tokens)
        data = bytearray(data_of[name])
        if i % 4 == 0:
            data = data[:rng.randrange(len(data))]
        else:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        damaged = [(n, bytes(data) if n == name else d) for n, d in items]
        yield "token damaged" + (", SHA256SUMS recomputed" if i % 2 else ""), rezip(damaged, sums=bool(i % 2)), name
    for i in range(60):
        name = rng.choice(keys)
        data = bytearray(data_of[name])
        choice = i % 3
        if choice == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif choice == 1:
            data = data[:rng.randrange(len(data))]
        else:
            data = bytearray(b"-----BEGIN PUBLIC KEY-----\n!!!notbase64!!!\n-----END PUBLIC KEY-----\n")
        damaged = [(n, bytes(data) if n == name else d) for n, d in items]
        yield "key damaged, SHA256SUMS recomputed", rezip(damaged, sums=True), name
    for _ in range(60):
        lines = data_of["SHA256SUMS"].decode().splitlines(keepends=True)
        k = rng.randrange(len(lines))
        line = bytearray(lines[k].encode())
        line[rng.randrange(len(line) - 1)] ^= 1 << rng.randrange(7)
        lines[k] = line.decode("latin-1")
        damaged = [(n, "".join(lines).encode("latin-1") if n == "SHA256SUMS" else d) for n, d in items]
        yield "SHA256SUMS line damaged", rezip(damaged), "SHA256SUMS"
    manifest = json.loads(data_of["manifest.json"])
    bombs = [
        ("manifest: 1,000,000 empty files items", {**manifest, "files": [{}] * 1_000_000}),
        ("manifest: nested 100,000 deep", None),
        ("manifest: a 10,000-digit number", None),
        ("manifest: amount changed", {**manifest, "case": {**manifest["case"], "amount_owed": "1"}}),
        ("manifest: format_version 9", {**manifest, "format_version": "9.0"}),
        ("manifest: files not a list", {**manifest, "files": {"a": 1}}),
    ]
    for label, value in bombs:
        if label.endswith("deep"):
            raw = b"[" * 100_000 + b"]" * 100_000
        elif "digit" in label:
            raw = b'{"format_version": "2.0", "files": [{"size": ' + b"9" * 10_000 + b"}]}"
        else:
            raw = json.dumps(value).encode()
        for fix in (False, True):
            changed = [(n, raw if n == "manifest.json" else d) for n, d in items]
            yield label + (", SHA256SUMS recomputed" if fix else ""), \
                rezip(changed, sums=fix, compress=zipfile.ZIP_DEFLATED), "manifest.json"


WORKERS = 2  # CI has two cores: each worker takes every other mutation


def _judge(blob, original, worker):
    """Run this worker's share of the mutations: [(kind, outcome, detail)]."""
    rng = random.Random(SEED)
    out = []
    for i, (kind, (mutated, known), changed) in enumerate(mutations(blob, rng)):
        if i % WORKERS != worker:
            continue
        try:
            verdict = verify_bundle(io.BytesIO(mutated))
        except Exception as exc:  # noqa: BLE001 - this is what the test counts
            out.append((kind, "uncaught exceptions", f"{changed}: {exc!r}"))
            continue
        after = known if known is not None else contents(mutated)
        if after == original:
            out.append((kind, "unchanged: passed" if verdict.ok else "unchanged: failed (named)", ""))
            continue
        if verdict.ok:
            out.append((kind, "CHANGED BUT PASSED", str(changed)))
            continue
        text = " | ".join(verdict.problems)
        expected = {changed, "ZIP"} if after is None else {n for n, _ in set(original) ^ set(after)} | {changed}
        if any(name and name in text for name in expected):
            out.append((kind, "caught", ""))
        else:
            out.append((kind, "not naming the member", f"{changed}: {text[:300]}"))
    return out, time.process_time()


def _worker(args):
    blob, original, worker = args
    return _judge(blob, original, worker)


def test_two_thousand_mutations_never_break_the_verifier(exported, capsys):
    import multiprocessing

    path, _ = exported
    blob = path.read_bytes()
    assert verify_bundle(io.BytesIO(blob)).ok
    original = contents(blob)
    started = time.monotonic()
    # Forked workers inherit the configured installation (settings, keys) and touch no database.
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        parts = pool.map(_worker, [(blob, original, w) for w in range(WORKERS)])
    elapsed = time.monotonic() - started
    results = [r for part, _cpu in parts for r in part]
    cpu = sum(c for _part, c in parts)
    table: dict[str, Counter] = {}
    for kind, outcome, _detail in results:
        row = table.setdefault(kind, Counter())
        row["copies"] += 1
        row[outcome] += 1
    columns = ["copies", "caught", "unchanged: passed", "unchanged: failed (named)", "CHANGED BUT PASSED",
               "uncaught exceptions", "not naming the member"]
    with capsys.disabled():
        print(f"\n{len(results)} mutated copies in {elapsed:.1f} s ({WORKERS} workers, {cpu:.1f} s CPU)\n")
        print("| mutation | " + " | ".join(columns) + " |")
        print("|---|" + "---:|" * len(columns))
        for kind, row in table.items():
            print(f"| {kind} | " + " | ".join(str(row[c]) for c in columns) + " |")
        totals = Counter()
        for row in table.values():
            totals.update(row)
        print("| **total** | " + " | ".join(str(totals[c]) for c in columns) + " |")
    bad = [(k, o, d) for k, o, d in results if o in ("uncaught exceptions", "CHANGED BUT PASSED",
                                                     "not naming the member")]
    assert len(results) >= 2000
    assert not bad, bad[:5]


def _openssl_ok(der, digest_hex, ca_file, tmp_path):
    token = tmp_path / "t.tsr"
    token.write_bytes(der)
    run = subprocess.run(["openssl", "ts", "-verify", "-digest", digest_hex, "-in", str(token), "-CAfile",
                          str(ca_file)], capture_output=True, text=True)
    return run.returncode == 0 and "Verification: OK" in run.stdout


def test_our_token_check_agrees_with_openssl_on_damaged_tokens(exported, tmp_path):
    """The bundle's own SHA256SUMS.tsr damaged: every byte of its first 64 (status,
    SignedData header, digestAlgorithms), 200 more at random (fixed seed), trailing bytes,
    truncations. Our check gives `openssl ts -verify`'s answer on every copy, either way
    (tests/bundle/test_token_strict.py flips every byte of a token two ways; bench/token_agreement.py all eight bits)."""
    path, _ = exported
    with zipfile.ZipFile(path) as zf:
        der = zf.read("SHA256SUMS.tsr")
        digest = hashlib.sha256(zf.read("SHA256SUMS")).digest()
        chain = zf.read("keys/tsa-chain.pem")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(chain)

    def ours(data):
        try:
            _validate_cached(data, digest, chain)
            return True
        except Exception:  # noqa: BLE001
            return False

    copies = [("whole", der), ("+NUL", der + b"\0"), ("+junk", der + b"junk"), ("-1", der[:-1]), (":100", der[:100])]
    rng = random.Random(SEED)
    for offset in list(range(64)) + rng.sample(range(64, len(der)), 200):
        copies.append((offset, flip(der, offset, rng.randrange(8))))
    laxer, stricter = [], []
    for where, data in copies:
        mine, theirs = ours(data), _openssl_ok(data, digest.hex(), ca_file, tmp_path)
        if mine and not theirs:
            laxer.append(where)
        elif theirs and not mine:
            stricter.append(where)
    print(f"\n{len(copies)} damaged tokens: {len(laxer)} passed here but not in openssl (at {laxer}), "
          f"{len(stricter)} refused here but passed by openssl (at {stricter})")
    assert ours(der) and _openssl_ok(der, digest.hex(), ca_file, tmp_path)
    assert not laxer, f"{laxer} pass here although openssl refuses them"
    assert not stricter, f"{stricter} are refused here although openssl accepts them"
