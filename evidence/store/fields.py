"""A text column that holds AEAD ciphertext and reads as plaintext.

The associated data names table, column and row (UUID primary keys exist before
the first save), so a ciphertext copied into another cell fails to decrypt.
The key is the row owner's data key (`instance.crypto_owner_id()`).
"""
from django.db import models

from evidence.store.crypto import decrypt_text, encrypt_text


class Sealed:
    """Ciphertext as loaded from the database, with its plaintext once decrypted."""

    __slots__ = ("token", "plain")
    _UNSET = object()

    def __init__(self, token, plain=_UNSET):
        self.token = token
        self.plain = plain

    def __repr__(self):
        return "<Sealed>"


class _Descriptor:
    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        if instance is None:
            return self
        value = instance.__dict__.get(self.field.attname)
        if isinstance(value, Sealed):
            if value.plain is Sealed._UNSET:
                value.plain = decrypt_text(
                    owner_id=instance.crypto_owner_id(),
                    table=instance._meta.db_table,
                    column=self.field.column,
                    row_id=instance.pk,
                    token=value.token,
                )
            return value.plain
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    # get_db_prep_save gives a str (the ciphertext pre_save returns) back as it is: the bulk
    # inserter (evidence.lib.bulk) may skip the call for it.
    bulk_str_as_is = True

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _Descriptor(self))

    def from_db_value(self, value, expression, connection):
        return None if value is None else Sealed(value)

    def pre_save(self, instance, add):
        value = instance.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            return value.token  # unchanged since loaded: any assignment replaces the Sealed
        token = encrypt_text(
            owner_id=instance.crypto_owner_id(),
            table=instance._meta.db_table,
            column=self.column,
            row_id=instance.pk,
            plaintext=value or "",
        )
        instance.__dict__[self.attname] = Sealed(token, value or "")
        return token

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return value.token
        return super().get_prep_value(value)
