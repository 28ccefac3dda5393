import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import EncryptedTextField


class UserKey(models.Model):
    """A user's data keys, only ever stored wrapped by the master key."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_key")
    master_key_id = models.BigIntegerField(db_index=True)
    wrapped_aead = models.BinaryField()
    wrapped_stream = models.BinaryField()
    wrapped_mac = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"data key of user {self.user_id} (master {self.master_key_id})"


class RuleSet(models.TextChoices):
    CN = "cn", _("China")
    US = "us", _("United States")


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cases")
    lender = EncryptedTextField(_("lender / platform"))
    product = EncryptedTextField(_("product"), blank=True)
    amount_owed = EncryptedTextField(_("amount owed"), blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    collector_numbers = EncryptedTextField(_("known collector numbers"), blank=True)
    agencies = EncryptedTextField(_("collection agencies"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    # What the rules need beyond the entries (evidence.rules.CaseContext).
    rule_set = models.CharField(_("rules to check against"), max_length=8, choices=RuleSet.choices,
                                default=RuleSet.CN)
    # Where the borrower was when contacted: hours are judged there. Blank: the owner's zone.
    time_zone = models.CharField(_("time zone where you were contacted"), max_length=64, blank=True)
    debt_usurious = models.BooleanField(_("the interest is above four times the one-year LPR (usurious)"),
                                        default=False)
    consented_night_contact = models.BooleanField(_("I agreed to be contacted at night"), default=False)
    # A police warning to the collector is a fact about the case, not a collection
    # contact: a case field keeps it out of the counts, the timeline and the bundle groups.
    police_warned_at = models.DateTimeField(_("when the police warned the collector"), null=True, blank=True)
    loan_reference = EncryptedTextField(_("loan / contract number"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"case {self.pk}"

    def zone_name(self) -> str:
        """The time zone the case's hours are judged in."""
        return self.time_zone or self.owner.time_zone or settings.LIUZHENG_DEFAULT_TIME_ZONE

    def get_absolute_url(self):
        return reverse("case_detail", args=[self.pk])

    def crypto_owner_id(self):
        return self.owner_id


class Entry(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Collection call")
        SMS = "sms", _("SMS / message")
        THIRD_PARTY = "third_party", _("Contact of a third party (爆通讯录)")
        VISIT = "visit", _("Visit")
        POST = "post", _("Public post / exposure")
        OTHER = "other", pgettext_lazy("entry kind", "Other")

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")
        MISSED = "missed", _("Missed")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        QQ = "qq", _("QQ")
        CALL = "call", _("Phone call")
        APP = "app", _("Loan app")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("In person")
        OTHER = "other", pgettext_lazy("channel", "Other")

    class Tag(models.TextChoices):
        THREAT = "threat", _("Threat")
        INSULT = "insult", _("Insult")
        OBSCENE = "obscene", _("Obscene")
        CLAIMED_POLICE = "claimed_police", _("Claimed to be police")
        CLAIMED_COURT = "claimed_court", _("Claimed to be a court")
        CLAIMED_LAWYER = "claimed_lawyer", _("Claimed to be a lawyer")
        FAKE_LEGAL_DOC = "fake_legal_document", _("Fake legal document")
        MENTIONED_FAMILY = "mentioned_family", _("Mentioned contacting family")
        MENTIONED_EMPLOYER = "mentioned_employer", _("Mentioned contacting employer")
        DISCLOSED_DEBT = "disclosed_debt", _("Disclosed the debt to others")
        REPEATED = "repeated", _("Repeated calls")
        NIGHT = "night", _("At night")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.CALL)
    occurred_at = models.DateTimeField(_("date and time"), db_index=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    channel = models.CharField(_("app / channel"), max_length=10, choices=Channel.choices, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # The number in clear is encrypted; the blind index groups calls by number.
    number = EncryptedTextField(_("number"), blank=True)
    number_index = models.CharField(max_length=80, blank=True, db_index=True)  # Tink tag: 5-byte key id + 32 bytes, hex
    claimed_identity = EncryptedTextField(_("who they claimed to be"), blank=True)
    content = EncryptedTextField(_("what was said / text"), blank=True)
    contact_name = EncryptedTextField(_("person contacted"), blank=True)
    contact_relation = EncryptedTextField(_("relation to you"), blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    # 证明目的: what this entry proves, in the borrower's words (a default is offered).
    purpose = EncryptedTextField(_("what it proves (for the court)"), blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    trashed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    trash_reason = EncryptedTextField(blank=True)
    # The same form submitted twice (double tap, retry) carries the same token.
    client_token = models.UUIDField(null=True, blank=True)
    # Sent through a witness link and not yet accepted by the owner: kept (hashed
    # into the custody chain at capture) but not part of the case's record.
    witness_pending = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "client_token"], name="entry_unique_client_token"),
        ]

    def __str__(self):
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("entry_detail", args=[self.pk])

    def crypto_owner_id(self):
        return self.case.owner_id

    @property
    def is_trashed(self):
        return self.trashed_at is not None

    @property
    def source(self):
        """'witness' for what came in through a witness link, else 'owner'."""
        from django.core.exceptions import ObjectDoesNotExist

        try:
            self.witness_submission
        except ObjectDoesNotExist:
            return "owner"
        return "witness"

    def tag_labels(self):
        labels = dict(self.Tag.choices)
        return [labels.get(t, t) for t in self.tags]


class EntryRevision(models.Model):
    """The state of an entry before an edit: edits never lose what was there."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    snapshot = EncryptedTextField()  # canonical JSON of the entry's fields
    content_sha256 = models.CharField(max_length=64)
    replaced_at = models.DateTimeField(auto_now_add=True)
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-revision"]
        constraints = [models.UniqueConstraint(fields=["entry", "revision"], name="revision_unique")]

    def __str__(self):
        return f"revision {self.revision} of {self.entry_id}"

    def crypto_owner_id(self):
        return self.entry.case.owner_id


class Attachment(models.Model):
    """An original file, byte-identical, stored encrypted; never overwritten."""

    id = models.UUIDField(primary_key=True, editable=False)  # = the id the blob was bound to
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    original_name = EncryptedTextField()
    media_type = models.CharField(max_length=100)
    kind = models.CharField(max_length=16)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    captured_at = models.DateTimeField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    thumbnail_size = models.PositiveIntegerField(null=True, blank=True)  # derived JPEG, encrypted too

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self):
        return f"attachment {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id

    def file_timestamp(self):
        """The file's trusted-timestamp request (prefetch `timestamps__token`)."""
        stamps = list(self.timestamps.all())
        return stamps[0] if stamps else None

    @property
    def has_thumbnail(self):
        return self.thumbnail_size is not None

    @property
    def blob_key(self):
        return f"{self.pk.hex}.orig"

    @property
    def thumb_key(self):
        return f"{self.pk.hex}.thumb"


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


class Transcript(models.Model):
    """录音文字整理稿: the text of a recording. Each save is a new row; the newest is current."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="transcripts")
    text = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"transcript of {self.attachment_id}"

    def crypto_owner_id(self):
        return self.attachment.case.owner_id


class Bundle(models.Model):
    """An exported evidence bundle (证据包), stored encrypted until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

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

    @property
    def is_available(self):
        from django.utils import timezone

        return self.status == self.Status.DONE and (self.expires_at is None or self.expires_at > timezone.now())


# --------------------------------------------------------------------------- sharing


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


# --------------------------------------------------------------------------- witnesses


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
