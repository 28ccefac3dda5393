"""Read side of cases: the timeline, its filters and counts, the lawyer's case list."""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from evidence.custody.snapshots import entry_snapshot
from evidence.lib.labels import format_duration
from evidence.store.crypto import DecryptionError, blind_index
from evidence.lib import ocr, redaction
from evidence.custody.actions import Action
from evidence.models import Attachment, Case, CustodyEvent, Derivative, Entry, MachineText, WitnessSubmission
from evidence.rules.stats import third_party_counts
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


def _matches(entry: Entry, q: str, machine_text: str = "") -> bool:
    # The text is encrypted at rest: search decrypts the owner's entries in memory.
    q = q.casefold()
    return any(q in (getattr(entry, f) or "").casefold() for f in TEXT_FIELDS) or q in machine_text.casefold()


def _machine_text_of(rows) -> dict:
    """The OCR'd text of the screenshots of some entries (one query), entry id -> text."""
    found = {}
    for mt in MachineText.objects.filter(attachment__entry_id__in=[r.pk for r in rows]).select_related(
            "case", "attachment"):
        try:
            found[mt.attachment.entry_id] = found.get(mt.attachment.entry_id, "") + "\n" + mt.text
        except DecryptionError:
            log.error("Machine text %s could not be decrypted", mt.pk)
    return found


PAGE_SIZE = 25  # a phone shows about five cards; the next page loads as the reader scrolls
# A search decrypts the entries it reads: it goes through the case this many rows at a time.
SCAN_CHUNK = 500


@dataclass
class Page:
    items: list[Item]
    next_cursor: str = ""  # blank: this is the last page
    total: int | None = None  # entries matching the filters; None when a text search is on (not counted)


def cursor_for(entry: Entry) -> str:
    """Where the next page starts: the last entry's time and id (keyset pagination)."""
    return f"{entry.occurred_at.astimezone(dt_timezone.utc):%Y%m%dT%H%M%S.%f}~{entry.pk.hex}"


def parse_cursor(value: str):
    """(occurred_at, id) from cursor_for, or None for anything else (a stale or edited link)."""
    try:
        when, pk = value.split("~")
        return datetime.strptime(when, "%Y%m%dT%H%M%S.%f").replace(tzinfo=dt_timezone.utc), uuid.UUID(hex=pk)
    except (ValueError, AttributeError):
        return None


def timeline_queryset(case: Case, *, kind="", tag="", date_from=None, date_to=None, trashed=False):
    """The case's entries matching the filters the database can apply, newest first."""
    qs = Entry.objects.filter(case=case, trashed_at__isnull=not trashed, witness_pending=False)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        # Tags are stored as a JSON list of slugs: the quoted slug matches one tag exactly.
        qs = qs.filter(tags__icontains=f'"{tag}"')
    zone = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(occurred_at__gte=timezone.make_aware(datetime.combine(date_from, time.min), zone))
    if date_to:
        qs = qs.filter(occurred_at__lt=timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), zone))
    return qs.order_by("-occurred_at", "-id")


def timeline_page(case: Case, *, kind="", tag="", date_from=None, date_to=None, q="", trashed=False, after="",
                  size: int = PAGE_SIZE, count: bool = True) -> Page:
    """One page of the timeline: `size` entries after the cursor `after`, filtered over the
    whole case. Keyset pagination on (occurred_at, id): a page costs the same at entry 20 or
    20,000, and an entry logged meanwhile does not shift the pages (no OFFSET)."""
    qs = timeline_queryset(case, kind=kind, tag=tag, date_from=date_from, date_to=date_to, trashed=trashed)
    total = qs.count() if count and not q else None
    position = parse_cursor(after) if after else None
    items: list[Item] = []
    more = False
    while True:
        page_qs = qs
        if position:
            when, pk = position
            page_qs = qs.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=pk))
        # One row more than asked tells whether there is a next page.
        want = SCAN_CHUNK if q else size + 1
        rows = list(page_qs.select_related("case", "witness_submission")[:want])
        machine = _machine_text_of(rows) if q else {}
        for entry in rows:
            position = (entry.occurred_at, entry.pk)
            ok = _decrypt_all(entry)
            if q and (not ok or not _matches(entry, q, machine.get(entry.pk, ""))):
                continue
            if len(items) == size:
                more = True
                break
            items.append(Item(entry=entry, damaged=not ok))
        if more or len(rows) < want:
            break
    _attach_files(items)
    next_cursor = cursor_for(items[-1].entry) if more and items else ""
    return Page(items=items, next_cursor=next_cursor, total=total)


