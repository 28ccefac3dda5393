"""The evidence app's tables, one module per domain.

Table names never change: every ciphertext is bound to its table, column and row
(evidence.store.crypto), so a renamed table would no longer decrypt. Django finds
the models here; each domain's code imports them from this package.
"""
from evidence.store.models import UserKey

from .bundles import Bundle
from .cases import Attachment, Case, Entry, EntryRevision, RuleSet, Transcript
from .complaints import ComplaintDraft
from .custody import CustodyErasure, CustodyEvent, Timestamp, TimestampToken
from .sharing import AccessLevel, CaseAccess, Invitation, LawyerNote
from .witness import WitnessLink, WitnessSubmission

__all__ = [
    "AccessLevel", "Attachment", "Bundle", "Case", "CaseAccess", "ComplaintDraft", "CustodyErasure", "CustodyEvent",
    "Entry", "EntryRevision", "Invitation", "LawyerNote", "RuleSet", "Timestamp", "TimestampToken", "Transcript",
    "UserKey", "WitnessLink", "WitnessSubmission",
]
