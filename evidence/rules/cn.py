"""China (the default rule set). Every rule, citation and date is from
shared/docs/LEGAL-FACTS.md; docs/rules.md explains each boundary.

A case is one lender (with its agencies) and the borrower's own number: the
per-day counts are per case. Days and hours are local to the case's time zone.
"""
from __future__ import annotations

from datetime import date, time

from .engine import (
    FAKE_LEGAL_DOC, CLAIMED_COURT, CLAIMED_POLICE, INSULT, OBSCENE, POST, REPEATED, THIRD_PARTY, THREAT,
    Rule, Source, by_day, daily, local_time_outside, per_day, reaches_others, tagged,
)

RULE_SET = "cn"

# --------------------------------------------------------------------------- sources

# A recommended national standard. LEGAL-FACTS.md gives its issue date only; the
# engine applies it from that day (it cannot apply earlier). Clause numbers unknown.
GBT_45251 = Source("STD", {
    "zh-hans": "GB/T 45251-2025《互联网金融 个人网络消费信贷 贷后催收风控指引》",
    "zh-hant": "GB/T 45251-2025《互聯網金融 個人網絡消費信貸 貸後催收風控指引》",
    "en": "GB/T 45251-2025 (Internet finance: guideline on post-loan collection risk control "
          "in personal online consumer credit)",
}, "H", effective_from=date(2025, 2, 28))

# China Banking Association guideline, dated 2026-01-30 in LEGAL-FACTS.md.
CBA_GUIDELINE = Source("SRO", {
    "zh-hans": "中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》",
    "zh-hant": "中國銀行業協會《金融機構個人消費類貸款催收工作指引（試行）》",
    "en": "China Banking Association, Guideline on the collection of personal consumer loans "
          "by financial institutions (trial)",
}, "H", effective_from=date(2026, 1, 30))

NIFA_GUIDELINE = Source("SRO", {
    "zh-hans": "中国互联网金融协会《互联网金融贷后催收业务指引》",
    "zh-hant": "中國互聯網金融協會《互聯網金融貸後催收業務指引》",
    "en": "National Internet Finance Association of China, Guideline on post-loan collection in internet finance",
}, "H", effective_from=date(2024, 5, 15))

CREDIT_CARD_ART68 = Source("REG", {
    "zh-hans": "《商业银行信用卡业务监督管理办法》（2011）第68条（信用卡）",
    "zh-hant": "《商業銀行信用卡業務監督管理辦法》（2011）第68條（信用卡）",
    "en": "Measures on the Supervision of Credit Card Business of Commercial Banks (2011), art. 68 (credit cards)",
}, "M-H")


def _microloan_art37(items_zh: str, items_en: str) -> Source:
    # 金规〔2024〕26号, in force from 2025-01-17; the article number is confidence M.
    return Source("REG", {
        "zh-hans": f"《小额贷款公司监督管理暂行办法》（金规〔2024〕26号）第37条第{items_zh}项（小额贷款公司）",
        "zh-hant": f"《小額貸款公司監督管理暫行辦法》（金規〔2024〕26號）第37條第{items_zh}項（小額貸款公司）",
        "en": f"Interim Measures on the Supervision of Microloan Companies (Jin Gui [2024] No. 26), "
              f"art. 37 {items_en} (microloan companies)",
    }, "M", effective_from=date(2025, 1, 17))


CIVIL_CODE = Source("LAW", {
    "zh-hans": "《民法典》第1032条、第1033条第（一）项、第1038条",
    "zh-hant": "《民法典》第1032條、第1033條第（一）項、第1038條",
    "en": "Civil Code arts. 1032, 1033(1), 1038",
}, "H")

PIPL = Source("LAW", {
    "zh-hans": "《个人信息保护法》第10条、第25条、第69条",
    "zh-hant": "《個人信息保護法》第10條、第25條、第69條",
    "en": "Personal Information Protection Law arts. 10, 25, 69",
}, "H")

# The 2025 revision applies to events from 2026-01-01, the 2012 text to earlier ones:
# a finding cites the text in force on its day.
PUBLIC_SECURITY_2025 = Source("LAW", {
    "zh-hans": "《治安管理处罚法》（2025年修订）第50条第1款第（五）项",
    "zh-hant": "《治安管理處罰法》（2025年修訂）第50條第1款第（五）項",
    "en": "Public Security Administration Punishments Law (2025 revision), art. 50(1)(5)",
}, "M-H", effective_from=date(2026, 1, 1))

PUBLIC_SECURITY_2012 = Source("LAW", {
    "zh-hans": "《治安管理处罚法》（2012年文本）第42条第（一）（二）（五）（六）项",
    "zh-hant": "《治安管理處罰法》（2012年文本）第42條第（一）（二）（五）（六）項",
    "en": "Public Security Administration Punishments Law (2012 text), art. 42 items (1), (2), (5), (6)",
}, "M-H", effective_to=date(2025, 12, 31))

