"""The evidence bundle: exported from seed_demo, verified three ways, and every tamper caught."""
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from evidence.store import blobstore

from evidence.lib import merkle
from evidence.bundle.verify import verify_bundle
from evidence.models import Bundle, Case, CustodyEvent, Entry
from evidence.bundle.services import bundle_build, bundle_export_file, bundle_request
from evidence.cases.services import transcript_save
from evidence.custody.timestamps import stamp_pending


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "bundle"


@pytest.fixture(autouse=True)
def _english_verdicts():
    """These tests read the verifier's problem lines in English (test_integrity.py reads
    them in Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def demo_case(db, tsa):
    call_command("seed_demo", "--password", "Demo-pass-2026", stdout=io.StringIO())
    stamp_pending()
    case = Case.objects.select_related("owner").get(owner__username="demo")
    audio = case.attachments.filter(kind="audio").first()
    transcript_save(attachment=audio, actor=case.owner, text="[00:01] 催收员：你再不还钱，我们就去你单位。\n[00:05] 我：请不要再打了。")
    stamp_pending()
    return case


@pytest.fixture
def exported(demo_case, tmp_path):
    path = tmp_path / "bundle.zip"
    writer, sha = bundle_export_file(case=demo_case, path=path, selection={})
    return path, writer


_SHARED = {}


@pytest.fixture
def bundle_copy(request, tmp_path, tmp_path_factory, db, tsa):
    """For tests that only read the exported ZIP: this test's own copy of one export made
    for the whole module (seed_demo and the export take most of a test's time). Whichever
    test comes first makes the export, as test_integrity.py's bundle_file does."""
    if "zip" not in _SHARED:
        path, _writer = request.getfixturevalue("exported")
        _SHARED["zip"] = tmp_path_factory.mktemp("bundle") / "bundle.zip"
        shutil.copy(path, _SHARED["zip"])
    copy = tmp_path / "shared-bundle.zip"
    shutil.copy(_SHARED["zip"], copy)
    return copy


def unzip(path, dest):
    with zipfile.ZipFile(path) as zf:
        zf.extractall(dest)
    return dest


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def test_it_follows_the_contract(exported, demo_case):
    path, writer = exported
    assert re.fullmatch(r"case-[0-9a-f]{8}-\d{8}-\d{6}\.zip", writer.file_name)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert all(n.isascii() for n in names), "names inside the ZIP are ASCII"
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        for required in ["README.txt", "catalog.pdf", "timeline.csv", "manifest.json", "manifest.json.sig",
                         "manifest.json.tsr", "custody.jsonl", "keys/signing-key.pem", "keys/tsa-chain.pem",
                         "SHA256SUMS"]:
            assert required in names, required
        assert names[-4:] == ["SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig"]
        evidence = [n for n in names if n.startswith("evidence/")]
        assert all(re.fullmatch(r"evidence/\d{4}-[a-z-]+-\d{8}/[A-Za-z0-9._-]+", n) for n in evidence), evidence[:3]
        assert any(n.startswith("timestamps/") and n.endswith(".tsr") for n in names)
        assert zf.read("timeline.csv").startswith(b"\xef\xbb\xbf")
        manifest = json.loads(zf.read("manifest.json"))
        # Originals are byte-identical to what was uploaded.
        for item in manifest["files"][:5]:
            att = demo_case.attachments.get(pk=item["attachment_id"])
            original = blobstore.read_bytes(demo_case.owner_id, att.pk, "original", att.blob_key)
            assert zf.read(item["path"]) == original
            assert hashlib.sha256(original).hexdigest() == item["sha256"]
    assert manifest["format_version"] == "2.0"
    assert len(manifest["entries"]) == Entry.objects.filter(case=demo_case).count()
    events = list(CustodyEvent.objects.filter(case=demo_case).order_by("seq"))
    assert events[-1].action == "bundle.export"  # recorded after the bundle was written
    assert manifest["custody"]["head"] == events[-2].hash and manifest["custody"]["events"] == len(events) - 1


def test_our_verifier_says_verified(exported):
    path, _ = exported
    verdict = verify_bundle(str(path))
    assert verdict.ok, verdict.problems
    assert verdict.signed_by_this_installation
    labels = [label for label, ok, _ in verdict.checks]
    assert "manifest.json.tsr" in labels and "SHA256SUMS.tsr" in labels
    assert any("custody.jsonl #" in detail for _label, ok, detail in verdict.checks if ok)  # the chain-head token


def test_coreutils_and_openssl_verify_it_by_hand(bundle_copy, tmp_path, tsa):
    path = bundle_copy
    d = unzip(path, tmp_path / "x")
    sums = run(["sha256sum", "-c", "SHA256SUMS"], d)
    assert sums.returncode == 0 and "FAILED" not in sums.stdout, sums.stdout[-500:]
    sig = run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "keys/signing-key.pem", "-rawin",
               "-in", "manifest.json", "-sigfile", "manifest.json.sig"], d)
    assert sig.returncode == 0 and "Signature Verified Successfully" in sig.stdout, sig.stderr
    ts = run(["openssl", "ts", "-verify", "-data", "manifest.json", "-in", "manifest.json.tsr",
              "-CAfile", "keys/tsa-chain.pem"], d)
    assert ts.returncode == 0 and "Verification: OK" in ts.stdout, ts.stderr
    manifest = json.loads((d / "manifest.json").read_text())
    stamped = [f for f in manifest["files"] if f["timestamp"]]
    assert stamped
    for item in stamped[:4]:
        root = merkle.root_from_path(bytes.fromhex(item["sha256"]), item["timestamp"]["merkle_path"])
        check = run(["openssl", "ts", "-verify", "-digest", root.hex(), "-in", item["timestamp"]["token"],
                     "-CAfile", "keys/tsa-chain.pem"], d)
        assert check.returncode == 0, check.stderr
    readme = (d / "README.txt").read_text()
    assert "sha256sum --strict -c SHA256SUMS" in readme and "如何自行核验" in readme and "Verify it yourself" in readme


