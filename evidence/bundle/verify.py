"""Verify an evidence bundle: every hash, the signature, the manifest against
SHA256SUMS, every timestamp token and the custody chain.

Reads the ZIP in place (nothing is extracted to disk), streams every member
through SHA-256 in 1 MiB chunks and refuses ZIP bombs before reading them, so
memory and time stay bounded whatever it is given.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field

from asn1crypto import pem, tsp, x509

from evidence.custody.chain import GENESIS
from evidence.custody.timestamps import TimestampError, validate_token
from evidence.lib import merkle
from evidence.lib.canonical import sha256_json

from . import signing

CHUNK = 1024 * 1024
MAX_MEMBERS = 200_000
MAX_SMALL_FILE = 256 * 1024 * 1024  # manifest, sums, custody.jsonl are read whole
MAX_RATIO = 50  # a deflated member may not expand more than this (bundles are stored)
_SUMS_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


@dataclass
class Verdict:
    checks: list = field(default_factory=list)  # (label, ok, detail)
    problems: list = field(default_factory=list)
    signer_fingerprint: str = ""
    signed_by_this_installation: bool = False

    @property
    def ok(self):
        return not self.problems

    def check(self, label, ok, detail=""):
        self.checks.append((label, ok, detail))
        if not ok:
            self.problems.append(f"{label}: {detail}" if detail else label)
        return ok


def _hash_member(zf, name):
    digest = hashlib.sha256()
    with zf.open(name) as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_small(zf, name, limit=MAX_SMALL_FILE):
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ValueError(f"{name} is too large ({info.file_size} bytes)")
    with zf.open(name) as f:
        return f.read(limit + 1)


def verify_bundle(source, *, max_total_bytes: int = 64 * 1024 ** 3) -> Verdict:
    """`source`: a path or a seekable binary file."""
    verdict = Verdict()
    try:
        zf = zipfile.ZipFile(source)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        verdict.check("ZIP", False, f"not a readable ZIP file, or truncated ({exc.__class__.__name__})")
        return verdict
    with zf:
        if not _check_shape(zf, infos, verdict, max_total_bytes):
            return verdict
        names = {i.filename for i in infos if not i.is_dir()}
        actual = _check_sums(zf, names, verdict)
        manifest = _check_manifest(zf, names, actual, verdict)
        events = _check_custody(zf, names, manifest, verdict)
        if manifest is not None:
            _check_timestamps(zf, names, manifest, events, verdict)
    return verdict


def _check_shape(zf, infos, verdict, max_total_bytes):
    if len(infos) > MAX_MEMBERS:
        return verdict.check("ZIP", False, f"{len(infos)} members: refused")
    total = 0
    for info in infos:
        total += info.file_size
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_RATIO * max(info.compress_size, 1) \
                and info.file_size > 10 * 1024 * 1024:
            return verdict.check("ZIP", False, f"{info.filename} expands {info.file_size} bytes: refused (ZIP bomb?)")
        if info.filename.startswith("/") or ".." in info.filename.split("/"):
            return verdict.check("ZIP", False, f"unsafe member name {info.filename!r}")
    if total > max_total_bytes:
        return verdict.check("ZIP", False, f"{total} bytes uncompressed: over the limit")
    return verdict.check("ZIP", True, f"{len(infos)} files")


def _check_sums(zf, names, verdict) -> dict:
    """Hash every member once; compare with SHA256SUMS. Returns path -> actual sha256."""
    actual, listed = {}, {}
    if "SHA256SUMS" not in names:
        verdict.check("SHA256SUMS", False, "missing file SHA256SUMS")
    else:
        text = _read_small(zf, "SHA256SUMS").decode("utf-8", "replace")
        for n, line in enumerate(text.splitlines(), 1):
            m = _SUMS_LINE.match(line)
            if not m:
                verdict.check("SHA256SUMS", False, f"line {n} is not in sha256sum format")
                continue
            listed[m.group(2)] = m.group(1).lower()
    for name in sorted(names - {"SHA256SUMS"}):
        try:
            actual[name] = _hash_member(zf, name)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            verdict.check(name, False, f"damaged in the ZIP ({exc.__class__.__name__})")
            continue
        if name not in listed:
            verdict.check(name, False, "extra file, not listed in SHA256SUMS")
        elif listed[name] != actual[name]:
            verdict.check(name, False, "altered: its SHA-256 differs from SHA256SUMS")
    for name in sorted(set(listed) - names):
        verdict.check(name, False, "missing file, listed in SHA256SUMS")
    if "SHA256SUMS" in names:
        good = sum(1 for n, h in listed.items() if actual.get(n) == h)
        verdict.checks.append(("SHA256SUMS", good == len(listed), f"{good}/{len(listed)} files match"))
    return actual


def _check_manifest(zf, names, actual, verdict):
    if "manifest.json" not in names:
        verdict.check("manifest.json", False, "missing file manifest.json")
        return None
    try:
        raw = _read_small(zf, "manifest.json")
        manifest = json.loads(raw)
        assert isinstance(manifest, dict) and "format_version" in manifest
    except (ValueError, AssertionError, zipfile.BadZipFile) as exc:
        verdict.check("manifest.json", False, f"not a valid manifest ({exc.__class__.__name__})")
        return None
    # The signature.
    if {"manifest.json.sig", "keys/signing-key.pem"} <= names:
        key = _read_small(zf, "keys/signing-key.pem", 64 * 1024)
        sig = _read_small(zf, "manifest.json.sig", 1024)
        if verdict.check("manifest.json.sig", signing.verify(key, raw, sig), "the Ed25519 signature does not verify"):
            verdict.signer_fingerprint = signing.fingerprint(key)
            try:
                verdict.signed_by_this_installation = signing.fingerprint(signing.public_pem()) == verdict.signer_fingerprint
            except Exception:  # verifying without a configured installation (CLI on another machine)
                verdict.signed_by_this_installation = False
    else:
        verdict.check("manifest.json.sig", False, "missing signature or public key")
    # The manifest's own list of files against what is in the ZIP.
    listed = list(manifest.get("files") or []) + list(manifest.get("documents") or [])
    for item in listed:
        path = item.get("path")
        if path not in names:
            verdict.check(str(path), False, "missing file, listed in manifest.json")
        elif actual.get(path) and item.get("sha256") != actual[path]:
            verdict.check(path, False, "altered: its SHA-256 differs from manifest.json")
    # Complaint drafts: each file named is in the ZIP and among the documents (so hashed above).
    documents = {item.get("path") for item in manifest.get("documents") or []}
    for complaint in manifest.get("complaints") or []:
        for path in complaint.get("files") or []:
            if path not in names or path not in documents:
                verdict.check(str(path), False, "complaint draft missing or not listed among the documents")
    verdict.checks.append(("manifest.json", True, f"{len(manifest.get('files') or [])} originals, "
                                                  f"{len(manifest.get('entries') or [])} entries"))
    manifest["_sha256"] = hashlib.sha256(raw).digest()
    return manifest


def _check_custody(zf, names, manifest, verdict):
    if "custody.jsonl" not in names:
        verdict.check("custody.jsonl", False, "missing file custody.jsonl")
        return []
    events, prev = [], GENESIS
    try:
        text = _read_small(zf, "custody.jsonl").decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        verdict.check("custody.jsonl", False, f"unreadable ({exc.__class__.__name__})")
        return []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            event = json.loads(line)
            stored = event.pop("hash")
        except (ValueError, KeyError, AttributeError):
            verdict.check("custody.jsonl", False, f"line {n} is not a custody event")
            return events
        if event.get("seq") != n or event.get("prev_hash") != prev or sha256_json(event) != stored:
            verdict.check("custody.jsonl", False, f"the chain breaks at event #{n}")
            return events
        event["hash"] = stored
        events.append(event)
        prev = stored
    head = (manifest or {}).get("custody") or {}
    if manifest is not None and (head.get("head") != prev or head.get("events") != len(events)):
        verdict.check("custody.jsonl", False, "does not end at the head named in manifest.json")
        return events
    # Each original must have been recorded in the chain with the same hash.
    recorded = {(e["object_id"], e["content_sha256"]) for e in events if e.get("action") == "attachment.add"}
    for item in (manifest or {}).get("files") or []:
        if (item.get("attachment_id"), item.get("sha256")) not in recorded:
            verdict.check(str(item.get("path")), False, "not recorded in the custody chain with this SHA-256")
    # Each complaint draft's text was saved through the custody chain with this hash.
    saved_hashes = {e["content_sha256"] for e in events if e.get("action") == "complaint.save"}
    for item in (manifest or {}).get("complaints") or []:
        if item.get("body_sha256") not in saved_hashes:
            verdict.check(f"complaints/{item.get('channel')}", False,
                          "draft not recorded in the custody chain with this SHA-256")
    verdict.checks.append(("custody.jsonl", True, f"{len(events)} events, chain intact"))
    return events


def _roots(zf, names):
    if "keys/tsa-chain.pem" not in names:
        return None
    data = _read_small(zf, "keys/tsa-chain.pem", 1024 * 1024)
    return [x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def _token_ok(zf, names, path, digest: bytes, roots, verdict, label):
    if path not in names:
        return verdict.check(label, False, f"missing file {path}")
    try:
        response = tsp.TimeStampResp.load(_read_small(zf, path, 1024 * 1024))
        token = response["time_stamp_token"]
        gen_time, name = validate_token(token, digest, roots=roots, check_time=False)
    except (TimestampError, ValueError, KeyError, TypeError) as exc:
        return verdict.check(label, False, f"{path}: {exc}")
    verdict.checks.append((label, True, f"{gen_time:%Y-%m-%d %H:%M:%S %Z} · {name}"))
    return True


def _check_timestamps(zf, names, manifest, events, verdict):
    roots = _roots(zf, names)
    if "manifest.json.tsr" in names:
        _token_ok(zf, names, "manifest.json.tsr", manifest["_sha256"], roots, verdict, "manifest.json.tsr")
    for item in manifest.get("files") or []:
        stamp = item.get("timestamp")
        if not stamp:
            continue
        try:
            digest = merkle.root_from_path(bytes.fromhex(item["sha256"]), stamp.get("merkle_path") or [])
        except (ValueError, TypeError, KeyError):
            verdict.check(str(item.get("path")), False, "malformed timestamp proof")
            continue
        _token_ok(zf, names, stamp.get("token"), digest, roots, verdict, f"timestamp of {item.get('path')}")
    head = (manifest.get("custody") or {}).get("timestamp")
    if head:
        by_seq = {e["seq"]: e for e in events}
        event = by_seq.get(head.get("seq"))
        if event is None:
            verdict.check("custody timestamp", False, "names an event that is not in custody.jsonl")
        else:
            digest = merkle.root_from_path(bytes.fromhex(event["hash"]), head.get("merkle_path") or [])
            _token_ok(zf, names, head.get("token"), digest, roots, verdict, f"custody chain timestamp (#{event['seq']})")
