"""The form field for evidence files: only files our upload handler encrypted get through."""
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from . import media
from .uploads import EncryptedUpload, StoreFailed


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
            if upload.store_failed:
                errors.append(ValidationError(
                    _("“%(name)s” could not be stored: the server is out of disk space. Nothing was saved; "
                      "please try again later."), code="store", params={"name": upload.name}))
                continue
            if upload.too_large:
                errors.append(ValidationError(
                    _("“%(name)s” is larger than %(limit)s."), code="size",
                    params={"name": upload.name, "limit": filesizeformat(settings.LIUZHENG_MAX_UPLOAD_BYTES)},
                ))
                continue
            try:
                upload.inspect()
                upload.stage_thumbnail()
            except ValidationError as exc:
                errors.append(exc)
                continue
            except StoreFailed:
                errors.append(ValidationError(
                    _("“%(name)s” could not be stored: the server is out of disk space. Nothing was saved; "
                      "please try again later."), code="store", params={"name": upload.name}))
                continue
            good.append(upload)
        # The files that passed, even when others did not: a form sent back with an error
        # keeps them (cases.services.pending_park), so nothing chosen is lost.
        self.accepted_uploads = good
        if errors:
            raise ValidationError(errors)
        return good
