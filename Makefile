# The two commands a new machine needs (Python 3.11+, Java 17+ and Maven on PATH):
#   make run   - virtual environment, install, fetch Apache Kafka from Maven Central, `hub up`
#   make demo  - the same, with connectors to local replays of six platforms, synced, offline
#   make test  - virtual environment, install, fetch Apache Kafka, ruff, mypy --strict, the whole test suite
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test install kafka lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required (python3.11, python3.12, python3.13 or python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

kafka: install
	$(BIN)/hub kafka fetch

run: kafka
	$(BIN)/hub up

# The hub over local replays of recorded platform responses: registered, synced, and where to look.
demo: kafka
	$(BIN)/hub demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy --strict

pytest: kafka
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache
