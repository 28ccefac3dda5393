"""Shared fixtures: an isolated data directory per test and the personas of STYLE.md."""
import os
import re
import sys
from pathlib import Path

import pytest
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# would otherwise refuse to run next to it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "Correct-horse-42"
ROOT = Path(__file__).resolve().parents[1]

# The browser fixtures, once for all browser test modules: one Chromium per session.
from tests.browser import browser, page, page_problems  # noqa: E402, F401


# LIUZHENG_TEST_BLOB_BACKEND=s3 runs every test with its blobs on a real S3 server
# (SeaweedFS, tests/s3.py), each test under a prefix of its own; `.ci/s3-tests` does so.
BLOB_BACKEND = os.environ.get("LIUZHENG_TEST_BLOB_BACKEND", "disk")


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 server (SeaweedFS on loopback), started once for the run when needed."""
    from tests.s3 import LocalS3

    server = LocalS3()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the site's default language, as a fresh process would.

    Django keeps the language a request activated on the thread after the response, so
    a test client request with Accept-Language: en would leave the next test (say a
    management command, which speaks the active language) talking English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def default_signal_handlers():
    """Every test leaves the process's signal handlers as it found them.

    `call_command("db_worker", …)` in a test installs django-tasks' SIGTERM/SIGINT/SIGQUIT
    handlers for good; a later test's forked pool (test_token_strict) then inherited a SIGTERM
    that only asks the worker to stop, Pool.terminate() could not end a child waiting on the
    task queue, and the whole run hung (a fresh-clone run did, when both files shared a process)."""
    import signal

    names = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGQUIT", None)) if s is not None]
    saved = {s: signal.getsignal(s) for s in names}
    yield
    for s, handler in saved.items():
        if signal.getsignal(s) is not handler:
            signal.signal(s, handler)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path, request):
    """Every test gets its own master key, blob store and keys."""
    import uuid

    from evidence.store.crypto import forget_cached_keys

    root = tmp_path / "var"
    settings.LIUZHENG_DATA_DIR = root
    settings.LIUZHENG_MASTER_KEY_FILE = root / "keys" / "master-keyset.json"
    settings.LIUZHENG_MASTER_KEY = ""
    settings.LIUZHENG_BLOB_DIR = root / "blobs"
    settings.LIUZHENG_BLOB_BACKEND = "disk"
    if BLOB_BACKEND == "s3":
        request.getfixturevalue("s3_server").configure(settings, f"t-{uuid.uuid4().hex}/")
    forget_cached_keys()
    yield root
    forget_cached_keys()


# Tables whose every write must come through a @service door (evidence.custody.door).
# Timestamps and data keys are the custody and store machinery's own bookkeeping.
_DOOR_TABLES = {"evidence_case", "evidence_entry", "evidence_entryrevision", "evidence_attachment",
                "evidence_transcript", "evidence_bundle", "evidence_invitation", "evidence_caseaccess",
                "evidence_lawyernote", "evidence_witnesslink", "evidence_witnesssubmission",
                "evidence_complaintdraft", "evidence_custodyevent", "evidence_custodyerasure",
                "evidence_backupimport", "evidence_importitem", "evidence_derivative", "evidence_machinetext"}
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
_APP_DIRS = tuple(str(ROOT / d) + os.sep for d in ("evidence", "accounts", "config"))
_TEST_DIR = str(ROOT / "tests") + os.sep
_MODEL_DIR = str(ROOT / "evidence" / "models") + os.sep


def _write_origin():
    """The innermost frame of our own code behind a SQL statement: app code or a test."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name == __file__ or name.startswith(_MODEL_DIR):
            # The guards themselves (nested guards call each other), and model methods
            # (CustodyEvent.save): what counts is who called them.
            frame = frame.f_back
            continue
        if name.startswith(_TEST_DIR):
            return "test", name, frame.f_lineno
        if name.startswith(_APP_DIRS) and "/migrations/" not in name:
            return "app", name, frame.f_lineno
        frame = frame.f_back
    return "other", "", 0


class DoorGuard:
    """Watches every SQL write on every connection of this thread: app code that writes a
    table of the custody domains outside a @service is listed in `leaks` (of the innermost
    guard only: a test may watch one block of its own under the suite's guard)."""

    _active: list = []

    def __enter__(self):
        from django.db import connections

        from evidence.custody import door

        self.leaks = []

        def guard(execute, sql, params, many, context):
            m = _WRITE.match(sql)
            if m and m.group(2).lower() in _DOOR_TABLES and not door.in_service() and DoorGuard._active[-1] is self:
                kind, name, line = _write_origin()
                if kind == "app":
                    self.leaks.append(f"{m.group(1).upper()} {m.group(2)} outside a service, from {name}:{line}")
            return execute(sql, params, many, context)

        self._wrappers = [connections[alias].execute_wrapper(guard) for alias in connections]
        for w in self._wrappers:
            w.__enter__()
        DoorGuard._active.append(self)
        return self

    def __exit__(self, *exc):
        DoorGuard._active.remove(self)
        for w in reversed(self._wrappers):
            w.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def writes_go_through_doors():
    """Every test: app code that writes a table of the custody domains outside a @service
    fails it (a test may still set up or tamper with rows directly: tamper tests need to)."""
    with DoorGuard() as guard:
        yield
    assert not guard.leaks, "State changed outside the one door:\n" + "\n".join(guard.leaks)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counters live in the cache (the database cache, as deployed): one test's
    tries must not count in the next. Only a test with the database has a cache to clear
    (and only then is the connection switched to the test database)."""
    uses_db = request.node.get_closest_marker("django_db") or \
        {"db", "transactional_db", "django_db_reset_sequences", "live_server"} & set(request.fixturenames)
    if uses_db:
        from django.core.cache import cache

        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
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


def verified_client(user, *, verified_ago=0):
    """A client logged in with password and second factor (TOTP), as a lawyer must be;
    the code was entered `verified_ago` seconds ago (exports ask again after a while)."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from evidence.access import SECOND_FACTOR_AT

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client = _client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SECOND_FACTOR_AT] = int(time.time() - verified_ago)
    session.save()
    return client


def grant(case, lawyer, level="view", *, expired=False, revoked=False):
    """Give a lawyer access through the real doors: invitation, then acceptance."""
    from datetime import timedelta

    from django.utils import timezone

    from evidence.models import CaseAccess
    from evidence.sharing.services import access_revoke, case_share, invitation_accept

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

    from evidence.witness.services import witness_link_create

    return witness_link_create(case=case, actor=borrower, name="妈妈", expires_at=timezone.now() + timedelta(days=7),
                               max_submissions=3)


@pytest.fixture
def anonymous_client(db):
    return Client()


@pytest.fixture
def case(borrower):
    from evidence.cases.services import case_create

    return case_create(owner=borrower, lender="借呗", product="借呗", amount_owed="12000",
                       collector_numbers="95188", notes="案件备注")


@pytest.fixture
def entry(case, borrower):
    from django.utils import timezone

    from evidence.cases.services import entry_create

    entry, _ = entry_create(case=case, actor=borrower, kind="call", occurred_at=timezone.now(),
                            direction="incoming", number="13800138000", content="不还钱就找你家人", tags=["threat"])
    return entry


@pytest.fixture(scope="session")
def tsa_server():
    """A local RFC 3161 TSA (real `openssl ts -reply`), shared by the whole run."""
    from tests.tsa import LocalTSA

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
    from evidence.store.uploads import encrypted_upload_from_bytes

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
