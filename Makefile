# The two commands a new machine needs (Python 3.11+, Java 17+ and Maven on PATH):
#   make run   - virtual environment, install, fetch Apache Kafka from Maven Central, `hub up`
#   make demo  - the same, with connectors to local replays of six platforms, synced, offline
#   make test  - virtual environment, install, fetch Apache Kafka (and Debian's chromium when apt can), ruff,
#                mypy --strict, the whole test suite, then the fault tests on a local three-node cluster
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run demo test install kafka browser lint typecheck pytest test-faults bench clean

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

# The portal's browser tests drive Debian's chromium (playwright's own browser download is not reachable
# everywhere); installed through apt when it is missing and apt is usable. With CI=true a missing browser fails them.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	    SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	  else echo "chromium is missing and apt is not usable: the browser tests will be skipped (with CI=true, fail)"; fi; }

pytest: kafka browser
	$(BIN)/pytest

# The fault tests fit CI's budget here (about 6 minutes of the whole), so `make test` runs them too.
test: lint typecheck pytest test-faults

# Fault tests on a three-node local KRaft cluster (three JVMs of 384 MiB each; a few minutes).
test-faults: kafka
	# Brokers SIGKILLed under aiokafka clients leave sockets that aiokafka closes only when they are collected, after
	# the last test's loop: those end-of-session ResourceWarnings are not failures here (every test's own checks are).
	HUB_TEST_CLUSTER=1 $(BIN)/pytest tests/cluster -W ignore::pytest.PytestUnraisableExceptionWarning

clean:
	rm -rf $(VENV) .hub .pytest_cache .mypy_cache .ruff_cache test-output
