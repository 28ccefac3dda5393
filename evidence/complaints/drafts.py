"""The complaint kit: editable drafts of the letters a borrower sends, from the case.

Channels and what each letter needs come from shared/docs/LEGAL-FACTS.md
("China: complaint channels"): parties, collector numbers, loan id, a dated
incident table, each finding with its citation, the evidence catalog, demands,
signature and date.

The letters are written in Chinese whatever the interface language: they go to
Chinese regulators, the police and courts, which work in Chinese (the borrower
reads the UI in the language they chose; the letter is a Chinese document).

A draft body is plain JSON:

    {"channel": "nfra_12378", "title": "…",
     "sections": [{"key": "facts", "heading": "主要事实", "text": "…", "table": "incidents"}, …],
     "tables": {"incidents": {"columns": […], "rows": [[…], …], "note": "…"},
                "findings": {"columns": […], "rows": [[…], …]}},
     "generated_at": "2026-11-23T11:40:00+08:00"}

The user edits the title and the section texts; the tables are regenerated from
the case on request ("refresh"). render.py turns the body into .docx and PDF.
"""
from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

from django.utils import timezone

from evidence.lib.labels import KIND_ZH, tags_zh
from evidence.models import Attachment, Case, ComplaintDraft, Entry, Transcript
from evidence.rules import RULES_BY_ID, wording
from evidence.rules.stats import case_context, case_stats

LANG = "zh-hans"
MAX_SECTION = 20_000
MAX_INCIDENT_ROWS = 200  # the full record is the evidence catalog; a letter lists the incidents
BLANK = "＿＿＿＿＿＿"

# What the channel is for and what it needs: shown next to the draft (UI language
# via gettext in the template) and the source of each draft's sections.
CHANNELS = {
    "nfra_12378": {"title": "关于催收不当的投诉", "to": "国家金融监督管理总局（12378）",
                   "needs": "投诉人及联系方式、被投诉机构、投诉请求、主要事实和相关依据、签名"
                            "（《银行业保险业消费投诉处理管理办法》第13条）"},
    "nifa": {"title": "关于违规催收的举报", "to": "中国互联网金融协会 举报平台",
             "needs": "实名举报；每日举报次数有限"},
    "report_12321": {"title": "骚扰电话、短信举报材料", "to": "12321 网络不良与垃圾信息举报受理中心",
                     "needs": "号码、时间、内容"},
    "police": {"title": "报案材料", "to": "110 / 派出所",
               "needs": "威胁、侮辱、冒充公检法等情况；请要求出具受案回执（《公安机关办理行政案件程序规定》第61条）"},
    "court": {"title": "民事起诉状", "to": "人民法院",
              "needs": "民事起诉状 + 证据目录；案由：隐私权、个人信息保护纠纷"},
}


def file_stem(channel: str) -> str:
    return f"complaint-{channel}"


def draft_body(draft: ComplaintDraft) -> dict:
    return json.loads(draft.body)


# --------------------------------------------------------------------------- generating


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


UNKNOWN = "未填写"
DEFAULT_CAUSE = "隐私权、个人信息保护纠纷"


def parties(case: Case) -> dict:
    """原告/投诉人 and 被告/被投诉人 exactly as the borrower gave them (profile legal name,
    the lender's registered name, each collection agency); what is missing says 未填写."""
    legal = (getattr(case.owner, "legal_name", "") or "").strip()
    lender = (case.lender or "").strip()
    entity = (case.lender_entity or "").strip()
    if entity:
        first = entity + (f"（平台 / 产品：{lender}）" if lender and lender != entity else "")
    else:
        first = f"{lender or UNKNOWN}（法定名称{UNKNOWN}）"
    return {"plaintiff": legal, "lender": first, "agencies": _lines(case.agencies),
            "defendants": [f"出借方：{first}"] + [f"催收机构：{a}" for a in _lines(case.agencies)]}


