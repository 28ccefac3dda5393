"""Reads of sharing: a lawyer's live grants and the owner's access log."""
from __future__ import annotations

from django.utils import timezone

from evidence.custody.actions import ACCESS_LOG
from evidence.models import CaseAccess, CustodyEvent


def shared_cases_for(user):
    """The cases a lawyer holds a live grant on, with the grant."""
    now = timezone.now()
    grants = CaseAccess.objects.filter(lawyer=user, revoked_at__isnull=True).select_related("case", "case__owner")
    return [g for g in grants if g.is_active(now)]


def access_log(case, limit=200):
    """What others did with the case's evidence, newest first: the owner's access log."""
    return (CustodyEvent.objects.filter(case=case, action__in=ACCESS_LOG).exclude(actor_id=case.owner_id)
            .order_by("-seq")[:limit])
