# Keysmith: `make dev` serves the API locally, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0
PYTHON ?= python3.13
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SEC_VENV := .venv-sec
CLIENT_VENV := .venv-client
# where this run's hardening figures go (one folder per make run)
ifndef KEYSMITH_FIGURES_DIR
KEYSMITH_FIGURES_DIR := $(CURDIR)/.local/hardening/run-$(shell date +%s%N)
endif
export KEYSMITH_FIGURES_DIR
PORT ?= 3000
FUNCTION ?=
EVENT ?=

.PHONY: help setup docs-assets dev test lint typecheck validate unit integration e2e packaging client \
	openapi invoke bench fuzz security clean console-screenshots

help:  ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

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

$(SEC_VENV)/.installed: requirements-security.txt
	test -x $(SEC_VENV)/bin/python || $(PYTHON) -m venv $(SEC_VENV)
	$(SEC_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SEC_VENV)/bin/python -m pip install --quiet -r requirements-security.txt
	touch $@

# the client as a user installs it (not editable): its tests run against what `pip install ./client` gives
$(CLIENT_VENV)/.installed: client/pyproject.toml client/README.md $(wildcard client/src/keysmith_client/*.py client/src/keysmith_client/*/*.py)
	test -x $(CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CLIENT_VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps ./client
	$(CLIENT_VENV)/bin/python -m pip install --quiet './client[test]'
	touch $@

local/node_modules/.installed: local/package.json local/package-lock.json
	cd local && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The console's browser tests: Debian's chromium, driven by Playwright (pinned in requirements-dev.txt;
# it never downloads a browser of its own), and axe-core from npm (console/package-lock.json).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@test "$$(id -u)" = 0 || { echo "chromium is missing: apt-get install -y chromium (as root)"; exit 1; }
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# GET /v1/docs serves Swagger UI's built files from the function's own folder: installed from the
# npm package swagger-ui-dist (pinned in swagger-ui/package-lock.json, no install scripts run) and
# copied there, never committed. `sam build` then ships them with the function.
DOCS_ASSETS := functions/openapi/swagger-ui
$(DOCS_ASSETS)/swagger-ui-bundle.js: swagger-ui/package.json swagger-ui/package-lock.json
	cd swagger-ui && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(DOCS_ASSETS)
	cp swagger-ui/node_modules/swagger-ui-dist/{swagger-ui.css,LICENSE,NOTICE} $(DOCS_ASSETS)/
	cp swagger-ui/node_modules/swagger-ui-dist/swagger-ui-bundle.js $@

docs-assets: $(DOCS_ASSETS)/swagger-ui-bundle.js

setup: $(VENV)/.installed $(SAM_VENV)/.installed local/node_modules/.installed $(CHROMIUM) console/node_modules/.installed docs-assets  ## install the virtualenvs, npm packages, Chromium and the docs page's assets

## Local development ----------------------------------------------------------
dev: $(VENV)/.installed local/node_modules/.installed docs-assets  ## the local server on :3000 (PORT=...) with DynamoDB Local
	$(PY) -m local.server --port $(PORT)

invoke: $(VENV)/.installed local/node_modules/.installed  ## one function with one event: FUNCTION=... EVENT=... (marks its keys)
	$(PY) -m local.invoke $(FUNCTION) $(EVENT)

# the console's screenshots in docs/ (the console itself needs no build: see functions/console/app.py)
console-screenshots: setup
	$(PY) -m tests.e2e.browser.screenshots

openapi: $(VENV)/.installed  ## regenerate functions/openapi/openapi.json
	PYTHONPATH=layers/common $(PY) -m local.openapi --write

## Checks ---------------------------------------------------------------------
lint: $(VENV)/.installed  ## ruff, ruff format --check, import-linter
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=layers/common:. $(VENV)/bin/lint-imports

typecheck: $(VENV)/.installed  ## mypy
	$(VENV)/bin/mypy layers/common/keysmith functions local tests

validate: $(SAM_VENV)/.installed  ## sam validate --lint (telemetry off)
	$(SAM) validate --lint --template template.yaml --region us-east-1

unit: $(VENV)/.installed
	$(PY) -m pytest tests/domain tests/unit -q

integration: $(VENV)/.installed local/node_modules/.installed
	$(PY) -m pytest tests/routes tests/rules -q

e2e: $(VENV)/.installed local/node_modules/.installed $(CHROMIUM) console/node_modules/.installed docs-assets
	$(PY) -m pytest tests/e2e -q

packaging: $(VENV)/.installed $(SAM_VENV)/.installed docs-assets
	SAM_CLI=$(SAM) $(PY) -m pytest tests/packaging -q

# the Python client and the keysmith CLI: type check, unit tests on an in-test server, then end to end
# through the installed command on the real local server (needs the repository's .venv and DynamoDB Local)
client: $(CLIENT_VENV)/.installed $(VENV)/.installed local/node_modules/.installed
	cd client && ../$(CLIENT_VENV)/bin/mypy
	$(CLIENT_VENV)/bin/python -m pytest client/tests -q

# checkov on the template (every skip carries its reason there; --skip-download: it asks no server for
# guideline links, this machine has no network), bandit on the code: medium and up fail
security: $(SEC_VENV)/.installed  ## checkov and bandit
	$(SEC_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation -f template.yaml
	$(SEC_VENV)/bin/bandit --quiet --recursive --severity-level medium layers functions local client/src

test: setup lint typecheck validate security client  ## every check: lint, types, template, security, all tests, schemathesis
	$(PY) -m tests.support.figures --reset
	SAM_CLI=$(SAM) $(PY) -m pytest -q -n 2 --dist loadfile
	$(PY) -m tests.support.figures

# The hardening suites at full length (store faults, hostile input, secrets, tenancy, schema fuzzing,
# load); each prints its figures, and the table at the end must show no 5xx and nothing lost.
FUZZ_SUITES := tests/routes/every_route/test_store_faults.py tests/rules/test_hostile_*.py \
	tests/rules/test_secrets.py tests/rules/test_tenancy_properties.py \
	tests/routes/create_key/test_idempotency_key.py tests/e2e/test_schema_fuzz.py tests/e2e/test_schemathesis.py \
	tests/e2e/test_load.py
fuzz: setup  ## the hardening suites at full length (schemathesis: 3,000+ cases per caller)
	$(PY) -m tests.support.figures --reset
	KEYSMITH_FUZZ=1 $(PY) -m pytest -q -n 2 --dist loadfile $(FUZZ_SUITES)
	$(PY) -m tests.support.figures

# The bench counts cold starts in instructions with Debian's valgrind (callgrind).
VALGRIND := /usr/bin/valgrind
$(VALGRIND):
	@test "$$(id -u)" = 0 || { echo "valgrind is missing: apt-get install -y valgrind (as root)"; exit 1; }
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind

bench: $(VENV)/.installed local/node_modules/.installed $(VALGRIND)  ## benchmark figures
	$(PY) -m bench.run

clean:  ## remove build and tool caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
