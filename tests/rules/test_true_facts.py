"""Issue 14: only a call the borrower said was answered (接通) counts as answered, and an
entry whose time is not known is left out of the time-based rules, not guessed."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from evidence.cases.services import entry_create, entry_update
from evidence.custody.snapshots import entry_snapshot
from evidence.custody.verify import verify_case
from evidence.rules import CaseContext, Facts, evaluate, facts_for_case
from evidence.rules.engine import untimed_counts, timeline
from evidence.rules.stats import case_stats

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def call(i, outcome, *, hour=9, direction="incoming", duration=60, time_known="exact"):
    return Facts(id=f"c{i}", kind="call", occurred_at=sh(2026, 3, 2, hour, i), direction=direction,
                 duration_seconds=duration, outcome=outcome, time_known=time_known)


def rules_found(facts):
    return {f.rule_id for f in evaluate("cn", facts, CaseContext(time_zone="Asia/Shanghai"))}


@pytest.mark.parametrize("outcome", ["missed", "rejected", "unknown", ""])
def test_only_answered_calls_count_as_answered(outcome):
    three = [call(i, "answered") for i in range(3)]
    assert "CN-FREQ-ANSWERED" not in rules_found(three + [call(3, outcome)])
    assert "CN-FREQ-ANSWERED" in rules_found(three + [call(3, "answered")])


def test_four_quick_logs_of_unknown_outcome_are_not_four_answered_calls():
    # The report: four quick logs read as "单日接通催收电话超过3次".
    assert "CN-FREQ-ANSWERED" not in rules_found([call(i, "unknown", duration=None) for i in range(4)])


def test_an_untimed_contact_is_never_a_night_contact():
    assert "CN-HOURS" in rules_found([call(1, "missed", hour=23)])
    # A day without an hour is stored at noon (or any hour): never judged by the hour.
    assert "CN-HOURS" not in rules_found([call(1, "missed", hour=23, time_known="day")])
    assert "CN-HOURS" not in rules_found([call(1, "missed", hour=23, time_known="unknown")])


def test_a_day_only_entry_still_counts_for_its_day_an_unknown_one_not():
    attempts = [call(i, "missed") for i in range(6)]
    assert "CN-FREQ-ATTEMPTS" in rules_found(attempts + [call(7, "missed", time_known="day")])
    assert "CN-FREQ-ATTEMPTS" not in rules_found(attempts + [call(7, "missed", time_known="unknown")])
    events = timeline(attempts + [call(7, "x", time_known="day"), call(8, "x", time_known="unknown")], SHANGHAI)
    assert untimed_counts(events) == {"day_only": 1, "unknown": 1}


def test_the_form_outcome_reaches_the_rules_through_the_database(case, borrower):
    calls = [entry_create(case=case, actor=borrower, kind="call", direction="incoming", call_outcome="answered",
                          occurred_at=sh(2026, 3, 2, 9 + i), duration_seconds=60)[0] for i in range(4)]
    ctx = CaseContext.for_case(case)
    assert "CN-FREQ-ANSWERED" in {f.rule_id for f in evaluate("cn", facts_for_case(case), ctx)}
    entry_update(entry=calls[0], actor=borrower, call_outcome="rejected")
    assert "CN-FREQ-ANSWERED" not in {f.rule_id for f in evaluate("cn", facts_for_case(case), ctx)}
    assert verify_case(case, files=False).ok


def test_a_call_saved_without_an_outcome_is_unknown_never_answered(case, borrower):
    entry, _ = entry_create(case=case, actor=borrower, kind="call", direction="incoming",
                            occurred_at=sh(2026, 3, 2, 9))
    assert entry.call_outcome == "unknown"
    # "unknown" is left out of the custody snapshot: an old call keeps its hash after the migration.
    assert "call_outcome" not in entry_snapshot(entry)
    sms, _ = entry_create(case=case, actor=borrower, kind="sms", occurred_at=sh(2026, 3, 2, 9))
    assert sms.call_outcome == ""


def test_statistics_say_how_many_entries_have_no_time(case, borrower):
    entry_create(case=case, actor=borrower, kind="third_party", occurred_at=sh(2026, 3, 2, 23),
                 time_precision="day", contact_name="妈妈")
    entry_create(case=case, actor=borrower, kind="sms", occurred_at=sh(2026, 3, 2, 23), direction="incoming")
    stats = case_stats(case)
    assert stats.untimed == {"day_only": 1, "unknown": 0}
    assert stats.night == 1  # the SMS at 23:00, not the contact of unknown hour


def test_the_case_pages_and_the_statistics_count_third_parties_alike(case, borrower, borrower_client):
    """The home page said 7 third parties, Statistics 6: one selector counts them now."""
    from django.urls import reverse

    from evidence.cases.selectors import case_counts

    for i, (name, number) in enumerate([("妈妈", "13900000001"), ("妈妈", "13900000001"), ("王经理", ""),
                                        ("王经理", ""), ("", "")]):
        entry_create(case=case, actor=borrower, kind="third_party", occurred_at=sh(2026, 3, 2, 10, i),
                     contact_name=name, number=number)
    assert case_counts(case)["third_party"] == case_stats(case).third_parties == 3
    home = borrower_client.get(reverse("case_list")).content.decode()
    page = borrower_client.get(reverse("case_detail", args=[case.pk])).content.decode()
    stats = borrower_client.get(reverse("case_statistics", args=[case.pk])).content.decode()
    assert '<div class="num" id="count-third">3</div>' in page
    assert '<div class="num" id="third-parties">3</div>' in stats
    assert '<div class="num">3</div>' in home
