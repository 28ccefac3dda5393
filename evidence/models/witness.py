"""Witness links and what witnesses sent through them."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evidence.lib.tokens import find_by_token
from evidence.store.fields import EncryptedTextField

from .cases import Case, Entry


class WitnessLink(models.Model):
    """A link (and QR code) for one named person to send what they received.

    The token is kept twice: hashed, to find and check it, and encrypted with
    the owner's key, so the owner can show the QR code again later.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="witness_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = EncryptedTextField(_("for whom (name)"))
    lookup = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    token = EncryptedTextField()
    expires_at = models.DateTimeField(_("valid until"))
    max_submissions = models.PositiveIntegerField(_("maximum submissions"), default=3)
    submissions_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"witness link {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id

    @classmethod
    def for_token(cls, token):
        """The witnesslink this bearer token opens, or None (evidence.lib.tokens)."""
        return find_by_token(cls.objects.select_related("case", "case__owner"), token)

    def state(self, now):
        """'open', or why it no longer takes submissions."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.submissions_count >= self.max_submissions:
            return "used_up"
        return "open"


class WitnessSubmission(models.Model):
    """What a witness sent, with its provenance, waiting in the case's inbox."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for your decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="witness_submissions")
    link = models.ForeignKey(WitnessLink, on_delete=models.PROTECT, related_name="submissions")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="witness_submission")
    # The submitter's identity as stated by them (nothing here is verified).
    name = EncryptedTextField()
    relation = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    ip = EncryptedTextField(blank=True)
    user_agent = EncryptedTextField(blank=True)
    consent = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"witness submission {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id
