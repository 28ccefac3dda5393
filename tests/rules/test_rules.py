"""The rules engine: each rule on both sides of its line, time zones and DST,
dates on which a source applies, wording, and findings over real entries."""
import itertools
import time as clock
from datetime import date, datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest

from evidence.rules import (
    NOT_LEGAL_ADVICE, RULE_SETS, RULES_BY_ID, CaseContext, Facts, evaluate, facts_for_case, facts_from_entries,
    lang_key, wording,
)
from evidence.rules import cn, engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt_timezone.utc
_ids = itertools.count(1)


def local(zone, *args):
    """A local wall-clock time in `zone`, as the UTC instant the database stores."""
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def fact(when, *, kind="call", direction="incoming", duration=60, tags=(), relation="", id=None,
         outcome="answered", time_known="exact"):
    return Facts(id=id or f"e{next(_ids)}", kind=kind, occurred_at=when, direction=direction,
                 duration_seconds=duration, tags=frozenset(tags), relation=relation,
                 outcome=outcome if kind == "call" else "", time_known=time_known)


def cn_ctx(**kwargs):
    return CaseContext(time_zone="Asia/Shanghai", **kwargs)


def us_ctx(zone="America/New_York", **kwargs):
    return CaseContext(time_zone=zone, **kwargs)


def found(rule_id, facts, ctx=None):
    rule_set = RULES_BY_ID[rule_id].rule_set
    ctx = ctx or (cn_ctx() if rule_set == "cn" else us_ctx())
    return [f for f in evaluate(rule_set, facts, ctx) if f.rule_id == rule_id]


def sh(*args):
    return local(SHANGHAI, *args)


def ny(*args):
    return local(NEW_YORK, *args)


# --------------------------------------------------------------------------- the rule sets


def test_it_has_the_rules_the_issue_names():
    assert [r.id for r in RULE_SETS["cn"]] == [
        "CN-HOURS", "CN-FREQ-ANSWERED", "CN-FREQ-ATTEMPTS", "CN-THIRD-PARTY", "CN-PRIVACY",
        "CN-IMPERSONATION", "CN-THREAT-INSULT", "CN-ILLEGAL-DEBT", "CN-AFTER-WARNING"]
    assert [r.id for r in RULE_SETS["us"]] == ["US-HOURS", "US-7IN7", "US-THIRD-PARTY", "US-HARASS", "US-FALSE"]


def test_every_rule_has_titles_citations_force_and_confidence_in_three_languages():
    for rule in RULES_BY_ID.values():
        assert set(rule.titles) == {"zh-hans", "zh-hant", "en"}
        assert all(rule.citation[lang] for lang in ("zh-hans", "zh-hant", "en"))
        assert rule.force and all(f in engine.FORCES for f in rule.force.split("/"))
        assert rule.confidence in engine.CONFIDENCES
        assert rule.rule_set in RULE_SETS


def test_it_records_the_forces_and_dates_of_legal_facts():
    assert RULES_BY_ID["CN-HOURS"].force == "STD/SRO"
    assert RULES_BY_ID["CN-THIRD-PARTY"].force == "REG/STD/SRO"
    assert RULES_BY_ID["CN-PRIVACY"].force == "LAW"
    assert RULES_BY_ID["CN-THREAT-INSULT"].force == "LAW/REG"
    assert RULES_BY_ID["CN-AFTER-WARNING"].force == "JI"
    assert RULES_BY_ID["CN-ILLEGAL-DEBT"].effective_from == date(2021, 3, 1)
    assert RULES_BY_ID["CN-FREQ-ANSWERED"].effective_from == date(2025, 2, 28)
    assert RULES_BY_ID["CN-THREAT-INSULT"].confidence == "M-H"


def test_it_never_calls_conduct_illegal():
    texts = []
    for rule in RULES_BY_ID.values():
        texts += list(rule.titles.values()) + list(rule.citation.values())
        texts += [wording(rule, lang) for lang in ("zh-hans", "zh-hant", "en")]
    for text in texts:
        for word in ("illegal", "unlawful", "违法", "違法", "非法"):
            assert word not in text.lower(), text


