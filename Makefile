# Keysmith: `make dev` serves the API locally, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0
PYTHON ?= python3.13
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
PORT ?= 3000
FUNCTION ?=
EVENT ?=

.PHONY: setup dev test lint typecheck validate unit integration e2e packaging openapi invoke bench fuzz clean

## Installation -------------------------------------------------------------
$(VENV)/.installed: requirements-dev.txt layers/common/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements-sam.txt
	touch $@

local/node_modules/.installed: local/package.json local/package-lock.json
	cd local && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed $(SAM_VENV)/.installed local/node_modules/.installed

## Local development ----------------------------------------------------------
dev: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m local.server --port $(PORT)

invoke: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m local.invoke $(FUNCTION) $(EVENT)

openapi: $(VENV)/.installed
	$(PY) -m local.openapi --write

## Checks ---------------------------------------------------------------------
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/common/keysmith functions local

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint --template template.yaml --region us-east-1

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q

integration: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m pytest tests/integration -q

e2e: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m pytest tests/e2e -q

packaging: $(VENV)/.installed $(SAM_VENV)/.installed
	SAM_CLI=$(SAM) $(PY) -m pytest tests/packaging -q

test: setup lint typecheck validate
	SAM_CLI=$(SAM) $(PY) -m pytest -q -n 2 --dist loadfile

bench: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m bench.run

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
