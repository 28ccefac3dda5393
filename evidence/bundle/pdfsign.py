"""catalog.pdf's own signature: PAdES (ETSI EN 319 142) with pyHanko, so a PDF reader
(Adobe, 福昕 Foxit, WPS) shows the catalog unaltered since export, plus a document
timestamp from the configured TSA when there is one.

The certificate is the deployment's (LIUZHENG_PDF_SIGNING_CERT/_KEY, CA-issued) or,
when none is configured, a self-issued one made on first run next to the bundle signing
key. PDF readers do not accept Ed25519 signatures, so that certificate has its own
ECDSA P-256 key; its subject names the Ed25519 key's fingerprint, which ties the two
together (docs/bundle-format.md says what a reader shows and how to install a CA-issued
certificate).
"""
from __future__ import annotations

import asyncio
import io
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from evidence.custody.timestamps import TimestampError, post_query, tsa_configured

from . import signing

log = logging.getLogger("liuzheng.pdfsign")
FIELD = "LiuzhengSignature"


def _paths() -> tuple[Path, Path]:
    folder = signing.key_path().parent
    return folder / "pdf-signing-key.pem", folder / "pdf-signing-cert.pem"


def _self_issued() -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM), made once and kept (0600) beside the Ed25519 key."""
    key_file, cert_file = _paths()
    if key_file.exists() and cert_file.exists():
        return key_file.read_bytes(), cert_file.read_bytes()
    key = ec.generate_private_key(ec.SECP256R1())
    fingerprint = signing.fingerprint(signing.public_pem())
    host = urlsplit(settings.LIUZHENG_SITE_URL or "").hostname or "localhost"
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "留证 Liuzheng 证据包签名 (self-issued)"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, host),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"Ed25519 {fingerprint[:32]}"),
    ])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return key_file.read_bytes(), cert_file.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    cert_file.write_bytes(cert_pem)
    log.warning("Created a self-issued PDF signing certificate at %s", cert_file)
    return key_pem, cert_pem


def certificate_pem() -> bytes:
    if settings.LIUZHENG_PDF_SIGNING_CERT:
        return Path(settings.LIUZHENG_PDF_SIGNING_CERT).read_bytes()
    return _self_issued()[1]


def _signer() -> signers.SimpleSigner:
    if settings.LIUZHENG_PDF_SIGNING_CERT and settings.LIUZHENG_PDF_SIGNING_KEY:
        chain = [settings.LIUZHENG_PDF_SIGNING_CHAIN] if settings.LIUZHENG_PDF_SIGNING_CHAIN else []
        return signers.SimpleSigner.load(settings.LIUZHENG_PDF_SIGNING_KEY, settings.LIUZHENG_PDF_SIGNING_CERT,
                                         ca_chain_files=chain)
    key_pem, cert_pem = _self_issued()
    cert = next(iter(load_certs_from_pemder_data(cert_pem)))
    key = load_private_key_from_pemder_data(key_pem, passphrase=None)
    return signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                cert_registry=SimpleCertificateStore.from_certs([cert]))


class _ConfiguredTSA(TimeStamper):
    """pyHanko's time stamper over our TSA list (same order, timeout and retries)."""

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(post_query(req.dump()))


def sign_pdf(pdf: bytes, *, timestamp: bool) -> bytes:
    """`pdf` signed (an incremental update: the builder's bytes stay as they were), then,
    with a TSA, a document timestamp. A TSA that fails leaves the signature alone."""
    # pyHanko's synchronous API runs its own event loop (asyncio.run), which cannot start in a
    # thread that already runs one (an async server, or Playwright's sync API in the tests
    # that export from a page): there, sign in a thread of its own.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign_pdf(pdf, timestamp=timestamp)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_sign_pdf, pdf, timestamp=timestamp).result()


def _sign_pdf(pdf: bytes, *, timestamp: bool) -> bytes:
    meta = signers.PdfSignatureMetadata(field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        md_algorithm="sha256", reason="留证 证据目录 / Liuzheng evidence catalog",
                                        location=settings.LIUZHENG_SITE_URL or "")
    signed = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=_signer()).getvalue()
    if not (timestamp and tsa_configured()):
        return signed
    try:
        out = signers.PdfTimeStamper(_ConfiguredTSA()).timestamp_pdf(
            IncrementalPdfFileWriter(io.BytesIO(signed)), "sha256")
        return out.getvalue()
    except (TimestampError, Exception) as exc:  # noqa: BLE001 - pyHanko raises many kinds
        log.warning("catalog.pdf: no document timestamp (%s)", exc)
        return signed
