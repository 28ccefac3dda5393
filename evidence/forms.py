import re
import uuid
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import media
from .models import AccessLevel, Case, Entry
from .uploads import EncryptedUpload

LENDER_SUGGESTIONS = [
    "借呗", "花呗", "京东金条", "京东白条", "微粒贷", "美团借钱", "度小满", "360借条",
    "携程金融", "招联金融", "马上消费金融", "捷信", "安逸花", "分期乐", "拍拍贷",
    "招商银行信用卡", "建设银行信用卡", "工商银行信用卡", "平安银行信用卡", "中信银行信用卡",
    "浦发银行信用卡", "广发银行信用卡", "交通银行信用卡",
]

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["lender", "product", "loan_reference", "amount_owed", "overdue_since", "collector_numbers",
                  "agencies", "notes", "rule_set", "time_zone", "debt_usurious", "consented_night_contact",
                  "police_warned_at"]
        widgets = {
            "police_warned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            "lender": forms.TextInput(attrs={"list": "lender-suggestions", "autocomplete": "off"}),
            "product": forms.TextInput(),
            "amount_owed": forms.TextInput(attrs={"inputmode": "decimal"}),
            "overdue_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "collector_numbers": forms.Textarea(attrs={"rows": 2}),
            "agencies": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "lender": _("For example 借呗, 花呗, a credit-card bank, 携程金融."),
            "collector_numbers": _("One number per line."),
            "rule_set": _("Which rules the findings and statistics are checked against."),
            "debt_usurious": _("Tick only if you know it: collecting such a debt by harassment may be a crime."),
            "police_warned_at": _("If you reported to the police and they warned the collector. Contacts after "
                                  "this time are listed as a finding."),
        }

    def __init__(self, *args, **kwargs):
        from accounts.models import time_zone_choices

        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = forms.ChoiceField(
            label=self.fields["time_zone"].label, required=False,
            choices=[("", _("My time zone (from my account)"))] + time_zone_choices(),
            help_text=_("Night hours are judged where you were when they called."))
        self.fields["police_warned_at"].input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M"]
        # A form posted without it (an older page, a script) keeps the case's rule set.
        self.fields["rule_set"].required = False

    def clean_rule_set(self):
        return self.cleaned_data.get("rule_set") or self.instance.rule_set or Case._meta.get_field("rule_set").default


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Takes several files; each must have been encrypted by our upload handler."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": media.ACCEPT_ATTR}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        errors, good = [], []
        for upload in files:
            if not isinstance(upload, EncryptedUpload):
                errors.append(ValidationError(_("This file was not accepted. Please try again."), code="refused"))
                continue
            if upload.too_large:
                errors.append(ValidationError(
                    _("“%(name)s” is larger than %(limit)s."), code="size",
                    params={"name": upload.name, "limit": filesizeformat(settings.LIUZHENG_MAX_UPLOAD_BYTES)},
                ))
                continue
            try:
                upload.inspect()
            except ValidationError as exc:
                errors.append(exc)
                continue
            good.append(upload)
        if errors:
            raise ValidationError(errors)
        return good


