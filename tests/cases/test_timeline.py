"""The case page's timeline in pages: keyset pagination, filters and search over the whole
case, the next page as a fragment for the scrolling script, and the custody state read
from the stored head."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from evidence.cases.selectors import PAGE_SIZE, cursor_for, parse_cursor, timeline, timeline_page
from evidence.cases.services import entry_create, entry_restore, entry_trash
from evidence.custody.verify import chain_status
from evidence.models import ChainCheck, CustodyEvent
from tests.custody.test_custody import attacker_sql

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 9, tzinfo=ZONE)


def log_many(case, actor, n, *, kind="call", same_time=False, **fields):
    return [entry_create(case=case, actor=actor, kind=kind, number=f"1380000{i:04d}",
                         occurred_at=START if same_time else START + timedelta(hours=i), **fields)[0]
            for i in range(n)]


def all_pages(case, **filters):
    seen, after, pages = [], "", 0
    while True:
        page = timeline_page(case, after=after, size=7, **filters)
        seen += [item.entry.pk for item in page.items]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        after = page.next_cursor


def test_pages_walk_the_whole_case_once_newest_first(case, borrower):
    entries = log_many(case, borrower, 20)
    seen, pages = all_pages(case)
    assert seen == [e.pk for e in reversed(entries)]
    assert pages == 3


def test_entries_at_the_same_minute_are_neither_lost_nor_repeated(case, borrower):
    # A bulk import gives many entries one time: the id breaks the tie.
    entries = log_many(case, borrower, 16, same_time=True)
    seen, _ = all_pages(case)
    assert sorted(seen) == sorted(e.pk for e in entries) and len(seen) == len(set(seen))


def test_an_entry_logged_while_reading_does_not_shift_the_next_page(case, borrower):
    entries = log_many(case, borrower, 10)
    first = timeline_page(case, size=5)
    entry_create(case=case, actor=borrower, kind="call", occurred_at=START + timedelta(days=30), number="95188")
    second = timeline_page(case, size=5, after=first.next_cursor)
    assert [i.entry.pk for i in second.items] == [e.pk for e in reversed(entries[:5])]


def test_filters_apply_to_the_whole_case_and_are_counted(case, borrower):
    log_many(case, borrower, 12)
    sms = log_many(case, borrower, 9, kind="sms", content="再不还钱就爆你通讯录", tags=["threat"])
    page = timeline_page(case, kind="sms", size=4)
    assert page.total == 9 and len(page.items) == 4 and page.next_cursor
    seen, _ = all_pages(case, kind="sms")
    assert sorted(seen) == sorted(e.pk for e in sms)
    assert sorted(all_pages(case, tag="threat")[0]) == sorted(e.pk for e in sms)
    assert all_pages(case, tag="insult")[0] == []


def test_search_reads_the_whole_case_and_pages_its_results(case, borrower):
    log_many(case, borrower, 15)
    hits = [entry_create(case=case, actor=borrower, kind="sms", occurred_at=START - timedelta(days=d),
                         content=f"第{d}次 爆通讯录")[0] for d in range(1, 10)]
    page = timeline_page(case, q="通讯录", size=4)
    assert page.total is None  # not counted: counting would decrypt everything
    seen, _ = all_pages(case, q="通讯录")
    assert seen == [e.pk for e in hits]


def test_a_stale_or_forged_cursor_starts_from_the_newest(case, borrower):
    log_many(case, borrower, 3)
    assert parse_cursor("nonsense") is None and parse_cursor("20260101T000000.000000~zz") is None
    assert len(timeline_page(case, after="<script>").items) == 3


def test_cursor_round_trips(entry):
    when, pk = parse_cursor(cursor_for(entry))
    assert when == entry.occurred_at and pk == entry.pk


def test_trash_and_restore_move_entries_between_the_timelines(case, borrower):
    entries = log_many(case, borrower, 4)
    entry_trash(entry=entries[1], actor=borrower, reason="重复")
    assert [i.entry.pk for i in timeline(case, trashed=True)] == [entries[1].pk]
    assert entries[1].pk not in [i.entry.pk for i in timeline(case)]
    entry_restore(entry=entries[1], actor=borrower)
    assert len(timeline(case)) == 4


def cards(html):
    return re.findall(r'id="entry-([0-9a-f-]{36})"', html)


def test_the_case_page_shows_one_page_and_links_the_next(case, borrower, borrower_client):
    log_many(case, borrower, PAGE_SIZE + 5)
    response = borrower_client.get(case.get_absolute_url())
    html = response.content.decode()
    assert len(cards(html)) == PAGE_SIZE
    assert f"({PAGE_SIZE + 5})" in html  # the count comes from an aggregate, not from the page
    next_url = response.context["next_url"]
    assert "after=" in next_url and f'href="{next_url.replace("&", "&amp;")}"' in html
    assert 'src="/static/js/timeline.js"' in html and "<script>" not in html
    rest = borrower_client.get(next_url).content.decode()
    assert len(cards(rest)) == 5 and not set(cards(rest)) & set(cards(html))
    assert 'id="timeline-newest"' in rest and "timeline-more" not in rest


def test_the_next_page_as_a_fragment_for_the_script(case, borrower, borrower_client):
    log_many(case, borrower, PAGE_SIZE + 2, kind="sms")
    first = borrower_client.get(case.get_absolute_url(), {"kind": "sms"})
    assert "kind=sms" in first.context["next_url"]
    fragment = borrower_client.get(first.context["next_url"] + "&fragment=1").content.decode()
    assert len(cards(fragment)) == 2
    assert "<html" not in fragment and "chain-state" not in fragment


def test_a_lawyer_pages_a_shared_case_read_only(shared_case, borrower, lawyer_view):
    from tests.conftest import verified_client

    log_many(shared_case, borrower, PAGE_SIZE + 1)
    client = verified_client(lawyer_view)
    response = client.get(shared_case.get_absolute_url())
    assert response.status_code == 200 and len(cards(response.content.decode())) == PAGE_SIZE
    assert client.get(response.context["next_url"]).status_code == 200


# --------------------------------------------------------------------------- the stored head


def test_the_page_checks_only_what_was_appended_since(case, borrower, django_assert_max_num_queries):
    log_many(case, borrower, 5)
    first = chain_status(case)  # no head yet: the whole chain, stored
    assert first.ok and first.events == 6 and first.checked_at
    check = ChainCheck.objects.get(case=case)
    assert check.seq == 6 and check.full_at
    log_many(case, borrower, 2)
    report = chain_status(case)
    assert report.ok and report.events == 8
    assert ChainCheck.objects.get(case=case).seq == 8


def test_an_altered_new_event_is_seen_at_once(case, borrower):
    log_many(case, borrower, 3)
    assert chain_status(case).ok
    entry_create(case=case, actor=borrower, kind="sms", occurred_at=START, content="x")
    attacker_sql("UPDATE evidence_custodyevent SET actor_label = 'forged' WHERE case_id = %s AND seq = 5",
                 [case.pk.hex if connection.vendor == "sqlite" else case.pk])
    report = chain_status(case)
    assert not report.ok and "#5" in report.problems[0]
    # It stays broken on the next view: the stored state keeps the problem.
    assert not chain_status(case).ok


def test_an_altered_head_is_seen_at_once(case, borrower):
    log_many(case, borrower, 3)
    assert chain_status(case).ok
    attacker_sql("UPDATE evidence_custodyevent SET hash = %s WHERE case_id = %s AND seq = 4",
                 ["e" * 64, case.pk.hex if connection.vendor == "sqlite" else case.pk])
    report = chain_status(case)
    assert not report.ok and "#4" in report.problems[0]


def test_an_old_event_altered_is_found_by_the_full_check_on_demand(case, borrower, borrower_client):
    log_many(case, borrower, 4)
    assert chain_status(case).ok
    attacker_sql("UPDATE evidence_custodyevent SET action = 'forged' WHERE case_id = %s AND seq = 2",
                 [case.pk.hex if connection.vendor == "sqlite" else case.pk])
    # Checked before: the page, checking only what is new, does not see it ...
    assert chain_status(case).ok
    # ... the whole chain recomputed (the button on the case page) does, and the page then shows it.
    response = borrower_client.post(f"/cases/{case.pk}/chain-check/", follow=True)
    html = response.content.decode()
    assert "chain-bad" in html and "#2" in html
    assert not ChainCheck.objects.get(case=case).problem == ""


def test_the_worker_is_asked_for_a_full_check_once_a_day(case, borrower, django_capture_on_commit_callbacks):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from evidence.custody.verify import verify_chain_task

    log_many(case, borrower, 2)
    chain_status(case)
    assert not DBTaskResult.objects.exists()  # just checked in full: nothing to ask
    ChainCheck.objects.filter(case=case).update(full_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        chain_status(case)
        chain_status(case)  # asked once, not on every view
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path.endswith("verify_chain_task") and ChainCheck.objects.get(case=case).full_queued_at
    before = CustodyEvent.objects.filter(case=case).count()
    assert verify_chain_task.call(str(case.pk)) == {"events": before, "ok": True}
    check = ChainCheck.objects.get(case=case)
    assert check.full_at > timezone.now() - timedelta(minutes=1) and check.full_queued_at is None
    assert CustodyEvent.objects.filter(case=case).count() == before  # a check records nothing


@pytest.mark.parametrize("n", [1, PAGE_SIZE * 3])
def test_the_case_page_costs_the_same_queries_at_any_size(case, borrower, borrower_client, n,
                                                         django_assert_max_num_queries):
    log_many(case, borrower, n)
    borrower_client.get(case.get_absolute_url())  # the first view stores the head
    with django_assert_max_num_queries(30):
        assert borrower_client.get(case.get_absolute_url()).status_code == 200
