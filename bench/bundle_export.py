"""Evidence-bundle benchmark: export a big case, and verify the bundle, against
coreutils-class baselines on the same bytes in the same run.

A fresh temporary data directory gets a case with N entries (default 2,000) and
about M MB of attachments (default 1,024), a realistic mix made on the fly:

  ~300 phone screenshots  PNG of RGB noise (100-300 KB each, does not compress)
   ~60 call recordings    WAV, 8 kHz 16-bit mono, random samples, 2-8 MB each
    a few videos          MP4 header then random bytes, up to 150 MB each, to reach M

Each file goes through the normal encrypted-upload path (encrypted_upload_from_bytes,
attachment_add) and is also written, byte for byte, into a plaintext directory
tree. Half the recordings get a 录音文字整理稿. Setup is timed but not judged.

Then, one after the other:

  zip       `zip -0 -r -q` of the plaintext tree (stored, like the bundle)
  export    BundleWriter(case).stream() into a file, in a child process (Python and
            Django startup excluded from the time); its RSS is sampled every 50 ms
            and its kernel high-water mark (VmHWM) read at the end
  verify    evidence.bundle.verify.verify_bundle(zip) against `sha256sum -c
            SHA256SUMS` in the bundle unpacked with zipfile (the unpacking is not timed)

Targets (issue 17): export <= 1.5x zip's time (decryption and catalog.pdf included),
exporting process peak RSS < 150 MB, verification not slower than sha256sum -c.
If the export misses its target, a second export runs under cProfile and the
functions that take the time are printed (--no-profile skips it).
1 MB means 1 MiB (2**20 bytes) throughout. No network is used (no TSA).

    .venv/bin/python bench/bundle_export.py [--entries 2000] [--attachment-mb 1024]
        [--check] [--no-profile] [--dir PATH] [--keep] [--fresh-font]
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import threading
import time
import wave
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from common import ROOT, MiB, in_temp_dir, mbps, proc_status, report_cpu_busy  # noqa: E402  (bench/ is on sys.path)

TARGET_EXPORT_RATIO = 1.5  # issue 17's figures table (was 2.0)
TARGET_RSS_MB = 150  # issue 17 (was 200)
TARGET_VERIFY_RATIO = 1.0
PASSWORD = "Bench-pass-2026"
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
MAX_VIDEO = 150 * MiB  # under LIUZHENG_MAX_UPLOAD_MB (200)
SAMPLE_EVERY = 0.05



def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"




# --------------------------------------------------------------------------- the case

KINDS = [("call", 0.55), ("sms", 0.25), ("third_party", 0.10), ("visit", 0.02), ("post", 0.03), ("other", 0.05)]
THREATS = ["再不还钱就把你的事发到你所有通讯录联系人", "我们已经联系了你单位领导", "今天下午就上门找你家人",
           "你已经涉嫌诈骗，法院马上立案", "逾期不还后果自负", "给你最后一次机会，今晚十二点前处理"]
IDENTITIES = ["某某金融法务部", "自称律师", "自称法院工作人员", "催收专员小王", "贷后管理中心", "外访组"]
RELATIONS = [("张伟", "同事"), ("李娜", "母亲"), ("王芳", "朋友"), ("刘强", "单位领导"), ("陈静", "表姐")]
TAGS = ["threat", "insult", "claimed_police", "claimed_court", "claimed_lawyer", "mentioned_family",
        "mentioned_employer", "disclosed_debt", "repeated", "night"]


def plan_files(rng: random.Random, attachment_mb: int) -> list[tuple[str, int]]:
    """(kind, size in bytes) of every attachment: screenshots, recordings, then videos to reach the total."""
    scale = attachment_mb / 1024
    files = [("image", rng.randint(100 * 1024, 300 * 1024)) for _ in range(max(1, round(300 * scale)))]
    files += [("audio", rng.randint(2 * MiB, 8 * MiB)) for _ in range(max(1, round(60 * scale)))]
    rest = attachment_mb * MiB - sum(size for _, size in files)
    if rest > 0:
        n = math.ceil(rest / MAX_VIDEO)
        files += [("video", rest // n + (1 if i < rest % n else 0)) for i in range(n)]
    return files


def screenshot_png(rng: random.Random, target: int, shot_at: datetime) -> bytes:
    """A portrait 'screenshot' of RGB noise under a flat status bar: ~target bytes, incompressible."""
    from PIL import Image, ImageDraw

    w = max(64, int(math.sqrt(target / 3 / 2.16)))
    h = int(w * 2.16)
    img = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
    ImageDraw.Draw(img).rectangle((0, 0, w, h // 20), fill="white")
    exif = Image.Exif()
    exif[306] = shot_at.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8769)[36867] = exif[306]
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1, exif=exif.tobytes())
    return out.getvalue()


def recording_wav(rng: random.Random, size: int) -> bytes:
    frames = (size - 44) // 2
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(rng.randbytes(frames * 2))
    return out.getvalue()


def video_mp4(rng: random.Random, size: int) -> bytes:
    return MP4_HEAD + rng.randbytes(size - len(MP4_HEAD))


def entry_fields(rng: random.Random, kind: str, when: datetime) -> dict:
    number = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
    threat = rng.choice(THREATS)
    fields = {"kind": kind, "occurred_at": when, "tags": rng.sample(TAGS, rng.randint(0, 3))}
    if kind == "call":
        fields.update(direction=rng.choice(["incoming", "incoming", "missed"]), channel="call", number=number,
                      duration_seconds=rng.randint(15, 900), claimed_identity=rng.choice(IDENTITIES),
                      content=f"对方称：{threat}。语气激烈，多次打断。")
    elif kind == "sms":
        fields.update(channel=rng.choice(["sms", "wechat", "app"]), number=number,
                      content=f"【催收短信】{threat}。请尽快联系{number}处理，否则后果自负。")
    elif kind == "third_party":
        name, relation = rng.choice(RELATIONS)
        fields.update(channel=rng.choice(["call", "sms", "wechat"]), number=number, contact_name=name,
                      contact_relation=relation, content=f"{name}（{relation}）转述：催收方称借款人欠款不还，{threat}。")
    elif kind == "visit":
        fields.update(channel="visit", claimed_identity="外访组",
                      content=f"两名男子到住所门口，大声喧哗，称{threat}，约二十分钟后离开。")
    elif kind == "post":
        fields.update(channel="app", content="在社交平台发布借款人照片和身份证号，配文“老赖”。")
    else:
        fields.update(channel="other", content=f"收到快递信封，内有“律师函”，称{threat}。")
    if rng.random() < 0.2:
        fields["notes"] = "已截图保存，原手机仍在。"
    if rng.random() < 0.1:
        fields["purpose"] = "证明催收方采用威胁、骚扰方式催收，违反《互联网金融逾期债务催收自律公约》。"
    return fields


def build_case(args, plain: Path) -> dict:
    """The case, its entries and attachments; every original also written to `plain`."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from accounts.services import user_create
    from evidence.cases.services import attachment_add, case_create, entry_create, transcript_save
    from evidence.store.uploads import encrypted_upload_from_bytes

    rng = random.Random(20261123)
    owner = user_create(username="bench", password=PASSWORD)
    case = case_create(owner=owner, lender="某某消费金融", product="极速贷", amount_owed="12,800.00",
                       collector_numbers="17100001111\n16500002222", agencies="某某资产管理有限公司")

    t0 = time.perf_counter()
    start = timezone.make_aware(datetime(2026, 5, 1, 8, 0))
    span = (datetime(2026, 11, 20) - datetime(2026, 5, 1)).total_seconds()
    whens = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(args.entries))
    kinds, weights = zip(*KINDS)
    by_kind: dict[str, list] = {k: [] for k in kinds}
    entries = []
    for first in range(0, args.entries, 200):
        with transaction.atomic():
            for when in whens[first:first + 200]:
                kind = rng.choices(kinds, weights)[0]
                entry, _ = entry_create(case=case, actor=owner, **entry_fields(rng, kind, when))
                entries.append(entry)
                by_kind[kind].append(entry)
    entries_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    homes = {"image": by_kind["sms"] + by_kind["third_party"] + by_kind["post"] + by_kind["other"],
             "audio": by_kind["call"], "video": by_kind["visit"]}
    counts = {"image": 0, "audio": 0, "video": 0}
    total = transcripts = 0
    folders = {}
    for n, (kind, size) in enumerate(plan_files(rng, args.attachment_mb), start=1):
        entry = rng.choice(homes[kind] or entries)
        local = timezone.localtime(entry.occurred_at)
        if kind == "image":
            data = screenshot_png(rng, size, local + timedelta(minutes=2))
            name = f"Screenshot_{local:%Y%m%d-%H%M%S}_{n:04d}.png"
        elif kind == "audio":
            data = recording_wav(rng, size)
            name = f"通话录音 {entry.number or '未知号码'} {local:%Y%m%d%H%M}_{n:04d}.wav"
        else:
            data = video_mp4(rng, size)
            name = f"VID_{local:%Y%m%d_%H%M%S}_{n:04d}.mp4"
        upload = encrypted_upload_from_bytes(owner_id=owner.pk, name=name, data=data)
        att = attachment_add(entry=entry, actor=owner, upload=upload)
        folder = folders.setdefault(entry.pk, plain / "case" / f"{len(folders) + 1:04d}")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        if kind == "audio" and counts["audio"] % 2 == 0:
            transcript_save(attachment=att, actor=owner, text="\n".join(
                f"[{i // 2:02d}:{(i * 17) % 60:02d}] {'催收方' if i % 2 == 0 else '本人'}：{rng.choice(THREATS)}。"
                for i in range(rng.randint(8, 30))))
            transcripts += 1
        counts[kind] += 1
        total += len(data)
        del data, upload
    files_s = time.perf_counter() - t0
    return {"case_id": str(case.pk), "owner": owner, "case": case, "entries": len(entries), "counts": counts,
            "bytes": total, "transcripts": transcripts, "entries_s": entries_s, "files_s": files_s}