def evidence_kinds(case: Case, me: str = "本人") -> list[str]:
    """The kinds of evidence the case actually has, in the words of a letter, for its 证据 paragraph."""
    entries = Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False)
    atts = Attachment.objects.filter(entry__in=entries)
    kinds = []
    image_on = set(atts.filter(kind="image").values_list("entry__kind", flat=True))
    if image_on & {"sms", "third_party", "post", "other"}:
        kinds.append("短信及聊天截图")
    if image_on & {"call"}:
        kinds.append("通话记录截图")
    if image_on & {"visit"}:
        kinds.append("现场照片")
    if atts.filter(kind="audio").exists():
        kinds.append("通话录音")
        if Transcript.objects.filter(attachment__in=atts.filter(kind="audio")).exists():
            kinds.append("录音文字整理稿")
    if atts.filter(kind="video").exists():
        kinds.append("视频")
    if atts.filter(kind="document").exists():
        kinds.append("电子文件")
    if entries.filter(witness_submission__isnull=False).exists():
        kinds.append("证人提交的材料")
    if entries.filter(attachments__isnull=True, witness_submission__isnull=True).exists():
        kinds.append(f"{me}对每次催收所作的记录")
    return kinds


def rule_rows(findings) -> list[list[str]]:
    """One row per rule: what happened (days, entries, first and last day) and its citation wording."""
    by_rule: dict[str, list] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    rows = []
    for rule_id, group in by_rule.items():
        rule = RULES_BY_ID[rule_id]
        sources = [s for s in rule.sources if any(s in f.sources for f in group)]
        entries = {i for f in group for i in f.entry_ids}
        days = [f.when for f in group if f.when]
        span = f"{min(days):%Y-%m-%d} 至 {max(days):%Y-%m-%d}" if days else ""
        what = f"{len(group)} 处（涉及 {len(entries)} 条记录{('，' + span) if span else ''}）。例：{group[0].summary[LANG]}"
        rows.append([rule.titles[LANG], what, wording(rule, LANG, SimpleNamespace(sources=tuple(sources)))])
    return rows


def _incident_rows(case: Case, findings, zone, *, numbers_only=False) -> tuple[list[list[str]], int]:
    """The dated incidents: the entries the findings rest on (or, for 12321, every collector
    call and message), oldest first, at most MAX_INCIDENT_ROWS."""
    qs = Entry.objects.filter(case=case, trashed_at__isnull=True, witness_pending=False).select_related("case")
    if numbers_only:
        qs = qs.filter(kind__in=["call", "sms"]).exclude(direction="outgoing")
    else:
        ids = {i for f in findings for i in f.entry_ids}
        qs = qs.filter(pk__in=ids)
    total = qs.count()
    rows = []
    for e in qs.order_by("occurred_at", "pk")[:MAX_INCIDENT_ROWS]:
        local = timezone.localtime(e.occurred_at, zone)
        text = " ".join((e.content or e.claimed_identity or "").split())
        if e.kind == "third_party":
            who = " ".join(x for x in (e.contact_relation, e.contact_name) if x)
            text = f"联系{who or '第三人'}：{text}" if text else f"联系{who or '第三人'}"
        if len(text) > 80:
            text = text[:79] + "…"
        tags = tags_zh(e.tags)
        rows.append([local.strftime("%Y-%m-%d %H:%M"), KIND_ZH.get(e.kind, e.kind), e.number or "",
                     text + (f"［{tags}］" if tags else "")])
    return rows, total


def _summary_line(stats, me: str = "我") -> str:
    """`me`: the one grammatical person of the document (我 in letters, 原告 in the 起诉状)."""
    if not stats.entries:
        return "（尚无记录）"
    start, end = stats.permitted
    parts = [f"自{stats.first_day:%Y年%m月%d日}至{stats.last_day:%Y年%m月%d日}，{me}共记录催收相关情况 {stats.entries} 次，"
             f"其中来电 {stats.calls} 次、短信/消息 {stats.messages} 次，"
             f"在 {end:02d}:00 至次日 {start:02d}:00 之间联系 {stats.night} 次"]
    if stats.third_parties:
        parts.append(f"催收方还联系了{me}的 {stats.third_parties} 位亲友、同事等第三人（共 {stats.third_party_contacts} 次）")
    return "；".join(parts) + "。"


