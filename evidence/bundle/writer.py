"""The evidence bundle (证据包): a ZIP anyone can verify with coreutils and openssl.

Layout (../shared/docs/PRODUCT.md, docs/bundle-format.md):

    evidence/NNNN-<kind>-<YYYYMMDD>/<file>   originals, byte-identical
    timestamps/<sha256>.tsr                  RFC 3161 tokens
    custody.jsonl  timeline.csv  keys/  README.txt
    complaints/<channel>.docx|.pdf          the saved complaint drafts
    manifest.json  manifest.json.sig  manifest.json.tsr
    catalog.pdf    SHA256SUMS

The ZIP is a stream (zipstream-ng, stored not deflated: media is already
compressed). Originals are decrypted chunk by chunk as the ZIP is written and
re-hashed on the way: a file whose bytes no longer match the SHA-256 recorded at
capture aborts the export instead of shipping doubtful evidence. Names inside the
ZIP are ASCII (Chinese Windows tools mangle UTF-8 names); contents are Chinese.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from zipstream import ZIP_STORED, ZipStream

from django.template.loader import render_to_string

from evidence.complaints import drafts as complaints
from evidence.complaints import render as documents
from evidence.custody.chain import event_payload
from evidence.custody.snapshots import entry_snapshot
from evidence.custody.timestamps import TimestampError, request_token, tsa_ca_pem, tsa_configured
from evidence.lib.canonical import canonical_json, sha256_json
from evidence.lib.labels import CHANNEL_ZH, DIRECTION_ZH, KIND_ZH, format_duration, tags_zh
from evidence.lib.spreadsheet import safe_row
from evidence.models import Attachment, Case, ComplaintDraft, CustodyEvent, Entry, Timestamp
from evidence.rules.stats import case_stats, outside_permitted
from evidence.store import blobstore, crypto
from evidence.store.media import MAX_INSPECT_BYTES

from . import pdfsign, redacted, signing
from .catalog import render_catalog
from .catalog_data import catalog_data as build_catalog_data, entry_purpose, rules_by_entry

log = logging.getLogger("liuzheng.bundle")

FORMAT_VERSION = "2.0"
ASSETS = os.path.join(os.path.dirname(__file__), "assets")
# The seal, last: SHA256SUMS covers every other member; it is signed (SHA256SUMS.sig) and,
# with a TSA, timestamped (SHA256SUMS.tsr), and the token's own bytes are signed too
# (SHA256SUMS.tsr.sig: nothing else covers them). See docs/bundle-format.md.
SEAL = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig")
GROUPS = ["call", "sms", "third_party", "visit", "post", "other"]
KIND_SLUG = {"call": "call", "sms": "sms", "third_party": "third-party", "visit": "visit", "post": "post",
             "other": "other"}
MEDIA_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/heic": ".heic",
             "audio/mp4": ".m4a", "audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/x-wav": ".wav", "audio/ogg": ".ogg",
             "audio/aac": ".aac", "video/mp4": ".mp4", "video/quicktime": ".mov", "video/3gpp": ".3gp",
             "video/webm": ".webm", "application/pdf": ".pdf"}
NOT_LEGAL_ADVICE = "本工具不构成法律意见 / not legal advice"


class BundleIntegrityError(Exception):
    """A stored original no longer matches its recorded hash: refuse to export it."""


def ascii_name(name: str, fallback: str, media_type: str) -> str:
    base = os.path.basename(name or "")
    stem, ext = os.path.splitext(base)
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:60]
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:8].lower()
    ext = f".{ext}" if ext else MEDIA_EXT.get(media_type, ".bin")
    return f"{stem or fallback}{ext}"


@dataclass
class PlannedFile:
    attachment: Attachment
    path: str
    entry_number: str


@dataclass
class PlannedEntry:
    entry: Entry
    seq: int  # 1… by time: the NNNN of its folder
    number: str  # catalog number, grouped by kind: 1-1, 1-2, 2-1 …
    local: datetime
    files: list = field(default_factory=list)


def select_entries(case: Case, selection: dict) -> list[Entry]:
    qs = Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False).select_related(
        "case", "witness_submission", "import_item").order_by("occurred_at", "pk")
    zone = zoneinfo.ZoneInfo(case.owner.time_zone or settings.LIUZHENG_DEFAULT_TIME_ZONE)
    if selection.get("from"):
        start = date.fromisoformat(selection["from"])
        qs = qs.filter(occurred_at__gte=timezone.make_aware(datetime.combine(start, time.min), zone))
    if selection.get("to"):
        end = date.fromisoformat(selection["to"]) + timedelta(days=1)
        qs = qs.filter(occurred_at__lt=timezone.make_aware(datetime.combine(end, time.min), zone))
    if selection.get("entries"):
        qs = qs.filter(pk__in=selection["entries"])
    return list(qs.prefetch_related("attachments__transcripts", "attachments__timestamps__token",
                                    "attachments__derivatives"))


class BundleWriter:
    """Plans a case's bundle and writes it as a stream of ZIP bytes."""

    def __init__(self, case: Case, *, actor_label: str, selection: dict | None = None, now=None, progress=None):
        self.case = case
        self.actor_label = actor_label
        self.selection = selection or {}
        self.now = now or timezone.now()
        self.zone = zoneinfo.ZoneInfo(case.owner.time_zone or settings.LIUZHENG_DEFAULT_TIME_ZONE)
        self.progress = progress or (lambda fraction: None)
        self.sums: dict[str, str] = {}  # path -> sha256 of everything written so far
        self.sizes: dict[str, int] = {}
        local_now = timezone.localtime(self.now, self.zone)
        self.file_name = f"case-{str(case.pk)[:8]}-{local_now:%Y%m%d-%H%M%S}.zip"
        self._keys = {}  # see crypto.keys_scope: one key look-up per export, not per field
        with crypto.keys_scope(self._keys):
            self.entries = self._plan(select_entries(case, self.selection))
        self.events = list(CustodyEvent.objects.filter(case=case).order_by("seq"))
        # Saved complaint drafts go into complaints/ (drafts never saved are not part of the case).
        self.complaints = list(ComplaintDraft.objects.filter(case=case).select_related("case").order_by("channel"))
        self._stats = None
        self.total_bytes = sum(f.attachment.size for e in self.entries for f in e.files) or 1
        self.done_bytes = 0
        self.manifest_sha256 = ""
        self.manifest_tsr = None
        self._core = None
        self._head = None  # [the chain-head Timestamp or None], see _head_stamp
        self._tsa_chain = b""

    # ------------------------------------------------------------------ plan

    def _local(self, dt):
        return timezone.localtime(dt, self.zone) if dt else None

    def _night(self, entry) -> bool:
        """Outside the hours the case's rule set permits, on the local time the bundle prints
        (the owner's zone): a 夜间 mark must agree with the time printed beside it."""
        return outside_permitted(self.stats().permitted, self._local(entry.occurred_at).hour)

    def _fmt(self, dt, seconds=False):
        local = self._local(dt)
        return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") if local else ""

    def _plan(self, entries):
        counters = {g: 0 for g in GROUPS}
        planned = []
        for seq, entry in enumerate(entries, start=1):
            counters[entry.kind] += 1
            local = self._local(entry.occurred_at)
            number = f"{GROUPS.index(entry.kind) + 1}-{counters[entry.kind]}"
            item = PlannedEntry(entry=entry, seq=seq, number=number, local=local)
            folder = f"evidence/{seq:04d}-{KIND_SLUG[entry.kind]}-{local:%Y%m%d}"
            used = set()
            for i, att in enumerate(entry.attachments.all(), start=1):
                name = ascii_name(att.original_name, f"{att.kind}-{i:02d}", att.media_type)
                stem, ext = os.path.splitext(name)
                while name in used:
                    name = f"{stem}-{i:02d}{ext}"
                    i += 100
                used.add(name)
                item.files.append(PlannedFile(attachment=att, path=f"{folder}/{name}", entry_number=number))
            planned.append(item)
        return planned

    # ------------------------------------------------------------------ writing

    def _record(self, path: str, data: bytes) -> bytes:
        self.sums[path] = hashlib.sha256(data).hexdigest()
        self.sizes[path] = len(data)
        return data

    def _lazy(self, path, build):
        """A document built when the stream reaches it (after everything before it)."""
        with crypto.keys_scope(self._keys):
            data = build()
        yield self._record(path, data)

    def _original(self, planned: PlannedFile):
        att = planned.attachment
        digest, size = hashlib.sha256(), 0
        for chunk in blobstore.iter_plain(self.case.owner_id, att.pk, "original", att.blob_key):
            digest.update(chunk)
            size += len(chunk)
            self.done_bytes += len(chunk)
            self.progress(min(0.95, 0.9 * self.done_bytes / self.total_bytes))
            yield chunk
        if digest.hexdigest() != att.sha256 or size != att.size:
            raise BundleIntegrityError(f"attachment {att.pk} no longer matches its recorded SHA-256")
        self.sums[planned.path] = att.sha256
        self.sizes[planned.path] = size

    def stream(self):
        """Yield the ZIP, chunk by chunk, in constant memory."""
        zs = self._zip = ZipStream(compress_type=ZIP_STORED)
        for item in self.entries:
            for planned in item.files:
                zs.add(self._original(planned), planned.path, size=planned.attachment.size)
        with crypto.keys_scope(self._keys):
            transcripts = self._transcripts()
        for path, text in transcripts.items():
            zs.add(self._lazy(path, lambda text=text: text.encode("utf-8")), path)
        for path, copy in redacted.members(self):  # "redacted copies for regulators" (bundle/redacted.py)
            zs.add(self._lazy(path, lambda copy=copy: redacted.read(self, copy)), path)
        for path, der in self._tokens().items():
            zs.add(self._lazy(path, lambda der=der: der), path)
        zs.add(self._lazy("timestamps/proofs.txt", self.proofs_txt), "timestamps/proofs.txt")
        zs.add(self._lazy("custody.jsonl", self.custody_jsonl), "custody.jsonl")
        zs.add(self._lazy("timeline.csv", self.timeline_csv), "timeline.csv")
        zs.add(self._lazy("keys/signing-key.pem", signing.public_pem), "keys/signing-key.pem")
        self._tsa_chain = tsa_ca_pem() if self._tsa_on() else b""
        if self._tsa_chain:
            zs.add(self._lazy("keys/tsa-chain.pem", lambda: self._tsa_chain), "keys/tsa-chain.pem")
        for draft in self.complaints:
            stem = f"complaints/{draft.channel}"
            zs.add(self._lazy(f"{stem}.docx", lambda d=draft: self._complaint_file(d, "docx")), f"{stem}.docx")
            zs.add(self._lazy(f"{stem}.pdf", lambda d=draft: self._complaint_file(d, "pdf")), f"{stem}.pdf")
        for name in ("verify.sh", "verify.html", "verify.js"):
            zs.add(self._lazy(name, lambda name=name: _asset(name)), name)
        zs.add(self._lazy("README.txt", self.readme), "README.txt")
        zs.add(self._lazy("manifest.json", self.manifest), "manifest.json")
        zs.add(self._lazy("manifest.json.sig", self._sign_and_queue_the_rest), "manifest.json.sig")
        yield from zs
        self.progress(1.0)

    # ------------------------------------------------------------------ documents

    def _tsa_on(self):
        return tsa_configured()

    def _file_stamp(self, att):
        stamps = [s for s in att.timestamps.all() if s.token_id]
        return stamps[0] if stamps else None

    def _tokens(self) -> dict:
        tokens = {}
        for item in self.entries:
            for planned in item.files:
                stamp = self._file_stamp(planned.attachment)
                if stamp:
                    tokens[f"timestamps/{planned.attachment.sha256}.tsr"] = bytes(stamp.token.der)
        head = self._head_stamp()
        if head:
            tokens[f"timestamps/{head.digest}.tsr"] = bytes(head.token.der)
        return tokens

    def _transcript_path(self, planned: PlannedFile) -> str:
        return "transcripts/" + planned.path.removeprefix("evidence/") + ".txt"

    def _transcripts(self) -> dict:
        """The newest 录音文字整理稿 of each recording as a plain UTF-8 file, so the text
        is signed and hashed like every other member (not only printed inside catalog.pdf)."""
        out = {}
        for item in self.entries:
            for planned in item.files:
                transcripts = list(planned.attachment.transcripts.all())
                if transcripts:
                    out[self._transcript_path(planned)] = transcripts[0].text
        return out

    def proofs_txt(self) -> bytes:
        """One line per timestamp proof, for verify.sh (no JSON parser in POSIX sh):
        `file <member> <token> [L|R<sibling hex> …]` or `chain <custody seq> <token> [L|R<sibling> …]`.
        The same facts as manifest.json (the verifier checks that they agree)."""
        return proofs_text(json.loads(self.manifest_preview()))

    def _head_stamp(self):
        """The newest chain-head token up to the last exported event: looked up once, so the
        tokens, the manifest and the catalog all name the same one (and it is one query)."""
        if self._head is None:
            last = self.events[-1].seq if self.events else 0
            self._head = [(Timestamp.objects.filter(case=self.case, subject="chain", token__isnull=False,
                                                    event__seq__lte=last)
                           .select_related("token", "event").order_by("-event__seq").first())]
        return self._head[0]

    def custody_jsonl(self) -> bytes:
        return b"".join(canonical_json({**event_payload(e), "hash": e.hash}) + b"\n" for e in self.events)

    def timeline_csv(self) -> bytes:
        out = io.StringIO()
        # Every cell quoted and neutralised against formula injection (evidence.lib.spreadsheet).
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(["序号", "编号", "时间", "类型", "方向", "号码", "时长", "对方自称", "联系人", "关系", "渠道",
                         "内容", "标签", "附件", "记录ID"])
        for item in self.entries:
            e = item.entry
            writer.writerow(safe_row([item.seq, item.number, item.local.strftime("%Y-%m-%d %H:%M"), KIND_ZH[e.kind],
                             DIRECTION_ZH.get(e.direction, ""), e.number, format_duration(e.duration_seconds),
                             e.claimed_identity, e.contact_name, e.contact_relation, CHANNEL_ZH.get(e.channel, ""),
                             e.content, tags_zh(e.tags),
                             " ".join(f.path for f in item.files), str(e.pk)]))
        # A BOM makes Excel (and WPS) open UTF-8 as UTF-8.
        return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")

    def _complaint_file(self, draft, fmt: str) -> bytes:
        body = complaints.draft_body(draft)
        return documents.render_docx(body) if fmt == "docx" else documents.render_pdf(body)

    def _complaints_json(self, about) -> list:
        out = []
        for d in self.complaints:
            digest = sha256_json(json.loads(d.body))
            out.append({"channel": d.channel, "revision": d.revision, "body_sha256": digest,
                        "saved_at": _utc(d.updated_at),
                        "files": [f"complaints/{d.channel}.docx", f"complaints/{d.channel}.pdf"],
                        "custody_event_seqs": about.get(str(d.pk), [])})
        return out

    def readme(self) -> bytes:
        preview = json.loads(self.manifest_preview())
        example = next((f for f in preview["files"] if f.get("timestamp")), None)
        steps = []
        if example:
            steps.append(f"h=$(sha256sum {example['path']} | cut -c1-64)")  # README.txt's step 4
            for side, sibling in example["timestamp"]["merkle_path"]:
                pair = f"{sibling}${{h}}" if side == "L" else f"${{h}}{sibling}"
                if len(steps) == 1:  # the first step hashes the leaf: 00 || hash
                    steps.append("h=$(printf '00%s' \"$h\" | tr a-f A-F | basenc --base16 -d | sha256sum | cut -c1-64)")
                steps.append(f"h=$(printf '01%s' \"{pair}\" | tr a-f A-F | basenc --base16 -d | sha256sum | cut -c1-64)")
            steps.append(f"openssl ts -verify -digest \"$h\" -in {example['timestamp']['token']} "
                         "-CAfile keys/tsa-chain.pem")
        head = (preview.get("custody") or {}).get("timestamp")
        return render_to_string("evidence/bundle_readme.txt", {
            "bundle": self.file_name, "case": self.case, "exported_at": self._fmt(self.now, seconds=True),
            "zone": str(self.zone), "tsa": bool(self._tsa_chain), "tsa_chain": bool(self._tsa_chain),
            "fingerprint": signing.fingerprint(signing.public_pem()), "format_version": FORMAT_VERSION,
            "site_url": (settings.LIUZHENG_SITE_URL or "").rstrip("/"), "example": example, "merkle_steps": steps,
            "head": head, "redacted": bool(redacted.members(self)),
        }).encode("utf-8")

    def _events_about(self):
        about = {}
        for e in self.events:
            about.setdefault(e.object_id, []).append(e.seq)
        return about

    def manifest_preview(self) -> str:
        """The manifest without `documents` (the hashes of the files written before it):
        what README.txt and timestamps/proofs.txt are made from."""
        if getattr(self, "_core", None) is None:
            self._core = self._manifest_core()
        return json.dumps(self._core, ensure_ascii=False, sort_keys=True)

    def manifest(self) -> bytes:
        manifest = json.loads(self.manifest_preview())
        manifest["documents"] = [{"path": p, "sha256": self.sums[p], "size": self.sizes[p]} for p in sorted(self.sums)
                                 if not p.startswith("evidence/")]
        self.manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        self.manifest_sha256 = hashlib.sha256(self.manifest_bytes).hexdigest()
        return self.manifest_bytes

    def _manifest_core(self) -> dict:
        about = self._events_about()
        head = self._head_stamp()
        case = self.case
        rules_of = rules_by_entry(self.stats().findings)
        files, entries = [], []
        for item in self.entries:
            e = item.entry
            entries.append({
                "id": str(e.pk), "seq": item.seq, "number": item.number, "kind": e.kind,
                "occurred_at": e.occurred_at.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
                "occurred_at_local": item.local.isoformat(), "direction": e.direction, "call_outcome": e.call_outcome,
                "duration_seconds": e.duration_seconds, "channel": e.channel, "tags": e.tags or [],
                "number_called_from": e.number, "claimed_identity": e.claimed_identity, "content": e.content,
                "contact_name": e.contact_name, "contact_relation": e.contact_relation, "notes": e.notes,
                "purpose": entry_purpose(e, item.local, night=self._night(e), rules=rules_of.get(str(e.pk), [])),
                "revision": e.revision,
                "content_sha256": sha256_json(entry_snapshot(e)), "custody_event_seqs": about.get(str(e.pk), []),
                "files": [f.path for f in item.files],
            })
            for planned in item.files:
                att = planned.attachment
                stamp = self._file_stamp(att)
                files.append({
                    "path": planned.path, "sha256": att.sha256, "size": att.size, "media_type": att.media_type,
                    "kind": att.kind, "original_name": att.original_name, "entry": str(e.pk),
                    "attachment_id": str(att.pk), "captured_at": _utc(att.captured_at),
                    "received_at": _utc(att.uploaded_at), "duration_seconds": att.duration_seconds,
                    "custody_event_seqs": about.get(str(att.pk), []),
                    "timestamp": _stamp_json(stamp, f"timestamps/{att.sha256}.tsr") if stamp else None,
                    "transcript": self._transcript_json(planned),
                    **({"redacted": r} if (r := redacted.manifest_item(self, planned, about)) else {}),
                })
        tsa = self._tsa_on()
        return {
            "format_version": FORMAT_VERSION,
            "generator": "Liuzheng 留证",
            "bundle": self.file_name,
            "exported_at": _utc(self.now),
            "exported_by": self.actor_label,
            "time_zone": str(self.zone),
            "case": {
                "id": str(case.pk), "lender": case.lender, "product": case.product, "amount_owed": case.amount_owed,
                "overdue_since": case.overdue_since.isoformat() if case.overdue_since else None,
                "collector_numbers": _lines(case.collector_numbers), "agencies": _lines(case.agencies),
                # The borrower's legal name (the profile's), never the username; null when not given.
                "borrower": (getattr(case.owner, "legal_name", "") or "").strip() or None,
            },
            "selection": {"from": self.selection.get("from"), "to": self.selection.get("to"),
                          "entries": self.selection.get("entries"), "redacted_copies": redacted.wanted(self)},
            "entries": entries,
            "files": files,
            "complaints": self._complaints_json(about),
            "custody": {
                "events": len(self.events), "head_seq": self.events[-1].seq if self.events else 0,
                "head": self.events[-1].hash if self.events else "",
                "timestamp": _stamp_json(head, f"timestamps/{head.digest}.tsr") | {"seq": head.event.seq}
                if head else None,
            },
            "signature": {"algorithm": "Ed25519", "file": "manifest.json.sig", "public_key": "keys/signing-key.pem",
                          "key_fingerprint_sha256": signing.fingerprint(signing.public_pem())},
            # Format 2: what covers the members written after this file (docs/bundle-format.md).
            # manifest.json.tsr, when a TSA answered, is listed in the signed SHA256SUMS, and
            # then SHA256SUMS.tsr must be there too.
            "integrity": {
                "sums": "SHA256SUMS", "sums_signature": "SHA256SUMS.sig", "sums_timestamp": "SHA256SUMS.tsr",
                "manifest_timestamp": "manifest.json.tsr",
                "after_manifest": ["manifest.json.sig", "catalog.pdf"],
                "tsa_configured": tsa,
            },
            "notice": NOT_LEGAL_ADVICE,
        }

    def _transcript_json(self, planned: PlannedFile):
        transcripts = list(planned.attachment.transcripts.all())
        if not transcripts:
            return None
        text = transcripts[0].text.encode("utf-8")
        return {"path": self._transcript_path(planned), "sha256": hashlib.sha256(text).hexdigest(),
                "saved_at": _utc(transcripts[0].created_at), "revisions": len(transcripts)}

    def _sign_and_queue_the_rest(self) -> bytes:
        """Sign the manifest; then queue what depends on it. Files queued now come after
        this one; SHA256SUMS lists them all and is itself signed and timestamped last."""
        signature = signing.sign(self.manifest_bytes)
        if self._tsa_on():
            try:
                der, *_ = request_token(hashlib.sha256(self.manifest_bytes).digest())
                self.manifest_tsr = der
                self._zip.add(self._lazy("manifest.json.tsr", lambda: der), "manifest.json.tsr")
            except TimestampError as exc:
                # Offline: the bundle is complete and signed, times are the server's. SHA256SUMS
                # (signed) then does not list manifest.json.tsr, so a removed token still shows.
                log.warning("No timestamp for the manifest of %s: %s", self.file_name, exc)
        self._zip.add(self._lazy("catalog.pdf", self.signed_catalog_pdf), "catalog.pdf")
        self._zip.add(self._lazy("SHA256SUMS", self._sums_and_queue_the_seal), "SHA256SUMS")
        return signature

    def _sums_and_queue_the_seal(self) -> bytes:
        sums = self.sha256sums()
        self._zip.add(self._lazy("SHA256SUMS.sig", lambda: signing.sign(sums)), "SHA256SUMS.sig")
        if self.manifest_tsr:
            # A TSA answered a moment ago: the verifier requires this token whenever SHA256SUMS
            # lists manifest.json.tsr, so a failure here fails the export (it is retried).
            der, *_ = request_token(hashlib.sha256(sums).digest())
            self._zip.add(self._lazy("SHA256SUMS.tsr", lambda: der), "SHA256SUMS.tsr")
            self._zip.add(self._lazy("SHA256SUMS.tsr.sig", lambda: signing.sign(der)), "SHA256SUMS.tsr.sig")
        return sums

    def catalog_pdf(self) -> bytes:
        out = io.BytesIO()
        render_catalog(self.catalog_data(), out)
        return out.getvalue()

    def signed_catalog_pdf(self) -> bytes:
        """catalog.pdf as the catalog builder made it, PAdES-signed (and timestamped with a TSA)."""
        return pdfsign.sign_pdf(self.catalog_pdf(), timestamp=self._tsa_on())

    def catalog_data(self) -> dict:
        """What catalog.pdf prints: built in catalog_data.py (the 证据目录's court-facing choices)."""
        return build_catalog_data(self)

    def stats(self):
        """Statistics and findings over the exported entries (not the whole case: a finding
        in the catalog rests only on entries that are in the bundle)."""
        if self._stats is None:
            self._stats = case_stats(self.case, [i.entry for i in self.entries])
        return self._stats

    def _printable_image(self, att) -> bytes | None:
        if att.media_type in ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp") \
                and att.size <= MAX_INSPECT_BYTES:
            return blobstore.read_bytes(self.case.owner_id, att.pk, "original", att.blob_key)
        if att.has_thumbnail:
            return blobstore.read_bytes(self.case.owner_id, att.pk, "thumbnail", att.thumb_key)
        return None

    def sha256sums(self) -> bytes:
        # coreutils format: "<hash>  <path>", checked with `sha256sum -c SHA256SUMS`.
        return "".join(f"{h}  {p}\n" for p, h in sorted(self.sums.items())).encode("ascii")


def _asset(name: str) -> bytes:
    with open(os.path.join(ASSETS, name), "rb") as f:
        return f.read()


def proofs_text(manifest: dict) -> bytes:
    """timestamps/proofs.txt from a manifest (the writer and the verifier share it)."""
    lines = []
    for item in manifest.get("files") or []:
        stamp = item.get("timestamp")
        if stamp:
            steps = " ".join(f"{side}{sibling}" for side, sibling in stamp.get("merkle_path") or [])
            lines.append(f"file {item['path']} {stamp['token']} {steps}".rstrip())
    head = (manifest.get("custody") or {}).get("timestamp")
    if head:
        steps = " ".join(f"{side}{sibling}" for side, sibling in head.get("merkle_path") or [])
        lines.append(f"chain {head['seq']} {head['token']} {steps}".rstrip())
    return "".join(line + "\n" for line in lines).encode("ascii")


def _utc(dt):
    return dt.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if dt else None


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _stamp_json(stamp, path):
    return {"token": path, "imprint": stamp.token.digest, "merkle_path": stamp.merkle_path,
            "gen_time": _utc(stamp.token.gen_time), "tsa": stamp.token.tsa_name}