# --------------------------------------------------------------------------- the export (child process)


def export_only(args):
    """Run in a child process: export the case to --output; print one JSON line with the figures."""
    import django

    django.setup()
    from evidence.bundle.writer import BundleWriter
    from evidence.models import Case

    if args.fresh_font:  # every PDF loads the CJK face through fpdf2's add_font(), as before faces.py
        from evidence.pdf import layout
        layout.shared_face = lambda path, index: None
    case = Case.objects.select_related("owner").get(pk=args.case)
    marks: dict[str, list] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.monotonic()
            try:
                return fn(*a, **kw)
            finally:
                marks.setdefault(name, []).append((t, time.monotonic()))
        return wrapper

    profiler = None
    if args.profile_to:
        import cProfile

        profiler = cProfile.Profile()
    ready_rss = proc_status(os.getpid(), "VmRSS")
    t_start, cpu_start = time.monotonic(), time.process_time()
    if profiler:
        profiler.enable()
    writer = BundleWriter(case, actor_label="system:bench", selection={})
    t_planned = time.monotonic()
    for name in ("custody_jsonl", "timeline_csv", "readme", "manifest", "_sign_and_queue_the_rest", "catalog_pdf",
                 "catalog_data", "sha256sums"):
        setattr(writer, name, timed(name, getattr(writer, name)))
    size = 0
    with open(args.output, "wb") as f:
        for chunk in writer.stream():
            f.write(chunk)
            size += len(chunk)
    t_end = time.monotonic()
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile_to)
    print(json.dumps({
        "start": t_start, "planned": t_planned, "end": t_end, "seconds": t_end - t_start, "bytes": size,
        "cpu": time.process_time() - cpu_start,
        "marks": marks, "ready_rss": ready_rss, "hwm": proc_status(os.getpid(), "VmHWM"),
        "file_name": writer.file_name, "entries": len(writer.entries),
        "files": sum(len(e.files) for e in writer.entries),
    }), flush=True)


