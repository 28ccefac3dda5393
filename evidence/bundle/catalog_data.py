"""What catalog.pdf prints (证据目录), built from a planned bundle (BundleWriter).

The court-facing choices live here, one place (docs/bundle-format.md, "catalog.pdf"):

- 证据种类 per item, from the kinds of evidence 民事诉讼法 art 66 lists: a screenshot or a
  file is 电子数据, a recording or a video 视听资料, what a witness sent without a file
  证人证言, a call the borrower only noted down 当事人陈述.
- 证据来源 per item, true to how it came in: 本人手机截图, 本人录音, 证人提交, 本人记录, 备份导入 ….
- 原件/复印件 per item: an identical copy of electronic data counts as an original
  (民事证据规定 art 15), so a file in the bundle is 原件 (电子数据); a note-only record has none.
- Calls without a file are grouped, one item per day or per number (the export's choice),
  each with its own table; 证明目的 is built from the findings, each phrase once.
- Every item says when it happened and when it was logged (its first custody event).
"""
from __future__ import annotations

import zoneinfo
from datetime import datetime

from asn1crypto import cms, tsp
from django.core.exceptions import ObjectDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from evidence.complaints.drafts import LANG, UNKNOWN, parties, rule_rows
from evidence.lib.labels import CHANNEL_ZH, DIRECTION_ZH, KIND_ZH, OUTCOME_ZH, TAG_ZH, format_duration
from evidence.custody.actions import Action
from evidence.rules import RULES_BY_ID
from evidence.rules.charts import catalog_charts

from . import redacted

GROUPINGS = ("day", "number")
DEFAULT_GROUPING = "day"
GROUP_ORDER = ["call", "sms", "third_party", "visit", "post", "other"]
UTC = zoneinfo.ZoneInfo("UTC")

# 证据种类 and 证据来源 by the kind of an attached file.
FILE_KIND = {"image": "电子数据", "document": "电子数据", "audio": "视听资料", "video": "视听资料"}
FILE_SOURCE = {"image": "本人手机截图", "audio": "本人录音", "video": "本人拍摄视频", "document": "本人提供的电子文件"}
FILE_NAME = {"image": "截图", "audio": "录音", "video": "视频", "document": "文件"}
# Tags an item's own facts already say, not repeated as 内容: its time says 夜间 (the mark
# follows the printed time and the case's rule set, never the tag), a group's count says 频繁来电.
SAID_BY_TIME = {"night"}
SAID_BY_COUNT = {"night", "repeated"}


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _sec(dt, zone) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if dt else ""