CRIMINAL_LAW_293_1 = Source("LAW", {
    "zh-hans": "《刑法》第293条之一",
    "zh-hant": "《刑法》第293條之一",
    "en": "Criminal Law art. 293-1",
}, "H", effective_from=date(2021, 3, 1))

PICKING_QUARRELS_2013 = Source("JI", {
    "zh-hans": "2013年寻衅滋事司法解释第1条第3款",
    "zh-hant": "2013年尋釁滋事司法解釋第1條第3款",
    "en": "2013 judicial interpretation on picking quarrels and provoking trouble (寻衅滋事), art. 1 para. 3",
}, "M-H")

SOFT_VIOLENCE_2019 = Source("JI", {
    "zh-hans": "2019年软暴力意见",
    "zh-hant": "2019年軟暴力意見",
    "en": "2019 opinions on \"soft violence\" (软暴力)",
}, "M-H")

# --------------------------------------------------------------------------- conditions

NIGHT_STARTS, DAY_STARTS = time(22), time(8)
ANSWERED_PER_DAY = 3  # "与单一债务人主动有效通话每日不应超过3次"
ATTEMPTS_PER_DAY = 6  # "不宜超过6次"

HARASSMENT_TAGS = (THREAT, INSULT, OBSCENE, REPEATED)
# A guarantor may be asked to pay; every other contact is a third party.
GUARANTOR = frozenset({"担保人", "擔保人", "保证人", "保證人", "guarantor"})

_third_party_or_disclosure = reaches_others(GUARANTOR)
_harassment = tagged(*HARASSMENT_TAGS)
_night = local_time_outside(DAY_STARTS, NIGHT_STARTS)  # 08:00 is day, 22:00 is night


@per_day
def _hours(events, ctx):
    if ctx.debtor_consented_hours:
        return []
    return by_day(events, _night, {
        "zh-hans": "{date}：22:00–08:00 之间催收联系 {n} 次（{times}）",
        "zh-hant": "{date}：22:00–08:00 之間催收聯繫 {n} 次（{times}）",
        "en": "{date}: collection contacts between 22:00 and 08:00: {n} ({times})",
    })


@per_day
def _illegal_debt(events, ctx):
    if not ctx.usurious:
        return []
    return by_day(events, _harassment, {
        "zh-hans": "{date}：以恐吓、骚扰等方式催收标记为高利放贷的债务（{n} 条记录）",
        "zh-hant": "{date}：以恐嚇、騷擾等方式催收標記為高利放貸的債務（{n} 條記錄）",
        "en": "{date}: intimidation or harassment while collecting a debt marked as usurious (entries: {n})",
    })


@per_day
def _after_warning(events, ctx):
    if ctx.police_warning_at is None:
        return []
    warned = ctx.police_warning_at.astimezone(ctx.time_zone).strftime("%Y-%m-%d %H:%M")
    after = [e for e in events if e.facts.occurred_at > ctx.police_warning_at]
    return by_day(after, lambda e: e.contact or e.kind in (THIRD_PARTY, POST), {
        "zh-hans": "{date}：警方警告（{warned}）后仍催收联系 {n} 次（{times}）",
        "zh-hant": "{date}：警方警告（{warned}）後仍催收聯繫 {n} 次（{times}）",
        "en": "{date}: collection contacts after the police warning of {warned}: {n} ({times})",
    }, values={"warned": warned})


# --------------------------------------------------------------------------- rules

