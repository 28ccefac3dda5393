"""Exported evidence bundles (证据包)."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case


class Bundle(models.Model):
    """An exported evidence bundle (证据包), stored encrypted until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        # Deleted after LIUZHENG_BUNDLE_EXPIRY_DAYS: the row stays as history, the ZIP is gone.
        EXPIRED = "expired", _("Expired")

    # The blob this row holds (see evidence.models.blob_holders): gc_blobs keeps it.
    BLOB_KEYS = ("blob_key",)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="bundles")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    selection = models.JSONField(default=dict, blank=True)  # {"from": date, "to": date, "entries": [ids]}
    file_name = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name or f"bundle {self.pk}"

    @property
    def blob_key(self):
        return f"{self.pk.hex}.bundle"

    # bundle.error of an export whose worker died (evidence/worker.py): the user is told so.
    INTERRUPTED = "interrupted"

    @property
    def was_interrupted(self):
        return self.status == self.Status.FAILED and self.error.startswith(self.INTERRUPTED)

    @property
    def is_available(self):
        return self.status == self.Status.DONE and (self.expires_at is None or self.expires_at > timezone.now())
