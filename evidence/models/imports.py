"""Backups brought in from the phone (SMS Backup & Restore XML, call-log CSV, iPhone sms.db).

The backup file itself is kept, encrypted and byte-identical, as the import record's blob,
so anyone can check each imported entry against the record it came from."""
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evidence.store.fields import EncryptedTextField

from .cases import Case, Entry


class BackupImport(models.Model):
    class Format(models.TextChoices):
        SMS_BACKUP_RESTORE = "sbr", _("SMS Backup & Restore (XML)")
        CSV = "csv", _("Call log (CSV)")
        IOS_SMS_DB = "ios", _("iPhone messages (sms.db)")

    class Status(models.TextChoices):
        STAGED = "staged", _("Waiting for your choice")
        DONE = "done", _("Imported")

    # The backup file itself, kept encrypted (see evidence.models.blob_holders): gc_blobs keeps it.
    BLOB_KEYS = ("blob_key",)

    id = models.UUIDField(primary_key=True, editable=False)  # = the id the backup's blob was bound to
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="backup_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    format = models.CharField(max_length=8, choices=Format.choices)
    file_name = EncryptedTextField()
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    # The preview (numbers, counts, first and last date; for a CSV its columns): JSON, encrypted.
    summary = EncryptedTextField(blank=True)
    # What the user chose (numbers, dates, the CSV's column mapping): JSON, encrypted.
    selection = EncryptedTextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.STAGED)
    imported_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"import {self.pk}"

    def crypto_owner_id(self):
        return self.case.owner_id

    @property
    def summary_data(self) -> dict:
        return json.loads(self.summary or "{}")

    @property
    def blob_key(self):
        return f"{self.pk.hex}.orig"


class ImportItem(models.Model):
    """One record of a backup that became an entry: where it came from, and its dedupe key
    (a keyed hash of what identifies the record, so the same message twice is found
    without storing its text in clear)."""

    # dedupe_key is a keyed hash of the record, not a blob in the store.
    NOT_BLOB_KEYS = ("dedupe_key",)

    id = models.BigAutoField(primary_key=True)
    backup = models.ForeignKey(BackupImport, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="import_item")
    record_no = models.PositiveIntegerField()
    record_kind = models.CharField(max_length=8)  # sms, mms, call
    # The backup's own type code (SMS Backup & Restore: call 1-7, sms 1-6; CSV/iPhone: blank).
    original_type = models.CharField(max_length=16, blank=True)
    dedupe_key = models.CharField(max_length=80)

    class Meta:
        ordering = ["record_no"]
        constraints = [models.UniqueConstraint(fields=["case", "dedupe_key"], name="importitem_unique_key")]

    def __str__(self):
        return f"record {self.record_no} of {self.backup_id}"
