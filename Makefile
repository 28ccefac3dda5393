# 留证 Liuzheng — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
WEB_CONCURRENCY ?= 2
TEST_PROCS ?= 2

# Debian packages installed only when missing, and only when we can (root).
RUN_DEBS := gettext python3-venv fonts-noto-cjk libgl1 libglib2.0-0
TEST_DEBS := gettext python3-venv chromium fonts-noto-cjk openssl poppler-utils postgresql libgl1 libglib2.0-0

.PHONY: run test test-postgres deps test-deps system-deps system-test-deps messages migrate keys clean-venv bench

define apt_install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing (run as root or install them with apt)"; fi; \
	fi
endef

system-deps:
	$(call apt_install_missing,$(RUN_DEBS))

system-test-deps:
	$(call apt_install_missing,$(TEST_DEBS))

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.deps: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml constraints.txt $(VENV)/.deps
	$(PY) -m pip install -q -c constraints.txt -e ".[test]"
	touch $@

deps: system-deps $(VENV)/.deps
test-deps: system-test-deps $(VENV)/.test-deps

messages:
	$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate:
	$(PY) manage.py migrate --noinput -v 0
	@# The rate limits' database cache (migration 0008 makes it too; this keeps it after a cache rename).
	$(PY) manage.py createcachetable

keys:
	$(PY) manage.py init_keys

run: deps messages migrate keys
	$(PY) manage.py collectstatic --noinput -v 0
	@echo "留证 Liuzheng: http://$(HOST):$(PORT)/"
	@# The background worker (timestamps, exports) runs beside the web server and stops with it.
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn config.wsgi -b $(HOST):$(PORT) -w $(WEB_CONCURRENCY) -k gthread --threads 4 --timeout 600 --access-logfile -

test: test-deps messages
	@# The layers of docs/architecture.md (contracts in pyproject.toml), before anything else.
	$(VENV)/bin/lint-imports --no-cache
	@# Random order: pytest-randomly prints the seed; PYTEST_ARGS=--randomly-seed=N replays an order, -p no:randomly turns it off.
	@# TEST_PROCS test processes (pytest-xdist; a file's tests stay in one process, so the
	@# exports a module shares are made once).
	$(PY) -m pytest -n $(TEST_PROCS) --dist loadfile --durations=15 $(PYTEST_ARGS)
	@# The database-sensitive tests again on a real PostgreSQL (installed and started here when
	@# root). The whole suite passes there too (`make test-postgres`), but it takes as long as
	@# the SQLite pass: twice the suite does not fit CI's 30 minutes on 2 cores.
	PG_SUBSET=1 .ci/postgres-tests -q -n $(TEST_PROCS) --dist loadfile $(PYTEST_ARGS)
	@# The blob-touching tests again with the blobs on a real S3 server (SeaweedFS on loopback).
	.ci/s3-tests -q -n $(TEST_PROCS) --dist loadfile

# The whole suite on PostgreSQL (what `make test` runs a subset of).
test-postgres: test-deps messages
	.ci/postgres-tests -q -n $(TEST_PROCS) --dist loadfile $(PYTEST_ARGS)

bench: deps
	@command -v zip >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq zip >/dev/null; }
	$(PY) bench/crypto_store.py
	$(PY) bench/custody_chain.py
	$(PY) bench/bundle_export.py
	$(PY) bench/catalog_memory.py
	$(PY) bench/pdf_fonts.py
	$(PY) bench/rules_stats.py
	$(PY) bench/case_page.py
	$(PY) bench/static_files.py

clean-venv:
	rm -rf $(VENV)
