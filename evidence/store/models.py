"""The one table the store owns: each user's data keys, wrapped by the master key."""
from django.conf import settings
from django.db import models


class UserKey(models.Model):
    """A user's data keys, only ever stored wrapped by the master key."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_key")
    master_key_id = models.BigIntegerField(db_index=True)
    wrapped_aead = models.BinaryField()
    wrapped_stream = models.BinaryField()
    wrapped_mac = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"data key of user {self.user_id} (master {self.master_key_id})"
