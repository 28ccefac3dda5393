"""`manage.py init_keys` (run by `make run`) makes every key the installation signs with,
so an operator can copy them all to a second host before it first starts (docs/deployment.md)."""
import io
import stat

from django.core.management import call_command

from evidence.bundle import signing


def _run():
    out = io.StringIO()
    call_command("init_keys", stdout=out)
    return out.getvalue()


def test_it_makes_the_master_key_the_signing_key_and_the_pdf_certificate_once(data_dir):
    keys = data_dir / "keys"
    assert not keys.exists()
    out = _run()
    made = {p.name: p.read_bytes() for p in keys.iterdir()}
    assert {"master-keyset.json", "signing-ed25519.pem", "pdf-signing-key.pem", "pdf-signing-cert.pem"} <= set(made)
    for name in ("master-keyset.json", "signing-ed25519.pem", "pdf-signing-key.pem"):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name
    assert signing.fingerprint(signing.public_pem()) in out
    # A second run (every `make run`) keeps them as they are.
    again = _run()
    assert {p.name: p.read_bytes() for p in keys.iterdir()} == made
    assert again == out
