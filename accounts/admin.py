from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class LiuzhengUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_active", "date_joined")
    fieldsets = UserAdmin.fieldsets + (("Liuzheng", {"fields": ("role", "language", "time_zone")}),)
