# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

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
run: seed
	DEBUG=$${DEBUG:-0} PORT=$(PORT) BIN=$(BIN) ./scripts/run-dev.sh

## Install and run every test (uses DATABASE_URL / CELERY_BROKER_URL when set).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var $(VENV)
