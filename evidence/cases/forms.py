import json
import re
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evidence.lib.formfields import day_field
from evidence.lib.labels import format_duration
from evidence.lib.zones import time_zone_choices
from evidence.models import Case, Entry
from evidence.store.forms import MultipleFileField

LENDER_SUGGESTIONS = [
    "借呗", "花呗", "京东金条", "京东白条", "微粒贷", "美团借钱", "度小满", "360借条",
    "携程金融", "招联金融", "马上消费金融", "捷信", "安逸花", "分期乐", "拍拍贷",
    "招商银行信用卡", "建设银行信用卡", "工商银行信用卡", "平安银行信用卡", "中信银行信用卡",
    "浦发银行信用卡", "广发银行信用卡", "交通银行信用卡",
]

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# 案由 offered (../shared/docs/LEGAL-FACTS.md, complaint channels: 人民法院); the borrower may type another.
CAUSE_SUGGESTIONS = ["隐私权、个人信息保护纠纷", "隐私权纠纷", "个人信息保护纠纷"]


class CaseForm(forms.ModelForm):
    cause_suggestions = CAUSE_SUGGESTIONS
    class Meta:
        model = Case
        fields = ["lender", "lender_entity", "product", "loan_reference", "amount_owed", "overdue_since",
                  "collector_numbers", "agencies", "notes", "rule_set", "time_zone", "debt_usurious",
                  "consented_night_contact", "police_warned_at", "court", "court_case_number", "cause"]
        widgets = {
            "police_warned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
            "lender": forms.TextInput(attrs={"list": "lender-suggestions", "autocomplete": "off"}),
            "product": forms.TextInput(),
            "amount_owed": forms.TextInput(attrs={"inputmode": "decimal"}),
            "overdue_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "collector_numbers": forms.Textarea(attrs={"rows": 2}),
            "agencies": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "lender_entity": forms.TextInput(),
            "court": forms.TextInput(),
            "court_case_number": forms.TextInput(),
            "cause": forms.TextInput(attrs={"list": "cause-suggestions", "autocomplete": "off"}),
        }
        help_texts = {
            "lender": _("For example 借呗, 花呗, a credit-card bank, 携程金融."),
            "collector_numbers": _("One number per line."),
            "lender_entity": _("The company name on your contract or in the app's legal notice (for example "
                               "a consumer-finance company). It is the respondent in complaints and the "
                               "defendant in a lawsuit. Left empty, the documents say 未填写."),
            "agencies": _("One agency per line, by name. Each is listed as a respondent / defendant."),
            "court": _("For the evidence catalog and the statement of claim: the court you file with."),
            "court_case_number": _("Optional: once the court has given one."),
            "cause": _("For example 隐私权、个人信息保护纠纷."),
            "rule_set": _("Which rules the findings and statistics are checked against."),
            "debt_usurious": _("Tick only if you know it: collecting such a debt by harassment may be a crime."),
            "police_warned_at": _("If you reported to the police and they warned the collector. Contacts after "
                                  "this time are listed as a finding."),
        }

    def __init__(self, *args, **kwargs):
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


