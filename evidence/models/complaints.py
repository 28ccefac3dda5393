"""Complaint drafts generated from a case."""
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evidence.store.fields import EncryptedTextField

from .cases import Case


class ComplaintDraft(models.Model):
    """An editable complaint letter generated from a case (投诉/举报/报案/起诉状 draft).

    The body is canonical JSON ({"title", "sections": [{"key", "heading", "text"}],
    "incidents": [[…]], "findings": [[…]]}), encrypted; each save is custody-logged.
    """

    class Channel(models.TextChoices):
        NFRA = "nfra_12378", _("Complaint to the NFRA (国家金融监督管理总局, 12378)")
        NIFA = "nifa", _("Report to the NIFA (中国互联网金融协会)")
        SPAM = "report_12321", _("Report of the numbers to 12321")
        POLICE = "police", _("Statement for the police (110 / 派出所)")
        COURT = "court", _("Civil complaint (民事起诉状): privacy and personal information")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complaints")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    body = EncryptedTextField()
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["channel"]
        constraints = [models.UniqueConstraint(fields=["case", "channel"], name="complaint_unique_channel")]

    def __str__(self):
        return f"{self.channel} draft of {self.case_id}"

    def get_absolute_url(self):
        return reverse("complaint_edit", args=[self.case_id, self.channel])

    def crypto_owner_id(self):
        return self.case.owner_id
