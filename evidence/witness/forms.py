"""Forms of witness links: making one, what a witness sends, rejecting it."""
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evidence.cases.forms import DATETIME_LOCAL
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
