"""A case's findings kept up to date (evidence.rules.kept): derived bookkeeping, like
CaseTally, never evidence. Nothing here is hashed into the chain or exported, and a
rebuild from the entries gives the same findings."""
from django.db import models

from .cases import Case


class CaseFindings(models.Model):
    """That a case's findings are kept, and under which basis: the rule set, the time zone,
    what the borrower said about the debt, a police warning and night contacts, and the
    rules' own code. `basis` is the owner's keyed MAC of these (the warning's date is not
    kept in clear); when any of them changes, the kept days are counted again."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="kept_findings")
    basis = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"kept findings of {self.case_id}"


class FindingDay(models.Model):
    """The findings of one local day of a case (the rules that count per day), the counts of
    the rules that look across a window of days, and the facts those read, sealed with the
    owner's key: they rest on case text (a contact's relation says whether they are a third party).

    `changes` counts the changes of entries on this day; `counted` is the value of `changes`
    the sealed findings were counted at. A day whose two differ is counted again from its
    entries when next read (an import marks its days; a single change counts its day at once)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="finding_days")
    day = models.DateField()
    changes = models.PositiveIntegerField(default=0)
    counted = models.PositiveIntegerField(default=0)
    sealed = models.BinaryField(default=b"")
    # Sealed too: how many findings of each rule kept per day or per window start on this day,
    # over how many of its entries (all the statistics page needs, without the findings).
    brief = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "day"], name="finding_day_once")]

    def __str__(self):
        return f"findings of {self.case_id} on {self.day}"
