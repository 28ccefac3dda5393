"""Read side of cases: the timeline, its filters and counts, the lawyer's case list."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count, Max, Min, Prefetch, Q
from django.utils import timezone

from evidence.store.crypto import DecryptionError
from evidence.models import Attachment, Case, CustodyEvent, Entry
from evidence.sharing.selectors import shared_cases_for

log = logging.getLogger("liuzheng.timeline")
TEXT_FIELDS = ["number", "claimed_identity", "content", "contact_name", "contact_relation", "notes"]


@dataclass
class Item:
    entry: Entry
    damaged: bool = False
    attachments: list = field(default_factory=list)


def _decrypt_all(entry: Entry) -> bool:
    """Decrypt an entry's text up front; a damaged entry must not break the page."""
    try:
        for f in TEXT_FIELDS:
            getattr(entry, f)
        return True
    except DecryptionError:
        log.error("Entry %s of case %s could not be decrypted", entry.pk, entry.case_id)
        return False


def _matches(entry: Entry, q: str) -> bool:
    # The text is encrypted at rest: search decrypts the owner's entries in memory.
    q = q.casefold()
    return any(q in (getattr(entry, f) or "").casefold() for f in TEXT_FIELDS)


def timeline(case: Case, *, kind="", tag="", date_from=None, date_to=None, q="", trashed=False) -> list[Item]:
    qs = Entry.objects.filter(case=case, trashed_at__isnull=not trashed, witness_pending=False).select_related(
        "case", "witness_submission")
    if kind:
        qs = qs.filter(kind=kind)
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(occurred_at__gte=timezone.make_aware(datetime.combine(date_from, time.min), zone))
    if date_to:
        qs = qs.filter(occurred_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), zone))
    qs = qs.prefetch_related(Prefetch("attachments", queryset=Attachment.objects.select_related("case")))
    items = []
    for entry in qs:
        if tag and tag not in (entry.tags or []):
            continue
        ok = _decrypt_all(entry)
        if q and (not ok or not _matches(entry, q)):
            continue
        items.append(Item(entry=entry, damaged=not ok, attachments=list(entry.attachments.all())))
    return items


def case_counts(case: Case) -> dict:
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    # One query for all five counts (the case list shows them for every case).
    live = Q(trashed_at__isnull=True, witness_pending=False)
    call = live & Q(kind=Entry.Kind.CALL)
    return Entry.objects.filter(case=case).aggregate(
        calls_today=Count("pk", filter=call & Q(occurred_at__gte=today)),
        calls_week=Count("pk", filter=call & Q(occurred_at__gte=week)),
        third_party=Count("pk", filter=live & Q(kind=Entry.Kind.THIRD_PARTY)),
        entries=Count("pk", filter=live),
        trashed=Count("pk", filter=Q(trashed_at__isnull=False)),
    )


def shared_case_rows(user):
    """The lawyer's dashboard rows: client, lender, period, counts, last activity."""
    rows = []
    for grant in shared_cases_for(user):
        case = grant.case
        live = case.entries.filter(trashed_at__isnull=True, witness_pending=False)
        period = live.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
        last = CustodyEvent.objects.filter(case=case).order_by("-seq").values_list("created_at", flat=True).first()
        rows.append({"case": case, "grant": grant, "counts": case_counts(case), "period": period,
                     "last_activity": last})
    return rows
