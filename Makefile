# Set-up and checks. `make demo` and `make test` are the whole set-up on a fresh machine with
# python3, pip and make: each creates the virtual environments it needs.

PYTHON ?= python3
# The newest supported Airflow, used by the demo and the main test run.
AIRFLOW_VERSION ?= 3.3.2
# The oldest supported Airflow: the suite runs against it too.
AIRFLOW_OLDEST_VERSION ?= 3.1.8
VENV ?= .venv
VENV_OLDEST ?= .venv-oldest
PIP_FLAGS ?= --quiet --disable-pip-version-check
PYTEST_FLAGS ?= -q -p no:cacheprovider

.PHONY: demo test lint typecheck unit e2e test-oldest e2e-oldest bench emulator clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV)/bin/pip install $(PIP_FLAGS) "apache-airflow==$(AIRFLOW_VERSION)" -e ".[dev]"
	touch $@

$(VENV_OLDEST)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_OLDEST)
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_OLDEST)/bin/pip install $(PIP_FLAGS) "apache-airflow==$(AIRFLOW_OLDEST_VERSION)" -e ".[dev]"
	touch $@

## demo: run the example DAGs through Airflow against the bundled emulator.
demo: $(VENV)/.installed
	$(VENV)/bin/python scripts/demo.py

## test: lint, type-check, then the whole suite on the newest and the oldest supported Airflow.
test: lint typecheck unit e2e test-oldest e2e-oldest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

unit: $(VENV)/.installed
	$(VENV)/bin/python -m pytest $(PYTEST_FLAGS) -m "not e2e"

e2e: $(VENV)/.installed
	$(VENV)/bin/python -m pytest $(PYTEST_FLAGS) -m e2e

test-oldest: $(VENV_OLDEST)/.installed
	$(VENV_OLDEST)/bin/python -m pytest $(PYTEST_FLAGS) -m "not e2e"

e2e-oldest: $(VENV_OLDEST)/.installed
	$(VENV_OLDEST)/bin/python -m pytest $(PYTEST_FLAGS) -m e2e

## emulator: run the Orchestrator emulator in the foreground on port 8765.
emulator: $(VENV)/.installed
	$(VENV)/bin/python -m airflow_provider_uipath.emulator --port 8765

## bench: the triggerer benchmark (see benchmarks/).
bench: $(VENV)/.installed
	$(VENV)/bin/pip install $(PIP_FLAGS) -e ".[bench]"
	$(VENV)/bin/python -m benchmarks.triggerer

clean:
	rm -rf $(VENV) $(VENV_OLDEST) .mypy_cache .ruff_cache build *.egg-info