def run_export(data_dir: Path, case_id: str, output: Path, profile_to: Path | None = None,
               fresh_font: bool = False) -> dict:
    """Start the exporting child; sample its RSS every 50 ms; return its figures."""
    import psutil

    cmd = [sys.executable, str(Path(__file__).resolve()), "--export-only", "--data-dir", str(data_dir),
           "--case", case_id, "--output", str(output)]
    if profile_to:
        cmd += ["--profile-to", str(profile_to)]
    if fresh_font:
        cmd += ["--fresh-font"]
    t0 = time.monotonic()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, env=dict(os.environ))
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample():
        proc = psutil.Process(child.pid)
        while not done.is_set():
            try:
                samples.append((time.monotonic(), proc.memory_info().rss))
            except psutil.Error:
                break
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = child.communicate()
    done.set()
    sampler.join()
    wall = time.monotonic() - t0
    if child.returncode != 0:
        raise RuntimeError(f"export child failed with status {child.returncode}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["wall"] = wall
    result["samples"] = samples
    result["peak_rss"] = max((r for _, r in samples), default=0)
    return result


def phases(res: dict) -> list[tuple[str, float, int]]:
    """(phase, seconds, peak sampled RSS) of the export, from the child's marks."""
    m = {k: v[0] for k, v in res["marks"].items()}
    first_doc = m.get("custody_jsonl", (res["end"], res["end"]))[0]
    cat = m.get("catalog_pdf")
    cat_data = m.get("catalog_data")
    spans = [("plan (queries, decrypt entry text)", res["start"], res["planned"]),
             ("originals: decrypt + hash + zip + write", res["planned"], first_doc)]
    for key, label in (("custody_jsonl", "custody.jsonl"), ("timeline_csv", "timeline.csv"), ("readme", "README.txt"),
                       ("manifest", "manifest.json"), ("_sign_and_queue_the_rest", "manifest.json.sig")):
        if key in m:
            spans.append((label, *m[key]))
    if cat:
        if cat_data:
            spans.append(("catalog.pdf: catalog_data()", *cat_data))
            spans.append(("catalog.pdf: render (fpdf2)", cat_data[1], cat[1]))
        else:
            spans.append(("catalog.pdf", *cat))
        spans.append(("the rest (catalog, SHA256SUMS out, close)", cat[1], res["end"]))
    out = []
    for label, a, b in spans:
        peak = max((r for t, r in res["samples"] if a <= t <= b + SAMPLE_EVERY), default=0)
        out.append((label, b - a, peak))
    return out


HOT_SPOTS = [  # (label, file suffix, function): where an export's time went in past profiles
    ("entry text: evidence.store.crypto.keys_for (1 SQL query per field)", "evidence/store/crypto.py", "keys_for"),
    ("entry text: decrypt_text", "evidence/store/crypto.py", "decrypt_text"),
    ("originals: crypto.decrypt_range (read + decrypt segments)", "evidence/store/crypto.py", "decrypt_range"),
    ("catalog.pdf: render_catalog, all of it", "evidence/bundle/catalog.py", "render_catalog"),
    ("catalog.pdf: fpdf add_font (load CJK faces)", "fpdf/fpdf.py", "add_font"),
    ("catalog.pdf: item sections", "evidence/bundle/catalog.py", "sections"),
    ("catalog.pdf: FPDF.text() calls", "fpdf/fpdf.py", "text"),
    ("catalog.pdf: printed screenshots (load_image)", "evidence/pdf/layout.py", "load_image"),
    ("catalog.pdf: fpdf output (ToC table, font subsets)", "fpdf/fpdf.py", "output"),
]


def _where(file: str) -> str:
    return file.replace(str(ROOT) + "/", "").split("site-packages/")[-1]


def print_profile(path: Path, top: int = 20):
    import collections
    import pstats

    stats = pstats.Stats(str(path))
    print(f"\ncProfile of a second export ({stats.total_tt:.1f} s under the profiler, which inflates pure Python):")
    print(f"{'cum s':>8} {'calls':>9}  hot spot")
    for label, suffix, func in HOT_SPOTS:
        hits = [(nc, ct) for (file, _, fn), (cc, nc, tt, ct, callers) in stats.stats.items()
                if fn == func and file.endswith(suffix)]
        if hits:
            print(f"{max(ct for _, ct in hits):>8.2f} {sum(nc for nc, _ in hits):>9}  {label}")
    by_lib = collections.Counter()
    for (file, _, fn), (cc, nc, tt, ct, callers) in stats.stats.items():
        where = _where(file)
        lib = where.split("/")[0] if "/" in where else ("C builtins" if file == "~" else where or "other")
        if lib in ("evidence", "bench"):
            lib = where
        by_lib[lib] += tt
    print("own time by package/module: " + ", ".join(f"{lib} {t:.1f} s" for lib, t in by_lib.most_common(10)))
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    print(f"top {top} functions by own time:")
    print(f"{'own s':>8} {'cum s':>8} {'calls':>10}  function")
    for (file, line, func), (cc, nc, tt, ct, callers) in rows:
        print(f"{tt:>8.2f} {ct:>8.2f} {nc:>10}  {func}  ({_where(file)}:{line})")


# --------------------------------------------------------------------------- baselines


CHILD_CPU = {}  # the CPU seconds (user + system) of the last timed_run's command


def timed_run(cmd, cwd) -> float:
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - t0
    after = os.times()
    CHILD_CPU[cmd[0]] = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.decode(errors='replace')[:500]}")
    return seconds