def test_the_custody_lines_hash_as_documented(bundle_copy, tmp_path):
    path = bundle_copy
    with zipfile.ZipFile(path) as zf:
        lines = zf.read("custody.jsonl").decode().splitlines()
    prev = "0" * 64
    for line in lines:
        event = json.loads(line)
        stored = event.pop("hash")
        canonical = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(canonical.encode()).hexdigest() == stored
        assert event["prev_hash"] == prev
        prev = stored


def test_the_catalog_is_readable_chinese(bundle_copy, tmp_path):
    path = bundle_copy
    d = unzip(path, tmp_path / "x")
    text = run(["pdftotext", "-layout", "catalog.pdf", "-"], d).stdout
    assert "证据目录" in text
    assert "录音文字整理稿" in text and "你再不还钱" in text
    assert "1-1" in text and "催收电话" in text and "联系第三人" in text
    fonts = run(["pdffonts", "catalog.pdf"], d).stdout
    assert "CJK" in fonts or "Noto" in fonts
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3", str(d / "catalog.pdf"), str(ARTIFACTS / "catalog")], d)
    assert list(ARTIFACTS.glob("catalog*.png"))


def test_a_date_range_exports_only_those_days(demo_case, tmp_path):
    entries = list(Entry.objects.filter(case=demo_case).order_by("occurred_at"))
    from django.utils import timezone

    day = timezone.localtime(entries[len(entries) // 2].occurred_at).date().isoformat()
    writer, _ = bundle_export_file(case=demo_case, path=tmp_path / "day.zip", selection={"from": day, "to": day})
    assert 0 < len(writer.entries) < len(entries)
    assert verify_bundle(str(tmp_path / "day.zip")).ok


# --------------------------------------------------------------------------- tampering


def rewrite(src, dst, *, change=None, drop=None, add=None, fix_sums=False):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        files = {n: zin.read(n) for n in zin.namelist()}
        if change:
            name, fn = change
            files[name] = fn(files[name])
        if drop:
            files.pop(drop)
        if add:
            files[add[0]] = add[1]
        if fix_sums:
            files["SHA256SUMS"] = "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in sorted(files.items())
                                          if k != "SHA256SUMS").encode()
        for name, data in files.items():
            zout.writestr(name, data)
    return dst


def first_evidence(path):
    with zipfile.ZipFile(path) as zf:
        return next(n for n in zf.namelist() if n.startswith("evidence/"))


def flip(data):
    b = bytearray(data)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


def test_it_catches_one_changed_byte(bundle_copy, tmp_path):
    path = bundle_copy
    name = first_evidence(path)
    verdict = verify_bundle(str(rewrite(path, tmp_path / "t.zip", change=(name, flip))))
    assert not verdict.ok and any(name in p and "altered" in p for p in verdict.problems)


def test_it_catches_a_missing_file(bundle_copy, tmp_path):
    path = bundle_copy
    name = first_evidence(path)
    verdict = verify_bundle(str(rewrite(path, tmp_path / "t.zip", drop=name)))
    assert any(name in p and "missing" in p for p in verdict.problems)


def test_it_catches_an_extra_file(bundle_copy, tmp_path):
    path = bundle_copy
    verdict = verify_bundle(str(rewrite(path, tmp_path / "t.zip", add=("evidence/9999-call-20261122/new.png", b"x"))))
    assert any("new.png" in p and "extra" in p for p in verdict.problems)


def test_it_catches_a_replaced_manifest_even_with_new_sums(bundle_copy, tmp_path):
    path = bundle_copy

    def forge(raw):
        manifest = json.loads(raw)
        manifest["case"]["amount_owed"] = "1"
        return json.dumps(manifest).encode()

    verdict = verify_bundle(str(rewrite(path, tmp_path / "t.zip", change=("manifest.json", forge), fix_sums=True)))
    assert not verdict.ok
    assert any("manifest.json.sig" in p for p in verdict.problems)
    assert any("manifest.json.tsr" in p for p in verdict.problems)
    d = unzip(tmp_path / "t.zip", tmp_path / "forged")
    sig = run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "keys/signing-key.pem", "-rawin",
               "-in", "manifest.json", "-sigfile", "manifest.json.sig"], d)
    assert sig.returncode != 0


