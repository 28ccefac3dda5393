"""Encrypted-store benchmark: how close the Tink-backed blob store runs to the raw
cipher, and how much memory a big upload costs through the real HTTP server.

In one run, on the same random data held in memory:

  (a) raw limit   one pass of AES-256-GCM (`cryptography`, fresh nonce per 1 MiB
                  chunk) plus SHA-256 (`hashlib`); nothing is written
  (b) store write evidence.store.blobstore.PendingBlob: hash + encrypt + write, then
                  commit (final segment, fsync, rename); fed 1 MiB per write
  (c) store read  evidence.store.blobstore.iter_plain: decrypt + stream every chunk of
                  the blob (b) wrote

then a multipart upload of an MP4 (1 GB by default) to the entry form of a
gunicorn server (gthread, 1 worker, 2 threads) on loopback, sampling the
worker's RSS (with its children) every 50 ms and reading its kernel high-water
mark (VmHWM) when the upload is done.

Targets (issue): b/a >= 0.5, c/a >= 0.5, worker peak RSS < 150 MB whatever the
file size.  1 MB means 1 MiB (2**20 bytes) throughout.

    .venv/bin/python bench/crypto_store.py [--size-mb 512] [--upload-mb 1024]
        [--upload-file PATH] [--breakdown] [--repeat N] [--check] [--dir PATH] [--keep]

--breakdown times the pieces of (b) separately (SHA-256 alone, Tink encryption
into a null sink with 1 MiB and 64 KiB writes, a plain write + fsync of the
same bytes, the store fed 64 KiB per write as the upload handler feeds it) and
a read of the blob with its pages dropped from the page cache.

Everything happens in a fresh temporary data directory (database, master key,
blobs), removed at the end unless --keep is given.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import mimetypes
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from common import ROOT, MiB, in_temp_dir, mbps, proc_status, report_cpu_busy  # noqa: E402  (bench/ is on sys.path)

SMALL = 64 * 1024  # Django's FileUploadHandler.chunk_size: what uploads feed the store
TARGET_RATIO = 0.5
TARGET_RSS_MB = 150
PASSWORD = "Bench-pass-2026"
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"



def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"



# --------------------------------------------------------------------------- process memory


def _children(pid: int) -> list[int]:
    try:
        import psutil
    except ImportError:  # psutil is in the [test] extra; /proc does as well on Linux
        out = []
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                out += [int(x) for x in (task / "children").read_text().split()]
        except OSError:  # process gone
            pass
        return out
    try:
        return [c.pid for c in psutil.Process(pid).children()]
    except psutil.Error:  # process gone
        return []



def _reset_hwm(pid: int) -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of a process, so it measures from now on."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def rss(pid: int, children: bool = True) -> int:
    """Resident set of a process, with its descendants unless children=False."""
    try:
        import psutil
    except ImportError:
        total, todo = 0, [pid]
        while todo:
            p = todo.pop()
            total += proc_status(p, "VmRSS")
            if children:
                todo += _children(p)
        return total
    try:
        proc = psutil.Process(pid)
        procs = [proc] + (proc.children(recursive=True) if children else [])
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


# --------------------------------------------------------------------------- (a) (b) (c)


def bench_raw(chunks) -> tuple[float, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(AESGCM.generate_key(bit_length=256))
    digest = hashlib.sha256()
    start = time.perf_counter()
    for chunk in chunks:
        aes.encrypt(os.urandom(12), chunk, None)
        digest.update(chunk)
    return time.perf_counter() - start, digest.hexdigest()


def bench_store_write(owner_id, chunks, piece: int = MiB) -> tuple[float, uuid.UUID, str, str]:
    from evidence.store import blobstore

    object_id = uuid.uuid4()
    key = f"{object_id.hex}.orig"
    start = time.perf_counter()
    blob = blobstore.PendingBlob(owner_id, object_id, "original")
    try:
        if piece >= MiB:
            for chunk in chunks:
                blob.write(chunk)
        else:
            for chunk in chunks:
                view = memoryview(chunk)
                for pos in range(0, len(chunk), piece):
                    blob.write(view[pos:pos + piece])
        blob.commit(key)  # finish (final segment, fsync) and rename into place
    finally:
        blob.discard()
    return time.perf_counter() - start, object_id, key, blob.sha256.hexdigest()


def bench_store_read(owner_id, object_id, key) -> tuple[float, int]:
    from evidence.store import blobstore

    total = 0
    start = time.perf_counter()
    for chunk in blobstore.iter_plain(owner_id, object_id, "original", key):
        total += len(chunk)
    return time.perf_counter() - start, total


class _NullSink:
    closed = False

    def write(self, data):
        return len(data)

    def writable(self):
        return True

    def flush(self):
        pass

    def close(self):
        self.closed = True


def breakdown(owner_id, chunks, object_id, key, data_dir: Path) -> list[tuple[str, float]]:
    """The pieces of (b), each timed alone on the same data, and a cold read for (c)."""
    from evidence.store import blobstore
    from evidence.store.crypto import blob_ad, keys_for

    nbytes = len(chunks) * MiB
    rows = []

    start = time.perf_counter()
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    rows.append(("  SHA-256 alone", mbps(nbytes, time.perf_counter() - start)))

    stream_aead = keys_for(owner_id).stream
    for piece, label in ((MiB, "1 MiB"), (SMALL, "64 KiB")):
        start = time.perf_counter()
        stream = stream_aead.new_encrypting_stream(_NullSink(), blob_ad(owner_id, object_id, "original"))
        for chunk in chunks:
            if piece >= MiB:
                stream.write(chunk)
            else:
                view = memoryview(chunk)
                for pos in range(0, MiB, piece):
                    stream.write(view[pos:pos + piece])
        stream.close()
        rows.append((f"  Tink encrypt only, {label} writes", mbps(nbytes, time.perf_counter() - start)))

    path = data_dir / "plain-write.bin"
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for chunk in chunks:
            os.write(fd, chunk)
        write_s = time.perf_counter() - start
        os.fsync(fd)
    finally:
        os.close(fd)
    total_s = time.perf_counter() - start
    path.unlink()
    rows.append(("  plain write, no fsync", mbps(nbytes, write_s)))
    rows.append(("  plain write + fsync", mbps(nbytes, total_s)))

    small_s, small_id, small_key, _ = bench_store_write(owner_id, chunks, piece=SMALL)
    blobstore.delete(small_key)
    rows.append(("  store write fed 64 KiB per write", mbps(nbytes, small_s)))

    # Drop the blob's (clean, fsynced) pages so the read comes from the disk.
    fd = os.open(blobstore.blob_path(key), os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    cold_s, _ = bench_store_read(owner_id, object_id, key)
    rows.append(("  store read, blob not in page cache", mbps(nbytes, cold_s)))
    return rows


# --------------------------------------------------------------------------- HTTP upload


class Client:
    """Just enough of a browser: one keep-alive connection and a cookie jar."""

    def __init__(self, port):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)

    def request(self, method, path, body=None, headers=None):
        all_headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "en"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        self.conn.request(method, path, body=body, headers=all_headers)
        resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return resp, data


def _field(html: bytes, name: str) -> str:
    for tag in re.findall(rb"<input[^>]*>", html):
        if re.search(rb'name="%s"' % re.escape(name.encode()), tag):
            m = re.search(rb'value="([^"]*)"', tag)
            if m:
                return m.group(1).decode()
    raise RuntimeError(f"no {name} field in the page")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def file_chunks(chunks, nbytes):
    """The uploaded file: an MP4 'ftyp' box, then the random data (cycled), nbytes in all."""
    sent, i = 0, 0
    while sent < nbytes:
        chunk = chunks[i % len(chunks)]
        if i == 0:
            chunk = MP4_HEAD + chunk[len(MP4_HEAD):]
        chunk = chunk[: nbytes - sent]
        sent += len(chunk)
        i += 1
        yield chunk


def start_gunicorn(env, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    exe = ROOT / ".venv" / "bin" / "gunicorn"
    exe = str(exe) if exe.exists() else (shutil.which("gunicorn") or "gunicorn")
    cmd = [exe, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-k", "gthread", "--threads", "2",
           "--timeout", "600"]
    if "--no-control-socket" in subprocess.run([exe, "--help"], capture_output=True, text=True).stdout:
        cmd.append("--no-control-socket")  # else gunicorn >= 24 opens ~/.gunicorn/gunicorn.ctl
    with open(log_path, "wb") as log:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log_path}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("gunicorn did not start within 60 s")
            time.sleep(0.1)


def disk_chunks(path: Path):
    with open(path, "rb") as f:
        while chunk := f.read(MiB):
            yield chunk


def upload_source(args, chunks):
    """(file name, content type, size, chunk iterator factory) of what to upload."""
    if args.upload_file:
        path = Path(args.upload_file)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return path.name, ctype, path.stat().st_size, lambda: disk_chunks(path)
    nbytes = args.upload_mb * MiB
    return "big.mp4", "video/mp4", nbytes, lambda: file_chunks(chunks, nbytes)


def bench_upload(data_dir: Path, source, username: str, case_id) -> dict:
    name, ctype, nbytes, content = source
    env = dict(os.environ)
    env.update({
        "LIUZHENG_MAX_UPLOAD_MB": str(max(2048, nbytes // MiB + 64)),
        "LIUZHENG_ALLOWED_HOSTS": "127.0.0.1",
        "LIUZHENG_LOG_LEVEL": "WARNING",
    })
    expected = hashlib.sha256()
    for chunk in content():
        expected.update(chunk)

    server, port = start_gunicorn(env, data_dir / "gunicorn.log")
    try:
        client = Client(port)
        resp, page = client.request("GET", "/accounts/login/")
        if resp.status != 200:
            raise RuntimeError(f"login page: HTTP {resp.status}")
        resp, _ = client.request(
            "POST", "/accounts/login/",
            body=urlencode({"username": username, "password": PASSWORD,
                            "csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken")}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        if resp.status != 302:
            raise RuntimeError(f"login failed: HTTP {resp.status}")
        form_path = f"/cases/{case_id}/entries/new/?kind=other"
        resp, page = client.request("GET", form_path)
        if resp.status != 200:
            raise RuntimeError(f"entry form: HTTP {resp.status}")
        fields = {
            "kind": "other",
            "occurred_at": "2026-11-20T10:00",
            "client_token": _field(page, "client_token"),
            "csrfmiddlewaretoken": _field(page, "csrfmiddlewaretoken"),
        }

        boundary = f"lzbench{uuid.uuid4().hex}"
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ) + (f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{name}"\r\n'
             f"Content-Type: {ctype}\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def body():  # streamed with a Content-Length: the client never holds the body
            yield head
            yield from content()
            yield tail

        workers = _children(server.pid)
        life_hwm = max((proc_status(pid, "VmHWM") for pid in workers), default=0)  # startup, login (Argon2)
        hwm_reset = all(_reset_hwm(pid) for pid in workers) if workers else False
        baseline = sum(rss(pid) for pid in workers)
        peak = {"worker": baseline, "master": rss(server.pid, children=False), "samples": 0}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    worker_rss = sum(rss(pid) for pid in _children(server.pid))
                    master_rss = rss(server.pid, children=False)
                except Exception:  # a process vanished between listing and reading
                    worker_rss = master_rss = 0
                peak["worker"] = max(peak["worker"], worker_rss)
                peak["master"] = max(peak["master"], master_rss)
                peak["samples"] += 1
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        try:
            resp, page = client.request("POST", form_path, body=body(), headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Content-Length": str(len(head) + nbytes + len(tail)),
            })
        finally:
            elapsed = time.perf_counter() - start
            stop.set()
            sampler.join()
        hwm = max((proc_status(pid, "VmHWM") for pid in workers), default=0) if hwm_reset else 0

        result = {
            "status": resp.status, "seconds": elapsed, "bytes": nbytes, "baseline_rss": baseline,
            "peak_rss": peak["worker"], "hwm": hwm, "life_hwm": max(life_hwm, hwm),
            "master_rss": peak["master"], "samples": peak["samples"],
            "expected_sha256": expected.hexdigest(), "error": "",
        }
        if resp.status != 302:
            text = re.sub(rb"\s+", b" ", re.sub(rb"<[^>]+>", b" ", page))
            result["error"] = text[:600].decode(errors="replace")
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=512, help="random data for passes a, b, c (MiB)")
    parser.add_argument("--upload-mb", type=int, default=1024, help="size of the HTTP upload (MiB); 0 skips it")
    parser.add_argument("--upload-file", default=None,
                        help="upload this file instead of the generated MP4 (e.g. a big photo or recording)")
    parser.add_argument("--repeat", type=int, default=1, help="run a, b, c this many times, report medians")
    parser.add_argument("--breakdown", action="store_true", help="also time the pieces of (b) and a cold read")
    parser.add_argument("--check", action="store_true", help="exit with status 1 if a target is missed")
    parser.add_argument("--dir", default=None, help="parent of the temporary data directory (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()

    in_temp_dir("lz-bench-crypto-", args, run)

def run(args, data_dir: Path) -> bool:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.services import user_create
    from evidence.store import blobstore
    from evidence.models import Attachment
    from evidence.cases.services import case_create

    owner = user_create(username="bench", password=PASSWORD)
    case = case_create(owner=owner, lender="bench")

    print(f"Liuzheng encrypted-store benchmark: {args.size_mb} MB of random data, {os.cpu_count()} CPU(s), "
          f"Python {sys.version.split()[0]}, data in {data_dir}", flush=True)
    report_cpu_busy("CPUs busy before the run")
    chunks = [os.urandom(MiB) for _ in range(args.size_mb)]
    nbytes = len(chunks) * MiB

    raw, write, read = [], [], []
    for rep in range(args.repeat):
        raw_s, raw_sha = bench_raw(chunks)
        write_s, object_id, key, store_sha = bench_store_write(owner.pk, chunks)
        if store_sha != raw_sha:
            raise AssertionError("the store hashed something other than the data")
        read_s, read_n = bench_store_read(owner.pk, object_id, key)
        if read_n != nbytes:
            raise AssertionError(f"read {read_n} bytes back, wrote {nbytes}")
        raw.append(mbps(nbytes, raw_s))
        write.append(mbps(nbytes, write_s))
        read.append(mbps(nbytes, read_s))
        print(f"  pass {rep + 1}: (a) {raw[-1]:.1f}  (b) {write[-1]:.1f}  (c) {read[-1]:.1f} MB/s", flush=True)
        if rep < args.repeat - 1:
            blobstore.delete(key)
    a, b, c = (statistics.median(x) for x in (raw, write, read))

    extra = breakdown(owner.pk, chunks, object_id, key, data_dir) if args.breakdown else []

    up = None
    if args.upload_mb or args.upload_file:
        source = upload_source(args, chunks)
        upload_label = f"upload {source[0]} ({source[2] / MiB:.0f} MB) via gunicorn: HTTP status"
        print(f"  uploading {source[0]} ({source[2] / MiB:.0f} MB) through gunicorn ...", flush=True)
        up = bench_upload(data_dir, source, owner.username, case.pk)
        att = Attachment.objects.filter(case=case).first()  # the only one (names are encrypted)
        up["stored"] = bool(att and att.size == up["bytes"] and att.sha256 == up["expected_sha256"])

    b_ratio, c_ratio = b / a, c / a
    ok = b_ratio >= TARGET_RATIO and c_ratio >= TARGET_RATIO
    median = " (median)" if args.repeat > 1 else ""
    line = "-" * 86
    print()
    print(line)
    print(f"{'measure':<52}{'value':>16}  target")
    print(line)
    print(f"{'(a) raw AES-256-GCM + SHA-256' + median:<52}{a:>11.1f} MB/s")
    print(f"{'(b) store write: hash+encrypt+write+fsync' + median:<52}{b:>11.1f} MB/s")
    for label, value in extra[:6]:
        print(f"{label:<52}{value:>11.1f} MB/s")
    print(f"{'(c) store read: decrypt+stream' + median:<52}{c:>11.1f} MB/s")
    for label, value in extra[6:]:
        print(f"{label:<52}{value:>11.1f} MB/s")
    print(f"{'b/a':<52}{b_ratio:>16.2f}  >= {TARGET_RATIO}  {verdict(b_ratio >= TARGET_RATIO)}")
    print(f"{'c/a':<52}{c_ratio:>16.2f}  >= {TARGET_RATIO}  {verdict(c_ratio >= TARGET_RATIO)}")
    if up:
        stored = up["status"] == 302 and up["stored"]
        peak_mb = max(up["peak_rss"], up["hwm"]) / MiB
        ok = ok and stored and peak_mb < TARGET_RSS_MB
        print(f"{upload_label:<52}{up['status']:>16}  302  "
              f"{verdict(stored)}{'' if up['stored'] else ' (attachment not stored intact)'}")
        print(f"{'upload throughput':<52}{mbps(up['bytes'], up['seconds']):>11.1f} MB/s  ({up['seconds']:.1f} s)")
        print(f"{'worker RSS before the upload':<52}{up['baseline_rss'] / MiB:>13.1f} MB")
        print(f"{'worker peak RSS, sampled every 50 ms':<52}{up['peak_rss'] / MiB:>13.1f} MB  "
              f"< {TARGET_RSS_MB}  {verdict(up['peak_rss'] / MiB < TARGET_RSS_MB)}  ({up['samples']} samples)")
        if up["hwm"]:
            print(f"{'worker VmHWM during the upload (kernel)':<52}{up['hwm'] / MiB:>13.1f} MB  "
                  f"< {TARGET_RSS_MB}  {verdict(up['hwm'] / MiB < TARGET_RSS_MB)}")
        if up["life_hwm"]:
            print(f"{'worker VmHWM since start, incl. login':<52}{up['life_hwm'] / MiB:>13.1f} MB")
        print(f"{'gunicorn master peak RSS':<52}{up['master_rss'] / MiB:>13.1f} MB")
        if up["error"]:
            print(f"server said: {up['error']}")
    print(line)
    print("1 MB = 1 MiB. (a) writes nothing; (b) ends with fsync and rename; (c) reads the blob (b) wrote,")
    print("from the page cache. Worker RSS includes the worker's children.")
    return ok


if __name__ == "__main__":
    main()
