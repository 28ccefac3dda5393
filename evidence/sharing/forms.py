"""Forms of sharing: an invitation, the code a lawyer types, a lawyer's notes."""
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evidence.lib.tokens import format_short_code, normalize_short_code
from evidence.models import AccessLevel


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
        # Accept the code alone, the short code however typed, or the whole link pasted from a message.
        text = self.cleaned_data["code"].strip().rstrip("/").rsplit("/", 1)[-1]
        short = normalize_short_code(text)
        return format_short_code(short) if short else text


class LawyerNoteForm(forms.Form):
    text = forms.CharField(label=_("Private notes"), required=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 10, "class": "form-control"}),
                           help_text=_("Only you can read these notes; the client cannot. They are encrypted."))
