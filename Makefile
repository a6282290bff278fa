# Foodhub: `make demo` runs the site with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_FLAGS := --disable-pip-version-check --no-input -q

.PHONY: help venv demo test lint bench lock messages clean

help:
	@echo "make demo   - install, migrate, load demo data, serve http://127.0.0.1:8000 (PORT=8080 to change; Ctrl-C stops)"
	@echo "make test   - run the whole suite (SQLite + eager Celery unless DATABASE_URL/CELERY_BROKER_URL)"
	@echo "make bench  - run the benchmarks in bench/ (Lighthouse too) and rewrite docs/performance.md"
	@echo "make lint   - ruff and the import-linter contract"
	@echo "make lock   - re-resolve dependencies into constraints.txt"

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Foodhub needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install $(PIP_FLAGS) --upgrade pip setuptools wheel 2>&1 | grep -v "^WARNING: Location" || true
	$(BIN)/pip install $(PIP_FLAGS) -c constraints.txt -e '.[dev]' 2>&1 | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/python -c 'import django, oscar, wagtail, celery' 
	@touch $(STAMP)

demo: venv
	@$(BIN)/python -m foodhub.syscheck
	@bash scripts/demo.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: venv lint
	@$(BIN)/python -m foodhub.syscheck
	DJANGO_SETTINGS_MODULE=foodhub.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: venv
	@$(BIN)/python -m foodhub.syscheck
	$(BIN)/python bench/run.py
	$(BIN)/python bench/lighthouse.py

messages: venv
	$(BIN)/python manage.py makemessages -l fr --no-location -i .venv -i var -i tests -i bench -i '*/migrations/*'
	$(BIN)/python manage.py compilemessages -l fr -i .venv

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install $(PIP_FLAGS) -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf var/ .pytest_cache artifacts/
