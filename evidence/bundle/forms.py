"""Forms of the bundle: the export range and the public verifier's upload."""
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from evidence.lib.formfields import day_field


class BundleForm(forms.Form):
    date_from = day_field(_("From"))
    date_to = day_field(_("To"))
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


class VerifyBundleForm(forms.Form):
    bundle = forms.FileField(label=_("Evidence bundle (ZIP)"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}))

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if getattr(upload, "too_large", False):
            raise ValidationError(_("This file is larger than %(limit)s. Use the command line verifier instead."),
                                  code="size", params={"limit": filesizeformat(settings.LIUZHENG_VERIFY_MAX_BYTES)})
        return upload