def _attach_files(items: list[Item]):
    """The page's attachments in one query."""
    by_entry = {item.entry.pk: item for item in items}
    if not by_entry:
        return
    for att in Attachment.objects.filter(entry_id__in=by_entry).select_related("case").prefetch_related("derivatives"):
        by_entry[att.entry_id].attachments.append(att)


def timeline(case: Case, *, kind="", tag="", date_from=None, date_to=None, q="", trashed=False) -> list[Item]:
    """The whole timeline at once (small readers: the trash, tests); pages use timeline_page."""
    items, after = [], ""
    while True:
        page = timeline_page(case, kind=kind, tag=tag, date_from=date_from, date_to=date_to, q=q, trashed=trashed,
                             after=after, size=1000, count=False)
        items.extend(page.items)
        if not page.next_cursor:
            return items
        after = page.next_cursor


def case_counts(case: Case) -> dict:
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    # One query for all five counts (the case list shows them for every case).
    live = Q(trashed_at__isnull=True, witness_pending=False)
    call = live & Q(kind=Entry.Kind.CALL)
    counts = Entry.objects.filter(case=case).aggregate(
        calls_today=Count("pk", filter=call & Q(occurred_at__gte=today)),
        calls_week=Count("pk", filter=call & Q(occurred_at__gte=week)),
        entries=Count("pk", filter=live),
        trashed=Count("pk", filter=Q(trashed_at__isnull=False)),
    )
    # The statistics page's count (people, not contacts): one selector for both pages.
    counts["third_party"], counts["third_party_contacts"] = third_party_counts(case)
    return counts


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


# The fields a version of an entry shows, in the form's order.
_HISTORY_FIELDS = ["kind", "occurred_at", "time_precision", "direction", "call_outcome", "duration_seconds", "channel",
                   "number", "claimed_identity", "contact_name", "contact_relation", "content", "tags", "notes",
                   "purpose", "captured_offline_at"]
_CHOICES = {"kind": Entry.Kind, "direction": Entry.Direction, "call_outcome": Entry.Outcome,
            "channel": Entry.Channel, "time_precision": Entry.TimePrecision}


def _shown(field_name, value):
    """A snapshot value as the user reads it: labels, local time, 3:25, tag names."""
    if value in (None, "", []):
        return ""
    if field_name in _CHOICES:
        return str(dict(_CHOICES[field_name].choices).get(value, value))
    if field_name == "duration_seconds":
        return format_duration(value)
    if field_name == "tags":
        labels = dict(Entry.Tag.choices)
        return "、".join(str(labels.get(t, t)) for t in value)
    if field_name in ("occurred_at", "captured_offline_at"):
        try:
            return timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def entry_versions(entry: Entry) -> list[dict]:
    """Every version of an entry, newest first, each field with its label, its value as the
    user reads it and whether it changed from the version before (the history page)."""
    snaps = []
    for rev in entry.revisions.select_related("entry__case").order_by("revision"):
        try:
            snaps.append({"revision": rev.revision, "rev": rev, "data": json.loads(rev.snapshot)})
        except DecryptionError:
            snaps.append({"revision": rev.revision, "rev": rev, "damaged": True})
    snaps.append({"revision": entry.revision, "rev": None, "current": True, "data": entry_snapshot(entry)})
    previous = None
    for snap in snaps:
        if snap.get("damaged"):
            previous = None
            continue
        data = snap["data"]
        snap["fields"] = []
        for name in _HISTORY_FIELDS:
            value = _shown(name, data.get(name))
            before = _shown(name, previous.get(name)) if previous is not None else value
            if value or before:
                snap["fields"].append({"name": name, "label": Entry._meta.get_field(name).verbose_name,
                                       "value": value, "before": before, "changed": value != before})
        previous = data
    return list(reversed(snaps))


