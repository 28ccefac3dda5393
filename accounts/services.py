from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from evidence.store.crypto import user_key_create

from .models import User


@transaction.atomic
def user_create(*, username, password, email="", role=User.Role.BORROWER, language=None):
    lang = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    user = User.objects.create_user(
        username=username, email=email, password=password, role=role, language=lang
    )
    # Every user gets a data key at birth, wrapped by the master key.
    user_key_create(user)
    return user


def user_update_profile(*, user, email, language, time_zone, legal_name=None):
    user.email = email
    user.language = language
    user.time_zone = time_zone
    fields = ["email", "language", "time_zone"]
    if legal_name is not None:
        user.legal_name = legal_name.strip()
        fields.append("legal_name")
    user.save(update_fields=fields)
    return user


# --------------------------------------------------------------------------- two-factor authentication

RECOVERY_CODES = 10


def totp_device_pending(*, user):
    """The TOTP device being set up (unconfirmed until the first good code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def totp_confirm(*, device) -> list[str]:
    """The user proved the authenticator works: switch it on, replace any older
    one, and hand out fresh recovery codes (returned once, stored by django-otp)."""
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_create(user=device.user)


@transaction.atomic
def recovery_codes_create(*, user) -> list[str]:
    """Single-use codes for a lost phone; new codes invalidate the old ones."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def otp_disable(*, user):
    """A borrower switches two-factor off: the authenticator and the recovery codes go.
    (Lawyers cannot: the views refuse before this is called.)"""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
