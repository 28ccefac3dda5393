from django.conf import settings
from django.db import transaction

from evidence.crypto import user_key_create

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


def user_update_profile(*, user, email, language, time_zone):
    user.email = email
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["email", "language", "time_zone"])
    return user
