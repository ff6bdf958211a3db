# The two commands of the README: `make run` (a commune node with demo data) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat shared/pyproject.toml services/*/pyproject.toml deploy/node/pyproject.toml requirements-dev.txt | cksum | cut -d' ' -f1)
PACKAGES := -e shared -e services/submission -e services/evaluation -e services/awards -e services/reporting -e services/directory -e services/identity -e services/notifications -e services/replication -e deploy/node -e services/portal

CHROMIUM := /usr/bin/chromium

.PHONY: install run federation test lint typecheck bench clean-data

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PACKAGES) -r requirements-dev.txt
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/reform-node run $(ARGS)

federation: $(STAMP)
	$(BIN)/reform-node federation $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check shared services deploy tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser tier drives Debian's Chromium (Playwright cannot download a browser here): installed once.
$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium

test: $(STAMP) $(CHROMIUM) lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean-data:
	rm -rf var/
