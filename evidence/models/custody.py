"""The custody chain and its trusted timestamps."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import Attachment, Case


class CustodyEvent(models.Model):
    """One link of a case's append-only, hash-chained custody log (保管链)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="custody_events")
    seq = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    content_sha256 = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="custody_unique_seq")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("custody events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("custody events are append-only")


class CustodyErasure(models.Model):
    """A case whose custody chain may be deleted, and only because its owner was erased.

    The database trigger refuses to delete custody events of any other case.
    """

    case_id = models.UUIDField(unique=True)
    erased_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"erased case {self.case_id}"


class TimestampToken(models.Model):
    """One RFC 3161 answer from a time-stamping authority (TSA)."""

    der = models.BinaryField()  # the whole TimeStampResp, as `openssl ts -verify -in` reads it
    digest = models.CharField(max_length=64)  # what the TSA signed: a file hash, a chain head or a Merkle root
    tsa_url = models.CharField(max_length=500)
    tsa_name = models.CharField(max_length=300)
    gen_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"token {self.digest[:12]} by {self.tsa_name}"


class Timestamp(models.Model):
    """A trusted timestamp wanted (or obtained) for a file or a custody-chain head."""

    class Subject(models.TextChoices):
        FILE = "file", _("file")
        CHAIN = "chain", _("custody chain")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timestamps")
    subject = models.CharField(max_length=8, choices=Subject.choices)
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, null=True, related_name="timestamps")
    event = models.ForeignKey(CustodyEvent, on_delete=models.CASCADE, null=True, related_name="+")
    digest = models.CharField(max_length=64, blank=True)  # hex SHA-256 being timestamped
    token = models.ForeignKey(TimestampToken, on_delete=models.PROTECT, null=True, related_name="stamps")
    merkle_path = models.JSONField(default=list, blank=True)  # from digest to token.digest; [] = direct
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    stamped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.subject} timestamp {self.digest[:12]}"


class ChainCheck(models.Model):
    """How far a case's custody chain has been verified: the stored head the case page reads.

    Each view checks only the events appended since `seq` (and that the event at `seq`
    still carries `hash`); the whole chain is recomputed on demand, by the background
    task and by `manage.py verify_custody`, which set `full_at`. A problem stays until a
    full recomputation finds the chain intact again. Bookkeeping of the verifier, not
    evidence: nothing here is hashed into the chain or exported."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="chain_check")
    seq = models.PositiveIntegerField(default=0)  # verified through this event (0: nothing yet)
    hash = models.CharField(max_length=64, blank=True)  # the hash of event `seq`
    problem = models.TextField(blank=True)  # the first problem found; blank: intact
    checked_at = models.DateTimeField()
    full_at = models.DateTimeField(null=True, blank=True)  # the last recomputation of the whole chain
    full_queued_at = models.DateTimeField(null=True, blank=True)  # a background recomputation was asked for

    def __str__(self):
        return f"chain of {self.case_id} checked through #{self.seq}"
