"""The evidence app's tables, one module per domain.

Table names never change: every ciphertext is bound to its table, column and row
(evidence.store.crypto), so a renamed table would no longer decrypt. Django finds
the models here; each domain's code imports them from this package.
"""
from django.apps import apps

from evidence.store.models import UserKey

from .bundles import Bundle
from .cases import (
    Attachment, Case, CaseTally, Derivative, Entry, EntryRevision, MachineText, PendingUpload, RuleSet, Transcript,
)
from .complaints import ComplaintDraft
from .findings import CaseFindings, FindingDay
from .custody import ChainCheck, CustodyErasure, CustodyEvent, Timestamp, TimestampToken
from .imports import BackupImport, ImportItem
from .sharing import AccessLevel, CaseAccess, Invitation, LawyerNote
from .tasks import TaskLease
from .witness import WitnessLink, WitnessSubmission

__all__ = [
    "AccessLevel", "Attachment", "BackupImport", "Bundle", "Case", "CaseAccess", "CaseFindings", "CaseTally", "ChainCheck", "ComplaintDraft",
    "CustodyErasure", "CustodyEvent", "Derivative", "MachineText",
    "Entry", "EntryRevision", "FindingDay", "ImportItem", "Invitation", "LawyerNote", "PendingUpload", "RuleSet", "TaskLease", "Timestamp", "TimestampToken", "Transcript",
    "UserKey", "WitnessLink", "WitnessSubmission", "blob_holders", "blob_keys",
]


def blob_holders() -> list:
    """Every table whose rows point at blobs in the store. A model says so with
    `BLOB_KEYS`, the names of its properties that give a blob key; `gc_blobs` keeps exactly
    the blobs these name, and crypto-erasure deletes exactly these. A blob-holding model
    that forgets BLOB_KEYS would have its blobs collected as orphans:
    tests/store/test_gc_blobs.py fails on any `*_key` property or store write it does not know."""
    return [m for m in apps.get_models() if getattr(m, "BLOB_KEYS", ())]


def blob_keys(**filters) -> set[str]:
    """The keys of every blob the rows matching `filters` (e.g. case__owner=user) hold."""
    keys = set()
    for model in blob_holders():
        for obj in model._default_manager.filter(**filters).only("pk").iterator():
            keys.update(getattr(obj, name) for name in model.BLOB_KEYS)
    return keys
