"""Background work on Django's tasks API (database worker: `manage.py db_worker`)."""
from django_tasks import task


@task()
def bundle_build_task(bundle_id: str):
    from .models import Bundle
    from .services import bundle_build, bundle_expire

    bundle_expire()  # housekeeping rides along: no separate scheduler needed
    bundle = Bundle.objects.select_related("case", "case__owner", "requested_by").get(pk=bundle_id)
    bundle_build(bundle=bundle)
    return bundle.sha256