RULES = (
    Rule("CN-HOURS", RULE_SET, {
        "zh-hans": "夜间催收（22:00–次日08:00）",
        "zh-hant": "夜間催收（22:00–次日08:00）",
        "en": "Collection contact at night (22:00–08:00)",
    }, (GBT_45251, CBA_GUIDELINE, NIFA_GUIDELINE), "H", _hours),

    Rule("CN-FREQ-ANSWERED", RULE_SET, {
        "zh-hans": "单日接通催收电话超过3次",
        "zh-hant": "單日接通催收電話超過3次",
        "en": "More than 3 answered collection calls in one day",
    }, (GBT_45251,), "H", daily(lambda e: e.answered, {
        "zh-hans": "{date}：接通催收电话 {n} 次，超过每日3次（{times}）",
        "zh-hant": "{date}：接通催收電話 {n} 次，超過每日3次（{times}）",
        "en": "{date}: answered collection calls: {n}, more than 3 in a day ({times})",
    }, more_than=ANSWERED_PER_DAY)),

    Rule("CN-FREQ-ATTEMPTS", RULE_SET, {
        "zh-hans": "单日拨打同一号码超过6次",
        "zh-hant": "單日撥打同一號碼超過6次",
        "en": "More than 6 call attempts to the same number in one day",
    }, (CBA_GUIDELINE,), "H", daily(lambda e: e.attempt, {
        "zh-hans": "{date}：催收来电 {n} 次（含未接），超过每日6次（{times}）",
        "zh-hant": "{date}：催收來電 {n} 次（含未接），超過每日6次（{times}）",
        "en": "{date}: call attempts (answered or not): {n}, more than 6 in a day ({times})",
    }, more_than=ATTEMPTS_PER_DAY)),

    Rule("CN-THIRD-PARTY", RULE_SET, {
        "zh-hans": "向第三人催收（爆通讯录）",
        "zh-hant": "向第三人催收（爆通訊錄）",
        "en": "Collecting from third parties (contacting the borrower's contacts)",
    }, (GBT_45251, CBA_GUIDELINE, CREDIT_CARD_ART68, _microloan_art37("（四）（五）", "items (4), (5)")), "H",
        daily(_third_party_or_disclosure, {
            "zh-hans": "{date}：联系第三人或向他人透露债务 {n} 次",
            "zh-hant": "{date}：聯繫第三人或向他人透露債務 {n} 次",
            "en": "{date}: contacts of third parties or disclosures of the debt: {n}",
        })),

    Rule("CN-PRIVACY", RULE_SET, {
        "zh-hans": "侵扰私人生活安宁、泄露个人信息",
        "zh-hant": "侵擾私人生活安寧、洩露個人信息",
        "en": "Privacy: the debt disclosed to others, or harassment by phone or message",
    }, (CIVIL_CODE, PIPL), "H", daily(lambda e: _third_party_or_disclosure(e) or _harassment(e), {
        "zh-hans": "{date}：向他人透露债务或电话、短信骚扰（{n} 条记录）",
        "zh-hant": "{date}：向他人透露債務或電話、短信騷擾（{n} 條記錄）",
        "en": "{date}: disclosure of the debt or harassment by phone or message (entries: {n})",
    })),

    # claimed_lawyer is not here: a collector may really work with a law firm, and
    # LEGAL-FACTS.md names police, courts, procuratorates and government, and fake
    # lawyer letters (tagged fake_legal_document).
    Rule("CN-IMPERSONATION", RULE_SET, {
        "zh-hans": "冒充公检法或伪造法律文书",
        "zh-hant": "冒充公檢法或偽造法律文書",
        "en": "Impersonating the police or a court, or fake legal documents",
    }, (_microloan_art37("（一）", "item (1)"), CBA_GUIDELINE), "H",
        daily(tagged(CLAIMED_POLICE, CLAIMED_COURT, FAKE_LEGAL_DOC), {
            "zh-hans": "{date}：冒充公检法或使用伪造的法律文书（{n} 条记录）",
            "zh-hant": "{date}：冒充公檢法或使用偽造的法律文書（{n} 條記錄）",
            "en": "{date}: impersonation of police or a court, or a fake legal document (entries: {n})",
        })),

    Rule("CN-THREAT-INSULT", RULE_SET, {
        "zh-hans": "威胁、侮辱、发送淫秽信息",
        "zh-hant": "威脅、侮辱、發送淫穢信息",
        "en": "Threats, insults or obscenity",
    }, (_microloan_art37("（二）", "item (2)"), CREDIT_CARD_ART68, PUBLIC_SECURITY_2025, PUBLIC_SECURITY_2012),
        "M-H", daily(tagged(THREAT, INSULT, OBSCENE), {
            "zh-hans": "{date}：威胁、侮辱或淫秽内容（{n} 条记录）",
            "zh-hant": "{date}：威脅、侮辱或淫穢內容（{n} 條記錄）",
            "en": "{date}: threats, insults or obscenity (entries: {n})",
        })),

    Rule("CN-ILLEGAL-DEBT", RULE_SET, {
        "zh-hans": "以恐吓、骚扰等方式催收高利放贷的债务",
        "zh-hant": "以恐嚇、騷擾等方式催收高利放貸的債務",
        "en": "Collecting a usurious debt by intimidation or harassment",
    }, (CRIMINAL_LAW_293_1,), "H", _illegal_debt),

    Rule("CN-AFTER-WARNING", RULE_SET, {
        "zh-hans": "警方警告后仍继续催收滋扰",
        "zh-hant": "警方警告後仍繼續催收滋擾",
        "en": "Collection contacts continued after a police warning",
    }, (PICKING_QUARRELS_2013, SOFT_VIOLENCE_2019), "M-H", _after_warning),
)
