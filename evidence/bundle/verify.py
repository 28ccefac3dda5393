"""Verify an evidence bundle: every member covered by a signature, every hash, both
signatures, every timestamp token and the custody chain.

Whatever it is given — a truncated or garbage ZIP, stale CRCs, encrypted or oddly
compressed members, duplicate or mismatched names, bad PEM, absurd JSON — it ends in a
Verdict that names the member at fault (or says the upload is not a bundle), never in an
exception. Time and memory stay bounded by what was uploaded: members are streamed
through SHA-256 in 1 MiB chunks, a deflated member may not expand more than MAX_RATIO
times, and the small files (manifest, sums, custody chain) have size, line and nesting
limits checked before they are parsed.

Format 2 (docs/bundle-format.md): SHA256SUMS lists every member but SHA256SUMS,
SHA256SUMS.sig and SHA256SUMS.tsr, and is signed (SHA256SUMS.sig) and, when the manifest
says a TSA was configured, timestamped (SHA256SUMS.tsr): a member in neither is refused.
Format 1 bundles (manifest signed, SHA256SUMS not) are still read; the verdict says which
version it read and that catalog.pdf was not covered by a signature then.

Verdict texts are translatable and rendered in the language active when they are read.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, pem, tsp, x509
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from evidence.custody.chain import GENESIS
from evidence.custody.timestamps import TimestampError, validate_token
from evidence.lib import merkle
from evidence.lib.canonical import sha256_json

from . import signing, tokenparse

CHUNK = 1024 * 1024
SMALL = 4 * 1024 * 1024  # members up to this size are read once and kept while checking
MAX_MEMBERS = 100_000
MAX_NAME = 512
MAX_MANIFEST = 32 * 1024 * 1024
MAX_SUMS = 16 * 1024 * 1024
MAX_CUSTODY = 128 * 1024 * 1024
MAX_TOKEN = 256 * 1024
MAX_KEY = 64 * 1024
MAX_TSA_CHAIN = 2 * 1024 * 1024
MAX_TOKENS = 5_000  # distinct token files checked (each costs a CMS validation)
MAX_RATIO = 50  # a deflated member may not expand more than this (bundles are stored)
MAX_BRACKETS = 200_000  # JSON containers in manifest.json, plus 40 per ZIP member
MAX_REPORTED = 1_000  # checks kept; past that, only counted
SEAL = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig")
_SUMS_LINE = re.compile(r"^([0-9a-f]{64}) [ *]([\x21-\x7e]+)$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SAFE_NAME = re.compile(r"[\x21-\x5b\x5d-\x7e]+")  # printable ASCII, no space, no backslash


class Refused(Exception):
    """A member is unusable: the message names why (already translatable)."""

    def __init__(self, message, **params):
        super().__init__(str(message))
        self.message, self.params = message, params


@dataclass
class Check:
    member: str  # the ZIP member the check is about, or "ZIP"
    ok: bool
    message: object  # a lazy translatable string with %(name)s placeholders
    params: dict = field(default_factory=dict)

    @property
    def detail(self) -> str:
        text = str(self.message)
        try:
            return text % self.params if self.params else text
        except (KeyError, ValueError, TypeError):
            return text

    def __str__(self):
        return f"{self.member}: {self.detail}"


@dataclass
class Verdict:
    results: list = field(default_factory=list)
    format_version: str = ""
    signer_fingerprint: str = ""
    signed_by_this_installation: bool = False
    counts: dict = field(default_factory=dict)  # what was checked, for the summary line
    dropped: int = 0  # checks past MAX_REPORTED, counted only
    failed: int = 0
    stage: str = "ZIP"  # the member being checked: what a last-resort failure names

    @property
    def ok(self):
        return self.failed == 0

    def add(self, member, ok, message, **params):
        if not ok:
            self.failed += 1
        if len(self.results) < MAX_REPORTED:
            self.results.append(Check(str(member)[:MAX_NAME], ok, message, params))
        else:
            self.dropped += 1
        return ok

    def fail(self, member, message, **params):
        return self.add(member, False, message, **params)

    def passed(self, member, message, **params):
        return self.add(member, True, message, **params)

    # The shapes the page, the command and the tests read.
    @property
    def checks(self):
        return [(c.member, c.ok, c.detail) for c in self.results]

    @property
    def problems(self):
        return [str(c) for c in self.results if not c.ok]

    @property
    def faults(self) -> list:
        """The members named by failing checks."""
        return [c.member for c in self.results if not c.ok]

    @property
    def summary(self) -> str:
        c = self.counts
        if self.ok:
            return gettext("Verified (bundle format %(version)s): %(files)s, %(signatures)s, %(tokens)s and "
                           "%(events)s — every check holds.") % {
                "version": self.format_version or "?",
                "files": ngettext("%(n)d file's SHA-256", "%(n)d files' SHA-256", c.get("files", 0)) % {
                    "n": c.get("files", 0)},
                "signatures": ngettext("%(n)d signature", "%(n)d signatures", c.get("signatures", 0)) % {
                    "n": c.get("signatures", 0)},
                "tokens": ngettext("%(n)d timestamp", "%(n)d timestamps", c.get("tokens", 0)) % {
                    "n": c.get("tokens", 0)},
                "events": ngettext("%(n)d custody event", "%(n)d custody events", c.get("events", 0)) % {
                    "n": c.get("events", 0)},
            }
        return ngettext("Not verified (bundle format %(version)s): %(n)d check failed.",
                        "Not verified (bundle format %(version)s): %(n)d checks failed.", self.failed) % {
            "version": self.format_version or "?", "n": self.failed}


# --------------------------------------------------------------------------- reading members safely


class Bundle:
    """The ZIP, read defensively: every member read goes through here."""

    def __init__(self, zf, infos, max_total_bytes):
        self.zf = zf
        self.infos = {i.filename: i for i in infos}
        self.max_total_bytes = max_total_bytes
        self.names = set(self.infos)
        self.sha256: dict[str, str] = {}  # member -> actual SHA-256 (readable members only)
        self.unreadable: set = set()
        self._cache: dict = {}

    def read(self, name, limit):
        """A small member's bytes (read once, kept for the other checks)."""
        if name in self._cache:
            data = self._cache[name]
            if isinstance(data, Refused):
                raise data
            if len(data) > limit:
                raise Refused(_("too large to be this file (%(size)d bytes)"), size=len(data))
            return data
        info = self.infos[name]
        if info.file_size > limit:
            raise Refused(_("too large to be this file (%(size)d bytes)"), size=info.file_size)
        try:
            data = b"".join(self._chunks(info))
        except Refused as exc:
            self._cache[name] = exc
            raise
        self._cache[name] = data
        return data

    def _chunks(self, info):
        try:
            with self.zf.open(info) as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        except Refused:
            raise
        except Exception as exc:  # zipfile raises many kinds on damage: BadZipFile, NotImplementedError, …
            raise Refused(_("damaged in the ZIP (%(error)s)"), error=_describe(exc)) from exc

    def hash(self, name):
        if self.infos[name].file_size <= SMALL:
            return hashlib.sha256(self.read(name, SMALL)).hexdigest()
        digest = hashlib.sha256()
        for chunk in self._chunks(self.infos[name]):
            digest.update(chunk)
        return digest.hexdigest()


