# The two set-up commands are `make run` and `make test`; everything else is for developers.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint bench messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cần Python 3.11 / Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

messages: $(STAMP)
	$(PY) -m antq.core.compile_messages

run: $(STAMP) messages
	$(PY) -m antq migrate --no-input
	$(PY) -m antq collectstatic --no-input --verbosity 0
	$(PY) -m antq demo
	@echo "antq: http://$(HOST):$(PORT)/"
	$(PY) -m antq runserver $(HOST):$(PORT)

test: $(STAMP) messages
	$(PY) -m antq.testrun

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy antq tests bench
	$(PY) -m antq check
	$(PY) -m antq makemigrations --check --dry-run

bench: $(STAMP) messages
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/static