def generate(case: Case, channel: str, *, now=None) -> dict:
    """A fresh draft of `channel` from the case as it is now."""
    info = CHANNELS[channel]
    stats = case_stats(case)
    zone = case_context(case).time_zone
    findings = stats.findings
    now = timezone.localtime(now or timezone.now(), zone)
    numbers = list(dict.fromkeys(_lines(case.collector_numbers) + [n for n, _count in stats.top_numbers]))
    incidents, total = _incident_rows(case, findings, zone, numbers_only=channel == "report_12321")
    note = (f"共 {total} 条，此处列出前 {len(incidents)} 条；完整记录见证据包中的证据目录（catalog.pdf）和 timeline.csv。"
            if total > len(incidents) else "完整记录见证据包中的证据目录（catalog.pdf）。")
    lender = case.lender or BLANK
    agencies = "、".join(_lines(case.agencies))
    loan = "；".join(x for x in (
        f"借款平台/机构：{lender}", f"产品：{case.product}" if case.product else "",
        f"借款合同/订单编号：{case.loan_reference or BLANK}",
        f"欠款金额：{case.amount_owed}" if case.amount_owed else "",
        f"逾期起始日：{case.overdue_since:%Y-%m-%d}" if case.overdue_since else "") if x)
    who = parties(case)
    name = who["plaintiff"] or BLANK
    me = f"姓名：{name}　身份证号：{BLANK}　联系电话：{BLANK}"
    respondent = who["lender"] + (f"（委托的催收机构：{agencies}）" if agencies else "")
    numbers_text = "、".join(numbers) or BLANK
    court = channel == "court"
    summary = _summary_line(stats, "原告" if court else "我")
    kinds = evidence_kinds(case, "原告" if court else "本人")
    catalog = ("已按《最高人民法院关于民事诉讼证据的若干规定》第十九条逐项编号、注明来源和证明目的，列入所附证据目录"
               "（catalog.pdf），原件及其 SHA-256 校验值见所附证据包。")
    if court:
        evidence = (f"原告提交的证据包括：{'、'.join(kinds)}。" if kinds else "原告提交的证据见所附证据包。") + catalog
    else:
        evidence = (f"上述情况有{'、'.join(kinds)}为证，" if kinds else "") + (
            "证据已逐项编号，列入所附证据目录（catalog.pdf），原件及其 SHA-256 校验值见所附证据包。")
    sign = f"{'具状人' if channel == 'court' else '投诉人' if channel in ('nfra_12378', 'nifa') else '举报人' if channel == 'report_12321' else '报案人'}（签名）：{BLANK}\n日期：{now.year}年　月　日"

    def s(key, heading, text, table=None):
        return {"key": key, "heading": heading, "text": text, **({"table": table} if table else {})}

    if channel == "nfra_12378":
        sections = [
            s("complainant", "投诉人", me),
            s("respondent", "被投诉机构", respondent),
            s("loan", "借款信息", loan),
            s("numbers", "催收号码", numbers_text),
            s("request", "投诉请求",
              "1. 责令被投诉机构及其委托的催收机构立即停止夜间催收、频繁催收及向我的亲友、同事等第三人催收的行为；\n"
              "2. 对上述违规催收行为依法调查处理，并督促被投诉机构删除违规获取、使用的我的通讯录等个人信息；\n"
              "3. 将处理结果书面告知我。"),
            s("facts", "主要事实", summary + "具体情况如下表：", "incidents"),
            s("grounds", "相关依据", "上述行为涉及的规定如下：", "findings"),
            s("evidence", "证据", evidence),
            s("sign", "", sign),
        ]
    elif channel == "nifa":
        sections = [
            s("complainant", "举报人（实名）", me),
            s("respondent", "被举报机构", respondent),
            s("loan", "借款信息", loan),
            s("numbers", "催收号码", numbers_text),
            s("facts", "举报事实", summary + "具体情况如下表：", "incidents"),
            s("grounds", "违反的规定", "上述行为涉及的规定如下：", "findings"),
            s("request", "举报请求", "请协会核查被举报机构的催收行为，依照自律规则予以处理，并督促其停止违规催收。"),
            s("evidence", "证据", evidence),
            s("sign", "", sign),
        ]
    elif channel == "report_12321":
        sections = [
            s("reporter", "举报人", me),
            s("numbers", "被举报号码", numbers_text),
            s("facts", "骚扰情况", summary + "以下号码在下列时间对我拨打电话或发送信息进行催收骚扰：", "incidents"),
            s("request", "举报请求", "请核查上述号码的骚扰行为并依规处理。"),
            s("sign", "", sign),
        ]
    elif channel == "police":
        sections = [
            s("reporter", "报案人", me + f"\n住址：{BLANK}"),
            s("respondent", "被报案人", f"{respondent}的催收人员，使用号码：{numbers_text}"),
            s("facts", "案件事实", summary + "其中涉及威胁、辱骂、冒充公检法、骚扰亲友等情况如下：", "incidents"),
            s("grounds", "涉及的规定", "上述行为涉及的规定如下：", "findings"),
            s("request", "报案请求",
              "请公安机关依法受案调查，制止上述骚扰行为，并依法追究相关人员的责任。\n"
              "请依法出具受案回执（《公安机关办理行政案件程序规定》第61条）。"),
            s("evidence", "证据", evidence),
            s("sign", "", sign),
        ]
    elif channel == "court":
        sections = [
            s("plaintiff", "原告",
              f"姓名：{name}，性别：{BLANK}，出生日期：{BLANK}，民族：{BLANK}，身份证号：{BLANK}，"
              f"住址：{BLANK}，联系电话：{BLANK}"),
            s("defendant", "被告", "\n".join(
                f"被告{i}：{d.split('：', 1)[1]}，统一社会信用代码：{BLANK}，住所：{BLANK}，法定代表人：{BLANK}"
                if len(who["defendants"]) > 1 else
                f"名称：{d.split('：', 1)[1]}，统一社会信用代码：{BLANK}，住所：{BLANK}，法定代表人：{BLANK}"
                for i, d in enumerate(who["defendants"], 1))),
            s("cause", "案由", case.cause or DEFAULT_CAUSE),
            s("claims", "诉讼请求",
              "1. 判令被告立即停止以电话、短信等方式侵扰原告私人生活安宁，停止向原告的亲友、同事等第三人披露原告的债务信息；\n"
              "2. 判令被告删除其违法收集、使用的原告通讯录等个人信息；\n"
              "3. 判令被告向原告书面赔礼道歉；\n"
              f"4. 判令被告赔偿原告精神损害抚慰金 {BLANK} 元；\n"
              "5. 本案诉讼费用由被告承担。"),
            s("facts", "事实与理由",
              f"原告系{lender}的借款人（{loan}）。被告及其委托的催收人员使用号码 {numbers_text} 向原告催收。"
              f"{summary}具体情况如下表：", "incidents"),
            s("grounds", "",
              "被告的上述行为侵扰原告私人生活安宁、泄露原告个人信息，所涉规定如下：", "findings"),
            s("conclusion", "",
              "依据《个人信息保护法》第69条，个人信息处理者不能证明自己没有过错的，应当承担损害赔偿等侵权责任。"
              "为维护原告的合法权益，特向贵院提起诉讼，请依法判如所请。"),
            s("evidence", "证据和证据来源", evidence),
            s("court", "", f"此致\n{case.court or BLANK + '人民法院'}"),
            s("sign", "", sign),
        ]
    else:  # pragma: no cover - guarded by the view
        raise KeyError(channel)

    sections.append(s("notice", "提示（提交前可删除）",
                      "本文书草稿由“留证”根据案件记录生成，不构成法律意见；所列规定为“涉嫌违反”或“不符合”，"
                      "是否违法由有关机关认定。提交前请核对事实并补全空白处。"))
    return {
        "channel": channel,
        "title": info["title"],
        # One addressee line: a letter opens with 致：…; the 起诉状 closes with 此致 … 人民法院 instead.
        "to": "" if court else info["to"],
        "sections": sections,
        "tables": {
            # In the 起诉状 the text column quotes the borrower's own records (in their words).
            "incidents": {"columns": ["时间", "方式", "号码", "记录原文" if court else "内容"], "rows": incidents,
                          "note": note},
            "findings": {"columns": ["情形", "记录", "依据"], "rows": rule_rows(findings)},
        },
        "generated_at": now.isoformat(timespec="seconds"),
    }


def refresh(body: dict, fresh: dict) -> dict:
    """The user's texts with the tables (and sections the user never had) from a fresh draft."""
    out = dict(body)
    out["tables"] = fresh["tables"]
    out["generated_at"] = fresh["generated_at"]
    have = {s["key"] for s in body["sections"]}
    out["sections"] = [dict(s) for s in body["sections"]] + [s for s in fresh["sections"] if s["key"] not in have]
    return out


def generated_at(body: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(body.get("generated_at") or "")
    except ValueError:
        return None