def _describe(exc) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _json(raw: bytes, member_count: int):
    """Parse JSON no bigger or more numerous than a real manifest can be (nesting past the
    interpreter's recursion limit ends in RecursionError, refused like any bad JSON)."""
    brackets = raw.count(b"{") + raw.count(b"[")
    if brackets > MAX_BRACKETS + 40 * member_count:
        raise Refused(_("has %(n)d JSON objects and lists: more than a bundle of this size can have"), n=brackets)
    def no_constant(name):
        raise ValueError(f"not JSON: {name}")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise Refused(_("is not valid JSON (%(error)s)"), error=_describe(exc)) from exc


# --------------------------------------------------------------------------- the verdict


def verify_bundle(source, *, max_total_bytes: int = 64 * 1024 ** 3, max_tokens: int = MAX_TOKENS) -> Verdict:
    """`source`: a path or a seekable binary file. Never raises on any content."""
    verdict = Verdict()
    try:
        zf = zipfile.ZipFile(source)
        infos = zf.infolist()
    except Exception as exc:  # noqa: BLE001 - not a ZIP, truncated, ZIP64 nonsense: all one verdict
        verdict.fail("ZIP", _("not a readable ZIP file, or truncated (%(error)s): this is not an evidence bundle"),
                     error=_describe(exc))
        return verdict
    with zf:
        try:
            _verify(zf, infos, verdict, max_total_bytes, max_tokens)
        except RecursionError:
            verdict.fail("ZIP", _("too deeply nested to check"))
        except Exception as exc:  # noqa: BLE001 - a last guard: a verdict, never a traceback
            verdict.fail(verdict.stage, _("could not be checked (%(error)s)"), error=_describe(exc))
    return verdict