def need(tool: str):
    if shutil.which(tool) is None:
        sys.exit(f"`{tool}` is missing: apt-get install -y {'coreutils' if tool == 'sha256sum' else tool}")


# --------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--attachment-mb", type=int, default=1024, help="total size of the attachments (MiB)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 if a target is missed")
    parser.add_argument("--no-profile", action="store_true", help="do not profile a missed export")
    parser.add_argument("--dir", default=None, help="parent of the temporary directory (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    # Internal: the exporting child process.
    parser.add_argument("--fresh-font", action="store_true",
                        help="also export with fpdf2's add_font() per PDF (before evidence/pdf/faces.py), same case")
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.export_only:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LIUZHENG_DATA_DIR": args.data_dir})
        export_only(args)
        return

    need("zip")
    need("sha256sum")
    in_temp_dir("lz-bench-bundle-", args, run, data_subdir="data")

def run(args, work: Path) -> bool:
    import django

    django.setup()
    print(f"Liuzheng evidence-bundle benchmark: {args.entries:,} entries, {args.attachment_mb:,} MB of attachments, "
          f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, in {work}", flush=True)
    plain = work / "plain"
    t0 = time.perf_counter()
    made = build_case(args, plain)
    setup_s = time.perf_counter() - t0
    c = made["counts"]
    print(f"  setup: {made['entries']:,} entries in {made['entries_s']:.1f} s; {sum(c.values())} attachments "
          f"({c['image']} PNG, {c['audio']} WAV, {c['video']} MP4, {made['transcripts']} transcripts), "
          f"{made['bytes'] / MiB:,.1f} MB in {made['files_s']:.1f} s; total setup {setup_s:.1f} s (not measured)",
          flush=True)
    data_dir = work / "data"
    report_cpu_busy()

    # (1) zip -0 -r of the same plaintext files.
    print("  zip -0 -r ...", flush=True)
    baseline = work / "baseline.zip"
    zip_s = timed_run(["zip", "-0", "-r", "-q", str(baseline), "case"], cwd=plain)
    zip_bytes = baseline.stat().st_size
    baseline.unlink()

    # (2) our export, in a child process.
    print("  export (child process) ...", flush=True)
    bundle = work / "bundle.zip"
    res = run_export(data_dir, made["case_id"], bundle)
    with zipfile.ZipFile(bundle) as zf:
        members = len(zf.infolist())
        catalog_size = zf.getinfo("catalog.pdf").file_size

    # (3) verification: ours on the ZIP, sha256sum -c on the unpacked bundle.
    print("  verify_bundle ...", flush=True)
    from evidence.bundle.verify import verify_bundle

    t0 = time.perf_counter()
    report = verify_bundle(str(bundle))
    verify_s = time.perf_counter() - t0
    if not report.ok:
        raise AssertionError(f"the bundle does not verify: {report.problems[:5]}")
    unpacked = work / "unpacked"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(unpacked)  # not timed
    print("  sha256sum -c ...", flush=True)
    sums_s = timed_run(["sha256sum", "-c", "--quiet", "--strict", "SHA256SUMS"], cwd=unpacked)
    shutil.rmtree(unpacked)

    export_ratio = res["seconds"] / zip_s
    peak_mb = max(res["peak_rss"], res["hwm"]) / MiB
    verify_ratio = verify_s / sums_s
    ok_export = export_ratio <= TARGET_EXPORT_RATIO
    ok_rss = peak_mb < TARGET_RSS_MB
    ok_verify = verify_ratio <= TARGET_VERIFY_RATIO

    line = "-" * 96
    print()
    print(line)
    print(f"{'measure':<46}{'seconds':>9}{'MB/s':>9}{'ratio':>8}  target     result")
    print(line)
    print(f"{'zip -0 -r (plaintext tree)':<46}{zip_s:>9.2f}{mbps(made['bytes'], zip_s):>9.1f}")
    print(f"{'export: BundleWriter.stream() -> file':<46}{res['seconds']:>9.2f}{mbps(res['bytes'], res['seconds']):>9.1f}"
          f"{export_ratio:>8.2f}  <= {TARGET_EXPORT_RATIO:.1f}x zip  {verdict(ok_export)}")
    print(f"{'export peak RSS (max of sampled, VmHWM)':<46}{peak_mb:>9.1f} MB{'':>9}  < {TARGET_RSS_MB} MB   "
          f"{verdict(ok_rss)}")
    print(f"{'sha256sum -c SHA256SUMS (unpacked bundle)':<46}{sums_s:>9.2f}{mbps(res['bytes'], sums_s):>9.1f}")
    print(f"{'verify_bundle(zip)':<46}{verify_s:>9.2f}{mbps(res['bytes'], verify_s):>9.1f}{verify_ratio:>8.2f}"
          f"  <= {TARGET_VERIFY_RATIO:.1f}x      {verdict(ok_verify)}")
    print(line)
    print(f"bundle: {res['bytes'] / MiB:,.1f} MB, {members} members ({res['files']} originals, {res['entries']:,} "
          f"entries); zip baseline {zip_bytes / MiB:,.1f} MB; catalog.pdf {catalog_size / MiB:.1f} MB")
    print(f"CPU time: zip {CHILD_CPU.get('zip', 0):.2f} s, export {res['cpu']:.2f} s (the process's own; "
          f"load average now {os.getloadavg()[0]:.2f} on 2 shared cores: CPU time is the fairer figure)")
    if args.fresh_font:
        print("  export again with fpdf2's add_font() per PDF (before faces.py) ...", flush=True)
        old = run_export(data_dir, made["case_id"], work / "bundle-fresh-font.zip", fresh_font=True)
        print(f"before (fresh font per PDF): {old['seconds']:.2f} s ({old['seconds'] / zip_s:.2f}x zip), "
              f"CPU {old['cpu']:.2f} s, peak RSS {max(old['peak_rss'], old['hwm']) / MiB:.1f} MB; "
              f"after: {res['seconds']:.2f} s, CPU {res['cpu']:.2f} s, peak {peak_mb:.1f} MB")
        for label, seconds, peak in phases(old):
            print(f"  before: {label:<36}{seconds:>8.2f} s   peak RSS {peak / MiB:6.1f} MB")
        (work / "bundle-fresh-font.zip").unlink()
    print(f"export child: RSS sampled peak {res['peak_rss'] / MiB:.1f} MB ({len(res['samples'])} samples), "
          f"VmHWM {res['hwm'] / MiB:.1f} MB, {res['ready_rss'] / MiB:.1f} MB after Django startup; "
          f"wall with startup {res['wall']:.1f} s")
    print("export phases:")
    for label, seconds, peak in phases(res):
        print(f"  {label:<44}{seconds:>8.2f} s   peak RSS {peak / MiB:6.1f} MB")
    print(line, flush=True)

    if not ok_export and not args.no_profile:
        print("export target missed: profiling a second export ...", flush=True)
        prof = work / "export.prof"
        again = work / "bundle-profiled.zip"
        res2 = run_export(data_dir, made["case_id"], again, profile_to=prof)
        again.unlink(missing_ok=True)
        print(f"(profiled export: {res2['seconds']:.1f} s; phases:", ", ".join(
            f"{label.split(':')[0] if label.startswith('originals') else label} {s:.1f} s"
            for label, s, _ in phases(res2)) + ")")
        print_profile(prof)
    return ok_export and ok_rss and ok_verify


if __name__ == "__main__":
    main()
