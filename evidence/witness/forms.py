"""Forms of witness links: making one, what a witness sends, rejecting it."""
import uuid
import zoneinfo
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evidence.cases.forms import DATETIME_LOCAL
from evidence.models import Entry
from evidence.store.forms import MultipleFileField


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
    # The contact time is asked, never assumed (issue 14): without it the submission time
    # used to become the contact time, and fed the night findings.
    time_unknown = forms.BooleanField(label=_("I don't remember the exact time"), required=False)
    contacted_on = forms.DateField(label=_("The day, if you remember it"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    collector_number = forms.CharField(label=_("From which number?"), max_length=40, required=False,
                                       widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    told = forms.CharField(label=_("What were you told?"), max_length=20_000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Screenshots or recordings from your phone"),
        help_text=_("Images, audio (m4a, mp3, amr, wav, ogg, aac), video or PDF. Files are kept unchanged."),
    )
    # Ties files kept after an error (cases.services.pending_park) to this form only.
    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)
    consent = forms.BooleanField(
        label=_("I agree that what I send here, and my contact details, may be used as evidence "
                "(for example in a complaint or in court)."),
        error_messages={"required": _("Please tick this box to send: without your consent nothing is kept.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = uuid.uuid4()

    def clean_contacted_at(self):
        value = self.cleaned_data.get("contacted_at")
        if value and value > timezone.now() + timedelta(days=1):
            raise ValidationError(_("This time is in the future."), code="future")
        return value

    def clean(self):
        data = super().clean()
        if data.get("time_unknown"):
            day = data.get("contacted_on")
            if day and day > timezone.localdate() + timedelta(days=1):
                self.add_error("contacted_on", ValidationError(_("This day is in the future."), code="future"))
        elif not data.get("contacted_at") and "contacted_at" not in self.errors:
            self.add_error("contacted_at", ValidationError(
                _("Please give the time you were contacted, or tick “I don't remember the exact time”."),
                code="required"))
        return data

    def contact_time(self, zone_name: str):
        """(occurred_at, time_precision) of the contact, from what the witness said.

        A day without an hour is kept as noon of that day where the borrower lives, marked
        "day"; nothing at all as the submission time, marked "unknown" (for ordering only):
        the time-based rules leave both out.
        """
        data = self.cleaned_data
        if not data.get("time_unknown"):
            return data["contacted_at"], Entry.TimePrecision.EXACT
        if data.get("contacted_on"):
            noon = datetime.combine(data["contacted_on"], time(12, 0))
            return timezone.make_aware(noon, zoneinfo.ZoneInfo(zone_name)), Entry.TimePrecision.DAY
        return timezone.now(), Entry.TimePrecision.UNKNOWN

    def submission_fields(self, zone_name: str) -> dict:
        data = {k: v for k, v in self.cleaned_data.items()
                if k not in ("attachments", "time_unknown", "contacted_on", "form_token")}
        data["contacted_at"], data["time_precision"] = self.contact_time(zone_name)
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why do you reject it?"), max_length=500, required=False,
                             widget=forms.TextInput())