def _verify(zf, infos, verdict, max_total_bytes, max_tokens):
    if not _check_shape(infos, verdict, max_total_bytes):
        return
    bundle = Bundle(zf, infos, max_total_bytes)
    manifest, raw_manifest = _load_manifest(bundle, verdict)
    version = str(manifest.get("format_version", "")) if manifest else ""
    verdict.format_version = version
    v2 = manifest is not None and version.split(".")[0] not in ("", "1")
    if manifest is not None and version.split(".")[0] not in ("1", "2"):
        verdict.fail("manifest.json", _("format version %(version)s is not one this verifier knows (1, 2)"),
                     version=version[:20])
        return
    key, manifest_signed, sums_signed = _check_signatures(bundle, verdict, raw_manifest, v2)
    signed_hashes = {}
    if manifest_signed:
        for item in list(manifest.get("files") or []) + list(manifest.get("documents") or []):
            if isinstance(item.get("path"), str):
                signed_hashes[item["path"]] = item.get("sha256")
    listed = _check_sums(bundle, verdict, v2, sums_signed, signed_hashes)
    if manifest is None:
        return
    _check_manifest(bundle, verdict, manifest, listed, v2)
    events = _check_custody(bundle, verdict, manifest)
    _check_timestamps(bundle, verdict, manifest, raw_manifest, events, v2, max_tokens, listed)
    if key and not v2:
        verdict.passed("catalog.pdf", _("format 1 bundle: catalog.pdf and README.txt are listed in SHA256SUMS "
                                        "only, which format 1 does not sign"))


def _check_shape(infos, verdict, max_total_bytes):
    if len(infos) > MAX_MEMBERS:
        return verdict.fail("ZIP", _("%(n)d members: more than a bundle can have"), n=len(infos))
    # An exported bundle's first member starts at its first byte. zipfile reads archives with
    # data before them, so a bundle cut short would otherwise be read as the last ZIP left
    # inside it (a complaint .docx is one) and blame that one's members.
    if infos and min(i.header_offset for i in infos) != 0:
        return verdict.fail("ZIP", _("its first file does not start at the beginning: the file is truncated or has "
                                     "data before it, so this is not an evidence bundle as exported"))
    total, seen, good = 0, set(), True
    for info in infos:
        name = info.filename
        if name in seen:
            good = verdict.fail(name, _("appears twice in the ZIP: refused (which copy would a reader open?)"))
        seen.add(name)
        if len(name) > MAX_NAME or not _SAFE_NAME.fullmatch(name) or name.startswith("/") \
                or ".." in name.split("/"):
            good = verdict.fail(name, _("unsafe or non-ASCII member name: bundles name members in plain ASCII"))
            continue
        if info.is_dir():
            continue
        if info.flag_bits & 0x1 or info.flag_bits & 0x40:
            good = verdict.fail(name, _("encrypted member: refused"))
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            good = verdict.fail(name, _("compressed with method %(method)d, which bundles never use"),
                                method=info.compress_type)
        elif info.compress_type == zipfile.ZIP_DEFLATED and \
                info.file_size > MAX_RATIO * info.compress_size + 64 * 1024:
            good = verdict.fail(name, _("would expand to %(size)d bytes from %(packed)d: refused (ZIP bomb?)"),
                                size=info.file_size, packed=info.compress_size)
        total += info.file_size
    if total > max_total_bytes:
        return verdict.fail("ZIP", _("%(size)d bytes uncompressed: over the limit"), size=total)
    if good:
        verdict.passed("ZIP", _("%(n)d members, a well-formed ZIP"), n=len(infos))
    return good


def _load_manifest(bundle, verdict):
    if "manifest.json" not in bundle.names:
        verdict.fail("manifest.json", _("missing: without it this is not an evidence bundle"))
        return None, None
    try:
        raw = bundle.read("manifest.json", MAX_MANIFEST)
        manifest = _json(raw, len(bundle.names))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("format_version"), str):
            raise Refused(_("is not a bundle manifest (no format_version)"))
        for key, kind in [("files", list), ("entries", list), ("documents", list), ("complaints", list),
                          ("custody", dict), ("integrity", dict)]:
            if manifest.get(key) is not None and not isinstance(manifest[key], kind):
                raise Refused(_("its %(key)s is not a %(kind)s"), key=key, kind=kind.__name__)
        for key in ("files", "documents", "complaints"):
            items = manifest.get(key) or []
            if len(items) > len(bundle.names) or not all(isinstance(i, dict) for i in items):
                raise Refused(_("its %(key)s list does not match the ZIP (%(n)d items)"), key=key, n=len(items))
    except Refused as exc:
        verdict.fail("manifest.json", exc.message, **exc.params)
        bundle.unreadable.add("manifest.json")
        return None, None
    return manifest, raw


