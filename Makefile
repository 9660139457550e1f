# The console's front door: `make run` and `make test` work from a fresh clone.
VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install run test bench

install: $(VENV)/.installed

# package-lock.json: node_modules/oidc-provider, the OAuth server the tests run (tests/oauth_server/).
$(VENV)/.installed: requirements.txt requirements-dev.txt package-lock.json
	bin/install-chromium
	npm ci --no-audit --no-fund
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: install
	bin/run-console

test: install
	$(VENV)/bin/pytest

bench: install
	$(PYTHON) bench/run.py
