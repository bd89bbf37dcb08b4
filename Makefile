# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test system-deps lint translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs run only when pyproject.toml changed since the last one (the stamp files record it): the code
# itself is installed in editable mode, so a second `make demo` starts at once.
INSTALLED := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(INSTALLED_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,dev]"
	@touch $@ $(INSTALLED)

install: $(INSTALLED)

install-test: $(INSTALLED_TEST)

# Debian packages the test suite needs: Chromium for the browser tests, pango and fonts for WeasyPrint.
system-deps:
	@if command -v apt-get >/dev/null 2>&1 && { ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q libpango-1.0 \
	    || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; }; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core fonts-liberation2 \
	    fonts-noto-color-emoji poppler-utils >/dev/null; \
	fi

demo: install
	$(BIN)/agency demo $(DEMO_ARGS)

test: system-deps install-test
	AGENCY_REQUIRE_BROWSER=$${AGENCY_REQUIRE_BROWSER:-0} $(BIN)/pytest -q -n auto

lint: install-test
	$(BIN)/ruff check .

# Re-extract the message catalogue and merge it into the German translation.
translations: install-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap
	$(BIN)/pybabel compile -d translations
