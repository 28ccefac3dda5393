"""Form fields more than one domain's forms use."""
from django import forms


def day_field(label):
    """An optional day picked with the phone's date picker (timeline filter, bundle range)."""
    return forms.DateField(label=label, required=False,
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
