from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from evidence.lib.zones import time_zone_choices

from .models import User


class SignupForm(UserCreationForm):
    role = forms.ChoiceField(
        label=_("I am"),
        choices=User.Role.choices,
        initial=User.Role.BORROWER,
        widget=forms.RadioSelect,
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")
        help_texts = {"email": _("Optional. Needed only to reset a forgotten password.")}


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ("legal_name", "email", "language", "time_zone")
        help_texts = {"legal_name": _("Printed as 原告 / 投诉人 in the evidence catalog and the complaint drafts. "
                                      "Left empty, they say 未填写.")}


class OTPTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"), max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()
