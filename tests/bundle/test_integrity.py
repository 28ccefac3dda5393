"""Format 2's integrity contract on a real seed_demo bundle (local `openssl ts` TSA):
every member covered, README.txt's commands run verbatim, verify.sh and verify.html
(Chromium, from file://), catalog.pdf's PAdES signature, verdicts in the reader's
language, and format 1 bundles still read."""
import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from evidence.bundle.verify import verify_bundle

from .test_bundle import demo_case, exported, rewrite, run, unzip  # noqa: F401 - fixtures and helpers

_CACHE = {}


@pytest.fixture
def bundle_file(request, tmp_path_factory, db):
    """One export for the whole module (seed_demo is the slow part): a copy of the ZIP.
    Asks for `db` itself: whichever test comes first in a random order makes the export."""
    if "zip" not in _CACHE:
        path, _writer = request.getfixturevalue("exported")
        folder = tmp_path_factory.mktemp("integrity")
        shutil.copy(path, folder / "bundle.zip")
        _CACHE["zip"] = folder / "bundle.zip"
    return _CACHE["zip"]


@pytest.fixture
def unzipped(bundle_file, tmp_path):
    return unzip(bundle_file, tmp_path / "bundle")


def test_every_member_is_covered_by_the_signed_sums(bundle_file):
    with zipfile.ZipFile(bundle_file) as zf:
        names = zf.namelist()
        sums = zf.read("SHA256SUMS").decode()
        manifest = json.loads(zf.read("manifest.json"))
        listed = {line[66:] for line in sums.splitlines()}
        seal = ["SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig"]
        assert set(names) - listed == set(seal)
        assert names[-4:] == seal
        for required in ["catalog.pdf", "README.txt", "verify.sh", "verify.html", "verify.js", "manifest.json.tsr",
                         "timestamps/proofs.txt"]:
            assert required in listed, required
        # The transcript, as a plain UTF-8 file listed in the manifest.
        [item] = [f for f in manifest["files"] if f["transcript"]]
        text = zf.read(item["transcript"]["path"])
        assert "你再不还钱" in text.decode("utf-8")
        assert hashlib.sha256(text).hexdigest() == item["transcript"]["sha256"]
        assert item["transcript"]["path"] in {d["path"] for d in manifest["documents"]}
    assert manifest["format_version"] == "2.0"
    assert manifest["integrity"]["tsa_configured"] is True
    assert manifest["integrity"]["after_manifest"] == ["manifest.json.sig", "catalog.pdf"]
    assert "manifest.json.tsr" in listed  # a TSA answered: so SHA256SUMS.tsr is required too