def _delay(happened: datetime, logged: datetime) -> str:
    minutes = int((logged - happened).total_seconds() // 60)
    if minutes < 0:
        return "（记录时间早于所记发生时间）"
    if minutes < 1:
        return "（发生后 1 分钟内记录）"
    if minutes < 120:
        return f"（发生后 {minutes} 分钟记录）"
    if minutes < 48 * 60:
        return f"（发生后约 {minutes // 60} 小时记录）"
    return f"（发生后约 {minutes // 1440} 天记录）"



def _imported(entry) -> bool:
    """Read from a phone backup (evidence.imports), not typed in."""
    try:
        return entry.import_item is not None
    except ObjectDoesNotExist:
        return False

def _direction_outcome(e) -> str:
    """来电·未接: the direction and what happened to the call (issue 14's outcome), each once."""
    direction = DIRECTION_ZH.get(e.direction, "")
    outcome = OUTCOME_ZH.get(e.call_outcome, "")
    if e.direction == "missed" and e.call_outcome == "missed":
        outcome = ""
    return "·".join(x for x in (direction, outcome) if x) or "—"


def rules_by_entry(findings) -> dict[str, list[str]]:
    """entry id -> the titles of the findings it is part of, in the order found."""
    out: dict[str, list[str]] = {}
    for f in findings:
        title = RULES_BY_ID[f.rule_id].titles[LANG]
        for eid in f.entry_ids:
            out.setdefault(eid, [])
            if title not in out[eid]:
                out[eid].append(title)
    return out


def about(entries, rules, *, said=SAID_BY_TIME) -> str:
    """'，内容涉及…；所涉情形：…' — each phrase once: no tag the item's facts already say
    (`said`), none a finding's title names again."""
    rules = list(dict.fromkeys(rules))
    tags = list(dict.fromkeys(TAG_ZH.get(t, t) for e in entries for t in (e.tags or []) if t not in said))
    tags = [t for t in tags if not any(t in r for r in rules)]
    text = f"，内容涉及{'、'.join(tags)}" if tags else ""
    if rules:
        text += f"；所涉情形：{'、'.join(rules)}"
    return text


def entry_purpose(e, local: datetime, *, night: bool, rules: list[str]) -> str:
    """证明目的 of one entry: the borrower's own words, or what the entry shows — never a legal
    verdict, each phrase once. One function for catalog.pdf and manifest.json. `night`:
    outside the hours the case's rule set permits (said by the time, so the 夜间 tag is not
    said again); `rules`: the titles of the findings the entry is part of."""
    if e.purpose:
        return e.purpose
    when = local.strftime("%Y年%m月%d日 %H:%M")
    night = night and not any("夜间" in r for r in rules)  # else the finding (夜间催收…) says it
    if e.kind == "call":
        text = f"证明催收方于{when}{'（夜间）' if night else ''}通过电话联系借款人"
    elif e.kind == "sms":
        text = f"证明催收方于{when}{'（夜间）' if night else ''}向借款人发送信息"
    elif e.kind == "third_party":
        who = "".join(x for x in [e.contact_relation, e.contact_name] if x) or "第三人"
        text = f"证明催收方于{when}联系借款人的{who}"
        if not any("爆通讯录" in r for r in rules):  # else a finding says it
            text += "，向与债务无关的第三人催收或透露债务（爆通讯录）"
    elif e.kind == "visit":
        text = f"证明催收人员于{when}上门催收"
    elif e.kind == "post":
        text = f"证明催收方于{when}公开发布或曝光借款人信息"
    else:
        text = f"证明{when}发生的催收相关事实"
    return text + about([e], rules)


class CatalogBuilder:
    def __init__(self, writer):
        self.w = writer
        self.case = writer.case
        self.zone = writer.zone
        grouping = (writer.selection or {}).get("grouping")
        self.grouping = grouping if grouping in GROUPINGS else DEFAULT_GROUPING
        self.stats = writer.stats()
        self.first_event = {}
        for e in writer.events:
            self.first_event.setdefault(e.object_id, e)
        # Which rules each entry is part of (finding titles, in the order found).
        self.rules_of = rules_by_entry(self.stats.findings)
        self.item_of: dict[str, str] = {}  # entry id -> catalog number

    # ------------------------------------------------------------------ times

    def logged(self, entry) -> tuple[str, str]:
        """(when it was logged, with its custody event number; how long after it happened)."""
        ev = self.first_event.get(str(entry.pk))
        at = ev.created_at if ev else entry.created_at
        text = _sec(at, self.zone) + (f"（保管链第 {ev.seq} 号事件）" if ev else "")
        return text, _delay(entry.occurred_at, at) if at else ""

    # ------------------------------------------------------------------ items

    def units(self) -> dict[str, list[list]]:
        """kind -> list of units; a unit is the planned entries of one catalog item."""
        out: dict[str, list[list]] = {g: [] for g in GROUP_ORDER}
        grouped: dict[tuple, list] = {}
        for item in self.w.entries:
            e = item.entry
            if e.kind == "call" and not item.files and e.source != "witness":
                key = (item.local.date().isoformat(),) if self.grouping == "day" else (e.number or "",)
                if key not in grouped:
                    grouped[key] = []
                    out["call"].append(grouped[key])
                grouped[key].append(item)
            else:
                out[e.kind].append([item])
        return out

    def groups(self) -> list[dict]:
        groups = []
        units = self.units()
        for gi, kind in enumerate(GROUP_ORDER, start=1):
            if not units[kind]:
                continue
            items = []
            for ii, unit in enumerate(units[kind], start=1):
                number = f"{gi}-{ii}"
                for p in unit:
                    self.item_of[str(p.entry.pk)] = number
                single = len(unit) == 1 and not (kind == "call" and not unit[0].files and unit[0].entry.source != "witness")
                items.append(self.single(number, unit[0]) if single else self.grouped(number, unit))
            groups.append({"number": str(gi), "title": KIND_ZH[kind], "items": items})
        return groups

    def _kind_source_original(self, item) -> tuple[str, str, str]:
        e = item.entry
        witness = e.source == "witness"
        kinds = list(dict.fromkeys(p.attachment.kind for p in item.files))
        if not kinds:
            if _imported(e):
                return ("电子数据", "备份导入",
                        "手机备份文件中的记录（备份文件加密保存于留证，其名称与 SHA-256 见本条备注）")
            if witness:
                return "证人证言", self._witness_source(e), "证人提交的书面陈述（电子数据，见证据包 manifest.json）"
            return "当事人陈述", "本人记录", "无原件（本人记录，当事人陈述）"
        kind = "、".join(dict.fromkeys(FILE_KIND.get(k, "电子数据") for k in kinds))
        if witness:
            source = self._witness_source(e)
        else:
            source = "、".join(FILE_SOURCE.get(k, FILE_SOURCE["document"]) for k in kinds)
        n = len(item.files)
        original = f"原件（电子数据{'，' + str(n) + ' 个文件' if n > 1 else ''}，见证据包）"
        audio = [p for p in item.files if p.attachment.kind == "audio"]
        if audio:
            written = all(list(p.attachment.transcripts.all()) for p in audio)
            original += "；本目录附录音文字整理稿" if written else "；录音文字整理稿缺失"
        return kind, source, original

    @staticmethod
    def _group_source(entries) -> tuple[str, str, str]:
        """Calls typed in by the borrower are their statement; calls read from a phone backup
        are records of the phone itself (electronic data) — said per group, truthfully."""
        imported = sum(1 for e in entries if _imported(e))
        if not imported:
            return "当事人陈述", "本人记录", "无原件（本人记录，当事人陈述）"
        backup = "手机备份文件中的通话记录（备份文件加密保存于留证，其名称与 SHA-256 见各条目备注）"
        if imported == len(entries):
            return "电子数据", "备份导入", backup
        return "电子数据、当事人陈述", "备份导入、本人记录", f"{backup}；其余为本人记录"

    @staticmethod
    def _witness_source(e) -> str:
        sub = e.witness_submission
        who = " ".join(x for x in (sub.name, sub.relation) if x)
        return "证人提交" + (f"（{who}）" if who else "")

    def purpose_single(self, item) -> str:
        e = item.entry
        return entry_purpose(e, item.local, night=self.w._night(e), rules=self.rules_of.get(str(e.pk), []))

    def _about(self, entries) -> str:
        return about(entries, [r for e in entries for r in self.rules_of.get(str(e.pk), [])], said=SAID_BY_COUNT)

    def single(self, number: str, item) -> dict:
        e = item.entry
        kind, source, original = self._kind_source_original(item)
        file_names = list(dict.fromkeys(FILE_NAME.get(p.attachment.kind, "文件") for p in item.files))
        name = f"{KIND_ZH[e.kind]}{'（' + '、'.join(file_names) + '）' if file_names else '记录'}"
        name += f" {item.local:%Y-%m-%d %H:%M}" + (f" {e.number}" if e.number else "")
        logged, delay = self.logged(e)
        facts = [["发生时间", item.local.strftime("%Y-%m-%d %H:%M")], ["记录时间", logged + delay]]
        for label, value in [("方向", DIRECTION_ZH.get(e.direction, "")), ("结果", OUTCOME_ZH.get(e.call_outcome, "")),
                             ("号码", e.number),
                             ("时长", format_duration(e.duration_seconds)), ("对方自称", e.claimed_identity),
                             ("被联系人", " ".join(x for x in [e.contact_name, e.contact_relation] if x)),
                             ("渠道", CHANNEL_ZH.get(e.channel, "")), ("内容", e.content),
                             ("标签", "、".join(TAG_ZH.get(t, t) for t in e.tags or [])), ("备注", e.notes),
                             ("记录版本", str(e.revision)), ("记录ID", str(e.pk))]:
            if value:
                facts.append([label, value])
        if e.source == "witness":
            sub = e.witness_submission
            facts.append(["证人提交", f"{sub.name} {sub.relation} {sub.phone}".strip()])
            facts.append(["提交来源", f"{_sec(sub.submitted_at, self.zone)} · IP {sub.ip} · "
                                  f"{sub.user_agent} · 链接 {sub.link_id}"])
        # Which files have a redacted copy, and whether this bundle carries it (bundle/redacted.py).
        copies = [fact for fact in (redacted.catalog_fact(self.w, p) for p in item.files) if fact]
        facts.extend(["脱敏副本", fact] for fact in copies)
        return {
            "number": number, "name": name, "kind": kind, "source": source,
            "purpose": self.purpose_single(item), "original": original,
            "remarks": (f"附件 {len(item.files)} 个" if item.files else "")
            + (("；附脱敏副本" if redacted.wanted(self.w) else "；另有脱敏副本") if copies else ""),
            "happened": item.local.strftime("%Y-%m-%d %H:%M"), "logged": logged,
            "facts": facts,
            "files": [self.file(p) for p in item.files],
        }

    def grouped(self, number: str, unit: list) -> dict:
        entries = [p.entry for p in unit]
        first, last = unit[0].local, unit[-1].local
        n = len(unit)
        # Not answered: the call's outcome (issue 14), or the direction old entries used for it.
        missed = sum(1 for e in entries if e.call_outcome == "missed" or e.direction == "missed")
        night = sum(1 for e in entries if self.w._night(e))
        numbers = list(dict.fromkeys(e.number for e in entries if e.number))
        if self.grouping == "day":
            name = f"催收电话记录 {first:%Y-%m-%d}（共 {n} 次）"
            head = f"证明催收方于{first:%Y年%m月%d日}以电话联系借款人 {n} 次"
        else:
            shown = numbers[0] if numbers else "未记录号码"
            name = f"催收电话记录 {shown}（共 {n} 次）"
            span = f"{first:%Y年%m月%d日}" + (f"至{last:%Y年%m月%d日}" if last.date() != first.date() else "")
            head = f"证明催收方于{span}使用号码 {shown} 以电话联系借款人 {n} 次"
        extra = [x for x in (f"其中未接 {missed} 次" if missed else "", f"夜间 {night} 次" if night else "") if x]
        purpose = head + (f"（{'，'.join(extra)}）" if extra else "") + self._about(entries)
        written = list(dict.fromkeys(e.purpose for e in entries if e.purpose))
        if written:
            purpose += "。本人另注：" + "；".join(written)
        rows = []
        for p in unit:
            e = p.entry
            logged, _delay_text = self.logged(e)
            rows.append([
                p.local.strftime("%m-%d %H:%M") if self.grouping == "number" else p.local.strftime("%H:%M"),
                e.number or "—", _direction_outcome(e), format_duration(e.duration_seconds) or "—",
                " ".join(x for x in (e.claimed_identity and f"自称{e.claimed_identity}", e.content) if x) or "—",
                logged.split("（")[0][5:16] if logged else "—",
                p.number,
            ])
        date_col = "时间" if self.grouping == "day" else "日期时间"
        kind, source, original = self._group_source(entries)
        return {
            "number": number, "name": name, "kind": kind, "source": source,
            "purpose": purpose, "original": original,
            "remarks": f"{n} 条记录",
            "happened": f"{first:%Y-%m-%d %H:%M} 至 {last:%Y-%m-%d %H:%M}" if n > 1 else f"{first:%Y-%m-%d %H:%M}",
            "logged": "各条记录时间见下表（保管链时间）",
            "facts": [["发生时间", f"{first:%Y-%m-%d %H:%M}" if n == 1 else
                       f"{first:%Y-%m-%d %H:%M} 至 {last:%H:%M}" if first.date() == last.date()
                       else f"{first:%Y-%m-%d %H:%M} 至 {last:%Y-%m-%d %H:%M}"],
                      ["号码", "、".join(numbers) or "未记录"]],
            "table": {"columns": [date_col, "号码", "方向·结果", "时长", "对方自称 / 内容", "记录时间", "时间线编号"],
                      "rows": rows},
            "files": [],
        }

    def file(self, planned) -> dict:
        att = planned.attachment
        w = self.w
        stamp = w._file_stamp(att)
        transcripts = list(att.transcripts.all())
        ev = self.first_event.get(str(att.pk))
        return {
            "path": planned.path, "name": planned.path.rsplit("/", 1)[-1], "sha256": att.sha256,
            "size": filesizeformat(att.size), "media_type": att.media_type, "kind": att.kind,
            "width": att.width, "height": att.height,
            "captured_at": _sec(att.captured_at, self.zone),
            "uploaded_at": _sec(att.uploaded_at, self.zone) + (f"（保管链第 {ev.seq} 号事件）" if ev else ""),
            "timestamp": (f"已获可信时间戳 · {_sec(stamp.token.gen_time, self.zone)} · {stamp.token.tsa_name}"
                          f" · 见附录“可信时间戳” timestamps/{att.sha256[:12]}…" if stamp else "仅服务器时间"),
            "image": (lambda att=att: w._printable_image(att)) if att.kind == "image" else None,
            "transcript": transcripts[0].text if transcripts else None,
        }

    # ------------------------------------------------------------------ appendix, custody

    def timestamps(self) -> list[dict]:
        """One row per token in the bundle: what it says (parsed from its DER) and what it covers."""
        tokens: dict[int, dict] = {}

        def add(token, path, covers):
            row = tokens.get(token.pk)
            if row is None:
                row = tokens[token.pk] = {"path": path, "tsa": token.tsa_name, "url": token.tsa_url,
                                          "imprint": token.digest, "covers": [], **tst_info(bytes(token.der))}
                row["gen_time"] = row.get("gen_time") or _sec(token.gen_time, UTC) + " UTC"
            row["covers"].append(covers)

        for item in self.w.entries:
            for p in item.files:
                stamp = self.w._file_stamp(p.attachment)
                if stamp:
                    add(stamp.token, f"timestamps/{p.attachment.sha256}.tsr",
                        {"what": p.path, "sha256": p.attachment.sha256,
                         "token": f"timestamps/{p.attachment.sha256}.tsr",
                         "merkle_path": [list(step) for step in stamp.merkle_path or []]})
        head = self.w._head_stamp()
        if head:
            add(head.token, f"timestamps/{head.digest}.tsr",
                {"what": f"保管链第 {head.event.seq} 号事件的哈希（链头）", "sha256": head.digest,
                 "token": f"timestamps/{head.digest}.tsr",
                 "merkle_path": [list(step) for step in head.merkle_path or []]})
        rows = list(tokens.values())
        if getattr(self.w, "manifest_tsr", None):
            info = tst_info(self.w.manifest_tsr)
            rows.append({"path": "manifest.json.tsr", "covers": [{"what": "manifest.json（清单）",
                                                                  "sha256": info.get("imprint_hex", ""),
                                                                  "merkle_path": []}],
                         "tsa": info.get("tsa_name", ""), "url": "", "imprint": "", **info})
        return rows

    def custody(self) -> dict:
        events = self.w.events
        head = self.w._head_stamp()
        counts: dict[str, int] = {}
        for e in events:
            counts[e.action] = counts.get(e.action, 0) + 1
        with translation.override("zh-hans"):
            labels = {a: (f"{Action(a).label}（{a}）" if a in Action.values else a) for a in counts}
        counts = {labels[a]: n for a, n in counts.items()}
        return {
            "events": len(events),
            "first": _sec(events[0].created_at, self.zone) if events else "",
            "last": _sec(events[-1].created_at, self.zone) if events else "",
            "head_seq": events[-1].seq if events else 0,
            "head_hash": events[-1].hash if events else "",
            "by_action": sorted(counts.items(), key=lambda kv: -kv[1]),
            "head_token": ({"seq": head.event.seq, "path": f"timestamps/{head.digest}.tsr", "digest": head.digest,
                            "gen_time": _sec(head.token.gen_time, self.zone), "tsa": head.token.tsa_name,
                            "merkle": bool(head.merkle_path)} if head else None),
        }


def tst_info(der: bytes) -> dict:
    """serial, genTime (to the second, UTC), policy and imprint of a TimeStampResp or token."""
    try:
        try:
            token = tsp.TimeStampResp.load(der)["time_stamp_token"]
        except ValueError:
            token = cms.ContentInfo.load(der)
        info = token["content"]["encap_content_info"]["content"].parsed
        gen = info["gen_time"].native
        imprint = info["message_imprint"]
        tsa = info["tsa"]
        tsa_name = ""
        if tsa.native is not None:
            tsa_name = tsa.chosen.human_friendly if tsa.name == "directory_name" else str(tsa.native)
        return {"serial": "0x" + format(info["serial_number"].native, "x"), "tsa_name": tsa_name,
                "gen_time": gen.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") + " UTC",
                "policy": info["policy"].dotted,
                "imprint_alg": imprint["hash_algorithm"]["algorithm"].native,
                "imprint_hex": imprint["hashed_message"].native.hex()}
    except Exception:  # a token we cannot read is still listed; the verifier judges it
        return {"serial": "（无法解析）", "policy": "", "imprint_alg": "", "imprint_hex": ""}


def catalog_data(writer) -> dict:
    """The dict CatalogRenderer prints, from a BundleWriter (its plan, events and stats)."""
    w = writer
    b = CatalogBuilder(w)
    case = w.case
    groups = b.groups()
    dates = [i.local.date() for i in w.entries]
    calls = [i for i in w.entries if i.entry.kind == "call"]
    stats = b.stats
    findings = rule_rows(stats.findings)
    # 证据编号 of the findings: the catalog items the entries are in (1-1, 2-3 …), at most 20 per rule.
    by_rule: dict[str, list[str]] = {}
    for f in stats.findings:
        by_rule.setdefault(f.rule_id, []).extend(b.item_of[i] for i in f.entry_ids if i in b.item_of)
    for row, items in zip(findings, by_rule.values()):
        items = list(dict.fromkeys(items))
        row.append("、".join(items[:20]) + (f" 等 {len(items)} 项" if len(items) > 20 else ""))
    p = parties(case)
    p["plaintiff"] = p["plaintiff"] or UNKNOWN
    return {
        "charts": catalog_charts(stats),
        "findings": findings,
        "rule_set": {"cn": "中国", "us": "美国"}.get(case.rule_set, case.rule_set),
        "stats_zone": stats.zone,
        "title": "证据目录",
        "grouping": b.grouping,
        "case": {"lender": case.lender, "product": case.product, "amount_owed": case.amount_owed,
                 "overdue_since": case.overdue_since.isoformat() if case.overdue_since else "",
                 "borrower": p["plaintiff"], "plaintiff": p["plaintiff"], "defendants": p["defendants"],
                 "court": getattr(case, "court", "") or UNKNOWN,
                 "court_case_number": getattr(case, "court_case_number", "") or "（立案后填写）",
                 "cause": getattr(case, "cause", "") or UNKNOWN,
                 "loan_reference": case.loan_reference,
                 "collector_numbers": _lines(case.collector_numbers),
                 "agencies": _lines(case.agencies), "notes": case.notes},
        "period": {"from": w.selection.get("from") or (min(dates).isoformat() if dates else ""),
                   "to": w.selection.get("to") or (max(dates).isoformat() if dates else "")},
        "exported_at": f"{w._fmt(w.now, seconds=True)} ({w.zone})",
        "manifest_sha256": w.manifest_sha256,
        "bundle_name": w.file_name,
        # Format 2 (docs/bundle-format.md): SHA256SUMS lists every member and is itself signed
        # and timestamped; verify.sh runs every check, README.txt lists each one.
        "verify_howto": [
            "sh verify.sh",
            "sha256sum --strict -c SHA256SUMS",
            "openssl pkeyutl -verify -pubin -inkey keys/signing-key.pem -rawin -in SHA256SUMS "
            "-sigfile SHA256SUMS.sig",
        ] + (["openssl ts -verify -data SHA256SUMS -in SHA256SUMS.tsr -CAfile keys/tsa-chain.pem"]
             if getattr(w, "manifest_tsr", None) else []),
        "timestamp_note": ("清单文件（manifest.json）及各原件已由可信时间戳服务机构签发 RFC 3161 时间戳，详见附录。"
                           if getattr(w, "manifest_tsr", None) else
                           "未配置可信时间戳服务或服务未应答：清单的时间为本系统服务器时间。"),
        "groups": groups,
        "timeline": [[i.local.strftime("%Y-%m-%d %H:%M"), KIND_ZH[i.entry.kind], i.entry.number or "",
                      i.entry.content or i.entry.contact_name or "", b.item_of.get(str(i.entry.pk), "")]
                     for i in w.entries],
        "stats": [
            ["记录总数", str(len(w.entries))],
            ["催收电话", str(len(calls))],
            ["其中夜间（{1:02d}:00–{0:02d}:00）".format(*stats.permitted),
             str(sum(1 for i in calls if w._night(i.entry)))],
            ["短信 / 即时消息", str(sum(1 for i in w.entries if i.entry.kind == "sms"))],
            ["联系第三人（爆通讯录）", str(sum(1 for i in w.entries if i.entry.kind == "third_party"))],
            ["被联系的第三人（人数）", str(stats.third_parties)],
            ["附件（原件）", str(sum(len(i.files) for i in w.entries))],
            ["证据目录条目", str(sum(len(g["items"]) for g in groups))],
        ],
        "timestamps": b.timestamps(),
        "custody": b.custody(),
    }
