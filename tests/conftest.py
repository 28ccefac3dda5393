"""Shared fixtures: an isolated data directory per test and the personas of STYLE.md."""
import os

import pytest
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# would otherwise refuse to run next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Correct-horse-42"

# The browser fixtures, once for all browser test modules: one Chromium per session.
from tests.browser import browser, page, page_problems  # noqa: E402, F401


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Every test gets its own master key, blob store and keys."""
    from evidence.crypto import forget_cached_keys

    root = tmp_path / "var"
    settings.LIUZHENG_DATA_DIR = root
    settings.LIUZHENG_MASTER_KEY_FILE = root / "keys" / "master-keyset.json"
    settings.LIUZHENG_MASTER_KEY = ""
    settings.LIUZHENG_BLOB_DIR = root / "blobs"
    forget_cached_keys()
    yield root
    forget_cached_keys()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: one test's tries must not count in the next."""
    from django.core.cache import cache

    cache.clear()
    yield


def _user(username, role="borrower"):
    from accounts.services import user_create

    return user_create(username=username, password=PASSWORD, role=role)


@pytest.fixture
def borrower(db):
    return _user("borrower")


@pytest.fixture
def other_borrower(db):
    return _user("other_borrower")


@pytest.fixture
def lawyer(db):
    return _user("lawyer", role="lawyer")


def _client_for(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def borrower_client(borrower):
    return _client_for(borrower)


@pytest.fixture
def other_client(other_borrower):
    return _client_for(other_borrower)


def verified_client(user):
    """A client logged in with password and second factor (TOTP), as a lawyer must be."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = _client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def grant(case, lawyer, level="view", *, expired=False, revoked=False):
    """Give a lawyer access through the real doors: invitation, then acceptance."""
    from datetime import timedelta

    from django.utils import timezone

    from evidence.models import CaseAccess
    from evidence.services import access_revoke, case_share, invitation_accept

    invitation, _ = case_share(case=case, actor=case.owner, level=level)
    access = invitation_accept(invitation=invitation, lawyer=lawyer)
    if expired:
        CaseAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    if revoked:
        access_revoke(access=access, actor=case.owner)
    access.refresh_from_db()
    return access


@pytest.fixture
def lawyer_view(db):
    return _user("lawyer_view", role="lawyer")


@pytest.fixture
def lawyer_export(db):
    return _user("lawyer_export", role="lawyer")


@pytest.fixture
def revoked_lawyer(db):
    return _user("revoked_lawyer", role="lawyer")


@pytest.fixture
def expired_lawyer(db):
    return _user("expired_lawyer", role="lawyer")


@pytest.fixture
def shared_case(case, lawyer_view, lawyer_export, revoked_lawyer, expired_lawyer):
    """The borrower's case, shared with each kind of lawyer persona."""
    grant(case, lawyer_view, "view")
    grant(case, lawyer_export, "export")
    grant(case, revoked_lawyer, "export", revoked=True)
    grant(case, expired_lawyer, "export", expired=True)
    return case


@pytest.fixture
def witness_link(case, borrower):
    from datetime import timedelta

    from django.utils import timezone

    from evidence.services import witness_link_create

    return witness_link_create(case=case, actor=borrower, name="妈妈", expires_at=timezone.now() + timedelta(days=7),
                               max_submissions=3)


@pytest.fixture
def anonymous_client(db):
    return Client()


@pytest.fixture
def case(borrower):
    from evidence.services import case_create

    return case_create(owner=borrower, lender="借呗", product="借呗", amount_owed="12000",
                       collector_numbers="95188", notes="案件备注")


@pytest.fixture
def entry(case, borrower):
    from django.utils import timezone

    from evidence.services import entry_create

    entry, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(),
                            direction="incoming", number="13800138000", content="不还钱就找你家人", tags=["threat"])
    return entry


@pytest.fixture(scope="session")
def tsa_server():
    """A local RFC 3161 TSA (real `openssl ts -reply`), shared by the whole run."""
    from .tsa import LocalTSA

    server = LocalTSA()
    yield server
    server.close()


@pytest.fixture
def tsa(tsa_server, settings):
    """Configure the app to use the local TSA, answering normally."""
    tsa_server.mode, tsa_server.requests = "ok", 0
    settings.LIUZHENG_TSA_URLS = [tsa_server.url]
    settings.LIUZHENG_TSA_CA_FILE = tsa_server.ca_file
    settings.LIUZHENG_TSA_TIMEOUT = 1
    return tsa_server


def make_upload(owner, name, data, content_type=""):
    from evidence.uploads import encrypted_upload_from_bytes

    return encrypted_upload_from_bytes(owner_id=owner.pk, name=name, data=data, content_type=content_type)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_append_only_trigger():
    """Transactional tests (live_server, worker) empty every table afterwards with
    `flush`; the custody trigger rightly refuses that. Lift it for the flush only."""
    import importlib

    from django.core.management.commands import flush
    from django.db import connections

    migration = importlib.import_module("evidence.migrations.0002_custody_append_only")
    original = flush.Command.handle

    def handle(self, **options):
        connection = connections[options.get("database") or "default"]
        with connection.schema_editor() as editor:
            migration.down(None, editor)
        try:
            return original(self, **options)
        finally:
            with connection.schema_editor() as editor:
                migration.up(None, editor)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original
