# The two commands: `make run` and `make test`. Everything they need, they set up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
# Local development and tests run with DEBUG on unless told otherwise: DEBUG_DEFAULT applies only
# when neither the environment nor .env sets DEBUG (as in manage.py), so a DEBUG=false there wins.
export DEBUG_DEFAULT ?= true

.PHONY: run test lint typecheck format messages compiled-messages bench bench-pages bench-tools css lighthouse front-end-tools install lock upgrade clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

# Exactly the locked versions, checked against their hashes; reinstalled when a lock file changes.
# requirements/production.txt is what a server needs; requirements/dev.txt adds the test tools.
# The project itself is not installed: it runs from this checkout, the working directory, as on a
# server (docs/deployment.md, "What runs from where").
$(VENV)/.installed: pyproject.toml requirements/dev.txt requirements/production.txt | $(BIN)/python
	$(BIN)/python scripts/check_lock.py
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	@touch $@

# The lock is resolved from the package index alone: a machine's own pip settings (extra
# indexes, local wheel folders) must not leak into it.
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --resolver=backtracking

$(BIN)/pip-compile: | $(BIN)/python
	if [ -f requirements/dev.txt ]; then \
		$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt; \
	else $(BIN)/python -m pip install --quiet "pip-tools>=7.6,<8"; fi

# Refresh the lock after editing pyproject.toml: keeps every locked version that still fits.
lock: $(BIN)/pip-compile
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements/production.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra dev --constraint requirements/production.txt \
		--output-file requirements/dev.txt pyproject.toml
	$(BIN)/python scripts/check_lock.py

# Move every dependency to the newest version pyproject.toml allows (then run make test).
upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

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

# The suite in parallel processes (one per core), then the browser journeys one at a time:
# they share one Chromium and one live server each, and gain little from a second process.
TEST_PROCESSES ?= auto
test: install compiled-messages
	$(BIN)/pytest -n $(TEST_PROCESSES) -m "not e2e" $(PYTEST_ARGS)
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# Speed of matching, the reminder sweep and the statistics (docs/benchmarks.md), and every
# role's main pages on the national data set (docs/performance.md); not part of `make test`.
# Needs PostgreSQL and Redis: the first three drop, create and fill their own *bench* database;
# the page benchmark keeps its one (ressursvenner_bench_scale) between runs and builds it with
# seed_scale when it is missing (`make bench-pages REBUILD=1` builds it anew). Each writes its
# table to bench/results/.
bench: install bench-tools
	$(BIN)/python -m bench.matching
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.reports
	$(BIN)/python -m bench.pages

bench-pages: install bench-tools
	$(BIN)/python -m bench.pages $(if $(REBUILD),--rebuild)

# The load generator of the page benchmark's throughput part: Debian's wrk, installed when make
# runs as root with apt-get (a CI container); otherwise the command is shown, and that part is
# skipped until it is installed.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }; \
	  else \
	    echo "wrk is not installed: the throughput part of the page benchmark is skipped (sudo apt-get install -y wrk)"; \
	  fi; \
	}

# The front end's tools (purgecss, Lighthouse), exactly as tools/package-lock.json locks them, for
# the two targets below; Node and npm are needed for these alone (Debian: apt-get install npm).
front-end-tools:
	cd tools && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# static/css/bootstrap.css: the vendored Bootstrap with only the rules the templates and code can
# use (tools/build-css.mjs). Committed: run after adding a Bootstrap class to a template (the
# suite's tests/test_static.py says when), then commit the result.
css: install front-end-tools
	node tools/build-css.mjs "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"

# Lighthouse on the volunteer's three main pages on a phone, under production settings
# (bench/lighthouse.py; writes bench/results/lighthouse.md). Needs PostgreSQL and Chromium;
# not part of `make test`.
lighthouse: install front-end-tools
	$(BIN)/python -m bench.lighthouse

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates $(wildcard */templates) --lint

# Types: mypy with django-stubs' plugin, configured in pyproject.toml ([tool.mypy]). The plugin
# imports the settings, so it runs with the DEBUG default above.
typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(MANAGE) makemessages -l nb --ignore=.venv --ignore=static/vendor --ignore=tests --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