def parse_duration(text):
    """'3:25' -> 205, '1:02:03' -> 3723, '90' -> 90 (seconds)."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,6}(:\d{1,2}){0,2}", text):
        raise ValidationError(_("Enter a duration like 3:25 (minutes:seconds)."), code="duration")
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def format_duration(seconds):
    if seconds is None:
        return ""
    minutes, sec = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{sec:02d}" if hours else f"{minutes}:{sec:02d}"


# Which fields each kind of entry shows, in order (all are optional but the time).
KIND_FIELDS = {
    Entry.Kind.CALL: ["direction", "number", "duration", "claimed_identity", "content", "tags"],
    Entry.Kind.SMS: ["channel", "number", "content", "claimed_identity", "tags"],
    Entry.Kind.THIRD_PARTY: ["contact_name", "contact_relation", "channel", "number", "content", "tags"],
    Entry.Kind.VISIT: ["claimed_identity", "content", "tags"],
    Entry.Kind.POST: ["channel", "content", "tags"],
    Entry.Kind.OTHER: ["channel", "number", "content", "tags"],
}


class EntryForm(forms.ModelForm):
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    duration = forms.CharField(
        label=_("Duration (min:sec)"), required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": _("e.g. 3:25")}),
    )
    tags = forms.MultipleChoiceField(
        label=_("What happened"), choices=Entry.Tag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    attachments = MultipleFileField(
        label=_("Screenshots, recordings, photos"),
        help_text=_("Images, audio (m4a, mp3, amr, wav, ogg, aac), video or PDF. Originals are kept unchanged."),
    )
    client_token = forms.UUIDField(widget=forms.HiddenInput)

    class Meta:
        model = Entry
        fields = ["kind", "occurred_at", "direction", "channel", "number", "claimed_identity",
                  "contact_name", "contact_relation", "content", "notes", "purpose", "tags"]
        widgets = {
            "kind": forms.HiddenInput,
            "number": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "claimed_identity": forms.TextInput(),
            "contact_name": forms.TextInput(),
            "contact_relation": forms.TextInput(attrs={"list": "relation-suggestions"}),
            "content": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "direction": forms.RadioSelect(attrs={"class": "btn-check"}),
        }

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            kind = self.instance.kind
        elif self.is_bound:
            kind = self.data.get("kind")
        self.entry_kind = kind if kind in Entry.Kind.values else Entry.Kind.CALL
        self.fields["kind"].initial = self.entry_kind
        self.fields["direction"].choices = Entry.Direction.choices
        self.fields["direction"].required = False
        if not self.is_bound and self.instance._state.adding:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("client_token", uuid.uuid4())
            if self.entry_kind == Entry.Kind.CALL:
                self.initial.setdefault("direction", Entry.Direction.INCOMING)
        if not self.instance._state.adding:
            self.fields["client_token"].required = False
            self.initial["duration"] = format_duration(self.instance.duration_seconds)
        labels = {
            Entry.Kind.CALL: _("Collector's number"),
            Entry.Kind.SMS: _("Sender"),
            Entry.Kind.THIRD_PARTY: _("Their number"),
        }
        self.fields["number"].label = labels.get(self.entry_kind, _("Number"))
        self.fields["purpose"].help_text = _("Optional. What this shows, for the evidence catalog (证明目的). "
                                             "Left empty, a neutral default is used.")
        if self.entry_kind == Entry.Kind.THIRD_PARTY:
            self.fields["content"].label = _("What they were told")
            self.fields["channel"].label = _("How they were contacted")
        elif self.entry_kind == Entry.Kind.SMS:
            self.fields["content"].label = _("Message text")

    def visible_kind_fields(self):
        return [self[name] for name in KIND_FIELDS[self.entry_kind]]

    def clean_duration(self):
        return parse_duration(self.cleaned_data.get("duration"))

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timedelta(days=1):
            raise ValidationError(_("This time is in the future."), code="future")
        return value

    def service_fields(self):
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("attachments", "client_token", "duration")}
        data["duration_seconds"] = self.cleaned_data.get("duration")
        data["kind"] = self.entry_kind
        return data


class TrashForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you removing it?"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It goes to the trash and can be restored; nothing is destroyed."),
    )


def _day_field(label):
    """An optional day picked with the phone's date picker (timeline filter, bundle range)."""
    return forms.DateField(label=label, required=False,
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))


class TimelineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"class": "form-control", "type": "search", "placeholder": _("Search the text of all entries")}))
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds"))] + list(Entry.Kind.choices),
                             widget=forms.Select(attrs={"class": "form-select"}))
    tag = forms.ChoiceField(label=_("tag"), required=False, choices=[("", _("All tags"))] + list(Entry.Tag.choices),
                            widget=forms.Select(attrs={"class": "form-select"}))
    date_from = _day_field(_("From"))
    date_to = _day_field(_("To"))


