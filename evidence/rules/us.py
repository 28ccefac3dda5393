"""United States (the second rule set, for the English UI): the FDCPA and
Regulation F as summarised in shared/docs/LEGAL-FACTS.md; docs/rules.md
explains each boundary. The FDCPA covers third-party collectors and debt buyers,
not original creditors: the UI says so next to the findings.

Hours and days are the consumer's local ones (the case's time zone), DST-correct.
"""
from __future__ import annotations

from datetime import time

from .engine import (
    CLAIMED_COURT, CLAIMED_LAWYER, CLAIMED_POLICE, FAKE_LEGAL_DOC, INSULT, OBSCENE, REPEATED, THREAT, Hit,
    Rule, Source, Summary, daily, local_time_outside, plus_days, reaches_others, tagged, window_days,
)

RULE_SET = "us"

# --------------------------------------------------------------------------- sources

FDCPA_HOURS = Source("LAW", {
    "zh-hans": "15 U.S.C. §1692c(a)(1)",
    "zh-hant": "15 U.S.C. §1692c(a)(1)",
    "en": "15 U.S.C. §1692c(a)(1)",
}, "H")
REG_F_HOURS = Source("REG", {
    "zh-hans": "12 CFR 1006.6(b)(1)(i)",
    "zh-hant": "12 CFR 1006.6(b)(1)(i)",
    "en": "12 CFR 1006.6(b)(1)(i)",
}, "H")
REG_F_7IN7 = Source("REG", {
    "zh-hans": "12 CFR 1006.14(b)(2)(i)（可推翻的推定）",
    "zh-hant": "12 CFR 1006.14(b)(2)(i)（可推翻的推定）",
    "en": "12 CFR 1006.14(b)(2)(i) (a rebuttable presumption)",
}, "H")
FDCPA_THIRD_PARTY = Source("LAW", {
    "zh-hans": "15 U.S.C. §1692c(b)；寻找下落的联系见 §1692b",
    "zh-hant": "15 U.S.C. §1692c(b)；尋找下落的聯繫見 §1692b",
    "en": "15 U.S.C. §1692c(b); location calls: §1692b",
}, "H")
FDCPA_HARASS = Source("LAW", {
    "zh-hans": "15 U.S.C. §1692d(1)、(2)、(5)、(6)",
    "zh-hant": "15 U.S.C. §1692d(1)、(2)、(5)、(6)",
    "en": "15 U.S.C. §1692d(1), (2), (5), (6)",
}, "H")
FDCPA_FALSE = Source("LAW", {
    "zh-hans": "15 U.S.C. §1692e(1)、(2)、(3)、(4)、(5)、(9)",
    "zh-hant": "15 U.S.C. §1692e(1)、(2)、(3)、(4)、(5)、(9)",
    "en": "15 U.S.C. §1692e(1), (2), (3), (4), (5), (9)",
}, "H")

# --------------------------------------------------------------------------- conditions

DAY_STARTS, DAY_ENDS = time(8), time(21)
CALLS_IN_7_DAYS = 7
# The consumer's spouse counts as the consumer; their attorney may be told.
NOT_A_THIRD_PARTY = frozenset({
    "spouse", "husband", "wife", "配偶", "丈夫", "妻子", "老公", "老婆",
    "attorney", "lawyer", "律师", "律師",
})


_third_party = reaches_others(NOT_A_THIRD_PARTY)


_SEVEN_CALLS = {
    "zh-hans": "{date} 至 {end}：来电 {n} 次，连续7天内最多 {most} 次，超过7次",
    "zh-hant": "{date} 至 {end}：來電 {n} 次，連續7天內最多 {most} 次，超過7次",
    "en": "{date} to {end}: {n} calls, up to {most} within 7 consecutive days (more than 7)",
}
_AFTER_CONVERSATION = {
    "zh-hans": "{date} 通话后7天内（至 {end}）又来电 {calls} 次",
    "zh-hant": "{date} 通話後7天內（至 {end}）又來電 {calls} 次",
    "en": "{date}: telephone conversation, then calls within 7 days (to {end}): {calls}",
}


