# `make run` serves Parley on http://$(HOST):$(PORT)/ with SQLite and the
# in-memory channel layer; `make test` runs the whole suite on SQLite, then
# again on PostgreSQL without the tests that do not touch the database's
# kind (`make test-postgres` alone). Both create .venv and install what they
# need on first use.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin
# PostgreSQL's server binaries (Debian keeps them out of PATH). Without them
# `make test` runs on SQLite only, and says so; CI (CI=true) requires them.
HAVE_POSTGRES := $(wildcard /usr/lib/postgresql/*/bin/initdb)
# pytest-xdist processes: most tests wait on real servers and browsers, so
# one per core keeps CI inside its time (more made timing races likelier); each test file stays in one process
# (its module fixtures start their servers once). PYTEST_WORKERS=0: none.
PYTEST_WORKERS ?= 2
PYTEST_XDIST := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

.PHONY: run test test-postgres lint typecheck format messages clean js js-build screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/parley serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test lint typecheck js
	$(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)
ifeq ($(HAVE_POSTGRES)$(CI),)
	@echo "PostgreSQL is not installed: the suite ran on SQLite only"
else
	$(MAKE) --no-print-directory test-postgres
endif

# clients/js (parley-client, TypeScript; see its README): `npm ci` when
# package-lock.json is newer than the last install, then type-check, check
# that the committed bundle static/parley/parley-client.js is what the
# sources build, and run the unit tests (node --test). `make run` and
# `pip install` need no Node: the bundle is committed; `make js-build`
# rebuilds it after a change to clients/js/src.
JS := clients/js

$(JS)/node_modules/.installed: $(JS)/package-lock.json
	cd $(JS) && npm ci --no-audit --no-fund
	touch $@

js: $(JS)/node_modules/.installed
	cd $(JS) && npm run --silent check && npm test --silent

js-build: $(JS)/node_modules/.installed
	cd $(JS) && npm run --silent build

# Every page at 1280x800 and 390x844 (the room page also dark, in Russian,
# and with its drawers and the bell open), as docs/screenshots/*.png for the
# README: a throwaway server filled with a short conversation, and Chromium.
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tests.support.screenshots docs/screenshots

# The suite on a throwaway PostgreSQL cluster (tests/support/engines.py);
# every server process the tests start gets a database on it. Without the
# browser tests (the pages drive the same operations the live and contract
# tests run on PostgreSQL here) and the slow ones (a minute of an idle
# channel layer): this keeps CI's two passes within 30 minutes on 2 cores.
POSTGRES_MARKS ?= not browser and not slow
test-postgres: $(VENV)/.installed-test
	PARLEY_TEST_DATABASE=postgres $(BIN)/pytest $(PYTEST_XDIST) -m "$(POSTGRES_MARKS)" $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy --strict on the typed part of Parley: the wire format, the services
# and the public API (files and settings in pyproject.toml, [tool.mypy]). The
# django-stubs plugin loads Parley's settings, which keep their data in
# PARLEY_DATA_DIR.
typecheck: $(VENV)/.installed-test
	PARLEY_DATA_DIR=$(CURDIR)/var $(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed
	cd src/parley && export PARLEY_DATA_DIR=$(CURDIR)/var && \
		../../$(BIN)/parley makemessages -l ru && ../../$(BIN)/parley compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache $(JS)/node_modules $(JS)/build

# `make bench` measures Parley against the Channels tutorial chat and a plain
# websockets server (bench/, about 5 minutes, needs redis-server) and
# rewrites docs/performance.md. BENCH_ARGS="fanout --quick" runs one part.
.PHONY: bench
bench: $(VENV)/.installed
	$(BIN)/python -m bench $(BENCH_ARGS)

# `make compliance` runs Autobahn|Testsuite's fuzzing client against Parley's
# socket stack under `parley serve` (compliance/, about 3 minutes) and
# rewrites docs/compliance/autobahn.md; Autobahn's own report lands in
# build/autobahn/reports/. The suite runs on Python 2.7 only: PYTHON2 (pyenv's
# 2.7 by default, else python2.7 on PATH) gets a virtualenv of its own,
# .venv-autobahn, on first use. virtualenv 20.22 dropped Python 2.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON2 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/2.7*/bin/python2.7) python2.7)
AUTOBAHN_VENV ?= .venv-autobahn
PIP2 := pip install --quiet --disable-pip-version-check
.PHONY: compliance
$(AUTOBAHN_VENV)/.installed: compliance/requirements-py2.txt
	$(PYTHON2) -m $(PIP2) --target $(AUTOBAHN_VENV)/bootstrap 'virtualenv<20.22'
	PYTHONPATH=$(AUTOBAHN_VENV)/bootstrap $(PYTHON2) -m virtualenv --quiet $(AUTOBAHN_VENV)
	$(AUTOBAHN_VENV)/bin/python -m $(PIP2) -r compliance/requirements-py2.txt
	touch $@

compliance: $(VENV)/.installed $(AUTOBAHN_VENV)/.installed
	$(BIN)/python -m compliance --wstest-python $(AUTOBAHN_VENV)/bin/python
