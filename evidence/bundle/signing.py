"""The installation's Ed25519 signing key: it signs every bundle's manifest.json.

Created on first run under the data directory (0600). Its public key is in
every bundle (keys/signing-key.pem) and published at
/.well-known/liuzheng-signing-key.pem, so anyone can check which installation
produced a bundle and that the manifest was not changed since.
"""
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

log = logging.getLogger("liuzheng.signing")


def key_path() -> Path:
    return Path(settings.LIUZHENG_SIGNING_KEY_FILE or Path(settings.LIUZHENG_DATA_DIR) / "keys" / "signing-ed25519.pem")


def private_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return private_key()
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        log.warning("Created the bundle signing key at %s", path)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_pem() -> bytes:
    return private_key().public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(pem: bytes) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    key = serialization.load_pem_public_key(pem)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(data: bytes) -> bytes:
    return private_key().sign(data)  # raw 64 bytes, as `openssl pkeyutl -verify -rawin` expects


def verify(pem: bytes, data: bytes, signature: bytes) -> bool:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        return False
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(signature, data)
        return True
    except InvalidSignature:
        return False
