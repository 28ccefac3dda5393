"""State changes of witness links and submissions."""
from __future__ import annotations

from django.utils import timezone

from evidence.cases.services import entry_create, entry_trash
from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.custody.snapshots import submission_provenance
from evidence.lib.canonical import json_value, sha256_json
from evidence.lib.tokens import new_token
from evidence.models import Case, Entry, WitnessLink, WitnessSubmission
from evidence.rules import tally


class WitnessLinkClosed(Exception):
    """The link no longer takes submissions; args[0] is its state (revoked, expired, used_up)."""


@service(durable=True)
def witness_link_create(*, case: Case, actor, name: str, expires_at, max_submissions: int):
    token, lookup, digest = new_token()
    link = WitnessLink(case=case, created_by=actor.user, name=name, lookup=lookup, token_hash=digest, token=token,
                       expires_at=expires_at, max_submissions=max_submissions)
    link.save(force_insert=True)
    custody_append(case=case, actor=actor, action=Action.WITNESS_LINK_CREATE, object_type="witness_link",
                   object_id=link.pk, content_sha256=sha256_json({"expires_at": json_value(expires_at),
                                                                  "max_submissions": max_submissions}))
    return link


@service(durable=True)
def witness_link_revoke(*, link, actor):
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    custody_append(case=link.case, actor=actor, action=Action.WITNESS_LINK_REVOKE,
                   object_type="witness_link", object_id=link.pk)
    return link


@service(durable=True)
def witness_submission_create(*, link, ip: str, user_agent: str, uploads=(), name: str, relation: str = "",
                              phone: str = "", contacted_at=None, time_precision: str = Entry.TimePrecision.EXACT,
                              collector_number: str = "", told: str = "", consent: bool):
    """A witness's submission: an entry held out of the case until the owner accepts it.

    Its files are hashed into the custody chain now, at capture, like any other.
    """
    # Lock the link: two submissions at once must not exceed its maximum.
    link = WitnessLink.objects.select_for_update().select_related("case", "case__owner").get(pk=link.pk)
    actor = Actor.witness(link)
    state = link.state(timezone.now())
    if state != "open":
        raise WitnessLinkClosed(state)
    if contacted_at is None:  # a time not given is not the submission time: it is not known
        contacted_at, time_precision = timezone.now(), Entry.TimePrecision.UNKNOWN
    entry, _ = entry_create(case=link.case, actor=actor, uploads=uploads, witness_pending=True,
                            kind=Entry.Kind.THIRD_PARTY, occurred_at=contacted_at, time_precision=time_precision,
                            contact_name=name, contact_relation=relation, number=collector_number, content=told)
    submission = WitnessSubmission(case=link.case, link=link, entry=entry, name=name, relation=relation,
                                   phone=phone, ip=ip, user_agent=user_agent[:500], consent=consent)
    submission.save(force_insert=True)
    link.submissions_count += 1
    link.save(update_fields=["submissions_count"])
    custody_append(case=link.case, actor=actor, action=Action.WITNESS_SUBMIT, object_type="witness_submission",
                   object_id=submission.pk, content_sha256=sha256_json(submission_provenance(submission)))
    return submission


def _submission_decide(submission, actor: Actor, status, action):
    """Record the borrower's decision on a pending submission; its entry leaves the inbox."""
    entry = Entry.objects.select_related("case").get(pk=submission.entry_id)
    counted = tally.parts(entry.case, entry)
    Entry.objects.filter(pk=submission.entry_id).update(witness_pending=False)
    submission.status, submission.decided_at, submission.decided_by = status, timezone.now(), actor.user
    submission.save(update_fields=["status", "decided_at", "decided_by"])
    custody_append(case=submission.case, actor=actor, action=action, object_type="witness_submission",
                   object_id=submission.pk, content_sha256=sha256_json(submission_provenance(submission)))
    entry.witness_pending = False  # accepted: it joins the case's counts (rejected: it is in the trash)
    tally.replace(entry.case, counted, tally.parts(entry.case, entry))
    return submission


@service(durable=True)
def witness_submission_accept(*, submission, actor):
    if submission.status != WitnessSubmission.Status.PENDING:  # a double tap decides once
        return submission
    return _submission_decide(submission, actor, WitnessSubmission.Status.ACCEPTED, Action.WITNESS_ACCEPT)


@service(durable=True)
def witness_submission_reject(*, submission, actor, reason: str):
    """Rejected is not discarded: the entry goes to the trash with the reason, restorable."""
    if submission.status != WitnessSubmission.Status.PENDING:
        return submission
    entry = Entry.objects.select_related("case").get(pk=submission.entry_id)
    entry_trash(entry=entry, actor=actor, reason=reason)
    return _submission_decide(submission, actor, WitnessSubmission.Status.REJECTED, Action.WITNESS_REJECT)