# Which fields each kind of entry shows, in order (all are optional but the time).
KIND_FIELDS = {
    Entry.Kind.CALL: ["direction", "call_outcome", "number", "duration", "claimed_identity", "content", "tags"],
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
    one_entry_per_image = forms.BooleanField(
        label=_("One entry per image"), required=False,
        help_text=_("Many screenshots at once: each image becomes an entry of its own, at the time the photo "
                    "itself records when it has one (EXIF), otherwise at the time above. Check each one after."))
    client_token = forms.UUIDField(widget=forms.HiddenInput)
    # Set by static/js/offline-queue.js when the form was kept on the phone for lack of a connection.
    # The device's clock, ISO 8601 in UTC ("2026-12-01T12:19:00.000Z").
    captured_offline_at = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    # Set by static/js/recorder.js for each recording made in the page: JSON
    # [{"name", "size", "started"}], "started" the device's clock when recording began (UTC ISO).
    recordings = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)

    class Meta:
        model = Entry
        fields = ["kind", "occurred_at", "direction", "call_outcome", "channel", "number", "claimed_identity",
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
            "call_outcome": forms.RadioSelect(attrs={"class": "btn-check"}),
        }

    def __init__(self, *args, kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            kind = self.instance.kind
        elif self.is_bound:
            kind = self.data.get("kind")
        self.entry_kind = kind if kind in Entry.Kind.values else Entry.Kind.CALL
        self.fields["kind"].initial = self.entry_kind
        # 来电 / 去电; "missed" is an outcome now, offered only to an old entry that has it.
        directions = [(v, label) for v, label in Entry.Direction.choices
                      if v != Entry.Direction.MISSED or self.instance.direction == v]
        self.fields["direction"].choices = directions
        self.fields["direction"].required = False
        # A call's outcome is a required one-tap choice, never a default (issue 14): the
        # rules count only 接通 as answered.
        outcome = self.fields["call_outcome"]
        outcome.choices = Entry.Outcome.choices
        outcome.label = _("Did you answer?")
        outcome.required = self.entry_kind == Entry.Kind.CALL
        outcome.error_messages["required"] = _("Tap what happened: answered, not answered, rejected or not sure.")
        if not self.is_bound and self.instance._state.adding:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("client_token", uuid.uuid4())
            if self.entry_kind == Entry.Kind.CALL:
                self.initial.setdefault("direction", Entry.Direction.INCOMING)
        if not self.instance._state.adding:
            # An edit is not de-duplicated by it, but its files chosen before an error are tied to it.
            self.fields["client_token"].required = False
            self.initial.setdefault("client_token", uuid.uuid4())
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

    def clean_captured_offline_at(self):
        text = (self.cleaned_data.get("captured_offline_at") or "").strip()
        if not text or not self.instance._state.adding:
            return None  # only a new entry is ever kept offline
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("This time is not valid."), code="invalid")
        return value.replace(tzinfo=dt_timezone.utc) if value.tzinfo is None else value

    def clean_recordings(self):
        """{(file name, size): when its recording started}. A start in the future (beyond a
        few minutes of clock drift) or malformed is left out: no time rather than a wrong one."""
        text = (self.cleaned_data.get("recordings") or "").strip()
        found = {}
        if not text:
            return found
        try:
            items = json.loads(text)
        except ValueError:
            return found
        latest = timezone.now() + timedelta(minutes=5)
        for item in items if isinstance(items, list) else []:
            try:
                started = datetime.fromisoformat(str(item["started"]).replace("Z", "+00:00"))
                key = (str(item["name"]), int(item["size"]))
            except (KeyError, TypeError, ValueError):
                continue
            if started.tzinfo is None or started > latest:
                continue
            found[key] = started
        return found

    def declare_recording_times(self, uploads):
        """Give each upload that was recorded in the page the time its recording started."""
        times = self.cleaned_data.get("recordings") or {}
        for upload in uploads:
            started = times.get((upload.name, upload.size))
            if started is not None:
                upload.declared_captured_at = started
        return uploads

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
        data = {k: v for k, v in self.cleaned_data.items()
                if k not in ("attachments", "client_token", "duration", "captured_offline_at", "one_entry_per_image")}
        data["duration_seconds"] = self.cleaned_data.get("duration")
        data["kind"] = self.entry_kind
        return data


class TrashForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you removing it?"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It goes to the trash and can be restored; nothing is destroyed."),
    )


class TimelineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"class": "form-control", "type": "search", "placeholder": _("Search the text of all entries")}))
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds"))] + list(Entry.Kind.choices),
                             widget=forms.Select(attrs={"class": "form-select"}))
    tag = forms.ChoiceField(label=_("tag"), required=False, choices=[("", _("All tags"))] + list(Entry.Tag.choices),
                            widget=forms.Select(attrs={"class": "form-select"}))
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))


class TranscriptForm(forms.Form):
    text = forms.CharField(
        label=_("Transcript"), required=False, max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 14, "class": "form-control"}),
        help_text=_("Write what each side said. You may mark times like [01:23]. Courts expect a transcript "
                    "(录音文字整理稿) with every recording."),
    )