def _check_sums(bundle, verdict, v2, sums_signed, signed_hashes) -> dict:
    """Hash every member once; compare with SHA256SUMS. Returns path -> listed sha256.
    A mismatch blames the member when SHA256SUMS is signed (format 2), and SHA256SUMS
    when the member matches the signed manifest instead: never an intact file."""
    verdict.stage = "SHA256SUMS"
    listed = {}
    sums_ok = "SHA256SUMS" in bundle.names
    if not sums_ok:
        verdict.fail("SHA256SUMS", _("missing"))
    else:
        try:
            text = bundle.read("SHA256SUMS", MAX_SUMS).decode("ascii")
            lines = text.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) > MAX_MEMBERS:
                raise Refused(_("has %(n)d lines: more than a bundle can have"), n=len(lines))
            for n, line in enumerate(lines, 1):
                m = _SUMS_LINE.match(line)
                if not m:
                    raise Refused(_("line %(n)d is not in sha256sum format"), n=n)
                if m.group(2) in listed:
                    raise Refused(_("lists %(name)s twice"), name=m.group(2)[:MAX_NAME])
                listed[m.group(2)] = m.group(1)
        except (Refused, UnicodeDecodeError) as exc:
            message, params = (exc.message, exc.params) if isinstance(exc, Refused) else (
                _("is not plain ASCII text"), {})
            verdict.fail("SHA256SUMS", message, **params)
            sums_ok, listed = False, {}
    good = 0
    for name in sorted(bundle.names):
        info = bundle.infos[name]
        if info.is_dir():
            continue
        try:
            bundle.sha256[name] = bundle.hash(name)
        except Refused as exc:
            verdict.fail(name, exc.message, **exc.params)
            bundle.unreadable.add(name)
            continue
        if name in SEAL:
            if not v2 and name != "SHA256SUMS":
                verdict.fail(name, _("not part of a format 1 bundle"))
            continue
        if not sums_ok:
            continue
        if name not in listed:
            verdict.fail(name, _("not covered: an extra file, not listed in SHA256SUMS"))
        elif listed[name] != bundle.sha256[name]:
            if not sums_signed and signed_hashes.get(name) == bundle.sha256[name]:
                verdict.fail("SHA256SUMS", _("its line for %(name)s is wrong (the file matches the signed "
                                             "manifest.json): SHA256SUMS was changed"), name=name)
            elif sums_signed:
                verdict.fail(name, _("altered: its SHA-256 differs from the one in SHA256SUMS"))
            else:
                verdict.fail(name, _("its SHA-256 differs from the one in SHA256SUMS, whose signature does not "
                                     "verify either: %(name)s or SHA256SUMS was changed"), name=name)
        else:
            good += 1
    for name in sorted(set(listed) - bundle.names):
        verdict.fail(name, _("missing: listed in SHA256SUMS but not in the ZIP"))
    for name in set(listed) & set(SEAL):
        verdict.fail("SHA256SUMS", _("lists %(name)s, which it cannot cover"), name=name)
    if sums_ok:
        verdict.add("SHA256SUMS", good == len(listed), _("%(good)d of %(n)d listed files match their SHA-256"),
                    good=good, n=len(listed))
    verdict.counts["files"] = good
    return listed if sums_ok else {}


def _signature(bundle, verdict, key, data_name, data, sig_name):
    if sig_name not in bundle.names:
        return verdict.fail(sig_name, _("missing: the signature of %(name)s"), name=data_name)
    try:
        sig = bundle.read(sig_name, 1024)
    except Refused as exc:
        return verdict.fail(sig_name, exc.message, **exc.params)
    if data is None:
        return verdict.fail(sig_name, _("cannot be checked: %(name)s is unreadable"), name=data_name)
    if not signing.verify(key, data, sig):
        return verdict.fail(sig_name, _("the Ed25519 signature of %(name)s does not verify: %(name)s or "
                                        "%(sig)s was changed"), name=data_name, sig=sig_name)
    verdict.counts["signatures"] = verdict.counts.get("signatures", 0) + 1
    return verdict.passed(sig_name, _("the Ed25519 signature of %(name)s verifies with keys/signing-key.pem"),
                          name=data_name)


def _check_signatures(bundle, verdict, raw_manifest, v2):
    """Both signatures (SHA256SUMS.sig in format 2). Returns the public key when usable."""
    name = "keys/signing-key.pem"
    if name not in bundle.names:
        verdict.fail(name, _("missing: nothing can be checked against the signing key"))
        return None, False, False
    try:
        key = bundle.read(name, MAX_KEY)
        verdict.signer_fingerprint = signing.fingerprint(key)
    except Refused as exc:
        verdict.fail(name, exc.message, **exc.params)
        return None, False, False
    except Exception:  # noqa: BLE001 - bad PEM, not Ed25519: one verdict
        verdict.fail(name, _("is not an Ed25519 public key in PEM"))
        return None, False, False
    manifest_ok = ok = _signature(bundle, verdict, key, "manifest.json", raw_manifest, "manifest.json.sig")
    sums_ok = False
    if v2:
        sums = None
        if "SHA256SUMS" in bundle.names and "SHA256SUMS" not in bundle.unreadable:
            try:
                sums = bundle.read("SHA256SUMS", MAX_SUMS)
            except Refused:
                sums = None
        sums_ok = _signature(bundle, verdict, key, "SHA256SUMS", sums, "SHA256SUMS.sig")
        ok = sums_ok and ok
        # The token over SHA256SUMS is covered by nothing else: its bytes are signed too.
        if "SHA256SUMS.tsr" in bundle.names or "SHA256SUMS.tsr.sig" in bundle.names:
            token = None
            if "SHA256SUMS.tsr" in bundle.names:
                try:
                    token = bundle.read("SHA256SUMS.tsr", MAX_TOKEN)
                except Refused:
                    token = None
            ok = _signature(bundle, verdict, key, "SHA256SUMS.tsr", token, "SHA256SUMS.tsr.sig") and ok
    try:  # (without a key of its own, e.g. the command line elsewhere, it is another installation's)
        verdict.signed_by_this_installation = signing.key_path().exists() and \
            signing.fingerprint(signing.public_pem()) == verdict.signer_fingerprint
    except Exception:  # noqa: BLE001 - verifying without a configured installation (CLI elsewhere)
        verdict.signed_by_this_installation = False
    return (key if ok else None), manifest_ok, sums_ok


