from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The composition root: the store's upload handler asks the access gate whose
        # key encrypts a request's files (the store itself knows nothing of cases).
        from evidence.access import upload_owner_for_request
        from evidence.store import uploads

        uploads.set_owner_resolver(upload_owner_for_request)
