"""Cases, their entries, the original files and their transcripts."""
import uuid

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evidence.store.fields import EncryptedTextField
from evidence.store.media import BROWSER_CANNOT_PLAY


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
    # For the court and the complaint channels (证据目录 cover, 起诉状): only what the borrower
    # typed; blank prints as 未填写, never a guess. Cases older than these fields get
    # an encrypted "" in the migration (a bare "" is no ciphertext and would not decrypt).
    lender_entity = EncryptedTextField(_("lender's legal name (as registered)"), blank=True)
    court = EncryptedTextField(_("court (受理法院)"), blank=True)
    court_case_number = EncryptedTextField(_("court case number (案号)"), blank=True)
    cause = EncryptedTextField(_("cause of action (案由)"), blank=True)
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

    class Outcome(models.TextChoices):
        """What happened to a call: asked on every call form, never assumed (issue 14)."""
        ANSWERED = "answered", _("Answered")
        MISSED = "missed", _("Not answered")
        REJECTED = "rejected", pgettext_lazy("call outcome", "Rejected")
        UNKNOWN = "unknown", _("Not sure")

    class TimePrecision(models.TextChoices):
        """How much of `occurred_at` the person who logged it knew."""
        EXACT = "exact", _("Exact time")
        DAY = "day", _("Date only")
        UNKNOWN = "unknown", _("Time not known")

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
    # Calls only; blank for other kinds. Only "answered" counts as answered in the rules.
    call_outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    # "day": occurred_at is noon of that day, its hour unknown; "unknown": occurred_at is when
    # it was logged, kept for ordering only. Time-based rules leave both out (rules.engine).
    time_precision = models.CharField(_("how exact the time is"), max_length=8, choices=TimePrecision.choices,
                                      default=TimePrecision.EXACT)
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
    # Logged on the phone without a connection: the device's clock when it was kept there
    # (the server's own receipt time is created_at and the custody event's time).
    captured_offline_at = models.DateTimeField(_("kept on the phone offline at"), null=True, blank=True)
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
        # The case page pages its timeline by (occurred_at, id), newest first (keyset, not OFFSET).
        indexes = [
            models.Index(fields=["case", "-occurred_at", "-id"], name="entry_timeline"),
            # Covers the case page's counts and the statistics' version check: both count a
            # whole case's entries, read from this index alone instead of every encrypted row.
            models.Index(fields=["case", "trashed_at", "witness_pending", "kind", "occurred_at", "updated_at", "id"],
                         name="entry_counts"),
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

    # The blobs this row holds (see evidence.models.blob_holders): gc_blobs keeps them.
    BLOB_KEYS = ("blob_key", "thumb_key")

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

    @property
    def playable_copy(self):
        """The copy the browser plays (prefetch `derivatives`), or None: see cases.services."""
        return next((d for d in self.derivatives.all() if d.purpose == "playable"), None)

    @property
    def redacted_copies(self):
        """Every redacted copy, oldest first (prefetch `derivatives`): none is ever dropped."""
        return [d for d in self.derivatives.all() if d.purpose == "redacted"]

    @property
    def redacted_copy(self):
        """The newest redacted copy, the one shown and exported, or None."""
        copies = self.redacted_copies
        return copies[-1] if copies else None

    @property
    def browser_cannot_play(self):
        return self.media_type in BROWSER_CANNOT_PLAY


class Derivative(models.Model):
    """A copy made from an original: a playable copy of a recording the browser cannot play
    (AMR, 3GP), a redacted copy of a screenshot. Encrypted like the original, which it names
    by SHA-256 and which is never changed or replaced: the original stays the evidence."""

    BLOB_KEYS = ("blob_key",)

    class Purpose(models.TextChoices):
        PLAYABLE = "playable", _("playable copy")
        REDACTED = "redacted", _("redacted copy")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="derivatives")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    media_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    source_sha256 = models.CharField(max_length=64)  # the original's SHA-256, at the time it was made
    duration_seconds = models.FloatField(null=True, blank=True)
    # A redacted copy's black boxes, ["x0,y0,x1,y1", …] in the original's pixels as it is shown
    # (upright: a photo stored turned has its EXIF orientation applied, which its own bytes
    # record): its attachment.redact event hashes them with both SHA-256s, and the bundle carries them.
    boxes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["attachment"], condition=models.Q(purpose="playable"),
                                               name="one_playable_copy_per_attachment")]

    def __str__(self):
        return f"{self.purpose} copy of {self.attachment_id}"

    def crypto_owner_id(self):
        return self.case.owner_id

    @property
    def blob_key(self):
        return f"{self.pk.hex}.deriv"


class MachineText(models.Model):
    """Text an OCR engine read from an image attachment (issue 15). Machine-read: a suggestion
    the user checks, never evidence of its own and never a value put into an entry unasked.
    Encrypted like all text; `boxes` is JSON: [[x0, y0, x1, y1, text, score], …] in pixels."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attachment = models.OneToOneField(Attachment, on_delete=models.CASCADE, related_name="machine_text")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    engine = models.CharField(max_length=64)
    text = EncryptedTextField()
    boxes = EncryptedTextField()
    source_sha256 = models.CharField(max_length=64)
    # The EXIF orientation turned upright before reading (1: none): `boxes` are in the picture
    # as it is shown (evidence.lib.orientation). Blank on rows read before that, in the stored
    # frame: for a photo stored turned, their boxes are not the page's.
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"machine text of {self.attachment_id}"

    def crypto_owner_id(self):
        return self.case.owner_id


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


class PendingUpload(models.Model):
    """A file chosen on a form that has not been saved yet (issue 14: files survive any error).

    Its ciphertext already sits at the key its attachment will have; it is not part of the
    case (no custody event, never shown on the case) until the form is saved, when
    `cases.services.attachment_add` turns it into an Attachment and deletes this row. Rows
    left behind (a form abandoned) are collected after a day (`collect_pending_uploads`).
    """

    # Its ciphertext (see evidence.models.blob_holders): gc_blobs keeps it until collected.
    BLOB_KEYS = ("blob_key",)

    id = models.UUIDField(primary_key=True, editable=False)  # = the blob's object id
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    form_token = models.UUIDField(db_index=True)  # the form's token: only that form may use it
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    witness_link = models.ForeignKey("evidence.WitnessLink", on_delete=models.CASCADE, null=True, related_name="+")
    name = EncryptedTextField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"pending upload {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id

    @property
    def blob_key(self):
        return f"{self.pk.hex}.orig"


class CaseTally(models.Model):
    """A case's statistics kept up to date: counters over its live entries, changed by the
    services that add, edit, trash, restore, accept or import entries, in their own
    transaction (evidence.rules.tally). A page reads this row instead of every entry.

    Counted under `basis` (the rule set's permitted hours and the time zone the hours and
    days are judged in): when either changes, the row is rebuilt from the entries. Holds
    no plaintext: collector numbers and third parties' names appear only as the owner's
    keyed MACs (the same blind index as Entry.number_index). Derived, never evidence:
    nothing here is hashed into the chain or exported, and a rebuild gives the same row."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    basis = models.CharField(max_length=120)
    counts = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"tally of {self.case_id}"
