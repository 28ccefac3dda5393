"""Cases, their entries, the original files and their transcripts."""
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evidence.store.fields import EncryptedTextField


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