@window_days(7, needs=lambda e: e.attempt)  # it reads the collector's calls only
def _seven_in_seven(events, ctx) -> list[Hit]:
    """12 CFR 1006.14(b)(2)(i), both prongs, over the collector's calls in local days.

    (A) more than 7 calls within 7 consecutive days: overlapping windows are merged
        into one hit per run of busy days;
    (B) a call within 7 days after a telephone conversation, the conversation's day
        being day 1 (so a call on day 7 counts, one on day 8 does not).
    """
    calls = [e for e in events if e.attempt]
    hits = []

    # (A) two pointers: calls[i:j] are the calls of the 7 days starting on calls[i]'s day.
    # A busy window can always be slid to start on its first call, so these windows suffice.
    runs = []  # [first, last_exclusive, most]
    j = 0
    for i, first in enumerate(calls):
        last_day = plus_days(first.day, 6)
        while j < len(calls) and calls[j].day <= last_day:
            j += 1
        if j - i > CALLS_IN_7_DAYS:
            if runs and i < runs[-1][1]:
                runs[-1][1] = j
                runs[-1][2] = max(runs[-1][2], j - i)
            else:
                runs.append([i, j, j - i])
    for a, b, most in runs:
        group = calls[a:b]
        hits.append(Hit(tuple(e.id for e in group),
                        Summary(_SEVEN_CALLS, group, end=group[-1].day.isoformat(), most=most), group[0].day))

    # (B) the consumer's own calls do not open a period: the collector may have been
    # asked to call back, which the entries cannot show.
    conversation, followers = None, []

    def flush():
        if conversation is not None and followers:
            group = [conversation, *followers]
            end = plus_days(conversation.day, 6).isoformat()
            hits.append(Hit(tuple(e.id for e in group),
                            Summary(_AFTER_CONVERSATION, group, end=end, calls=len(followers)), conversation.day))

    for e in calls:
        if conversation is not None and e.day <= plus_days(conversation.day, 6):
            followers.append(e)
        if e.answered:
            flush()
            conversation, followers = e, []
    flush()
    return sorted(hits, key=lambda h: h.when)


# --------------------------------------------------------------------------- rules

RULES = (
    Rule("US-HOURS", RULE_SET, {
        "zh-hans": "不便时间联系（早8点前或晚9点后）",
        "zh-hant": "不便時間聯繫（早8點前或晚9點後）",
        "en": "Contact at an inconvenient time (before 8 a.m. or after 9 p.m.)",
    }, (FDCPA_HOURS, REG_F_HOURS), "H", daily(local_time_outside(DAY_STARTS, DAY_ENDS, end_inclusive=False), {
        "zh-hans": "{date}：早8点前或晚9点后联系 {n} 次（{times}）",
        "zh-hant": "{date}：早8點前或晚9點後聯繫 {n} 次（{times}）",
        "en": "{date}: contacts before 8 a.m. or after 9 p.m.: {n} ({times})",
    })),

    Rule("US-7IN7", RULE_SET, {
        "zh-hans": "来电频率（7天内超过7次，或通话后7天内再来电）",
        "zh-hant": "來電頻率（7天內超過7次，或通話後7天內再來電）",
        "en": "Call frequency (more than 7 calls in 7 days, or a call within 7 days after a conversation)",
    }, (REG_F_7IN7,), "H", _seven_in_seven),

    Rule("US-THIRD-PARTY", RULE_SET, {
        "zh-hans": "就债务与第三人沟通",
        "zh-hant": "就債務與第三人溝通",
        "en": "Communicating with third parties about the debt",
    }, (FDCPA_THIRD_PARTY,), "H", daily(_third_party, {
        "zh-hans": "{date}：就债务联系第三人 {n} 次",
        "zh-hant": "{date}：就債務聯繫第三人 {n} 次",
        "en": "{date}: communications with third parties about the debt: {n}",
    })),

    Rule("US-HARASS", RULE_SET, {
        "zh-hans": "骚扰、威胁或辱骂",
        "zh-hant": "騷擾、威脅或辱罵",
        "en": "Harassment or abuse",
    }, (FDCPA_HARASS,), "H", daily(tagged(THREAT, OBSCENE, INSULT, REPEATED), {
        "zh-hans": "{date}：威胁、辱骂、淫秽语言或反复来电（{n} 条记录）",
        "zh-hant": "{date}：威脅、辱罵、淫穢語言或反覆來電（{n} 條記錄）",
        "en": "{date}: threats, abusive or obscene language, or repeated calls (entries: {n})",
    })),

    Rule("US-FALSE", RULE_SET, {
        "zh-hans": "虚假或误导性陈述",
        "zh-hant": "虛假或誤導性陳述",
        "en": "False or misleading representations",
    }, (FDCPA_FALSE,), "H", daily(tagged(CLAIMED_POLICE, CLAIMED_COURT, CLAIMED_LAWYER, FAKE_LEGAL_DOC), {
        "zh-hans": "{date}：自称警察、法院或律师，或出示法律文书（{n} 条记录）",
        "zh-hant": "{date}：自稱警察、法院或律師，或出示法律文書（{n} 條記錄）",
        "en": "{date}: claimed to be police, a court or an attorney, or showed a legal document (entries: {n})",
    })),
)