def test_it_says_not_legal_advice_in_every_language():
    assert NOT_LEGAL_ADVICE == {"zh-hans": "本工具不构成法律意见", "zh-hant": "本工具不構成法律意見",
                                "en": "Not legal advice"}


@pytest.mark.parametrize("given, expected", [
    ("zh_Hans", "zh-hans"), ("zh-hans", "zh-hans"), ("zh-CN", "zh-hans"), ("zh_Hant", "zh-hant"),
    ("zh-TW", "zh-hant"), ("zh-hk", "zh-hant"), ("en", "en"), ("en-us", "en"), ("", "en"), (None, "en"),
])
def test_it_understands_language_codes(given, expected):
    assert lang_key(given) == expected


def test_the_engine_uses_the_models_values():
    from evidence.models import Entry

    assert {engine.CALL, engine.SMS, engine.THIRD_PARTY, engine.VISIT, engine.POST} <= set(Entry.Kind.values)
    assert {engine.INCOMING, engine.OUTGOING, engine.MISSED} == set(Entry.Direction.values)
    used = {engine.THREAT, engine.INSULT, engine.OBSCENE, engine.CLAIMED_POLICE, engine.CLAIMED_COURT,
            engine.CLAIMED_LAWYER, engine.FAKE_LEGAL_DOC, engine.DISCLOSED_DEBT, engine.REPEATED}
    assert used <= set(Entry.Tag.values)


def test_a_rule_without_a_translation_is_refused():
    with pytest.raises(ValueError, match="zh-hant"):
        engine.Rule("X-1", "cn", {"zh-hans": "标题", "en": "Title"}, (cn.CIVIL_CODE,), "H", lambda e, c: [])


# --------------------------------------------------------------------------- wording


def test_a_law_may_be_violated():
    rule = RULES_BY_ID["CN-PRIVACY"]
    assert wording(rule, "zh-hans").startswith("涉嫌违反《民法典》第1032条")
    assert wording(rule, "zh_Hant").startswith("涉嫌違反《民法典》")
    assert wording(rule, "en").startswith("May violate Civil Code arts. 1032, 1033(1), 1038")


def test_a_standard_is_not_complied_with():
    rule = RULES_BY_ID["CN-FREQ-ANSWERED"]
    assert wording(rule, "zh-hans") == "不符合GB/T 45251-2025《互联网金融 个人网络消费信贷 贷后催收风控指引》的要求。"
    assert wording(rule, "zh-hant").startswith("不符合GB/T 45251-2025") and wording(rule, "zh-hant").endswith("的要求。")
    assert wording(rule, "en").startswith("Does not comply with GB/T 45251-2025")


def test_a_rule_resting_on_both_kinds_says_both():
    text = wording(RULES_BY_ID["CN-THIRD-PARTY"], "en")
    assert text.startswith("May violate Measures on the Supervision of Credit Card Business")
    assert "Does not comply with GB/T 45251-2025" in text


# --------------------------------------------------------------------------- CN-HOURS


def test_cn_hours_allows_21_59_and_flags_22_00():
    allowed, late = fact(sh(2026, 3, 2, 21, 59)), fact(sh(2026, 3, 2, 22, 0))
    [finding] = found("CN-HOURS", [allowed, late])
    assert finding.entry_ids == (late.id,)
    assert finding.when == date(2026, 3, 2)
    assert finding.summary["zh-hans"] == "2026-03-02：22:00–08:00 之间催收联系 1 次（22:00）"


def test_cn_hours_allows_08_00_and_flags_07_59():
    early, allowed = fact(sh(2026, 3, 3, 7, 59)), fact(sh(2026, 3, 3, 8, 0))
    [finding] = found("CN-HOURS", [early, allowed])
    assert finding.entry_ids == (early.id,)