class BundleForm(forms.Form):
    date_from = _day_field(_("From"))
    date_to = _day_field(_("To"))
    # Entries ticked on the timeline (checkboxes that belong to this form by their form= attribute).
    entry = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["entry"].choices = [(str(pk), str(pk)) for pk in
                                            case.entries.filter(trashed_at__isnull=True, witness_pending=False).values_list("pk", flat=True)]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The first day is after the last day."), code="dates")
        return data

    def selection(self):
        d = self.cleaned_data
        return {"from": d["date_from"].isoformat() if d.get("date_from") else None,
                "to": d["date_to"].isoformat() if d.get("date_to") else None,
                "entries": d.get("entry") or None}


class TranscriptForm(forms.Form):
    text = forms.CharField(
        label=_("Transcript"), required=False, max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 14, "class": "form-control"}),
        help_text=_("Write what each side said. You may mark times like [01:23]. Courts expect a transcript "
                    "(录音文字整理稿) with every recording."),
    )


class VerifyBundleForm(forms.Form):
    bundle = forms.FileField(label=_("Evidence bundle (ZIP)"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}))

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if getattr(upload, "too_large", False):
            raise ValidationError(_("This file is larger than %(limit)s. Use the command line verifier instead."),
                                  code="size", params={"limit": filesizeformat(settings.LIUZHENG_VERIFY_MAX_BYTES)})
        return upload


# --------------------------------------------------------------------------- sharing and witnesses


class InvitationForm(forms.Form):
    label = forms.CharField(label=_("For whom"), max_length=200, required=False,
                            help_text=_("For your own list, e.g. the lawyer's name or firm."))
    level = forms.ChoiceField(label=_("Access"), choices=AccessLevel.choices, initial=AccessLevel.VIEW,
                              widget=forms.RadioSelect)
    access_until = forms.DateField(label=_("Access ends on"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text=_("Optional. Leave empty to keep access until you revoke it."))

    def clean_access_until(self):
        value = self.cleaned_data.get("access_until")
        if value and value < timezone.localdate():
            raise ValidationError(_("This day has passed."), code="past")
        return value

    def access_expires_at(self):
        value = self.cleaned_data.get("access_until")
        if not value:
            return None
        return timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))


class InvitationCodeForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off"}))

    def clean_code(self):
        # Accept the code alone or the whole link pasted from a message.
        return self.cleaned_data["code"].strip().rstrip("/").rsplit("/", 1)[-1]


class WitnessLinkForm(forms.Form):
    name = forms.CharField(label=_("Who is it for?"), max_length=100,
                           help_text=_("The person the collector contacted, e.g. “妈妈” or “王经理”."))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90)
    max_submissions = forms.IntegerField(label=_("How many times it can be used"), min_value=1, max_value=20,
                                         initial=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.LIUZHENG_WITNESS_LINK_DAYS


class WitnessSubmissionForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    relation = forms.CharField(label=_("Your relation to the borrower"), max_length=100, required=False,
                               widget=forms.TextInput(attrs={"placeholder": _("e.g. mother, colleague")}))
    phone = forms.CharField(label=_("Your phone number"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    contacted_at = forms.DateTimeField(
        label=_("When were you contacted?"), required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL))
    collector_number = forms.CharField(label=_("From which number?"), max_length=40, required=False,
                                       widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    told = forms.CharField(label=_("What were you told?"), max_length=20_000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Screenshots or recordings from your phone"),
        help_text=_("Images, audio (m4a, mp3, amr, wav, ogg, aac), video or PDF. Files are kept unchanged."),
    )
    consent = forms.BooleanField(
        label=_("I agree that what I send here, and my contact details, may be used as evidence "
                "(for example in a complaint or in court)."),
        error_messages={"required": _("Please tick this box to send: without your consent nothing is kept.")})

    def clean_contacted_at(self):
        value = self.cleaned_data.get("contacted_at")
        if value and value > timezone.now() + timedelta(days=1):
            raise ValidationError(_("This time is in the future."), code="future")
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why do you reject it?"), max_length=500, required=False,
                             widget=forms.TextInput())


class LawyerNoteForm(forms.Form):
    text = forms.CharField(label=_("Private notes"), required=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
                           help_text=_("Only you can read these notes; the client cannot. They are encrypted."))
