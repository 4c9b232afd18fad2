# `make run` serves Parley on http://$(HOST):$(PORT)/ with SQLite and the
# in-memory channel layer; `make test` runs the whole suite. Both create
# .venv and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test lint format messages clean

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

test: $(VENV)/.installed-test lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed
	cd src/parley && export PARLEY_DATA_DIR=$(CURDIR)/var && \
		../../$(BIN)/parley makemessages -l ru && ../../$(BIN)/parley compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