def test_cn_hours_judges_the_time_where_the_borrower_was():
    call = fact(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai, 14:30 in London
    assert found("CN-HOURS", [call], cn_ctx())
    assert not found("CN-HOURS", [call], CaseContext(time_zone="Europe/London"))


def test_cn_hours_counts_calls_sms_and_visits_but_not_the_borrowers_own_calls():
    night = sh(2026, 3, 2, 23, 0)
    counted = [fact(night, direction="missed"), fact(night, kind="sms", direction=""), fact(night, kind="visit")]
    ignored = [fact(night, direction="outgoing"), fact(night, kind="third_party"), fact(night, kind="other")]
    [finding] = found("CN-HOURS", counted + ignored)
    assert set(finding.entry_ids) == {f.id for f in counted}


def test_cn_hours_respects_the_borrowers_consent():
    assert not found("CN-HOURS", [fact(sh(2026, 3, 2, 23, 0))], cn_ctx(debtor_consented_hours=True))


def test_cn_hours_cites_only_the_documents_of_the_day():
    [finding] = found("CN-HOURS", [fact(sh(2024, 6, 1, 23, 0))])
    assert finding.sources == (cn.NIFA_GUIDELINE,)
    assert wording(RULES_BY_ID["CN-HOURS"], "en", finding).startswith(
        "Does not comply with National Internet Finance Association")
    assert not found("CN-HOURS", [fact(sh(2024, 5, 14, 23, 0))])  # before any of its documents


# --------------------------------------------------------------------------- CN-FREQ-ANSWERED


def answered_calls(n, day=(2026, 3, 2), hour=9):
    return [fact(sh(*day, hour + i, 0), duration=45) for i in range(n)]


def test_cn_freq_answered_allows_3_and_flags_4_in_a_day():
    assert not found("CN-FREQ-ANSWERED", answered_calls(3))
    calls = answered_calls(4)
    [finding] = found("CN-FREQ-ANSWERED", calls)
    assert finding.entry_ids == tuple(c.id for c in calls)
    assert finding.summary["en"] == ("2026-03-02: answered collection calls: 4, more than 3 in a day "
                                     "(09:00, 10:00, 11:00, 12:00)")


def test_cn_freq_answered_ignores_missed_and_zero_second_calls():
    calls = answered_calls(3) + [fact(sh(2026, 3, 2, 15, 0), direction="missed", duration=None),
                                 fact(sh(2026, 3, 2, 16, 0), duration=0)]
    assert not found("CN-FREQ-ANSWERED", calls)


def test_cn_freq_answered_counts_an_incoming_call_of_unknown_duration():
    assert found("CN-FREQ-ANSWERED", answered_calls(3) + [fact(sh(2026, 3, 2, 20, 0), duration=None)])


def test_cn_freq_answered_counts_local_days():
    # 23:30 and 00:30 in Shanghai are one UTC day but two local days.
    calls = [fact(sh(2026, 3, 2, 23, m)) for m in (10, 30)] + [fact(sh(2026, 3, 3, 0, m)) for m in (10, 30)]
    assert len({c.occurred_at.date() for c in calls}) == 1
    assert not found("CN-FREQ-ANSWERED", calls)


def test_cn_freq_answered_applies_from_the_standard():
    assert not found("CN-FREQ-ANSWERED", answered_calls(5, day=(2025, 2, 27)))
    assert found("CN-FREQ-ANSWERED", answered_calls(5, day=(2025, 2, 28)))


# --------------------------------------------------------------------------- CN-FREQ-ATTEMPTS


def attempts(n, day=(2026, 3, 2)):
    return [fact(sh(*day, 9 + i, 0), direction="missed" if i % 2 else "incoming", duration=None if i % 2 else 20)
            for i in range(n)]


def test_cn_freq_attempts_allows_6_and_flags_7_in_a_day():
    assert not found("CN-FREQ-ATTEMPTS", attempts(6))
    calls = attempts(7)
    [finding] = found("CN-FREQ-ATTEMPTS", calls)
    assert finding.entry_ids == tuple(c.id for c in calls)


def test_cn_freq_attempts_ignores_the_borrowers_own_calls_and_messages():
    others = [fact(sh(2026, 3, 2, 20, 0), direction="outgoing"), fact(sh(2026, 3, 2, 20, 5), kind="sms")]
    assert not found("CN-FREQ-ATTEMPTS", attempts(6) + others)


def test_cn_freq_attempts_applies_from_the_banking_association_guideline():
    assert not found("CN-FREQ-ATTEMPTS", attempts(9, day=(2026, 1, 29)))
    assert found("CN-FREQ-ATTEMPTS", attempts(9, day=(2026, 1, 30)))


# --------------------------------------------------------------------------- CN-THIRD-PARTY, CN-PRIVACY


def test_cn_third_party_flags_a_contact_of_someone_else():
    relative = fact(sh(2026, 3, 2, 10, 0), kind="third_party", relation="母亲")
    [finding] = found("CN-THIRD-PARTY", [relative])
    assert finding.entry_ids == (relative.id,)


def test_cn_third_party_flags_disclosure_and_public_posts():
    told = fact(sh(2026, 3, 2, 10, 0), tags=["disclosed_debt"])
    post = fact(sh(2026, 3, 3, 10, 0), kind="post")
    assert [f.entry_ids for f in found("CN-THIRD-PARTY", [told, post])] == [(told.id,), (post.id,)]


def test_cn_third_party_allows_the_guarantor():
    assert not found("CN-THIRD-PARTY", [fact(sh(2026, 3, 2, 10, 0), kind="third_party", relation="担保人")])
    assert not found("CN-THIRD-PARTY", [fact(sh(2026, 3, 2, 10, 0), kind="third_party", relation="我的保證人")])


def test_cn_third_party_cites_what_was_in_force_that_day():
    relative = fact(sh(2024, 6, 1, 10, 0), kind="third_party")
    [finding] = found("CN-THIRD-PARTY", [relative])
    assert finding.sources == (cn.CREDIT_CARD_ART68,)  # the 2011 credit-card measures only
    assert wording(RULES_BY_ID["CN-THIRD-PARTY"], "zh-hans", finding) == (
        "涉嫌违反《商业银行信用卡业务监督管理办法》（2011）第68条（信用卡）。")


def test_cn_privacy_flags_disclosure_or_harassment_but_not_an_ordinary_call():
    ordinary = fact(sh(2026, 3, 2, 10, 0))
    relative = fact(sh(2026, 3, 3, 10, 0), kind="third_party")
    threat = fact(sh(2026, 3, 4, 10, 0), kind="sms", tags=["threat"])
    repeated = fact(sh(2026, 3, 5, 10, 0), tags=["repeated"])
    findings = found("CN-PRIVACY", [ordinary, relative, threat, repeated])
    assert [f.entry_ids for f in findings] == [(relative.id,), (threat.id,), (repeated.id,)]
    assert wording(RULES_BY_ID["CN-PRIVACY"], "zh-hans", findings[0]).startswith("涉嫌违反")


# --------------------------------------------------------------------------- CN-IMPERSONATION, CN-THREAT-INSULT


def test_cn_impersonation_flags_police_court_and_fake_documents():
    police = fact(sh(2026, 3, 2, 10, 0), tags=["claimed_police"])
    letter = fact(sh(2026, 3, 3, 10, 0), kind="sms", tags=["fake_legal_document"])
    assert [f.entry_ids for f in found("CN-IMPERSONATION", [police, letter])] == [(police.id,), (letter.id,)]


def test_cn_impersonation_leaves_a_claimed_lawyer_alone():
    assert not found("CN-IMPERSONATION", [fact(sh(2026, 3, 2, 10, 0), tags=["claimed_lawyer"])])


def test_cn_impersonation_applies_from_the_microloan_measures():
    assert not found("CN-IMPERSONATION", [fact(sh(2025, 1, 16, 10, 0), tags=["claimed_court"])])
    [finding] = found("CN-IMPERSONATION", [fact(sh(2025, 1, 17, 10, 0), tags=["claimed_court"])])
    assert "第37条第（一）项" in wording(RULES_BY_ID["CN-IMPERSONATION"], "zh-hans", finding)


def test_cn_threat_insult_cites_the_public_security_law_of_the_events_day():
    rule = RULES_BY_ID["CN-THREAT-INSULT"]
    old = fact(sh(2025, 12, 31, 23, 50), kind="sms", tags=["insult"])
    # 00:10 on 1 January in Shanghai is still 31 December in UTC: the local day decides.
    new = fact(sh(2026, 1, 1, 0, 10), kind="sms", tags=["threat"])
    assert new.occurred_at.date() == date(2025, 12, 31)
    before, after = found("CN-THREAT-INSULT", [old, new])
    assert cn.PUBLIC_SECURITY_2012 in before.sources and cn.PUBLIC_SECURITY_2025 not in before.sources
    assert cn.PUBLIC_SECURITY_2025 in after.sources and cn.PUBLIC_SECURITY_2012 not in after.sources
    assert "第42条" in wording(rule, "zh-hans", before)
    assert "第50条第1款第（五）项" in wording(rule, "zh-hans", after)
    assert "art. 50(1)(5)" in wording(rule, "en", after)


def test_cn_threat_insult_reads_confirmed_tags_not_text():
    untagged = Facts(id="x", kind="sms", occurred_at=sh(2026, 3, 2, 10, 0), text="不还钱弄死你")
    assert not found("CN-THREAT-INSULT", [untagged])


# --------------------------------------------------------------------------- CN-ILLEGAL-DEBT, CN-AFTER-WARNING


def test_cn_illegal_debt_needs_the_debt_marked_usurious():
    threat = fact(sh(2026, 3, 2, 10, 0), tags=["threat"])
    assert not found("CN-ILLEGAL-DEBT", [threat])
    [finding] = found("CN-ILLEGAL-DEBT", [threat], cn_ctx(usurious=True))
    assert finding.entry_ids == (threat.id,)
    assert wording(RULES_BY_ID["CN-ILLEGAL-DEBT"], "zh-hans", finding) == "涉嫌违反《刑法》第293条之一。"


def test_cn_illegal_debt_needs_intimidation_or_harassment():
    assert not found("CN-ILLEGAL-DEBT", [fact(sh(2026, 3, 2, 10, 0))], cn_ctx(usurious=True))


def test_cn_illegal_debt_applies_from_2021_03_01():
    assert not found("CN-ILLEGAL-DEBT", [fact(sh(2021, 2, 28, 10, 0), tags=["threat"])], cn_ctx(usurious=True))
    assert found("CN-ILLEGAL-DEBT", [fact(sh(2021, 3, 1, 10, 0), tags=["threat"])], cn_ctx(usurious=True))


def test_cn_after_warning_needs_a_logged_warning():
    assert not found("CN-AFTER-WARNING", [fact(sh(2026, 3, 5, 10, 0))])


def test_cn_after_warning_flags_contacts_after_the_warning_only():
    warned = sh(2026, 3, 3, 15, 0)
    before = fact(sh(2026, 3, 3, 14, 59))
    after = [fact(sh(2026, 3, 3, 18, 0), kind="sms"), fact(sh(2026, 3, 4, 9, 0), kind="third_party")]
    findings = found("CN-AFTER-WARNING", [before, *after], cn_ctx(police_warning_at=warned))
    assert [f.entry_ids for f in findings] == [(after[0].id,), (after[1].id,)]
    assert findings[0].summary["zh-hans"] == "2026-03-03：警方警告（2026-03-03 15:00）后仍催收联系 1 次（18:00）"
    assert findings[0].sources == cn.RULES[-1].sources


# --------------------------------------------------------------------------- US-HOURS


def test_us_hours_allows_8_00_to_21_00_and_flags_outside():
    calls = {t: fact(ny(2026, 6, 10, *t)) for t in [(7, 59), (8, 0), (21, 0), (21, 1)]}
    flagged = {i for f in found("US-HOURS", list(calls.values())) for i in f.entry_ids}
    assert flagged == {calls[(7, 59)].id, calls[(21, 1)].id}


def test_us_hours_flags_a_second_after_nine():
    assert found("US-HOURS", [fact(ny(2026, 6, 10, 21, 0, 1))])


def test_us_hours_follows_daylight_saving_time_in_spring():
    # 8 March 2026: New York moves from UTC-5 to UTC-4 at 02:00.
    fine = fact(datetime(2026, 3, 8, 12, 30, tzinfo=UTC))  # 08:30 EDT (07:30 at the winter offset)
    early = fact(datetime(2026, 3, 8, 11, 30, tzinfo=UTC))  # 07:30 EDT
    day_before = fact(datetime(2026, 3, 7, 12, 30, tzinfo=UTC))  # 07:30 EST
    flagged = {i for f in found("US-HOURS", [fine, early, day_before]) for i in f.entry_ids}
    assert flagged == {early.id, day_before.id}


def test_us_hours_follows_daylight_saving_time_in_autumn():
    # 1 November 2026: back to UTC-5 at 02:00.
    early = fact(datetime(2026, 11, 1, 12, 30, tzinfo=UTC))  # 07:30 EST (08:30 at the summer offset)
    fine = fact(datetime(2026, 11, 1, 13, 30, tzinfo=UTC))  # 08:30 EST
    late = fact(datetime(2026, 11, 2, 2, 30, tzinfo=UTC))  # 21:30 EST on 1 November
    findings = found("US-HOURS", [early, fine, late])
    assert [f.entry_ids for f in findings] == [(early.id, late.id)]
    assert findings[0].when == date(2026, 11, 1)
    assert findings[0].summary["en"] == "2026-11-01: contacts before 8 a.m. or after 9 p.m.: 2 (07:30, 21:30)"


def test_us_hours_judges_the_consumers_own_zone():
    call = fact(datetime(2026, 6, 10, 12, 30, tzinfo=UTC))  # 08:30 in New York, 05:30 in Los Angeles
    assert not found("US-HOURS", [call], us_ctx("America/New_York"))
    assert found("US-HOURS", [call], us_ctx("America/Los_Angeles"))


def test_us_wording_says_may_violate():
    [finding] = found("US-HOURS", [fact(ny(2026, 6, 10, 22, 0))])
    assert wording(RULES_BY_ID["US-HOURS"], "en", finding) == (
        "May violate 15 U.S.C. §1692c(a)(1); 12 CFR 1006.6(b)(1)(i).")


# --------------------------------------------------------------------------- US-7IN7


def missed(*args):
    return fact(ny(*args), direction="missed", duration=None)


def test_us_7in7_allows_7_calls_in_7_days_and_flags_8():
    seven = [missed(2026, 6, 1 + i, 12, 0) for i in range(7)]
    assert not found("US-7IN7", seven)
    eighth = missed(2026, 6, 7, 18, 0)
    [finding] = found("US-7IN7", seven + [eighth])
    assert set(finding.entry_ids) == {f.id for f in seven + [eighth]}
    assert finding.summary["en"] == "2026-06-01 to 2026-06-07: 8 calls, up to 8 within 7 consecutive days (more than 7)"


def test_us_7in7_counts_seven_calendar_days_not_168_hours():
    # The first call at 00:05 on day 1 and the last at 23:55 on day 7: one window.
    calls = [missed(2026, 6, 1, 0, 5)] + [missed(2026, 6, 2 + i, 12, 0) for i in range(5)] + \
        [missed(2026, 6, 7, 23, 0), missed(2026, 6, 7, 23, 55)]
    assert found("US-7IN7", calls)
    # One call a day for eight days is at most 7 in any 7 days.
    assert not found("US-7IN7", [missed(2026, 6, 1 + i, 12, 0) for i in range(8)])


def test_us_7in7_merges_overlapping_windows_into_one_finding():
    calls = [missed(2026, 6, 1 + i // 2, 9 + i % 2, 0) for i in range(20)]  # 2 a day for 10 days
    [finding] = found("US-7IN7", calls)
    assert finding.entry_ids == tuple(c.id for c in calls)
    assert finding.summary["en"].startswith("2026-06-01 to 2026-06-10: 20 calls, up to 14")


def test_us_7in7_counts_local_days_across_daylight_saving_time():
    # 8 calls from 1 to 7 March 2026 in New York local time (one on the DST day).
    calls = [missed(2026, 3, 1 + i, 23, 30) for i in range(7)] + [missed(2026, 3, 8, 0, 30)]
    assert not found("US-7IN7", calls)  # the eighth is on day 8
    assert found("US-7IN7", calls + [missed(2026, 3, 7, 8, 0)])


def test_us_7in7_flags_a_call_six_days_after_a_conversation():
    conversation = fact(ny(2026, 6, 1, 10, 0), duration=300)
    call = missed(2026, 6, 7, 10, 0)
    [finding] = found("US-7IN7", [conversation, call])
    assert finding.entry_ids == (conversation.id, call.id)
    assert finding.when == date(2026, 6, 1)
    assert finding.summary["en"] == ("2026-06-01: telephone conversation, then calls within 7 days "
                                     "(to 2026-06-07): 1")


def test_us_7in7_allows_a_call_seven_days_after_a_conversation():
    conversation = fact(ny(2026, 6, 1, 10, 0), duration=300)
    assert not found("US-7IN7", [conversation, missed(2026, 6, 8, 9, 0)])


def test_us_7in7_flags_a_call_later_on_the_day_of_a_conversation():
    conversation = fact(ny(2026, 6, 1, 10, 0), duration=300)
    assert found("US-7IN7", [conversation, missed(2026, 6, 1, 16, 0)])


def test_us_7in7_ignores_conversations_the_consumer_started_and_unanswered_calls():
    own_call = fact(ny(2026, 6, 1, 10, 0), direction="outgoing", duration=300)
    unanswered = fact(ny(2026, 6, 2, 10, 0), duration=0)
    assert not found("US-7IN7", [own_call, unanswered, missed(2026, 6, 3, 10, 0)])


# --------------------------------------------------------------------------- US-THIRD-PARTY, US-HARASS, US-FALSE


def test_us_third_party_flags_others_but_not_the_spouse_or_attorney():
    neighbor = fact(ny(2026, 6, 1, 10, 0), kind="third_party", relation="neighbor")
    wife = fact(ny(2026, 6, 2, 10, 0), kind="third_party", relation="My wife")
    attorney = fact(ny(2026, 6, 3, 10, 0), kind="third_party", relation="attorney")
    told = fact(ny(2026, 6, 4, 10, 0), tags=["disclosed_debt"])
    assert [f.entry_ids for f in found("US-THIRD-PARTY", [neighbor, wife, attorney, told])] == [
        (neighbor.id,), (told.id,)]


def test_us_harass_flags_threats_obscenity_insults_and_repeated_calls():
    tagged = [fact(ny(2026, 6, 1 + i, 10, 0), tags=[t]) for i, t in enumerate(["threat", "obscene", "insult",
                                                                              "repeated"])]
    assert len(found("US-HARASS", tagged + [fact(ny(2026, 6, 9, 10, 0), tags=["mentioned_family"])])) == 4


def test_us_false_flags_a_claimed_attorney_police_court_or_fake_document():
    tags = ["claimed_lawyer", "claimed_police", "claimed_court", "fake_legal_document"]
    tagged = [fact(ny(2026, 6, 1 + i, 10, 0), tags=[t]) for i, t in enumerate(tags)]
    assert len(found("US-FALSE", tagged)) == 4
    assert not found("US-FALSE", [fact(ny(2026, 6, 1, 10, 0), tags=["threat"])])


# --------------------------------------------------------------------------- entries from the database


def _make(case, borrower, **fields):
    from evidence.cases.services import entry_create

    entry, _ = entry_create(case=case, actor=borrower, **fields)
    return entry


def test_it_reads_real_entries_and_leaves_out_trashed_ones(case, borrower):
    from evidence.cases.services import entry_trash

    night = _make(case, borrower, kind="call", occurred_at=sh(2026, 3, 2, 23, 0), direction="incoming",
                  number="13800138000", duration_seconds=30)
    relative = _make(case, borrower, kind="third_party", occurred_at=sh(2026, 3, 3, 10, 0),
                     contact_name="王某", contact_relation="同事", content="说我欠钱不还")
    guarantor = _make(case, borrower, kind="third_party", occurred_at=sh(2026, 3, 4, 10, 0),
                      contact_relation="担保人")
    gone = _make(case, borrower, kind="call", occurred_at=sh(2026, 3, 5, 23, 0), direction="incoming")
    entry_trash(entry=gone, actor=borrower, reason="重复")

    ctx = CaseContext.for_case(case)
    assert ctx.time_zone == ZoneInfo("Asia/Shanghai")  # the owner's zone
    for facts in (facts_for_case(case), facts_from_entries(case.entries.all())):
        assert {f.id for f in facts} == {str(e.pk) for e in (night, relative, guarantor)}
        findings = {f.rule_id: f.entry_ids for f in evaluate("cn", facts, ctx)}
        assert findings["CN-HOURS"] == (str(night.pk),)
        assert findings["CN-THIRD-PARTY"] == (str(relative.pk),)
    [night_facts] = [f for f in facts_for_case(case) if f.id == str(night.pk)]
    assert night_facts.number_key == night.number_index and "13800138000" not in night_facts.number_key


def test_it_reads_the_text_only_when_asked(case, borrower):
    _make(case, borrower, kind="sms", occurred_at=sh(2026, 3, 2, 10, 0), content="不还钱就爆你通讯录",
          claimed_identity="法务部", notes="早上收到")
    [plain] = facts_from_entries(case.entries.all())
    [with_text] = facts_from_entries(case.entries.all(), text=True)
    assert plain.text == ""
    assert with_text.text == "不还钱就爆你通讯录\n法务部\n早上收到"


def test_the_case_context_takes_the_owners_zone_unless_told(case, borrower):
    borrower.time_zone = "America/New_York"
    borrower.save()
    case.owner.refresh_from_db()
    assert CaseContext.for_case(case).time_zone == NEW_YORK
    assert CaseContext.for_case(case, time_zone="Asia/Hong_Kong").time_zone == ZoneInfo("Asia/Hong_Kong")


def test_an_entry_edited_after_a_finding_is_judged_again(case, borrower):
    from evidence.cases.services import entry_update

    calls = [_make(case, borrower, kind="call", occurred_at=sh(2026, 3, 2, 9 + i, 0), direction="incoming",
                   call_outcome="answered", duration_seconds=60) for i in range(4)]
    [finding] = [f for f in evaluate("cn", facts_for_case(case), CaseContext.for_case(case))
                 if f.rule_id == "CN-FREQ-ANSWERED"]
    assert finding.entry_ids == tuple(str(c.pk) for c in calls)

    # The borrower corrects the log: the fourth call was not picked up.
    entry_update(entry=calls[3], actor=borrower, call_outcome="missed", duration_seconds=None)
    rules = {f.rule_id for f in evaluate("cn", facts_for_case(case), CaseContext.for_case(case))}
    assert "CN-FREQ-ANSWERED" not in rules

    # Moving it to the night makes a different finding.
    entry_update(entry=calls[3], actor=borrower, occurred_at=sh(2026, 3, 2, 22, 30))
    findings = evaluate("cn", facts_for_case(case), CaseContext.for_case(case))
    assert [(f.rule_id, f.entry_ids) for f in findings] == [("CN-HOURS", (str(calls[3].pk),))]


# --------------------------------------------------------------------------- scale


def test_it_stays_near_linear_on_a_big_case():
    """20,000 entries over a year: sorting is the only super-linear step."""
    start = datetime(2025, 6, 1, tzinfo=UTC)
    kinds = ["call", "call", "call", "call", "sms", "third_party", "visit", "post"]
    directions = ["incoming", "missed", "outgoing", ""]
    tags = [(), (), (), ("threat",), ("insult", "repeated"), ("claimed_police",), ("disclosed_debt",)]
    facts = [Facts(id=f"b{i}", kind=kinds[i % 8], occurred_at=start + timedelta(seconds=1571 * i),
                   direction=directions[i % 4], duration_seconds=(None, 0, 30)[i % 3], tags=frozenset(tags[i % 7]))
             for i in range(20_000)]
    ctx = cn_ctx(usurious=True, police_warning_at=start + timedelta(days=180))
    began = clock.perf_counter()
    for rule_set in RULE_SETS:
        assert evaluate(rule_set, facts, ctx)
    # Generous for a busy CI machine; a quadratic step would take minutes.
    assert clock.perf_counter() - began < 5
