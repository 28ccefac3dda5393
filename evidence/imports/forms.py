"""Forms of the import pages: the upload, the choice of numbers and days, a CSV's columns."""
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class BackupUploadForm(forms.Form):
    backup = forms.FileField(
        label=_("Backup file"),
        help_text=_("sms-….xml or calls-….xml from SMS Backup & Restore, an iPhone's sms.db, or a call log as CSV."))

    def clean_backup(self):
        upload = self.cleaned_data["backup"]
        if getattr(upload, "too_large", False):
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.")
                                        % {"mb": settings.LIUZHENG_MAX_UPLOAD_BYTES // (1024 * 1024)})
        if not hasattr(upload, "blob"):  # not encrypted as it came in: refused (access.UPLOAD_VIEWS)
            raise forms.ValidationError(_("The file could not be received."))
        return upload


class ImportChoiceForm(forms.Form):
    numbers = forms.MultipleChoiceField(label=_("Numbers to import"), widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _("Choose at least one number.")})
    date_from = forms.DateField(label=_("From (day)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (day)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["numbers"].choices = [(r["norm"], r["number"]) for r in rows]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The first day is after the last day."))
        return data


class CsvMappingForm(forms.Form):
    """Which column holds what (a carrier's 通话详单 names them its own way)."""

    number = forms.TypedChoiceField(label=_("Number column"), coerce=int)
    time = forms.TypedChoiceField(label=_("Time column"), coerce=int)
    direction = forms.TypedChoiceField(label=_("Direction / outcome column"), coerce=int, required=False,
                                       empty_value=None)
    duration = forms.TypedChoiceField(label=_("Duration column"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, columns=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(i), c or f"#{i + 1}") for i, c in enumerate(columns)]
        for name, field in self.fields.items():
            field.choices = ([("", _("(none)"))] if not field.required else []) + choices

    def mapping(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}