def _check_redacted(bundle, verdict, manifest, documents):
    """Redacted copies (bundle/redacted.py): each one the manifest names is in the ZIP, among
    the documents, with its SHA-256, and made from the original its file entry describes."""
    for item in manifest.get("files") or []:
        copy = item.get("redacted")
        if copy is None:
            continue
        path = copy.get("path") if isinstance(copy, dict) else None
        if not isinstance(path, str) or path not in bundle.names or path not in documents:
            verdict.fail(str(path), _("missing: the redacted copy manifest.json lists"))
        elif bundle.sha256.get(path) not in (None, copy.get("sha256")):
            verdict.fail(path, _("altered: its SHA-256 differs from the one in manifest.json"))
        elif copy.get("original_sha256") != item.get("sha256"):
            verdict.fail(path, _("a redacted copy that names another original than %(name)s"),
                         name=str(item.get("path")))
        else:
            verdict.counts["redacted"] = verdict.counts.get("redacted", 0) + 1


def _check_manifest(bundle, verdict, manifest, listed, v2):
    """The manifest's own lists against the ZIP and SHA256SUMS."""
    verdict.stage = "manifest.json"
    items = list(manifest.get("files") or []) + list(manifest.get("documents") or [])
    named = set()
    for item in items:
        path, sha = item.get("path"), item.get("sha256")
        if not isinstance(path, str) or not isinstance(sha, str):
            verdict.fail("manifest.json", _("a file entry without a path or SHA-256"))
            continue
        named.add(path)
        if path not in bundle.names:
            verdict.fail(path, _("missing: listed in manifest.json but not in the ZIP"))
        elif path in bundle.sha256 and sha != bundle.sha256[path]:
            verdict.fail(path, _("altered: its SHA-256 differs from the one in manifest.json"))
    for item in manifest.get("files") or []:
        transcript = item.get("transcript")
        if isinstance(transcript, dict):
            path = transcript.get("path")
            if not isinstance(path, str) or path not in bundle.names:
                verdict.fail(str(path), _("missing: the transcript manifest.json lists"))
            elif bundle.sha256.get(path) not in (None, transcript.get("sha256")):
                verdict.fail(str(path), _("altered: its SHA-256 differs from the one in manifest.json"))
    documents = {item.get("path") for item in manifest.get("documents") or []}
    _check_redacted(bundle, verdict, manifest, documents)
    for complaint in manifest.get("complaints") or []:
        files = complaint.get("files")
        for path in files if isinstance(files, list) else []:
            if not isinstance(path, str) or path not in bundle.names or path not in documents:
                verdict.fail(str(path), _("complaint draft missing or not listed among the documents"))
    if v2:
        integrity = manifest.get("integrity") or {}
        after = integrity.get("after_manifest")
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            verdict.fail("manifest.json", _("format 2 manifest without its integrity section"))
            after = []
        # Everything SHA256SUMS lists is either named in the manifest or one of the files
        # the manifest says come after it: nothing else can have been signed in.
        optional = {"manifest.json.tsr"}  # there when a TSA answered at export; then SHA256SUMS lists it
        for path in sorted(set(listed) - named - set(after) - optional - {"manifest.json"}):
            verdict.fail(path, _("listed in SHA256SUMS but not in manifest.json"))
        for path in after:
            if path not in listed and path in bundle.names:
                verdict.fail(path, _("not covered: manifest.json says it follows, SHA256SUMS does not list it"))
            elif path not in bundle.names:
                verdict.fail(path, _("missing: manifest.json says the bundle has it"))
        if "manifest.json" not in listed and listed:
            verdict.fail("manifest.json", _("not listed in SHA256SUMS"))
        if "timestamps/proofs.txt" in bundle.names and "timestamps/proofs.txt" not in bundle.unreadable:
            # Here, not at the top: the writer pulls in the whole PDF and complaint stack, which the
            # verifier needs only for this one function (one definition of proofs.txt).
            from .writer import proofs_text

            try:
                expected = proofs_text(manifest)
            except (KeyError, TypeError, AttributeError, ValueError):
                expected = None
            try:
                actual = bundle.read("timestamps/proofs.txt", MAX_SUMS)
            except Refused:
                actual = None
            if actual is not None and actual != expected:
                verdict.fail("timestamps/proofs.txt", _("does not state the proofs manifest.json states"))
    verdict.passed("manifest.json", _("lists %(files)d originals and %(entries)d entries, all present"),
                   files=len(manifest.get("files") or []), entries=len(manifest.get("entries") or []))


