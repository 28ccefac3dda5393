"""Settings for the test suite: the suite fixes its own configuration.

An operator's shell may have LIUZHENG_* variables set (a TSA, a database, a data
directory): the tests must not inherit them, or their outcome depends on the shell
that runs them. Only the suite's own knobs pass: LIUZHENG_TEST_DB (the SQLite file)
and LIUZHENG_TEST_DATABASE_URL (a database server to run the suite on, e.g. the
PostgreSQL that .ci/postgres-tests starts).
"""
import os

_KEEP = {"LIUZHENG_TEST_DB", "LIUZHENG_TEST_DATABASE_URL"}
for _name in [n for n in os.environ if n.startswith("LIUZHENG_") and n not in _KEEP]:
    del os.environ[_name]
if os.environ.get("LIUZHENG_TEST_DATABASE_URL"):
    os.environ["LIUZHENG_DATABASE_URL"] = os.environ["LIUZHENG_TEST_DATABASE_URL"]

from .settings import *  # noqa: E402, F401, F403
