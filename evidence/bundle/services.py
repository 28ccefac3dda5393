"""State changes of bundles: requested, built (progress, done or failed), downloaded, expired.

Building takes minutes and is not one transaction: the worker's job (`bundle_build`,
at the end) moves a bundle through these doors, each a short transaction of its own.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from evidence.custody.actions import Action
from evidence.custody.actors import Actor
from evidence.custody.chain import custody_append
from evidence.custody.door import service
from evidence.lib import jobs
from evidence.lib.canonical import sha256_json
from evidence.models import Bundle, Case
from evidence.store import blobstore

from .writer import BundleWriter

log = logging.getLogger("liuzheng.bundle")


@service(durable=True)
def bundle_request(*, case: Case, actor, selection: dict) -> Bundle:
    """Queue an export; the worker builds it (a big case takes minutes, nobody waits)."""
    bundle = Bundle.objects.create(case=case, requested_by=actor.user_or_none, selection=selection)
    custody_append(case=case, actor=actor, action=Action.BUNDLE_REQUEST, object_type="bundle", object_id=bundle.pk,
                   content_sha256=sha256_json(selection))
    transaction.on_commit(lambda: bundle_build_task.enqueue(str(bundle.pk)))
    return bundle


@service(no_event="a progress bar is not evidence: the chain records the request and the outcome")
def bundle_progress(*, bundle: Bundle, percent: int) -> None:
    Bundle.objects.filter(pk=bundle.pk).update(status=Bundle.Status.RUNNING, progress=percent)


@service(durable=True)
def bundle_finish(*, bundle: Bundle, blob, file_name: str, manifest_sha256: str) -> Bundle:
    """The ZIP is written: keep its ciphertext and record the export."""
    blob.commit(bundle.blob_key)
    bundle.status = Bundle.Status.DONE
    bundle.progress = 100
    bundle.file_name = file_name
    bundle.size = blob.size
    bundle.sha256 = blob.sha256.hexdigest()
    bundle.manifest_sha256 = manifest_sha256
    bundle.finished_at = timezone.now()
    bundle.expires_at = bundle.finished_at + timedelta(days=settings.LIUZHENG_BUNDLE_EXPIRY_DAYS)
    bundle.error = ""
    bundle.save()
    custody_append(case=bundle.case, actor=_requester(bundle), action=Action.BUNDLE_EXPORT, object_type="bundle",
                   object_id=bundle.pk, content_sha256=bundle.sha256)
    return bundle


@service(durable=True)
def bundle_fail(*, bundle: Bundle, error: str) -> Bundle:
    """An export that could not be finished (a damaged original, a full disk): said, not hidden."""
    bundle.status = Bundle.Status.FAILED
    bundle.error = error[:2000]
    bundle.save(update_fields=["status", "error"])
    custody_append(case=bundle.case, actor=Actor.system("export_bundle"), action=Action.BUNDLE_FAIL,
                   object_type="bundle", object_id=bundle.pk, content_sha256=hashlib.sha256(
                       bundle.error.encode("utf-8")).hexdigest())
    return bundle


@service(when=lambda *, bundle, actor, first_byte=0: not first_byte)
def bundle_download_record(*, bundle: Bundle, actor, first_byte: int = 0):
    """A bundle leaves the system: recorded when a download starts (a resumed one is the same)."""
    return custody_append(case=bundle.case, actor=actor, action=Action.BUNDLE_DOWNLOAD,
                          object_type="bundle", object_id=bundle.pk, content_sha256=bundle.sha256)


@service(durable=True)
def bundle_expire_one(*, bundle: Bundle) -> Bundle:
    """Past its expiry the ZIP's ciphertext is deleted (after the commit); the row stays as history."""
    bundle.status = Bundle.Status.EXPIRED
    bundle.save(update_fields=["status"])
    custody_append(case=bundle.case, actor=Actor.system("expire_bundles"), action=Action.BUNDLE_EXPIRE,
                   object_type="bundle", object_id=bundle.pk, content_sha256=bundle.sha256)
    key = bundle.blob_key
    transaction.on_commit(lambda: blobstore.delete(key))
    return bundle


def bundle_expire(*, now=None) -> int:
    """Expire every finished bundle past its date (each in its own door). Returns how many."""
    now = now or timezone.now()
    expired = 0
    for bundle in Bundle.objects.filter(status=Bundle.Status.DONE, expires_at__lte=now).select_related("case"):
        bundle_expire_one(bundle=bundle)
        expired += 1
    return expired


def _requester(bundle: Bundle) -> Actor:
    # A requester deleted since is "system", as the chain has always said.
    return Actor.of(bundle.requested_by) if bundle.requested_by_id else Actor.system()


@service(durable=True)
def bundle_export_file_record(*, case: Case, file_name: str, sha256: str, actor: Actor):
    """The command-line export (manage.py export_bundle) wrote a bundle to a file."""
    return custody_append(case=case, actor=actor, action=Action.BUNDLE_EXPORT, object_type="bundle",
                          object_id=file_name, content_sha256=sha256)


# --------------------------------------------------------------------------- the worker's job


def bundle_build(*, bundle: Bundle) -> Bundle:
    """Write the bundle ZIP straight into the encrypted store, then record the export."""
    if bundle.status == Bundle.Status.DONE:
        return bundle
    bundle_progress(bundle=bundle, percent=0)
    last = {"pct": -1}

    def progress(fraction):
        jobs.check_alive()  # a worker that lost its lease stops here (evidence/worker.py)
        pct = int(fraction * 100)
        if pct >= last["pct"] + 2 or pct == 100:  # a row update every 2 %, not every chunk
            last["pct"] = pct
            bundle_progress(bundle=bundle, percent=pct)

    writer = BundleWriter(bundle.case, actor_label=_requester(bundle).label, selection=bundle.selection,
                          progress=progress)
    blob = blobstore.PendingBlob(bundle.case.owner_id, bundle.pk, "bundle")
    if getattr(blob, "path", None):  # a local .part: if the worker dies, the next one deletes it
        jobs.note_part(blob.path.name)
    try:
        for chunk in writer.stream():
            blob.write(chunk)
        blob.finish()
        jobs.check_alive()
    except jobs.LeaseLost:
        blob.discard()  # another worker already failed this bundle, and said so
        raise
    except BaseException as exc:  # a second SIGTERM (SystemExit) too: never "running" for ever
        blob.discard()
        log.exception("Bundle %s failed", bundle.pk)
        bundle_fail(bundle=bundle, error=str(exc) or type(exc).__name__)
        raise
    return bundle_finish(bundle=bundle, blob=blob, file_name=writer.file_name,
                         manifest_sha256=writer.manifest_sha256)


@task()
def bundle_build_task(bundle_id: str):
    bundle_expire()  # housekeeping rides along: no separate scheduler needed
    bundle = Bundle.objects.select_related("case", "case__owner", "requested_by").get(pk=bundle_id)
    bundle_build(bundle=bundle)
    return bundle.sha256


def bundle_export_file(*, case: Case, path, selection: dict, actor=None):
    """The command-line export: the same writer, into a file the operator chose."""
    actor = Actor.of(actor) if actor else Actor.system("export_bundle")
    writer = BundleWriter(case, actor_label=actor.label, selection=selection)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for chunk in writer.stream():
            digest.update(chunk)
            f.write(chunk)
    bundle_export_file_record(case=case, file_name=writer.file_name, sha256=digest.hexdigest(), actor=actor)
    return writer, digest.hexdigest()
