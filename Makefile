# microhost: `make run` starts the platform, `make test` runs the suite (see README.md).
# Every target works on a fresh machine with nothing but Python 3.11: the embedded defaults
# (SQLite, media and the Celery broker under var/) need no server and no environment.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python used to create .venv: 3.11 when the machine has it, else the default python3.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; reinstalls only when pyproject.toml changes.
STAMP := $(VENV)/.installed

# `make run` is for development: tracebacks on, absolute URLs on http://localhost:8000.
# (Only `run` gets these; the tests see the environment as it is.)
run: export DEBUG ?= 1
run: export MICROHOST_PORT ?= 8000
run: export PYTHONUNBUFFERED := 1

# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x tests/posts"`.
PYTEST_ARGS ?=
# Two xdist workers on the embedded defaults (the machines have two cores; it halves the time).
# With REDIS_URL the suite runs serially: the workers would share one Redis database, and a test's
# cache.clear() (FLUSHDB) would wipe another worker's cache, queues and results mid-test.
# `make test XDIST=` runs serially, `make test XDIST="-n 4"` wider.
XDIST ?= $(if $(REDIS_URL),,-n 2)
# Debian's Chromium, driven by Playwright in the browser tests.
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install run test e2e bench lint format clean

help:
	@echo "make run      start web + Celery worker/beat on http://localhost:8000/ (embedded defaults)"
	@echo "make test     run the test suite (all but the browser tests)"
	@echo "make e2e      run the browser tests in Debian's Chromium"
	@echo "make bench    the performance suite (PostgreSQL + Redis on loopback; see bench/README.md)"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make install  create .venv and install the project with its dev tools"
	@echo "make clean    remove caches, test artifacts and collected static files (keeps var/ data)"

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	@# With DEBUG=1 runserver serves static files itself; otherwise whitenoise needs them collected.
	@if [ "$(DEBUG)" != "1" ]; then $(BIN)/python manage.py collectstatic --noinput -v 0; fi
	@mkdir -p var
	@echo ""
	@echo "  microhost is starting on http://localhost:$(MICROHOST_PORT)/"
	@echo "  Create the first user in another terminal:"
	@echo "    $(BIN)/python manage.py createuser NAME --email you@example.com --password 'a long password'"
	@echo "  or sign up in the browser. Blogs live on http://NAME.localhost:$(MICROHOST_PORT)/"
	@echo "  Stop with Ctrl-C."
	@echo ""
	@# -e /dev/null: honcho must not read .env, which holds docker compose's production values.
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -e /dev/null -f Procfile start

test: install
	$(BIN)/pytest -m "not e2e" $(XDIST) $(PYTEST_ARGS)

e2e: install
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "The browser tests need Debian's Chromium at $(CHROMIUM). Install it with:"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium chromium-driver"; \
		exit 1; \
	fi
	$(BIN)/pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The performance suite: seeds a dedicated PostgreSQL database `bench`, serves it with granian and
# nginx on loopback and writes bench/results/. Installs nginx, wrk and postgresql-client from Debian
# when missing, matplotlib from the `bench` extra. E.g. `make bench BENCH_ARGS="--scale 0.1 --scenario 3"`.
BENCH_ARGS ?=
bench: install
	@$(BIN)/python -c "import matplotlib" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Removes caches, test artifacts and collected static files; keeps .venv and the local data in
# var/ (database, media, broker). `rm -rf var` starts the local platform from scratch.
clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print0 | xargs -0 rm -rf
	rm -rf .pytest_cache .ruff_cache tests/e2e/artifacts var/static
	rm -f $(STAMP)
