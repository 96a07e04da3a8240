# Reglament: `make run` sets everything up and serves http://127.0.0.1:5000 ; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MO     := web/translations/ru/LC_MESSAGES/messages.mo
BUNDLE := web/static/dist/modeler.js
FRONTEND_SOURCES := $(wildcard web/frontend/*)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test check install translations assets browser serve bench extract clean

install: $(STAMP) $(MO) $(BUNDLE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[test]'
	touch $(STAMP)

$(MO): web/translations/ru/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d web/translations

translations: $(MO)

# Front-end packages (pinned in package-lock.json) and the modeler/viewer bundles Flask serves.
node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): node_modules/.installed-stamp $(FRONTEND_SOURCES)
	npm run --silent build

assets: $(BUNDLE)

# Debian's Chromium for the browser tests (never a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

run: install
	$(BIN)/reglament init
	$(BIN)/reglament demo
	$(BIN)/reglament run --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/python -m pytest

# The gates: lint (ruff) and strict types (mypy) on engine/ and storage/; CI runs them before the tests.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/benchmark.py

# Developer helper: refresh the message catalogue after changing UI strings.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations

clean:
	rm -rf $(VENV) var .pytest_cache node_modules web/static/dist
