"""kill -9 of the task worker mid-export, then a restart: the bundle is failed cleanly with a
message to the user, the task row is settled, the .part is deleted, and nothing else moved."""
import os
import signal

SETUP = r'''
import hashlib, os
from django.utils import timezone
from accounts.services import user_create
from evidence.cases.services import case_create, entry_create
from evidence.store.uploads import encrypted_upload_from_bytes
from tests.media_samples import wav_bytes
u = user_create(username="faulty", password="Correct-horse-42")
case = case_create(owner=u, lender="借呗")
uploads = []
for i in range(3):
    data = wav_bytes(seconds=1) + os.urandom(16 * 1024 * 1024)
    uploads.append(encrypted_upload_from_bytes(owner_id=u.pk, name=f"录音{i}.wav", data=data))
entry, _ = entry_create(case=case, actor=u, kind="call", occurred_at=timezone.now(), uploads=uploads)
print("CASE", case.pk.hex)
for a in entry.attachments.all():
    print("SHA", a.sha256)
'''

REQUEST = r'''
from evidence.models import Case
from evidence.bundle.services import bundle_request
case = Case.objects.get()
b = bundle_request(case=case, actor=case.owner, selection={})
print("BUNDLE", b.pk.hex)
'''

# The export's own task row: the installation queues other tasks too (timestamps of the
# uploads), so "the first row" is not necessarily the export.
BUNDLE_TASK = "SELECT {} FROM django_tasks_database_dbtaskresult WHERE task_path LIKE '%bundle_build%'"


def _parts(install):
    tmp = install.data_dir / "blobs" / "tmp"
    return sorted(p.name for p in tmp.glob("*.part")) if tmp.exists() else []


def test_a_killed_export_is_failed_cleanly_and_the_next_one_works(install):
    out = install.shell(SETUP).stdout
    shas = [line.split()[1] for line in out.splitlines() if line.startswith("SHA")]
    assert len(shas) == 3
    worker = install.start_worker()
    bundle = install.shell(REQUEST).stdout.split("BUNDLE ")[1].split()[0]

    def progress():
        rows = install.query("SELECT status, progress FROM evidence_bundle WHERE id = ?", (bundle,))
        return rows and rows[0][0] == "running" and rows[0][1] >= 5 and rows[0]

    install.wait_for(progress, what="the export to be under way")
    assert _parts(install), "the export writes a .part"
    assert install.query("SELECT COUNT(*) FROM evidence_tasklease")[0][0] == 1
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    status, pct = install.query("SELECT status, progress FROM evidence_bundle WHERE id = ?", (bundle,))[0]
    assert status == "running" and 5 <= pct < 100  # what the audit saw "for ever"
    assert install.query(BUNDLE_TASK.format("status"))[0][0] == "RUNNING"

    install.start_worker()  # the restart
    install.wait_for(lambda: install.query("SELECT status FROM evidence_bundle WHERE id = ?", (bundle,))[0][0]
                     == "failed", timeout=30, what="the reaper to fail the bundle")
    error = install.query("SELECT error FROM evidence_bundle WHERE id = ?", (bundle,))[0][0]
    assert error.startswith("interrupted")
    assert install.query(BUNDLE_TASK.format("status, exception_class_path"))[0] == \
        ("FAILED", "evidence.worker.WorkerLost")
    assert _parts(install) == []
    assert install.query("SELECT action FROM evidence_custodyevent ORDER BY seq DESC LIMIT 1")[0][0] == "bundle.fail"
    # The user is told, in their language.
    page = install.shell("from django.test import Client; from evidence.models import Case; c = Client(); "
                         "c.force_login(Case.objects.get().owner, backend='django.contrib.auth.backends.ModelBackend'); "
                         "print(c.get(Case.objects.get().get_absolute_url(), HTTP_HOST='127.0.0.1').content.decode())"
                         ).stdout
    assert "导出被中断" in page

    # Nothing lost: the chain and every original verify; a new export completes.
    install.manage("verify_custody")
    bundle2 = install.shell(REQUEST).stdout.split("BUNDLE ")[1].split()[0]
    install.wait_for(lambda: install.query("SELECT status FROM evidence_bundle WHERE id = ?", (bundle2,))[0][0]
                     in ("done", "failed"), timeout=120, what="the second export")
    assert install.query("SELECT status FROM evidence_bundle WHERE id = ?", (bundle2,))[0][0] == "done"
    check = install.shell("import hashlib\nfrom evidence.models import Attachment\nfrom evidence.store import blobstore\n"
                          "for a in Attachment.objects.all():\n"
                          "    h = hashlib.sha256()\n"
                          "    [h.update(c) for c in blobstore.iter_plain(a.case.owner_id, a.pk, 'original', a.blob_key)]\n"
                          "    print('SHA', h.hexdigest())").stdout
    assert sorted(line.split()[1] for line in check.splitlines() if line.startswith("SHA")) == sorted(shas)
    install.manage("verify_custody")
