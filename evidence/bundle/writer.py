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
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from zipstream import ZIP_STORED, ZipStream

from django.template.loader import render_to_string

from evidence.complaints import drafts as complaints
from evidence.complaints import render as documents
from evidence.custody.chain import event_payload
from evidence.custody.snapshots import entry_snapshot
from evidence.custody.timestamps import TimestampError, request_token
from evidence.lib.canonical import canonical_json, sha256_json
from evidence.lib.labels import CHANNEL_ZH, DIRECTION_ZH, KIND_ZH, format_duration, tags_zh
from evidence.models import Attachment, Case, ComplaintDraft, CustodyEvent, Entry, Timestamp
from evidence.rules.charts import catalog_charts
from evidence.rules.stats import case_stats, outside_permitted
from evidence.store import blobstore, crypto
from evidence.store.media import MAX_INSPECT_BYTES

from . import signing
from .catalog import render_catalog

log = logging.getLogger("liuzheng.bundle")

FORMAT_VERSION = "1.0"
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


def default_purpose(entry: Entry, local: datetime, *, night: bool) -> str:
    """证明目的 when the borrower wrote none: what the entry shows, never a legal verdict.
    `night`: outside the hours the case's rule set permits, in the case's zone."""
    when = local.strftime("%Y年%m月%d日 %H:%M")
    tags = tags_zh(entry.tags)
    if entry.kind == "call":
        text = f"证明催收方于{when}{'（夜间）' if night else ''}通过电话联系借款人"
    elif entry.kind == "sms":
        text = f"证明催收方于{when}向借款人发送信息"
    elif entry.kind == "third_party":
        who = "".join(x for x in [entry.contact_relation, entry.contact_name] if x) or "第三人"
        text = f"证明催收方于{when}联系借款人的{who}，向与债务无关的第三人催收或透露债务（爆通讯录）"
    elif entry.kind == "visit":
        text = f"证明催收人员于{when}上门催收"
    elif entry.kind == "post":
        text = f"证明催收方于{when}公开发布或曝光借款人信息"
    else:
        text = f"证明{when}发生的催收相关事实"
    return text + (f"，内容涉及{tags}" if tags else "")


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
        "case", "witness_submission").order_by("occurred_at", "pk")
    zone = zoneinfo.ZoneInfo(case.owner.time_zone or settings.LIUZHENG_DEFAULT_TIME_ZONE)
    if selection.get("from"):
        start = date.fromisoformat(selection["from"])
        qs = qs.filter(occurred_at__gte=timezone.make_aware(datetime.combine(start, time.min), zone))
    if selection.get("to"):
        end = date.fromisoformat(selection["to"]) + timedelta(days=1)
        qs = qs.filter(occurred_at__lt=timezone.make_aware(datetime.combine(end, time.min), zone))
    if selection.get("entries"):
        qs = qs.filter(pk__in=selection["entries"])
    return list(qs.prefetch_related("attachments__transcripts", "attachments__timestamps__token"))


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
        for path, der in self._tokens().items():
            zs.add(self._lazy(path, lambda der=der: der), path)
        zs.add(self._lazy("custody.jsonl", self.custody_jsonl), "custody.jsonl")
        zs.add(self._lazy("timeline.csv", self.timeline_csv), "timeline.csv")
        zs.add(self._lazy("keys/signing-key.pem", signing.public_pem), "keys/signing-key.pem")
        if settings.LIUZHENG_TSA_CA_FILE:
            zs.add(self._lazy("keys/tsa-chain.pem", self.tsa_chain), "keys/tsa-chain.pem")
        for draft in self.complaints:
            stem = f"complaints/{draft.channel}"
            zs.add(self._lazy(f"{stem}.docx", lambda d=draft: self._complaint_file(d, "docx")), f"{stem}.docx")
            zs.add(self._lazy(f"{stem}.pdf", lambda d=draft: self._complaint_file(d, "pdf")), f"{stem}.pdf")
        zs.add(self._lazy("README.txt", self.readme), "README.txt")
        zs.add(self._lazy("manifest.json", self.manifest), "manifest.json")
        zs.add(self._lazy("manifest.json.sig", self._sign_and_queue_the_rest), "manifest.json.sig")
        yield from zs
        self.progress(1.0)

    # ------------------------------------------------------------------ documents

    def _tsa_on(self):
        return bool(settings.LIUZHENG_TSA_URLS)

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

    def _head_stamp(self):
        last = self.events[-1].seq if self.events else 0
        return (Timestamp.objects.filter(case=self.case, subject="chain", token__isnull=False, event__seq__lte=last)
                .select_related("token", "event").order_by("-event__seq").first())

    def custody_jsonl(self) -> bytes:
        return b"".join(canonical_json({**event_payload(e), "hash": e.hash}) + b"\n" for e in self.events)

    def timeline_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["序号", "编号", "时间", "类型", "方向", "号码", "时长", "对方自称", "联系人", "关系", "渠道",
                         "内容", "标签", "附件", "记录ID"])
        for item in self.entries:
            e = item.entry
            writer.writerow([item.seq, item.number, item.local.strftime("%Y-%m-%d %H:%M"), KIND_ZH[e.kind],
                             DIRECTION_ZH.get(e.direction, ""), e.number, format_duration(e.duration_seconds),
                             e.claimed_identity, e.contact_name, e.contact_relation, CHANNEL_ZH.get(e.channel, ""),
                             e.content, tags_zh(e.tags),
                             " ".join(f.path for f in item.files), str(e.pk)])
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

    def tsa_chain(self) -> bytes:
        with open(settings.LIUZHENG_TSA_CA_FILE, "rb") as f:
            return f.read()

    def readme(self) -> bytes:
        return render_to_string("evidence/bundle_readme.txt", {
            "bundle": self.file_name, "case": self.case, "exported_at": self._fmt(self.now, seconds=True),
            "zone": str(self.zone), "tsa": self._tsa_on(), "tsa_chain": bool(settings.LIUZHENG_TSA_CA_FILE),
            "fingerprint": signing.fingerprint(signing.public_pem()),
        }).encode("utf-8")

    def _events_about(self):
        about = {}
        for e in self.events:
            about.setdefault(e.object_id, []).append(e.seq)
        return about

    def manifest(self) -> bytes:
        about = self._events_about()
        head = self._head_stamp()
        case = self.case
        files, entries = [], []
        for item in self.entries:
            e = item.entry
            entries.append({
                "id": str(e.pk), "seq": item.seq, "number": item.number, "kind": e.kind,
                "occurred_at": e.occurred_at.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z"),
                "occurred_at_local": item.local.isoformat(), "direction": e.direction,
                "duration_seconds": e.duration_seconds, "channel": e.channel, "tags": e.tags or [],
                "number_called_from": e.number, "claimed_identity": e.claimed_identity, "content": e.content,
                "contact_name": e.contact_name, "contact_relation": e.contact_relation, "notes": e.notes,
                "purpose": e.purpose or default_purpose(e, item.local, night=self._night(e)), "revision": e.revision,
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
                })
        documents = [{"path": p, "sha256": self.sums[p], "size": self.sizes[p]} for p in sorted(self.sums)
                     if not p.startswith("evidence/")]
        manifest = {
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
                "borrower": case.owner.username,
            },
            "selection": {"from": self.selection.get("from"), "to": self.selection.get("to"),
                          "entries": self.selection.get("entries")},
            "entries": entries,
            "files": files,
            "documents": documents,
            "complaints": self._complaints_json(about),
            "custody": {
                "events": len(self.events), "head_seq": self.events[-1].seq if self.events else 0,
                "head": self.events[-1].hash if self.events else "",
                "timestamp": _stamp_json(head, f"timestamps/{head.digest}.tsr") | {"seq": head.event.seq}
                if head else None,
            },
            "signature": {"algorithm": "Ed25519", "file": "manifest.json.sig", "public_key": "keys/signing-key.pem",
                          "key_fingerprint_sha256": signing.fingerprint(signing.public_pem())},
            "notice": NOT_LEGAL_ADVICE,
        }
        self.manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        self.manifest_sha256 = hashlib.sha256(self.manifest_bytes).hexdigest()
        return self.manifest_bytes

    def _sign_and_queue_the_rest(self) -> bytes:
        """Sign the manifest; then queue what depends on it. Files queued now
        come after this one, so SHA256SUMS stays the last file and covers all."""
        signature = signing.sign(self.manifest_bytes)
        if self._tsa_on():
            try:
                der, *_ = request_token(hashlib.sha256(self.manifest_bytes).digest())
                self.manifest_tsr = der
                self._zip.add(self._lazy("manifest.json.tsr", lambda: der), "manifest.json.tsr")
            except TimestampError as exc:
                # Still complete and signed; README says the token is there only when a TSA answered.
                log.warning("No timestamp for the manifest of %s: %s", self.file_name, exc)
        self._zip.add(self._lazy("catalog.pdf", self.catalog_pdf), "catalog.pdf")
        self._zip.add(self._lazy("SHA256SUMS", self.sha256sums), "SHA256SUMS")
        return signature

    def catalog_pdf(self) -> bytes:
        out = io.BytesIO()
        render_catalog(self.catalog_data(), out)
        return out.getvalue()

    def catalog_data(self) -> dict:
        """What catalog.pdf prints, formatted for a Chinese reader in the owner's zone."""
        case = self.case
        groups = []
        for g in GROUPS:
            items = [i for i in self.entries if i.entry.kind == g]
            if items:
                groups.append({"number": str(GROUPS.index(g) + 1), "title": KIND_ZH[g],
                               "items": [self._catalog_item(i) for i in items]})
        dates = [i.local.date() for i in self.entries]
        calls = [i for i in self.entries if i.entry.kind == "call"]
        stats = self.stats()
        return {
            "charts": catalog_charts(stats),
            "findings": self._catalog_findings(stats),
            "rule_set": {"cn": "中国", "us": "美国"}.get(case.rule_set, case.rule_set),
            "stats_zone": stats.zone,
            "title": "证据目录",
            "case": {"lender": case.lender, "product": case.product, "amount_owed": case.amount_owed,
                     "overdue_since": case.overdue_since.isoformat() if case.overdue_since else "",
                     "borrower": case.owner.username, "collector_numbers": _lines(case.collector_numbers),
                     "agencies": _lines(case.agencies), "notes": case.notes},
            "period": {"from": self.selection.get("from") or (min(dates).isoformat() if dates else ""),
                       "to": self.selection.get("to") or (max(dates).isoformat() if dates else "")},
            "exported_at": f"{self._fmt(self.now, seconds=True)} ({self.zone})",
            "manifest_sha256": self.manifest_sha256,
            "bundle_name": self.file_name,
            "verify_howto": [
                "sha256sum -c SHA256SUMS",
                "openssl pkeyutl -verify -pubin -inkey keys/signing-key.pem -rawin -in manifest.json "
                "-sigfile manifest.json.sig",
            ] + (["openssl ts -verify -data manifest.json -in manifest.json.tsr -CAfile keys/tsa-chain.pem"]
                 if self.manifest_tsr else []),
            "timestamp_note": ("清单文件（manifest.json）及各原件已由可信时间戳服务机构签发 RFC 3161 时间戳。"
                               if self.manifest_tsr else
                               "未配置可信时间戳服务：各项时间为本系统服务器时间。"),
            "groups": groups,
            "timeline": [[i.local.strftime("%Y-%m-%d %H:%M"), KIND_ZH[i.entry.kind], i.entry.number or "",
                          (i.entry.content or i.entry.contact_name or "")[:60]] for i in self.entries],
            "stats": [
                ["记录总数", str(len(self.entries))],
                ["催收电话", str(len(calls))],
                ["其中夜间（{1:02d}:00–{0:02d}:00）".format(*stats.permitted),
                 str(sum(1 for i in calls if self._night(i.entry)))],
                ["短信 / 即时消息", str(sum(1 for i in self.entries if i.entry.kind == "sms"))],
                ["联系第三人（爆通讯录）", str(sum(1 for i in self.entries if i.entry.kind == "third_party"))],
                ["被联系的第三人（人数）", str(stats.third_parties)],
                ["附件（原件）", str(sum(len(i.files) for i in self.entries))],
            ],
        }

    def stats(self):
        """Statistics and findings over the exported entries (not the whole case: a finding
        in the catalog rests only on entries that are in the bundle)."""
        if self._stats is None:
            self._stats = case_stats(self.case, [i.entry for i in self.entries])
        return self._stats

    def _catalog_findings(self, stats) -> list[list[str]]:
        numbers = {str(i.entry.pk): i.number for i in self.entries}
        rows = complaints.rule_rows(stats.findings)
        # Which catalog items each rule rests on (1-1, 2-3 …), at most 20 per rule.
        by_rule: dict[str, list[str]] = {}
        for f in stats.findings:
            by_rule.setdefault(f.rule_id, []).extend(numbers[i] for i in f.entry_ids if i in numbers)
        for row, items in zip(rows, by_rule.values()):
            items = list(dict.fromkeys(items))
            row.append("、".join(items[:20]) + (f" 等 {len(items)} 项" if len(items) > 20 else ""))
        return rows

    def _catalog_item(self, item: PlannedEntry) -> dict:
        e = item.entry
        name = f"{KIND_ZH[e.kind]} {item.local:%Y-%m-%d %H:%M}"
        if e.number:
            name += f" {e.number}"
        facts = [["时间", item.local.strftime("%Y-%m-%d %H:%M")]]
        for label, value in [("方向", DIRECTION_ZH.get(e.direction, "")), ("号码", e.number),
                             ("时长", format_duration(e.duration_seconds)), ("对方自称", e.claimed_identity),
                             ("被联系人", " ".join(x for x in [e.contact_name, e.contact_relation] if x)),
                             ("渠道", CHANNEL_ZH.get(e.channel, "")), ("内容", e.content),
                             ("标签", tags_zh(e.tags)), ("备注", e.notes),
                             ("记录版本", str(e.revision)), ("记录ID", str(e.pk))]:
            if value:
                facts.append([label, value])
        if e.source == "witness":
            sub = e.witness_submission
            facts.append(["证人提交", f"{sub.name} {sub.relation} {sub.phone}".strip()])
            facts.append(["提交来源", f"{self._fmt(sub.submitted_at, seconds=True)} · IP {sub.ip} · "
                                  f"{sub.user_agent} · 链接 {sub.link_id}"])
        return {
            "number": item.number, "name": name,
            "source": "证人提交" if getattr(e, "source", "") == "witness" else "借款人本人手机（截图、录音、记录）",
            "purpose": e.purpose or default_purpose(e, item.local, night=self._night(e)),
            "original": "原件（电子数据）" if item.files else "记录",
            "remarks": f"附件 {len(item.files)} 个" if item.files else "",
            "facts": facts,
            "files": [self._catalog_file(f) for f in item.files],
        }

    def _catalog_file(self, planned: PlannedFile) -> dict:
        att = planned.attachment
        stamp = self._file_stamp(att)
        transcripts = list(att.transcripts.all())
        return {
            "path": planned.path, "name": planned.path.rsplit("/", 1)[-1], "sha256": att.sha256,
            "size": human_size(att.size), "media_type": att.media_type, "kind": att.kind,
            "captured_at": self._fmt(att.captured_at, seconds=True), "uploaded_at": self._fmt(att.uploaded_at, seconds=True),
            "timestamp": (f"已获可信时间戳 · {self._fmt(stamp.token.gen_time)} · {stamp.token.tsa_name}" if stamp
                          else "仅服务器时间"),
            "image": (lambda att=att: self._printable_image(att)) if att.kind == "image" else None,
            "transcript": transcripts[0].text if transcripts else None,
        }

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


def _utc(dt):
    return dt.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat().replace("+00:00", "Z") if dt else None


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _stamp_json(stamp, path):
    return {"token": path, "imprint": stamp.token.digest, "merkle_path": stamp.merkle_path,
            "gen_time": _utc(stamp.token.gen_time), "tsa": stamp.token.tsa_name}


def human_size(n):
    return filesizeformat(n)
