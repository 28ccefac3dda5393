from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        LAWYER = "lawyer", _("Lawyer / legal-aid worker")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BORROWER)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.LIUZHENG_DEFAULT_TIME_ZONE
    )
    # 原告 / 投诉人 in the 证据目录 and the complaint drafts: the name on the borrower's ID,
    # never the username. Blank prints as 未填写.
    legal_name = models.CharField(_("legal name (as on your ID card)"), max_length=100, blank=True)

    @property
    def is_lawyer(self):
        return self.role == self.Role.LAWYER
