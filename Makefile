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

# The suite in two runs: every tier but chaos on TEST_WORKERS pytest-xdist workers (a test module stays on one
# worker, so its module-scoped node or federation starts once), then the chaos tier alone: it kills a node's
# processes under load and times their return. `make test PYTEST_ARGS="..."` runs one pytest with those.
TEST_WORKERS ?= 3

test: $(STAMP) $(CHROMIUM) lint typecheck
ifeq ($(strip $(PYTEST_ARGS)),)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not chaos"
	$(BIN)/python -m pytest -m chaos
else
	$(BIN)/python -m pytest $(PYTEST_ARGS)
endif

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean-data:
	rm -rf var/
