"""Everything killed at once (kill -9 of gunicorn's master and workers and of the task worker,
as a power cut would), then started again: nothing committed is lost, the signed-in user is
still signed in, and the pending work (a timestamp batch that was waiting for the TSA, an
export queued behind it) resumes and finishes, each once."""
import hashlib
import os
import re
import signal

from tests.faults.conftest import SESSION_SETUP, Browser, http_get, status
from tests.faults.test_timestamps_faults import tsa_env  # noqa: F401 (fixture)
from tests.media_samples import png_bytes, wav_bytes
from tests.s3 import free_ports

PORT = free_ports(1)[0]

ORIGINALS = r'''
import hashlib
from evidence.models import Attachment
from evidence.store import blobstore
for a in Attachment.objects.all():
    h = hashlib.sha256()
    [h.update(c) for c in blobstore.iter_plain(a.case.owner_id, a.pk, 'original', a.blob_key)]
    print('SHA', a.sha256, h.hexdigest())
'''


def _body(response: bytes) -> bytes:
    head, _, body = response.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if not n:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        return out
    return body


def test_a_full_restart_loses_nothing_and_resumes_the_pending_work(install, tsa_server, tsa_env):  # noqa: F811
    case_id, session = re.search(r"CASE (\S+) SESSION (\S+)", install.shell(SESSION_SETUP).stdout).groups()
    tsa_server.mode = "hang"
    web = install.start_web(PORT, extra_env=tsa_env)
    worker = install.start_worker(extra_env={**tsa_env, "LIUZHENG_TSA_TIMEOUT": "120"})
    user = Browser(PORT, session)
    files = {"截图.png": png_bytes(), "录音.wav": wav_bytes(seconds=1)}
    for i, (name, data) in enumerate(files.items()):
        user.get(f"/cases/{case_id}/entries/new/")
        answer = user.post(f"/cases/{case_id}/entries/new/", {
            "kind": "sms", "occurred_at": f"2026-11-2{i}T10:00", "content": f"重启前的第{i + 1}条",
            "client_token": f"00000000-0000-4000-8000-00000000000{i}"}, files=[("attachments", name, data)])
        assert status(answer) == 302, answer[:400]
    install.wait_for(lambda: tsa_server.requests >= 1, what="the worker to be waiting for the TSA")
    user.get(f"/cases/{case_id}/")
    assert status(user.post(f"/cases/{case_id}/bundles/", {})) == 302  # queued behind the batch

    os.killpg(web.pid, signal.SIGKILL)  # the master and its worker
    os.kill(worker.pid, signal.SIGKILL)
    web.wait(10)
    worker.wait(10)
    assert install.query("SELECT COUNT(*) FROM evidence_entry")[0][0] == 2
    assert install.query("SELECT status FROM evidence_bundle") == [("queued",)]
    assert install.query("SELECT COUNT(*) FROM evidence_timestamp WHERE token_id IS NULL")[0][0] >= 3

    tsa_server.mode = "ok"
    install.start_web(PORT, extra_env=tsa_env)
    install.start_worker(extra_env=tsa_env)
    install.wait_for(lambda: install.query("SELECT status FROM evidence_bundle")[0][0] in ("done", "failed"),
                     timeout=180, what="the queued export")
    assert install.query("SELECT status FROM evidence_bundle")[0][0] == "done"
    install.wait_for(lambda: not install.query("SELECT id FROM evidence_timestamp WHERE token_id IS NULL"),
                     timeout=60, what="the pending timestamps")
    used = {row[0] for row in install.query("SELECT DISTINCT token_id FROM evidence_timestamp")}
    assert {row[0] for row in install.query("SELECT id FROM evidence_timestamptoken")} == used  # no orphan token

    # Still signed in; the bundle downloads and is the one recorded.
    page = user.get(f"/cases/{case_id}/")
    assert status(page) == 200 and "重启前的第2条" in page.decode()
    bundle_id, sha = install.query("SELECT id, sha256 FROM evidence_bundle")[0]
    bundle_id = str(bundle_id).replace("-", "")
    bundle_id = f"{bundle_id[:8]}-{bundle_id[8:12]}-{bundle_id[12:16]}-{bundle_id[16:20]}-{bundle_id[20:]}"
    download = http_get(PORT, f"/bundles/{bundle_id}/download/", user.cookie)
    assert status(download) == 200
    assert hashlib.sha256(_body(download)).hexdigest() == sha

    # Every original as uploaded, byte for byte; the chain and every file verify.
    lines = [line.split()[1:] for line in install.shell(ORIGINALS).stdout.splitlines() if line.startswith("SHA")]
    assert all(recorded == actual for recorded, actual in lines)
    assert sorted(actual for _, actual in lines) == sorted(hashlib.sha256(d).hexdigest() for d in files.values())
    install.manage("verify_custody")
