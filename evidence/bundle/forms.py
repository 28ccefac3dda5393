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
    # 证据目录: calls without a file become one item per day or per number, each with its own table.
    grouping = forms.ChoiceField(label=_("Calls without a file, in the catalog"), required=False, initial="day",
                                 choices=[("day", _("One item per day")), ("number", _("One item per number"))],
                                 widget=forms.Select(attrs={"class": "form-select"}))

    # PIPL: a regulator needs no more of third parties' data than the complaint does
    # (bundle/redacted.py: each screenshot's redacted copy as one more member).
    redacted = forms.BooleanField(label=_("Redacted copies for regulators"), required=False,
                                  help_text=_("Adds each screenshot's redacted copy (third parties' numbers and names "
                                              "blacked out) next to its original, listed with the original's SHA-256. "
                                              "The bundle still holds the unredacted originals (and the catalog, "
                                              "printouts and timeline): give a regulator only the files under "
                                              "redacted/, not the whole bundle."))

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
                "entries": d.get("entry") or None, "grouping": d.get("grouping") or "day",
                **({"redacted": True} if d.get("redacted") else {})}


class VerifyBundleForm(forms.Form):
    bundle = forms.FileField(label=_("Evidence bundle (ZIP)"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}))

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if getattr(upload, "too_large", False):
            raise ValidationError(_("This file is larger than %(limit)s. Use the command line verifier instead."),
                                  code="size", params={"limit": filesizeformat(settings.LIUZHENG_VERIFY_MAX_BYTES)})
        return upload