def test_it_catches_a_rewritten_custody_chain(bundle_copy, tmp_path):
    path = bundle_copy

    def reorder(raw):
        lines = raw.decode().splitlines()
        lines[1], lines[2] = lines[2], lines[1]
        return ("\n".join(lines) + "\n").encode()

    verdict = verify_bundle(str(rewrite(path, tmp_path / "t.zip", change=("custody.jsonl", reorder), fix_sums=True)))
    assert any("custody.jsonl" in p for p in verdict.problems)


def test_it_gives_a_verdict_on_a_truncated_zip(bundle_copy, tmp_path):
    path = bundle_copy
    data = path.read_bytes()
    (tmp_path / "t.zip").write_bytes(data[: len(data) // 2])
    verdict = verify_bundle(str(tmp_path / "t.zip"))
    # The demo bundle holds complaints/*.docx (ZIPs themselves): cut at half, the last
    # central directory left may be a .docx's; the verdict blames the ZIP, not the .docx's members.
    assert not verdict.ok
    assert verdict.problems[0].startswith("ZIP") and "truncated" in verdict.problems[0]


def test_it_refuses_a_non_zip(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"%PDF-1.4 not a zip at all")
    verdict = verify_bundle(str(tmp_path / "x.zip"))
    assert not verdict.ok and "not a readable ZIP" in verdict.problems[0]


def test_it_refuses_a_zip_bomb_without_inflating_it(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("SHA256SUMS", b"")
        with zf.open("evidence/big.bin", "w", force_zip64=True) as f:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):  # 200 MB of zeros, a few hundred KB compressed
                f.write(chunk)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    verdict = verify_bundle(str(bomb))
    assert not verdict.ok and "ZIP bomb" in verdict.problems[0]


# --------------------------------------------------------------------------- the web side


def test_export_runs_in_the_background_and_downloads(demo_case, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(demo_case.owner, backend="django.contrib.auth.backends.ModelBackend")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("bundle_create", args=[demo_case.pk]), {"date_from": "", "date_to": ""})
    # The worker's task, and (bundle.request being a custody event) the chain's timestamp.
    assert response.status_code == 302
    assert sorted(c.__qualname__.split(".")[0] for c in callbacks) == ["_enqueue_on_commit", "bundle_request"]
    bundle = Bundle.objects.get()
    assert bundle.status == "queued"
    assert client.get(reverse("bundle_status", args=[bundle.pk])).json()["status"] == "queued"
    bundle_build(bundle=bundle)  # what the worker runs
    bundle.refresh_from_db()
    assert bundle.status == "done" and bundle.progress == 100 and bundle.is_available
    assert CustodyEvent.objects.filter(action="bundle.export", object_id=str(bundle.pk)).exists()
    html = client.get(demo_case.get_absolute_url()).content.decode()
    assert bundle.sha256 in html
    response = client.get(reverse("bundle_download", args=[bundle.pk]))
    data = b"".join(response.streaming_content)
    assert hashlib.sha256(data).hexdigest() == bundle.sha256
    assert verify_bundle(io.BytesIO(data)).ok
    assert CustodyEvent.objects.filter(action="bundle.download", object_id=str(bundle.pk)).exists()


def test_the_bundle_is_stored_encrypted(demo_case):
    bundle = bundle_request(case=demo_case, actor=demo_case.owner, selection={})
    bundle_build(bundle=bundle)
    stored = blobstore.raw_read(bundle.blob_key)
    assert b"manifest.json" not in stored and b"SHA256SUMS" not in stored


def test_others_cannot_see_a_bundle(demo_case, other_client):
    bundle = bundle_request(case=demo_case, actor=demo_case.owner, selection={})
    bundle_build(bundle=bundle)
    assert other_client.get(reverse("bundle_download", args=[bundle.pk])).status_code == 404
    assert other_client.get(reverse("bundle_status", args=[bundle.pk])).status_code == 404
    assert other_client.post(reverse("bundle_create", args=[demo_case.pk])).status_code == 404


def test_an_expired_bundle_is_gone(demo_case, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from evidence.bundle.services import bundle_expire

    bundle = bundle_request(case=demo_case, actor=demo_case.owner, selection={})
    bundle_build(bundle=bundle)
    with django_capture_on_commit_callbacks(execute=True):  # the ciphertext goes once the expiry commits
        assert bundle_expire(now=timezone.now() + timedelta(days=31)) == 1
    bundle.refresh_from_db()
    assert not bundle.is_available and not blobstore.exists(bundle.blob_key)
    assert bundle.status == "expired" and bundle.error == ""
    assert CustodyEvent.objects.filter(action="bundle.expire", object_id=str(bundle.pk),
                                       actor_label="system:expire_bundles").count() == 1
    assert bundle_expire(now=timezone.now() + timedelta(days=31)) == 0  # once


def test_anyone_can_verify_a_bundle_on_the_page(exported, anonymous_client):
    path, _ = exported
    with open(path, "rb") as f:
        html = anonymous_client.post(reverse("bundle_verify"), {"bundle": f}).content.decode()
    assert 'id="verdict"' in html and "alert-success" in html
    bad = io.BytesIO(b"not a zip")
    bad.name = "x.zip"
    html = anonymous_client.post(reverse("bundle_verify"), {"bundle": bad}).content.decode()
    assert "alert-danger" in html


def test_the_verify_page_is_rate_limited(anonymous_client, settings, db):
    settings.LIUZHENG_VERIFY_PER_HOUR = 2
    from django.core.cache import cache

    cache.clear()
    codes = []
    for _ in range(3):
        f = io.BytesIO(b"x")
        f.name = "x.zip"
        codes.append(anonymous_client.post(reverse("bundle_verify"), {"bundle": f}).status_code)
    assert codes == [200, 200, 429]


def test_the_signing_key_is_published(exported, anonymous_client):
    path, _ = exported
    with zipfile.ZipFile(path) as zf:
        assert anonymous_client.get("/.well-known/liuzheng-signing-key.pem").content == zf.read("keys/signing-key.pem")


def test_the_transcript_editor_keeps_versions(demo_case):
    from django.test import Client

    client = Client()
    client.force_login(demo_case.owner, backend="django.contrib.auth.backends.ModelBackend")
    audio = demo_case.attachments.filter(kind="audio").last()
    url = reverse("transcript_edit", args=[audio.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"text": "第一版"})
    client.post(url, {"text": "第二版 [00:03]"})
    assert [t.text for t in audio.transcripts.all()] == ["第二版 [00:03]", "第一版"]
    assert CustodyEvent.objects.filter(action="transcript.save", object_id=str(audio.pk)).count() == 2
    image = demo_case.attachments.filter(kind="image").first()
    assert client.get(reverse("transcript_edit", args=[image.pk])).status_code == 404


def test_the_manifest_matches_the_documented_schema(bundle_copy):
    import jsonschema

    doc = (Path(__file__).resolve().parents[2] / "docs" / "bundle-format.md").read_text()
    schema = json.loads(re.search(r"## manifest.json schema\s+```json\n(.*?)\n```", doc, re.S).group(1))
    path = bundle_copy
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)


def test_ticked_entries_alone_are_exported(demo_case, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(demo_case.owner, backend="django.contrib.auth.backends.ModelBackend")
    picked = [str(pk) for pk in Entry.objects.filter(case=demo_case).values_list("pk", flat=True)[:3]]
    assert f'value="{picked[0]}" form="bundle-form"' in client.get(demo_case.get_absolute_url()).content.decode()
    client.post(reverse("bundle_create", args=[demo_case.pk]), {"entry": picked})
    bundle = Bundle.objects.get()
    assert sorted(bundle.selection["entries"]) == sorted(picked)
    bundle_build(bundle=bundle)
    data = b"".join(client.get(reverse("bundle_download", args=[bundle.pk])).streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(e["id"] for e in json.loads(zf.read("manifest.json"))["entries"]) == sorted(picked)


def test_someone_elses_entry_cannot_be_ticked(demo_case, other_borrower):
    from django.utils import timezone

    from evidence.cases.services import case_create, entry_create

    theirs, _ = entry_create(case=case_create(owner=other_borrower, lender="花呗"), actor=other_borrower,
                             kind="sms", occurred_at=timezone.now(), content="别人的")
    from django.test import Client

    client = Client()
    client.force_login(demo_case.owner, backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("bundle_create", args=[demo_case.pk]), {"entry": [str(theirs.pk)]})
    assert not Bundle.objects.exists()


def test_saved_complaints_are_in_the_bundle_and_verified(demo_case, tmp_path):
    import jsonschema
    from docx import Document

    from evidence.complaints import drafts as complaints
    from evidence.complaints.services import complaint_save

    body = complaints.generate(demo_case, "police")
    body["title"] = "报案材料（修改稿）"
    complaint_save(case=demo_case, channel="police", body=body, actor=demo_case.owner)
    path = tmp_path / "bundle.zip"
    bundle_export_file(case=demo_case, path=path, selection={})
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert {"complaints/police.docx", "complaints/police.pdf"} <= set(names)
        assert names[-4] == "SHA256SUMS"
        sums = zf.read("SHA256SUMS").decode()
        manifest = json.loads(zf.read("manifest.json"))
        doc = Document(io.BytesIO(zf.read("complaints/police.docx")))
        assert zf.read("complaints/police.pdf").startswith(b"%PDF")
    assert "complaints/police.docx" in sums and "complaints/police.pdf" in sums
    assert doc.paragraphs[0].text == "报案材料（修改稿）"
    # seed_demo saves a draft of every channel; the police one was saved again, edited.
    assert {c["channel"] for c in manifest["complaints"]} == {"court", "nfra_12378", "nifa", "police", "report_12321"}
    [entry] = [c for c in manifest["complaints"] if c["channel"] == "police"]
    assert entry["revision"] == 2 and entry["custody_event_seqs"]
    assert {d["path"] for d in manifest["documents"]} >= set(entry["files"])
    doc_md = (Path(__file__).resolve().parents[2] / "docs" / "bundle-format.md").read_text()
    schema = json.loads(re.search(r"## manifest.json schema\s+```json\n(.*?)\n```", doc_md, re.S).group(1))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert verify_bundle(str(path)).ok


def test_the_verifier_catches_a_complaint_not_in_the_chain(demo_case, tmp_path):
    from evidence.complaints import drafts as complaints
    from evidence.bundle.verify import Bundle, Verdict, _check_custody

    complaint_body = complaints.generate(demo_case, "court")
    from evidence.complaints.services import complaint_save

    complaint_save(case=demo_case, channel="court", body=complaint_body, actor=demo_case.owner)
    path = tmp_path / "bundle.zip"
    bundle_export_file(case=demo_case, path=path, selection={})
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        manifest["complaints"][0]["body_sha256"] = "0" * 64
        verdict = Verdict()
        _check_custody(Bundle(zf, zf.infolist(), 10 ** 9), verdict, manifest)
    assert not verdict.ok and any("custody chain" in str(c) for c in verdict.checks)


def test_the_catalog_has_the_charts_and_findings(exported, tmp_path):
    path, writer = exported
    d = unzip(path, tmp_path / "x")
    text = run(["pdftotext", "catalog.pdf", "-"], d).stdout
    assert "每日来电与短信" in text and "催收联系时间分布" in text
    assert "周一" in text and "允许联系的时段 08:00–22:00" in text  # chart labels are text, not pixels
    assert "规则比对" in text and "夜间催收" in text and "不符合" in text
    # The page with the charts, as an image to look at.
    pages = run(["pdfinfo", "catalog.pdf"], d).stdout
    total = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    for page in range(1, total + 1):
        if "每日来电与短信" in run(["pdftotext", "-f", str(page), "-l", str(page), "catalog.pdf", "-"], d).stdout:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            run(["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), str(d / "catalog.pdf"),
                 str(ARTIFACTS / "catalog-charts")], d)
            break
    else:
        raise AssertionError("no page with the charts")


@pytest.mark.parametrize("rule_set, hour, night", [("cn", 21, False), ("cn", 22, True), ("us", 20, False),
                                                   ("us", 21, True), ("us", 7, True), ("cn", 8, False)])
def test_night_in_the_bundle_follows_the_case_rule_set(borrower, rule_set, hour, night):
    """证明目的 marks a call （夜间） outside the permitted hours of the case's rule set
    (China 08:00–22:00, the FDCPA 08:00–21:00), as the findings do, not a fixed 22:00."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from evidence.bundle.writer import BundleWriter
    from evidence.cases.services import case_create, entry_create

    case = case_create(owner=borrower, lender="借呗", rule_set=rule_set)
    when = datetime(2026, 3, 2, hour, 30, tzinfo=ZoneInfo(borrower.time_zone))
    entry_create(case=case, actor=borrower, kind="call", direction="incoming", occurred_at=when, number="95188")
    writer = BundleWriter(case, actor_label="system", selection={})
    manifest = json.loads(writer.manifest())
    [item] = manifest["entries"]
    # Said once: by the （夜间） mark, or by the night finding's title when there is one.
    assert ("夜间" in item["purpose"]) is night and item["purpose"].count("夜间") <= 1, item["purpose"]
    start, end = (8, 22) if rule_set == "cn" else (8, 21)
    stats = dict(map(tuple, writer.catalog_data()["stats"]))
    assert stats[f"其中夜间（{end:02d}:00–{start:02d}:00）"] == ("1" if night else "0")