def _check_custody(bundle, verdict, manifest):
    name = verdict.stage = "custody.jsonl"
    if name not in bundle.names:
        verdict.fail(name, _("missing"))
        return []
    try:
        text = bundle.read(name, MAX_CUSTODY).decode("utf-8")
    except Refused as exc:
        verdict.fail(name, exc.message, **exc.params)
        return []
    except UnicodeDecodeError:
        verdict.fail(name, _("is not UTF-8 text"))
        return []
    events, prev = [], GENESIS
    for n, line in enumerate(text.splitlines(), 1):
        try:
            if len(line) > 64 * 1024:
                raise ValueError("line too long")
            event = json.loads(line, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            stored = event.pop("hash")
            ok = event.get("seq") == n and event.get("prev_hash") == prev and sha256_json(event) == stored
        except (ValueError, KeyError, AttributeError, TypeError, RecursionError):
            verdict.fail(name, _("line %(n)d is not a custody event"), n=n)
            return events
        if not ok:
            verdict.fail(name, _("the chain breaks at event #%(n)d"), n=n)
            return events
        event["hash"] = stored
        events.append(event)
        prev = stored
    head = manifest.get("custody") or {}
    if head.get("head") != prev or head.get("events") != len(events):
        verdict.fail(name, _("does not end at the head named in manifest.json"))
        return events
    recorded = {(e.get("object_id"), e.get("content_sha256")) for e in events if e.get("action") == "attachment.add"}
    for item in manifest.get("files") or []:
        if (item.get("attachment_id"), item.get("sha256")) not in recorded:
            verdict.fail(str(item.get("path")), _("not recorded in the custody chain with this SHA-256"))
    # A redacted copy: its attachment.redact event hashes the original's and the copy's SHA-256
    # with the boxes (cases.services.redaction_event_content), so the copy is tied to its original.
    redactions = {(e.get("object_id"), e.get("content_sha256")) for e in events
                  if e.get("action") == "attachment.redact"}
    for item in manifest.get("files") or []:
        copy = item.get("redacted")
        if not isinstance(copy, dict):
            continue
        try:
            content = sha256_json({"attachment": item.get("attachment_id"),
                                   "original_sha256": copy.get("original_sha256"),
                                   "copy_sha256": copy.get("sha256"), "boxes": list(copy.get("boxes") or [])})
        except (TypeError, ValueError):
            content = None
        if (copy.get("id"), content) not in redactions or copy.get("original_sha256") != item.get("sha256"):
            verdict.fail(str(copy.get("path")), _("redacted copy not recorded in the custody chain with this "
                                                  "SHA-256, original and boxes"))
    saved = {e.get("content_sha256") for e in events if e.get("action") == "complaint.save"}
    for item in manifest.get("complaints") or []:
        if item.get("body_sha256") not in saved:
            verdict.fail(f"complaints/{item.get('channel')}", _("draft not recorded in the custody chain with this "
                                                               "SHA-256"))
    verdict.counts["events"] = len(events)
    verdict.passed(name, _("%(n)d events, every hash link holds, ending at the head in manifest.json"),
                   n=len(events))
    return events


# --------------------------------------------------------------------------- timestamps


@functools.lru_cache(maxsize=64)
def _parse_roots(data: bytes):
    roots = []
    for kind, _headers, der in pem.unarmor(data, multiple=True):
        if kind != "CERTIFICATE":
            raise ValueError(kind)
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # noqa: B018 - parse it all now: asn1crypto is lazy and would raise later
        roots.append(cert)
    if not roots:
        raise ValueError("no certificate")
    return roots


def _roots(bundle, verdict):
    name = "keys/tsa-chain.pem"
    if name not in bundle.names:
        return None, b""
    try:
        data = bundle.read(name, MAX_TSA_CHAIN)
        roots = _parse_roots(data)
    except Refused as exc:
        verdict.fail(name, exc.message, **exc.params)
        return [], b""
    except Exception:  # noqa: BLE001 - bad PEM or DER: binascii.Error, ValueError, …
        verdict.fail(name, _("is not a PEM file of certificates"))
        return [], b""
    return roots, data


@functools.lru_cache(maxsize=4096)
def _validate_cached(der: bytes, digest: bytes, roots_pem: bytes):
    """(gen_time, tsa name) or raises TimestampError. Read exactly as strictly as
    `openssl ts -verify` reads it (tokenparse.py; tests/bundle/test_token_strict.py flips
    every byte of a real token and compares): the answer decodes against OpenSSL's
    templates, the status is granted, the token is a SignedData over a TSTInfo with one
    signer, and its digestAlgorithms are known and name the signer's. Then the
    signature, the chain and the imprint are checked (validate_token) on what OpenSSL
    uses: the certificates it can read and the signer's key with its digestAlgorithm.
    Trailing bytes are ignored, as openssl ignores them."""
    try:
        read, signed_attrs = tokenparse.check(der)
        response = tsp.TimeStampResp.load(read)
        if response["status"]["status"].native not in ("granted", "granted_with_mods"):
            raise TimestampError("the TSA did not grant it")
        token = response["time_stamp_token"]
        if token["content_type"].native != "signed_data":
            raise TimestampError("not a SignedData token")
        signed_data = token["content"]
        if signed_data["encap_content_info"]["content_type"].native != "tst_info":
            raise TimestampError("not a TSTInfo token")
        signers = list(signed_data["signer_infos"])
        algorithms = [a["algorithm"].native for a in signed_data["digest_algorithms"]]
        if len(signers) != 1 or any(re.fullmatch(r"[0-9.]+", a) for a in algorithms) \
                or signers[0]["digest_algorithm"]["algorithm"].native not in algorithms:
            raise TimestampError("its digest algorithms do not match its signer")
        token = _as_openssl_uses_it(token, signed_attrs)
    except TimestampError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise TimestampError(f"not an RFC 3161 token ({exc.__class__.__name__})") from exc
    roots = list(_parse_roots(roots_pem)) if roots_pem else None
    return validate_token(token, digest, roots=roots, check_time=False)


_SIGNATURE_SUFFIX = {"rsa": "rsa", "ec": "ecdsa", "dsa": "dsa"}


def _as_openssl_uses_it(token, signed_attrs: bytes | None):
    """The token as OpenSSL's PKCS7 verification sees it. An embedded certificate OpenSSL
    can decode but asn1crypto cannot read in full (a damaged extension value, date or key
    of a CA the trust store supplies anyway) is left out: openssl never uses it either,
    and were it needed for the chain the chain fails here as there. The SignerInfo's
    signatureAlgorithm is what the signer's key and digestAlgorithm make it: PKCS7
    verifies with those and ignores that field (and its parameters), and the versions of the
    SignedData and the SignerInfo. The signed attributes
    are the ones OpenSSL checks the signature over: re-encoded from what it decoded (its
    PKCS7_ATTR_VERIFY), not the bytes as received."""
    signed_data = token["content"]
    kept = []
    for choice in signed_data["certificates"] or []:
        try:
            choice.native  # noqa: B018 - asn1crypto is lazy: read it all now or never
            kept.append(choice)
        except Exception:  # noqa: BLE001 - unreadable: OpenSSL keeps it but never looks inside
            continue
    signer = signed_data["signer_infos"][0]
    sid = signer["sid"]
    if sid.name != "issuer_and_serial_number":
        raise TimestampError("its signer is not named by issuer and serial number")
    md = signer["digest_algorithm"]["algorithm"].native
    claimed = signer["signature_algorithm"]["algorithm"].native
    key = None
    for choice in kept:
        cert = choice.chosen
        if choice.name == "certificate" and cert.serial_number == sid.chosen["serial_number"].native \
                and cert.issuer.dump() == sid.chosen["issuer"].dump():
            key = cert.public_key.algorithm
    suffix = _SIGNATURE_SUFFIX.get(key)
    expected = {f"{md}_{suffix}"} | ({"rsassa_pkcs1v15", "rsassa_pss"} if key == "rsa" else set())
    copy = cms.ContentInfo.load(token.dump())
    sd = copy["content"]
    # OpenSSL reads neither version; asn1crypto takes a v1 SignedData for PKCS#7 and would
    # not find the TSTInfo in its OCTET STRING.
    sd["version"] = "v3"
    sd["signer_infos"][0]["version"] = "v1"
    sd["certificates"] = cms.CertificateSet(kept) if kept else core.VOID
    info = sd["signer_infos"][0]
    info["digest_algorithm"] = algos.DigestAlgorithm({"algorithm": md})
    if signed_attrs is not None and info["signed_attrs"].contents != signed_attrs:
        info["signed_attrs"] = cms.CMSAttributes.load(b"\x31" + tokenparse._length(len(signed_attrs)) + signed_attrs)
    if suffix and claimed not in expected:
        info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": f"{md}_{suffix}"})
    return cms.ContentInfo.load(copy.dump(force=False))


def _token(bundle, verdict, path, digest: bytes, roots_pem, subject, state):
    """Check one token over `digest`, naming `subject` (the member it proves)."""
    if not isinstance(path, str) or path not in bundle.names:
        return verdict.fail(str(path) if isinstance(path, str) else subject,
                            _("missing: the timestamp of %(subject)s that manifest.json lists"), subject=subject)
    if path in bundle.unreadable:
        return False
    key = (path, digest)
    if key not in state["seen"]:
        if len(state["tokens"]) >= state["max"] and path not in state["tokens"]:
            return verdict.fail(path, _("more timestamp tokens than this verifier checks (%(n)d)"), n=state["max"])
        state["tokens"].add(path)
        try:
            der = bundle.read(path, MAX_TOKEN)
            state["seen"][key] = ("ok", _validate_cached(der, digest, roots_pem))
        except Refused as exc:
            state["seen"][key] = ("refused", exc)
        except TimestampError as exc:
            state["seen"][key] = ("bad", exc)
    kind, value = state["seen"][key]
    if kind == "refused":
        return verdict.fail(path, value.message, **value.params)
    if kind == "bad":
        return verdict.fail(path, _("the timestamp of %(subject)s does not verify (%(error)s)"),
                            subject=subject, error=str(value)[:200])
    gen_time, tsa_name = value
    verdict.counts["tokens"] = verdict.counts.get("tokens", 0) + 1
    return verdict.passed(path, _("RFC 3161 timestamp of %(subject)s: %(time)s by %(tsa)s"), subject=subject,
                          time=f"{gen_time:%Y-%m-%d %H:%M:%S %Z}", tsa=str(tsa_name)[:200])


def _merkle_root(leaf_hex, path):
    if not isinstance(leaf_hex, str) or not _HEX64.match(leaf_hex) or not isinstance(path, list) or len(path) > 64:
        raise ValueError("malformed")
    for step in path:
        if not (isinstance(step, list) and len(step) == 2 and step[0] in ("L", "R") and isinstance(step[1], str)
                and _HEX64.match(step[1])):
            raise ValueError("malformed step")
    return merkle.root_from_path(bytes.fromhex(leaf_hex), path)


def _check_timestamps(bundle, verdict, manifest, raw_manifest, events, v2, max_tokens, listed):
    verdict.stage = "manifest.json"  # the timestamps it lists
    roots, roots_pem = _roots(bundle, verdict)
    state = {"seen": {}, "tokens": set(), "max": max_tokens}
    # Format 2: a token over manifest.json is there when SHA256SUMS (signed) lists it, and
    # then SHA256SUMS.tsr must be there too. Format 1: whatever .tsr is there is checked.
    tsa = "manifest.json.tsr" in (listed if v2 else bundle.names)
    if tsa and roots is None:
        verdict.fail("keys/tsa-chain.pem", _("missing: the bundle has timestamps but not the TSA's certificates"))
    if tsa:
        _token(bundle, verdict, "manifest.json.tsr", hashlib.sha256(raw_manifest).digest(), roots_pem,
               "manifest.json", state)
        if v2 and "SHA256SUMS" in bundle.names and "SHA256SUMS" not in bundle.unreadable:
            try:
                sums = bundle.read("SHA256SUMS", MAX_SUMS)
                _token(bundle, verdict, "SHA256SUMS.tsr", hashlib.sha256(sums).digest(), roots_pem, "SHA256SUMS",
                       state)
            except Refused:
                pass
    elif v2:
        if "SHA256SUMS.tsr" in bundle.names:
            verdict.fail("SHA256SUMS.tsr", _("a token SHA256SUMS does not announce (it lists no manifest.json.tsr)"))
        if (manifest.get("integrity") or {}).get("tsa_configured"):
            verdict.passed("manifest.json", _("no time-stamping authority answered at export: the bundle's times "
                                              "are the server's"))
    for item in manifest.get("files") or []:
        stamp = item.get("timestamp")
        if not stamp:
            continue
        subject = str(item.get("path"))
        try:
            if not isinstance(stamp, dict):
                raise ValueError("malformed")
            digest = _merkle_root(item.get("sha256"), stamp.get("merkle_path") or [])
        except (ValueError, TypeError):
            verdict.fail(subject, _("malformed timestamp proof in manifest.json"))
            continue
        _token(bundle, verdict, stamp.get("token"), digest, roots_pem, subject, state)
    head = (manifest.get("custody") or {}).get("timestamp")
    if head:
        event = {e.get("seq"): e for e in events}.get(head.get("seq") if isinstance(head, dict) else None)
        if event is None:
            verdict.fail("custody.jsonl", _("the chain-head timestamp names an event that is not in custody.jsonl"))
            return
        try:
            digest = _merkle_root(event.get("hash"), head.get("merkle_path") or [])
        except (ValueError, TypeError):
            verdict.fail("custody.jsonl", _("malformed timestamp proof in manifest.json"))
            return
        _token(bundle, verdict, head.get("token"), digest, roots_pem, f"custody.jsonl #{event['seq']}", state)
