# Two commands for newcomers: `make run` (the app with demo data) and `make test` (the suite).
# Every Python package comes from uv.lock (exact versions and hashes); see README "Dependencies".
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# uv itself is pinned here and installed into .tools/ (it is the installer, so not in the lock).
UV_VERSION := 0.13.9
UV_DIR := .tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
# Never download a Python build: use the interpreter this machine has.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# On two cores, two pytest-xdist workers for the unit tests and for the browser tests (each
# worker has its own live server, database and Chromium); the real-server tests start Celery
# workers, Redis restarts and SMTP servers of their own, so they run one at a time.
TEST_WORKERS ?= 2

.PHONY: run test test-newest lint typecheck check migrations architecture lock upgrade clean

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(UV_DIR) uv==$(UV_VERSION)

# --locked: fail, instead of quietly resolving again, when pyproject.toml changed without `make lock`.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON)
	touch $(STAMP)

## Set up, migrate, seed the demo and serve on http://127.0.0.1:$(PORT) with a Celery worker and beat.
## `make run PORT=8001` serves elsewhere; links in the e-mails it sends follow.
PORT ?= 8000
run: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.local STILLWATER_PORT=$(PORT) bash scripts/serve.sh

## Set up if needed and run the whole suite (uses DATABASE_URL / REDIS_URL when set).
## PYTEST_ARGS="tests/accounts -x" runs one pytest with those arguments instead.
test: $(STAMP)
ifdef PYTEST_ARGS
	$(PY) -m pytest $(PYTEST_ARGS)
else
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not integration and not e2e"
	$(PY) -m pytest -m integration
	$(PY) -m pytest -n $(TEST_WORKERS) -m e2e
endif

## The suite against the newest versions pyproject.toml allows (not the lock), in .venv-newest/.
test-newest: | $(UV)
	$(UV) venv --allow-existing --python $(PYTHON) .venv-newest
	$(UV) pip install --python .venv-newest/bin/python --resolution highest --upgrade -e ".[dev]"
	.venv-newest/bin/python -m pytest -n $(TEST_WORKERS) -m "not integration and not e2e"
	.venv-newest/bin/python -m pytest -m integration
	.venv-newest/bin/python -m pytest -n $(TEST_WORKERS) -m e2e

## After changing dependencies in pyproject.toml: pin what they need, keeping other pins.
lock: | $(UV)
	$(UV) lock

## Move every pin to the newest version pyproject.toml allows (then run make test, commit both).
upgrade: | $(UV)
	$(UV) lock --upgrade

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

migrations: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

## The apps' layers (import-linter contracts in pyproject.toml) and dead code (vulture).
architecture: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture

## Everything CI checks besides the tests.
check: lint typecheck migrations architecture

clean:
	rm -rf $(VENV) .venv-newest .tools var staticfiles .pytest_cache .mypy_cache .ruff_cache
