"""Reads of sharing: a lawyer's live grants and the owner's access log."""
from __future__ import annotations

from django.utils import timezone

from django.utils.translation import gettext_lazy as _

from evidence.custody.actions import ACCESS_LOG, Action
from evidence.models import CaseAccess, CustodyEvent


def shared_cases_for(user):
    """The cases a lawyer holds a live grant on, with the grant."""
    now = timezone.now()
    grants = CaseAccess.objects.filter(lawyer=user, revoked_at__isnull=True).select_related("case", "case__owner")
    return [g for g in grants if g.is_active(now)]


def access_log(case, limit=200):
    """What others did with the case's evidence, newest first: the owner's access log."""
    return (CustodyEvent.objects.filter(case=case, action__in=ACCESS_LOG).exclude(actor_id=case.owner_id)
            .select_related("actor").order_by("-seq")[:limit])


# What each access-log action reads as, after the person: "律师 陈某 下载了证据包".
_ACCESS_PHRASES = {
    Action.CASE_VIEW: _("opened the case"),
    Action.ATTACHMENT_VIEW: _("viewed a file"),
    Action.ATTACHMENT_DOWNLOAD: _("downloaded a file"),
    Action.BUNDLE_REQUEST: _("asked for an evidence bundle"),
    Action.BUNDLE_EXPORT: _("exported an evidence bundle"),
    Action.BUNDLE_DOWNLOAD: _("downloaded the evidence bundle"),
    Action.INVITATION_ACCEPT: _("accepted your invitation"),
    Action.CASE_SHARE: _("invited a lawyer"),
    Action.CASE_UNSHARE: _("withdrew an access"),
}


def access_log_rows(case, limit=200) -> list[dict]:
    """The access log in words: who (role and name), did what, when (shown in local time)."""
    rows = []
    for e in access_log(case, limit):
        user = e.actor
        if user is not None:
            role = _("Lawyer") if user.is_lawyer else _("User")
            who = f"{role} {user.username}"
        elif e.actor_label.startswith("witness:"):
            who = str(_("A witness"))
        else:
            who = str(_("The system"))
        try:
            did = _ACCESS_PHRASES.get(Action(e.action)) or Action(e.action).label
        except ValueError:
            did = e.action
        rows.append({"event": e, "who": who, "did": did, "when": e.created_at})
    return rows
