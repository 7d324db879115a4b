# Two commands matter: `make up` (the whole system, locally) and `make test` (the whole suite).
# Everything installs itself: uv into .run/tools, the workspace into .venv, the broker, database and
# mail catcher into .run/tools (see deploy/local/stack.py).

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := $(CURDIR)/.run/tools
UV := $(TOOLS)/uv/bin/uv
VENV_PY := $(CURDIR)/.venv/bin/python
STACK := $(PYTHON) deploy/local/stack.py

.PHONY: help install up down status demo seed test test-unit lint bench bench-archive schemas clean

help:
	@echo "make up      install what is missing, start Kafka (Tansu), MongoDB (SecantusDB), MailDev and the services"
	@echo "make demo    seed the directory and deposit a sample A4: watch the e-mails arrive in MailDev"
	@echo "make down    stop everything 'make up' started"
	@echo "make status  what runs, on which port"
	@echo "make test    the whole test suite (unit, integration, end-to-end) on real infrastructure"
	@echo "make bench   end-to-end benchmark against the running system (make up first)"
	@echo "make schemas write the JSON Schema of every event to schemas/"

$(UV):
	@$(PYTHON) -m venv $(TOOLS)/uv
	@$(TOOLS)/uv/bin/pip install --quiet uv==$(UV_VERSION)

# The workspace: every package of libs/ and services/ plus the test tools, exactly as uv.lock says.
# Compiled to bytecode once here: where PYTHONDONTWRITEBYTECODE is set (CI machines), every process would
# otherwise compile every module it imports at each start (a service started in 3.6 s instead of 1.3 s).
install: $(UV)
	@$(UV) sync --frozen --all-packages --quiet --compile-bytecode
	@$(VENV_PY) -m compileall -q -j 0 libs services > /dev/null

up: install
	@$(STACK) up

down:
	@$(STACK) down

status:
	@$(STACK) status

seed: install
	@$(VENV_PY) -m deposit.seed

demo: install
	@$(VENV_PY) -m deposit.demo

# Three pytest-xdist workers, each with a stack of its own (ports + 300 × its number); a test file stays on
# one worker. Most of a test's time is spent waiting (restarts, group joins, leases), so three stacks on two
# cores finish sooner than two. TEST_WORKERS=0 runs the suite in this one process.
TEST_WORKERS ?= 3
test: install
	@$(STACK) install infra
	@$(VENV_PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

lint: install
	@$(CURDIR)/.venv/bin/ruff check libs services tests deploy
	@$(CURDIR)/.venv/bin/ruff format --check libs services tests deploy

test-unit: install
	@$(VENV_PY) -m pytest libs services

bench: install
	@$(VENV_PY) tests/bench/run.py $(BENCH_ARGS)

bench-archive: install
	@$(VENV_PY) tests/bench/archive_sweep.py $(BENCH_ARGS)

schemas: install
	@$(VENV_PY) -m contracts.schemas schemas

clean: down
	rm -rf .run/pids .run/logs .run/data .run/test
