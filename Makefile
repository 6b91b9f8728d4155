# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT  # seed_demo's mail links and the server use the same port (SITE_URL's default)
STAMP := $(VENV)/.installed
# The embedded demo: a random secret key kept in var/ (production sets SECRET_KEY instead).
export ARAGORA_DEMO ?= 1

.PHONY: run test install migrate seed serve worker clean bench

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the portal on http://127.0.0.1:$(PORT) with a Celery worker and beat (embedded defaults).
## Ctrl-C stops all three (scripts/run-dev.sh).
run: seed
	DEBUG=$${DEBUG:-0} PORT=$(PORT) BIN=$(BIN) ./scripts/run-dev.sh

## Install and run every test (uses DATABASE_URL / CELERY_BROKER_URL when set).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var $(VENV)
