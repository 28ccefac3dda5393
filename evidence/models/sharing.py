"""Sharing a case with lawyers: invitations, grants and the lawyers' private notes."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evidence.lib.tokens import find_by_token, normalize_short_code, short_code_hash
from evidence.store.fields import EncryptedTextField

from .cases import Case


class AccessLevel(models.TextChoices):
    VIEW = "view", _("View")
    EXPORT = "export", _("View and export")


class Invitation(models.Model):
    """A borrower's offer of access to one case, redeemed once by a lawyer.

    Only a hash of the token is stored: a copy of the database cannot be used
    to accept an invitation. `lookup` (the token's first characters) finds the
    row; the rest is compared in constant time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    label = EncryptedTextField(_("for whom"), blank=True)
    lookup = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    # The hash of the short code shown beside the link (lib.tokens.new_short_code); blank before issue 14.
    short_hash = models.CharField(max_length=64, blank=True, db_index=True)
    level = models.CharField(_("access"), max_length=10, choices=AccessLevel.choices, default=AccessLevel.VIEW)
    access_expires_at = models.DateTimeField(_("access ends"), null=True, blank=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"invitation {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id

    @classmethod
    def for_token(cls, token):
        """The invitation this bearer token opens, or None (evidence.lib.tokens)."""
        rows = cls.objects.select_related("case", "case__owner")
        code = normalize_short_code(token)
        if code is not None:
            return rows.filter(short_hash=short_code_hash(code)).first()
        return find_by_token(rows, token)

    def is_open(self, now):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class CaseAccess(models.Model):
    """A lawyer's right to one case. Checked from the database on every request,
    so a revocation or an expiry ends access in tabs that are already open."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accesses")
    lawyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_accesses")
    level = models.CharField(max_length=10, choices=AccessLevel.choices, default=AccessLevel.VIEW)
    invitation = models.ForeignKey(Invitation, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "lawyer"], condition=models.Q(revoked_at__isnull=True),
                                    name="access_one_live_grant"),
        ]

    def __str__(self):
        return f"{self.lawyer_id} on {self.case_id} ({self.level})"

    def is_active(self, now):
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LawyerNote(models.Model):
    """A lawyer's private notes on a case: the borrower never sees them.
    Encrypted with the lawyer's own data key (the note is the lawyer's work)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField(_("private notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "author"], name="lawyer_note_one_per_case")]

    def __str__(self):
        return f"note of {self.author_id} on {self.case_id}"

    def crypto_owner_id(self):
        return self.author_id