def test_readme_commands_run_verbatim(unzipped):
    """Every `$ ` line of the generated README.txt, as written, in one POSIX sh, with
    coreutils and openssl only."""
    readme = (unzipped / "README.txt").read_text()
    commands = [m.group(1) for m in re.finditer(r"^ {4}\$ (.+)$", readme, re.M)]
    assert len(commands) >= 8, commands
    assert "https://liuzheng.test/.well-known/liuzheng-signing-key.pem" in readme  # LIUZHENG_SITE_URL
    script = "set -e\n" + "\n".join(commands) + "\n"
    done = subprocess.run(["sh", "-c", script], cwd=unzipped, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout + done.stderr
    assert "VERIFIED: all" in out  # sh verify.sh
    assert out.count("Signature Verified Successfully") >= 3  # SHA256SUMS, manifest.json, SHA256SUMS.tsr
    assert out.count("Verification: OK") >= 3  # SHA256SUMS, manifest.json, an original through its Merkle root
    assert "FAILED" not in out


def test_the_catalogs_commands_run_verbatim(unzipped):
    """catalog.pdf's 如何核验 lines are printed for a reader holding paper: they must work
    as printed on the bundle they came with (format 2: the signed SHA256SUMS)."""
    text = subprocess.run(["pdftotext", "-layout", "catalog.pdf", "-"], cwd=unzipped, capture_output=True,
                          text=True, check=True).stdout
    printed = [c for c in ("sh verify.sh", "sha256sum --strict -c SHA256SUMS",
                           "openssl ts -verify -data SHA256SUMS -in SHA256SUMS.tsr -CAfile keys/tsa-chain.pem")
               if c in text]
    assert len(printed) == 3, text[:3000]
    pkey = re.search(r"openssl pkeyutl -verify .*?-sigfile SHA256SUMS\.sig", " ".join(text.split()))
    assert pkey, "the signature command is not printed whole"
    script = "set -e\n" + "\n".join(printed + [pkey.group(0)]) + "\n"
    done = subprocess.run(["sh", "-c", script], cwd=unzipped, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Signature Verified Successfully" in done.stdout + done.stderr


def test_verify_sh_passes_and_names_what_breaks(unzipped, tmp_path):
    ok = subprocess.run(["sh", "verify.sh"], cwd=unzipped, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout[-3000:]
    assert "核验通过" in ok.stdout and "VERIFIED" in ok.stdout
    assert "custody.jsonl" in ok.stdout and "custody.jsonl #" in ok.stdout  # the chain and its head token
    assert ok.stdout.count("时间戳有效") >= 5
    # An extra file, an edited original, an edited custody line: each fails, named.
    cases = []
    extra = shutil.copytree(unzipped, tmp_path / "extra")
    (extra / "evidence" / "notes.txt").write_text("fake")
    cases.append((extra, "evidence/notes.txt"))
    edited = shutil.copytree(unzipped, tmp_path / "edited")
    victim = next(p for p in sorted((edited / "evidence").rglob("*")) if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    cases.append((edited, str(victim.relative_to(edited))))
    chain = shutil.copytree(unzipped, tmp_path / "chain")
    lines = (chain / "custody.jsonl").read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"seq":4', '"seq":4 ')
    (chain / "custody.jsonl").write_text("".join(lines))
    cases.append((chain, "custody.jsonl"))
    for folder, name in cases:
        bad = subprocess.run(["sh", "verify.sh"], cwd=folder, capture_output=True, text=True)
        assert bad.returncode == 1, bad.stdout[-2000:]
        assert "核验未通过" in bad.stdout and "NOT VERIFIED" in bad.stdout
        assert any(name in line for line in bad.stdout.splitlines() if "FAIL" in line or "FAILED" in line), \
            bad.stdout[-2000:]


def test_verify_sh_needs_no_python_or_jq():
    from evidence.bundle.writer import ASSETS

    text = open(f"{ASSETS}/verify.sh").read()
    assert text.startswith("#!/bin/sh")
    assert not re.search(r"\b(python3?|jq|perl|xxd|bash)\b", text.split("\n", 4)[-1])
    assert subprocess.run(["sh", "-n", f"{ASSETS}/verify.sh"]).returncode == 0


def test_verify_html_checks_the_folder_in_chromium(browser, unzipped, tmp_path):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto((unzipped / "verify.html").as_uri())
    assert "选择解压后的证据包文件夹" in page.content()
    page.set_input_files("#folder", str(unzipped))
    page.wait_for_selector("#summary[data-ok]", timeout=30_000)
    summary = page.text_content("#summary")
    assert page.get_attribute("#summary", "data-ok") == "yes", page.text_content("#results")
    assert "核验通过" in summary
    items = page.text_content("#results")
    assert "SHA256SUMS.sig" in items and "manifest.json.sig" in items and "签名有效" in items
    # An altered copy: named.
    altered = shutil.copytree(unzipped, tmp_path / "altered")
    victim = next(p for p in sorted((altered / "evidence").rglob("*")) if p.is_file())
    victim.write_bytes(b"\0" + victim.read_bytes()[1:])
    page.goto((altered / "verify.html").as_uri())
    page.set_input_files("#folder", str(altered))
    page.wait_for_selector("#summary[data-ok]", timeout=30_000)
    assert page.get_attribute("#summary", "data-ok") == "no"
    assert str(victim.relative_to(altered)) in page.text_content("#results")
    assert all(url.startswith("file://") for url in requests), requests
    assert not errors, errors
    context.close()


def test_catalog_pdf_is_pades_signed_and_timestamped(unzipped):
    """pyHanko's validator (sync wrappers over asyncio: run in a thread of its own, as the
    browser tests keep an event loop in this one)."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(_validate_catalog, unzipped).result()


def _validate_catalog(unzipped):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    with open(unzipped / "catalog.pdf", "rb") as f:
        reader = PdfFileReader(f)
        signatures = reader.embedded_signatures
        assert len(signatures) == 2, [s.field_name for s in signatures]
        signature, doc_timestamp = signatures
        cert = signature.signer_cert
        assert "self-issued" in cert.subject.human_friendly
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[cert]))
        assert status.intact and status.valid and status.bottom_line, status.pretty_print_details()
        assert status.coverage.name in ("ENTIRE_REVISION", "ENTIRE_FILE")
        chain = [c for c in (unzipped / "keys" / "tsa-chain.pem").read_bytes().split(b"-----END CERTIFICATE-----")
                 if b"BEGIN" in c]
        from asn1crypto import pem, x509

        roots = [x509.Certificate.load(pem.unarmor(c + b"-----END CERTIFICATE-----\n")[2]) for c in chain]
        ts_status = validate_pdf_timestamp(doc_timestamp, validation_context=ValidationContext(trust_roots=roots))
        assert ts_status.intact and ts_status.valid and ts_status.trusted, ts_status.pretty_print_details()
        assert doc_timestamp.coverage.name == "ENTIRE_FILE"
    # The PDF the catalog builder made is the first revision, byte for byte untouched.
    pdfinfo = run(["pdfinfo", "catalog.pdf"], unzipped)
    assert pdfinfo.returncode == 0


@pytest.mark.parametrize("lang, ok_words, bad_words", [
    ("zh-hans", "核验通过", "未通过"), ("zh-hant", "核驗通過", "未通過"), ("en", "Verified", "Not verified")])
def test_verdicts_speak_the_readers_language(bundle_file, tmp_path, lang, ok_words, bad_words):
    with translation.override(lang):
        good = verify_bundle(str(bundle_file))
        assert good.ok and ok_words in good.summary
        sig = dict((m, d) for m, ok, d in good.checks)["manifest.json.sig"]
        assert "does not" not in sig and "无效" not in sig and "無效" not in sig  # the old ✔ … does not verify
        name = next(n for n in zipfile.ZipFile(bundle_file).namelist() if n.startswith("evidence/"))
        bad = verify_bundle(str(rewrite(bundle_file, tmp_path / "t.zip", change=(name, lambda d: d + b"x"))))
        assert not bad.ok and bad_words in bad.summary
        assert any(name in p for p in bad.problems)
    if lang != "en":
        assert not any(re.search(r"\b(altered|missing|verifies)\b", d) for _m, _ok, d in bad.checks), bad.checks


def test_the_command_speaks_chinese_and_exits_1_on_a_bad_bundle(bundle_file, tmp_path):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("verify_bundle", str(bundle_file), "--lang", "zh-hans", stdout=out)
    assert "VERIFIED" in out.getvalue() and "核验通过" in out.getvalue()
    bad = rewrite(bundle_file, tmp_path / "t.zip", drop="catalog.pdf")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_bundle", str(bad), "--lang", "zh-hans", stdout=io.StringIO())
    assert exit_.value.code == 1


@pytest.mark.parametrize("drop", ["catalog.pdf", "manifest.json.tsr", "SHA256SUMS.tsr", "SHA256SUMS.sig",
                                  "SHA256SUMS.tsr.sig",
                                  "verify.sh", "README.txt"])
def test_no_member_can_go_missing_unnoticed(bundle_file, tmp_path, drop):
    with translation.override("en"):
        verdict = verify_bundle(str(rewrite(bundle_file, tmp_path / "t.zip", drop=drop)))
    assert not verdict.ok and any(drop in p for p in verdict.problems), verdict.problems


@pytest.mark.parametrize("name", ["evidence/0001-call-20261101/fake.m4a", "notes.txt", "catalog2.pdf",
                                  f"timestamps/{'b' * 64}.tsr"])
def test_an_extra_member_with_a_matching_sums_line_is_refused(bundle_file, tmp_path, name):
    with translation.override("en"):
        verdict = verify_bundle(str(rewrite(bundle_file, tmp_path / "t.zip", add=(name, b"fake"), fix_sums=True)))
    assert not verdict.ok and any(name in p for p in verdict.problems), verdict.problems


def test_an_edited_catalog_is_caught_even_with_new_sums(bundle_file, tmp_path):
    with translation.override("en"):
        verdict = verify_bundle(str(rewrite(bundle_file, tmp_path / "t.zip",
                                            change=("catalog.pdf", lambda d: d[:1000] + b"X" + d[1001:]),
                                            fix_sums=True)))
    assert not verdict.ok and any("SHA256SUMS" in p for p in verdict.problems)


def test_the_verify_page_answers_absurd_uploads_without_500(db, tmp_path):
    """A 3 KB deflated manifest with 1,000,000 items, a deep list, a non-ZIP: verdicts, quickly."""
    import time

    client = Client()
    uploads = []
    for raw in (json.dumps({"format_version": "2.0", "files": [{}] * 1_000_000}).encode(),
                b"[" * 200_000 + b"]" * 200_000):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", raw)
            zf.writestr("SHA256SUMS", "")
        uploads.append(out.getvalue())
    uploads.append(b"PK\x03\x04" + b"\0" * 100)
    for data in uploads:
        f = io.BytesIO(data)
        f.name = "x.zip"
        started = time.monotonic()
        response = client.post(reverse("bundle_verify"), {"bundle": f})
        assert response.status_code == 200
        assert time.monotonic() - started < 5
        html = response.content.decode()
        assert "alert-danger" in html and html.count("<li") < 200


def test_format_1_bundles_still_verify_and_say_so(bundle_file, tmp_path):
    """A format 1 bundle: what this code wrote before (tests/fixtures/old_data has one too)."""
    with zipfile.ZipFile(bundle_file) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    from evidence.bundle import signing

    manifest = json.loads(files["manifest.json"])
    files["keys/signing-key.pem"] = signing.public_pem()  # re-signed with this test's key, as v1 signed
    for doc in manifest["documents"]:
        if doc["path"] == "keys/signing-key.pem":
            doc["sha256"] = hashlib.sha256(files["keys/signing-key.pem"]).hexdigest()
    manifest["format_version"] = "1.0"
    manifest.pop("integrity")
    for name in ["SHA256SUMS.sig", "SHA256SUMS.tsr", "SHA256SUMS.tsr.sig", "manifest.json.tsr"]:
        files.pop(name)
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    files["manifest.json.sig"] = signing.sign(files["manifest.json"])
    files.pop("SHA256SUMS")
    files["SHA256SUMS"] = "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in sorted(files.items())).encode()
    old = tmp_path / "v1.zip"
    with zipfile.ZipFile(old, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    with translation.override("en"):
        verdict = verify_bundle(str(old))
        assert verdict.ok, verdict.problems
        assert verdict.format_version == "1.0" and "format 1.0" in verdict.summary