# --------------------------------------------------------------------------- redacted copies


def redaction_contacts(case: Case, lines: list[ocr.Line]) -> tuple[list[str], list[str]]:
    """(numbers to keep visible, third parties' names to hide) for a redacted copy of a
    screenshot whose text is `lines`.

    Kept: the collector's numbers (the case's list and every number its calls and messages
    came from or went to): they are the evidence. Hidden: the names of the people the collector
    contacted (entries' "person contacted") and of the witnesses who wrote in.

    The entries' numbers are not decrypted: each number the OCR found is looked up by its blind
    index (Entry.number_index, indexed), so the work follows the screenshot, not the size of the
    case. Only third-party contacts carry a person's name (the entry form asks for it on no
    other kind): only those are read."""
    keep = [line.strip() for line in (case.collector_numbers or "").splitlines() if line.strip()]
    found = {}
    for number in redaction.numbers_in(lines):
        index = blind_index(case.owner_id, number)
        if index:
            found.setdefault(index, []).append(number)
    # Only calls and messages: a third-party entry's number is the third party's own (the
    # form's "their number"), the very thing the copy must hide.
    for index in Entry.objects.filter(case=case, kind__in=(Entry.Kind.CALL, Entry.Kind.SMS),
                                      number_index__in=list(found)).values_list("number_index", flat=True).distinct():
        keep.extend(found[index])
    names = []
    for entry in Entry.objects.filter(case=case, kind=Entry.Kind.THIRD_PARTY).select_related("case").only(
            "id", "case", "contact_name"):
        try:
            if entry.contact_name:
                names.append(entry.contact_name)
        except DecryptionError:
            continue
    for sub in WitnessSubmission.objects.filter(case=case).select_related("case"):
        try:
            names.append(sub.name)
        except DecryptionError:
            continue
    return keep, names


def machine_text_in_frame(attachment: Attachment, frame: redaction.Frame | None = None) -> MachineText | None:
    """The screenshot's machine-read text, when its boxes are in `frame` (the picture as the
    page shows it). A row read before photos were turned upright (no orientation recorded) is
    in the stored frame: for a photo stored turned, it is not used."""
    mt = MachineText.objects.filter(attachment=attachment).select_related("case").first()
    if mt is None or frame is None:
        return mt
    return mt if (mt.orientation or 1) == frame.orientation else None


def redaction_proposal(attachment: Attachment, frame: redaction.Frame | None = None) -> list[redaction.Box]:
    """The boxes proposed for a screenshot's redacted copy, from what the OCR read, in the
    upright picture (none when it has not read it yet in that frame: the user can still draw
    boxes)."""
    mt = machine_text_in_frame(attachment, frame)
    if mt is None:
        return []
    lines = [ocr.Line(*row) for row in json.loads(mt.boxes or "[]")]
    keep, names = redaction_contacts(attachment.case, lines)
    return redaction.propose(lines, keep_numbers=keep, names=names)


def entry_file_events(entry: Entry) -> list[dict]:
    """The custody events about an entry's files and the copies made from them (added, read,
    redacted, transcribed, downloaded…), oldest first, each in words: the history page."""
    from_ids = {str(a.pk): a for a in entry.attachments.all()}
    copies = {str(d.pk): d for d in Derivative.objects.filter(attachment__entry=entry)}
    rows = []
    for e in CustodyEvent.objects.filter(case=entry.case_id, object_id__in=list(from_ids) + list(copies)) \
            .order_by("seq"):
        try:
            label = Action(e.action).label
        except ValueError:
            label = e.action
        att = from_ids.get(e.object_id) or (copies[e.object_id].attachment if e.object_id in copies else None)
        rows.append({"event": e, "label": label, "attachment": att, "copy": copies.get(e.object_id)})
    return rows
