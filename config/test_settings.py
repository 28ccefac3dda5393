"""Settings for the test suite: the suite fixes its own configuration.

An operator's shell may have LIUZHENG_* variables set (a TSA, a database, a data
directory): the tests must not inherit them, or their outcome depends on the shell
that runs them. Only the suite's own knobs pass: LIUZHENG_TEST_DB (the SQLite file)
and LIUZHENG_TEST_DATABASE_URL (a database server to run the suite on, e.g. the
PostgreSQL that .ci/postgres-tests starts) and LIUZHENG_TEST_BLOB_BACKEND (s3: blobs on
the SeaweedFS server that tests/conftest.py starts).
"""
import os

_KEEP = {"LIUZHENG_TEST_DB", "LIUZHENG_TEST_DATABASE_URL", "LIUZHENG_TEST_BLOB_BACKEND"}
for _name in [n for n in os.environ if n.startswith("LIUZHENG_") and n not in _KEEP]:
    del os.environ[_name]
if os.environ.get("LIUZHENG_TEST_DATABASE_URL"):
    os.environ["LIUZHENG_DATABASE_URL"] = os.environ["LIUZHENG_TEST_DATABASE_URL"]

from .settings import *  # noqa: E402, F401, F403

# The suite's threads (live servers, concurrency tests) close their connection with each
# request, as before: a kept connection would hold the test database open at teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# The suite serves static/ as it is (no collectstatic, no manifest): a manifest left in
# staticfiles/ by `make run` must not decide whether a page renders. tests/test_static.py
# runs collectstatic with the real storage into a directory of its own.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# No outside calls from the suite: the public default TSAs are off; tests use tests/tsa.py.
LIUZHENG_TSA_DEFAULTS = False
LIUZHENG_TSA_ATTEMPTS = 1
LIUZHENG_SITE_URL = "https://liuzheng.test"
