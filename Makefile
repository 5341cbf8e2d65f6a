# Commands for a fresh machine: `make run` starts the hotline, `make test` runs the tests.
# Both create the virtual environment and install what they need first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint bench screenshots translations venv services-run services-test clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt setup.cfg
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

MO_FILES := web/translations/en/LC_MESSAGES/messages.mo

venv: $(VENV)/.installed $(MO_FILES)

# Compiled catalogs are build output; the .po files are the source.
web/translations/%/LC_MESSAGES/messages.mo: web/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d web/translations -l $*

# Refresh the catalog after changing texts; then translate the new entries in the .po.
translations: venv
	$(BIN)/pybabel extract -F web/babel.cfg -k lazy_gettext -k _ -o web/translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -i web/translations/messages.pot -d web/translations

services-run:
	scripts/ensure-system-packages redis
	scripts/ensure-redis

services-test:
	scripts/ensure-system-packages redis postgres browser
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/13} scripts/ensure-redis
	scripts/ensure-postgres

run: venv services-run
	$(BIN)/lokdon db upgrade
	$(BIN)/lokdon agents seed-demo
	@echo
	@echo "LOKDON is starting: web on http://127.0.0.1:8000, worker, Twilio simulator on demand."
	@echo "In another terminal, place a call:"
	@echo "  $(BIN)/lokdon simulate call --from +6281200000001 --press 1 --speak tests/data/ktp.wav"
	@echo "then look the ticket up with: $(BIN)/lokdon tickets show REFERENCE"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:8000} \
		$(BIN)/honcho start -f Procfile

test: venv services-test lint
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: venv services-test
	$(BIN)/python -m benchmarks $(SUITES)

screenshots: venv services-test
	$(BIN)/python scripts/take_screenshots.py

clean:
	rm -rf $(VENV) var .pytest_cache
