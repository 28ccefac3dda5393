"""Recompute what the custody chain promises: every link, every file, every entry.

Used by `manage.py verify_custody` and the case page. Reports the first problem
of each case by name, so an operator knows exactly which record or file to look at.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from evidence.lib.canonical import sha256_json
from evidence.models import Attachment, Case, CustodyEvent, Entry
from evidence.store import blobstore
from evidence.store.crypto import DecryptionError, keys_scope

from .actions import CONTENT_ACTIONS
from .chain import GENESIS, event_hash
from .snapshots import case_snapshot, entry_snapshot


@dataclass
class Report:
    case_id: str
    events: int = 0
    files: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def verify_chain(case: Case, report: Report):
    prev, expected = GENESIS, 1
    for event in CustodyEvent.objects.filter(case=case).order_by("seq").iterator():
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
    report = Report(case_id=str(case.pk))
    verify_chain(case, report)
    if files:
        # Outside a request (manage.py verify_custody) no scope is open: without one,
        # every decrypted field and file would query the owner's key row again.
        with keys_scope():
            verify_contents(case, report)
    return report
