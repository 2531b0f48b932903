# The two commands a new machine needs (Python 3.11+, Java 17+ and Maven on PATH):
#   make run   - virtual environment, install, fetch Apache Kafka from Maven Central, `hub up`
#   make test  - virtual environment, install, fetch Apache Kafka, ruff, mypy --strict, the whole test suite
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install kafka lint typecheck pytest test-faults bench clean

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

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy --strict

pytest: kafka
	$(BIN)/pytest

test: lint typecheck pytest

# Fault tests on a three-node local KRaft cluster (three JVMs of 384 MiB each; a few minutes).
test-faults: kafka
	HUB_TEST_CLUSTER=1 $(BIN)/pytest tests/cluster

clean:
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache
