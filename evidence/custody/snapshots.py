"""What a custody event's content hash covers, for each kind of object.

These are the canonical forms the chain was written with: a field added to a case
or an entry must not change the hash of a record that never set it.
"""
from __future__ import annotations

from evidence.lib.canonical import json_value

CASE_FIELDS = ["lender", "product", "amount_owed", "overdue_since", "collector_numbers", "agencies", "notes"]
# Added with the rules (issue 7), with the value that leaves them out of a snapshot:
# a case that never set them keeps the custody hash it had before they existed.
CASE_RULE_FIELDS = {"rule_set": "cn", "time_zone": "", "debt_usurious": False, "consented_night_contact": False,
                    "police_warned_at": None, "loan_reference": ""}
# Added for the court (issue 12), same rule: left out of a snapshot while blank.
CASE_RULE_FIELDS.update({"lender_entity": "", "court": "", "court_case_number": "", "cause": ""})
CASE_EDITABLE = CASE_FIELDS + list(CASE_RULE_FIELDS)
ENTRY_FIELDS = ["kind", "occurred_at", "direction", "duration_seconds", "channel", "tags", "number",
                "claimed_identity", "content", "contact_name", "contact_relation", "notes", "purpose"]
# Added with issue 14, with the values that leave them out of a snapshot: an entry that
# never set them (or, for a call, whose outcome is not known: the migration's "unknown")
# keeps the custody hash it had before they existed.
ENTRY_LATER_FIELDS = {"call_outcome": ("", "unknown"), "time_precision": ("exact",), "captured_offline_at": (None,)}
# Set once, when an entry made offline arrives (cases.services.entry_create); the others are edited.
ENTRY_CREATE_ONLY = ["captured_offline_at"]
ENTRY_EDITABLE = ENTRY_FIELDS + [f for f in ENTRY_LATER_FIELDS if f not in ENTRY_CREATE_ONLY]


def case_snapshot(case) -> dict:
    snap = {"id": str(case.pk), **{f: json_value(getattr(case, f)) for f in CASE_FIELDS}}
    for f, default in CASE_RULE_FIELDS.items():
        value = getattr(case, f)
        if value != default:
            snap[f] = json_value(value)
    return snap


def entry_snapshot(entry) -> dict:
    """The canonical content of an entry: what its custody hash covers."""
    snap = {"id": str(entry.pk), "case": str(entry.case_id), "revision": entry.revision,
            **{f: json_value(getattr(entry, f)) for f in ENTRY_FIELDS}}
    for f, left_out in ENTRY_LATER_FIELDS.items():
        value = getattr(entry, f)
        if value not in left_out:
            snap[f] = json_value(value)
    return snap


def access_snapshot(access) -> dict:
    return {"id": str(access.pk), "case": str(access.case_id), "lawyer": access.lawyer_id, "level": access.level,
            "expires_at": json_value(access.expires_at), "revoked_at": json_value(access.revoked_at)}


def submission_provenance(submission) -> dict:
    """What the custody hash of a witness submission covers: stated identity, time, origin, link."""
    return {"submission": str(submission.pk), "link": str(submission.link_id), "entry": str(submission.entry_id),
            "name": submission.name, "relation": submission.relation, "phone": submission.phone,
            "ip": submission.ip, "user_agent": submission.user_agent, "consent": submission.consent,
            "submitted_at": json_value(submission.submitted_at)}
