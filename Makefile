# Staka Livres — the two commands are `make run` and `make test`.
# Both set everything up on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The address e-mail links point to: the server `make run` starts, unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)

.DEFAULT_GOAL := help
.PHONY: help run test bench setup system-deps system-deps-test messages lint worker beat clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

run: system-deps setup  ## Set up and serve the app on http://127.0.0.1:8000 with demo data (HOST=, PORT=)
	$(PY) manage.py migrate --noinput
	SITE_URL="$(SITE_URL)" $(PY) manage.py seed_demo
	@echo "→ http://$(HOST):$(PORT)  (admin@staka-editions.com / admin123, user@example.com / user123, corrector@staka-editions.com / corrector123)"
	SITE_URL="$(SITE_URL)" $(PY) manage.py runserver $(HOST):$(PORT)

test: system-deps-test setup  ## Set up and run the whole test suite (unit, integration, browser)
	$(PY) -m pytest $(PYTEST_ARGS)

bench:  ## Benchmark of issue 13 (needs MariaDB and Redis running): bench/results/latest.md (BENCH_ARGS="--quick")
	@scripts/system-deps.sh bench
	@$(MAKE) --no-print-directory setup
	$(PY) bench/run.py $(BENCH_ARGS)

setup: $(VENV)/.installed messages  ## Create the virtualenv and install the Python packages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 ou plus récent est requis ($(PYTHON))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

system-deps:  ## Install the system packages `make run` needs (apt-get)
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

messages: $(VENV)/.installed  ## Compile the French translation catalogue
	$(PY) manage.py compilemessages --ignore=.venv -v 0

lint: $(VENV)/.installed  ## Static checks
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

worker: $(VENV)/.installed  ## A Celery worker (needs REDIS_URL)
	$(VENV)/bin/celery -A config.celery_app worker --loglevel=INFO

beat: $(VENV)/.installed  ## Celery beat, the periodic jobs (needs REDIS_URL)
	$(VENV)/bin/celery -A config.celery_app beat --loglevel=INFO

clean:  ## Remove the virtualenv, the SQLite database and local media
	rm -rf $(VENV) db.sqlite3 media staticfiles artifacts
