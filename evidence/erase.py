"""Deleting cases for ever: only for crypto-erasure of a user (erase_user)."""
from django.db import transaction

from .models import CustodyErasure


@transaction.atomic
def cases_delete(cases):
    cases = list(cases)
    # The append-only trigger lets custody events go only for cases listed here.
    CustodyErasure.objects.bulk_create([CustodyErasure(case_id=c.pk) for c in cases], ignore_conflicts=True)
    for case in cases:
        case.delete()
