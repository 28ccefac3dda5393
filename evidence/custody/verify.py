"""Recompute what the custody chain promises: every link, every file, every entry.

Used by `manage.py verify_custody` and the case page. Reports the first problem
of each case by name, so an operator knows exactly which record or file to look at.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from evidence.lib.canonical import sha256_json
from evidence.models import Attachment, Case, ChainCheck, CustodyEvent, Entry
from evidence.store import blobstore
from evidence.store.crypto import DecryptionError, keys_scope

from .actions import CONTENT_ACTIONS
from .chain import GENESIS, event_hash
from .snapshots import case_snapshot, entry_snapshot

log = logging.getLogger("liuzheng.custody")
# How old the last recomputation of a whole chain may get before a view asks the worker for one.
FULL_CHECK_EVERY = timedelta(hours=24)


@dataclass
class Report:
    case_id: str
    events: int = 0
    files: int = 0
    problems: list = field(default_factory=list)
    head: tuple = (0, GENESIS)  # the last event verified: (seq, hash)
    checked_at: object = None  # chain_status: when the whole chain was last recomputed (None: never)

    @property
    def ok(self):
        return not self.problems


def verify_chain(case: Case, report: Report, *, after: int = 0, prev: str = GENESIS):
    """Check every link after event `after` (whose hash is `prev`); the last good one is
    left in report.head (seq, hash)."""
    expected = after + 1
    report.head = (after, prev)
    for event in CustodyEvent.objects.filter(case=case, seq__gt=after).order_by("seq").iterator():
        report.events += 1
        if event.seq != expected:
            report.problems.append(f"event #{expected} is missing (found #{event.seq} next)")
            return
        if event.prev_hash != prev:
            report.problems.append(f"event #{event.seq} does not link to the event before it")
            return
        if event_hash(event) != event.hash:
            report.problems.append(f"event #{event.seq} ({event.action}) was altered: its hash does not match")
            return
        prev, expected = event.hash, expected + 1
        report.head = (event.seq, event.hash)


def _last_hashes(case: Case) -> dict:
    """object id -> content hash of the newest event that recorded its content.

    Only the actions that record what a case, an entry or a file now holds count: a
    lawyer's view (no hash) or a transcript saved on a recording (the transcript's hash)
    says nothing about the object's content and must not read as tampering."""
    latest = {}
    for object_id, content in (CustodyEvent.objects.filter(case=case, action__in=CONTENT_ACTIONS).order_by("seq")
                               .values_list("object_id", "content_sha256")):
        latest[object_id] = content
    return latest


def verify_contents(case: Case, report: Report):
    latest = _last_hashes(case)
    try:
        if latest.get(str(case.pk)) != sha256_json(case_snapshot(case)):
            report.problems.append(f"case {case.pk} differs from its last custody record")
    except DecryptionError:
        report.problems.append(f"case {case.pk} cannot be decrypted")
    for entry in Entry.objects.filter(case=case).select_related("case"):
        try:
            if latest.get(str(entry.pk)) != sha256_json(entry_snapshot(entry)):
                report.problems.append(f"entry {entry.pk} differs from its last custody record")
        except DecryptionError:
            report.problems.append(f"entry {entry.pk} cannot be decrypted")
    for att in Attachment.objects.filter(case=case).select_related("case"):
        report.files += 1
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in blobstore.iter_plain(case.owner_id, att.pk, "original", att.blob_key):
                digest.update(chunk)
                size += len(chunk)
        except DecryptionError:
            report.problems.append(f"file {att.pk} is damaged or missing (blob {att.blob_key})")
            continue
        if digest.hexdigest() != att.sha256 or size != att.size:
            report.problems.append(f"file {att.pk}: its content no longer has the recorded SHA-256")
        elif latest.get(str(att.pk)) != att.sha256:
            report.problems.append(f"file {att.pk}: its recorded SHA-256 differs from the custody chain")


def verify_case(case: Case, *, files=True) -> Report:
    report = verify_chain_full(case)  # and stores the head the case page reads (chain_status)
    if files:
        # Outside a request (manage.py verify_custody) no scope is open: without one,
        # every decrypted field and file would query the owner's key row again.
        with keys_scope():
            verify_contents(case, report)
    return report


# --------------------------------------------------------------------------- the stored head


def _store(case: Case, report: Report, *, full: bool):
    now = timezone.now()
    seq, head = report.head
    values = {"seq": seq, "hash": head, "problem": report.problems[0] if report.problems else "", "checked_at": now}
    if full:
        values.update(full_at=now, full_queued_at=None)
    ChainCheck.objects.update_or_create(case=case, defaults=values)


def verify_chain_full(case: Case) -> Report:
    """Recompute the whole chain from the first event and store the result as the case's head."""
    report = Report(case_id=str(case.pk))
    verify_chain(case, report)
    _store(case, report, full=True)
    report.checked_at = timezone.now()
    return report


def chain_status(case: Case) -> Report:
    """The custody chain's state for the case page, at the cost of what was appended since
    the last check: the stored head is checked (still there, still the same hash, still
    hashing right), then only the newer events. A recomputation of the whole chain runs
    when none was ever made, and is asked of the background worker once a day."""
    check = ChainCheck.objects.filter(case=case).first()
    if check is None:
        return verify_chain_full(case)
    report = Report(case_id=str(case.pk), events=check.seq, checked_at=check.full_at)
    if check.problem:
        report.problems.append(check.problem)
        report.head = (check.seq, check.hash)
        return report
    if check.seq:
        anchor = CustodyEvent.objects.filter(case=case, seq=check.seq).first()
        if anchor is None or anchor.hash != check.hash or event_hash(anchor) != anchor.hash:
            report.problems.append(f"event #{check.seq} was altered or removed after it was verified")
            report.head = (check.seq, check.hash)
            _store(case, report, full=False)
            return report
    verify_chain(case, report, after=check.seq, prev=check.hash or GENESIS)
    if report.head[0] != check.seq or report.problems:
        _store(case, report, full=False)
    _ask_for_full_check(check)
    return report


def _ask_for_full_check(check: ChainCheck):
    now = timezone.now()
    if check.full_at and check.full_at > now - FULL_CHECK_EVERY:
        return
    if check.full_queued_at and check.full_queued_at > now - FULL_CHECK_EVERY:
        return
    ChainCheck.objects.filter(pk=check.pk).update(full_queued_at=now)
    case_id = str(check.pk)

    def enqueue():
        try:
            verify_chain_task.enqueue(case_id)
        except Exception:  # the queue being down must not fail the page; the next view asks again
            log.exception("Could not enqueue the custody chain check")

    transaction.on_commit(enqueue)


@task()
def verify_chain_task(case_id: str):
    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        report = verify_chain_full(case)
        return {"events": report.events, "ok": report.ok}
