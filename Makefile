# Every target creates the virtualenv and installs the pinned requirements first, so a fresh clone needs
# nothing but python3 (3.11+) and make. No Azure account, no Pulumi CLI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan demo test lint bench clean

$(BIN)/.runtime: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## plan: print the offline plan of $(STACK) (what the stack declares, on Pulumi's mock runtime)
plan: $(BIN)/.runtime
	$(BIN)/dapctl plan --stack $(STACK)

## demo: onboard, approve, audit, an out-of-band grant, revoke, end to end against the local emulator
demo: $(BIN)/.runtime
	$(BIN)/dapctl demo

## test: lint, then the whole test suite
test: $(BIN)/.dev lint
	$(BIN)/pytest

## bench: audit + revoke at scale against the emulator (wide sweep vs a sequential baseline, deep deletion vs
## the bucket optimum, peak memory); prints a table, fails if a target is missed
bench: $(BIN)/.dev
	$(BIN)/python -m bench.sweep

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
