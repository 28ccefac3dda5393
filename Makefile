# 留证 Liuzheng — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
WEB_CONCURRENCY ?= 2

# Debian packages installed only when missing, and only when we can (root).
RUN_DEBS := gettext python3-venv fonts-noto-cjk
TEST_DEBS := gettext python3-venv chromium fonts-noto-cjk openssl poppler-utils postgresql

.PHONY: run test deps test-deps system-deps system-test-deps messages migrate keys clean-venv bench

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

$(VENV)/.deps: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.deps
	$(PY) -m pip install -q -e ".[test]"
	touch $@

deps: system-deps $(VENV)/.deps
test-deps: system-test-deps $(VENV)/.test-deps

messages:
	$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate:
	$(PY) manage.py migrate --noinput -v 0

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
	$(PY) -m pytest $(PYTEST_ARGS)
	@# The database-sensitive tests again on a real PostgreSQL (installed and started here when root).
	.ci/postgres-tests -q

bench: deps
	@command -v zip >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq zip >/dev/null; }
	$(PY) bench/crypto_store.py
	$(PY) bench/custody_chain.py
	$(PY) bench/bundle_export.py
	$(PY) bench/rules_stats.py

clean-venv:
	rm -rf $(VENV)
