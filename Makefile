# The two commands: `make run` and `make test`. Everything they need, they set up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
# Local development and tests run with DEBUG on unless told otherwise; production sets DEBUG=false.
export DEBUG ?= true

.PHONY: run test lint format messages compiled-messages bench install clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The compiled catalogues are committed; recompile when gettext is at hand.
compiled-messages: install
	@if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv -v 0; fi

run: install compiled-messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A ressursvenner worker --loglevel=INFO --concurrency=1 --hostname=worker@%h & \
	$(BIN)/celery -A ressursvenner beat --loglevel=INFO & \
	$(MANAGE) runserver --noreload 127.0.0.1:$(PORT)

test: install compiled-messages
	$(BIN)/pytest $(PYTEST_ARGS)

# Speed of matching, the reminder sweep and the statistics (docs/benchmarks.md); not part of
# `make test`. Needs PostgreSQL (and Redis for the sweep): each drops, creates and fills its own
# *bench* database, then writes its table to bench/results/.
bench: install
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.reports

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates $(wildcard */templates) --lint

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(MANAGE) makemessages -l nb --ignore=.venv --ignore=static/vendor --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3
