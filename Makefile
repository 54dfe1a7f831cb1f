# Every target creates the virtualenv and installs the pinned requirements first, so a fresh clone needs
# nothing but python3 (3.11+) and make. No Azure account, no Pulumi CLI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: plan demo test lint bench lock browser clean

PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# requirements.txt and requirements-dev.txt are locks (every package, pinned, with hashes), written by `make lock`
# from requirements.in / requirements-dev.in. The project itself is installed editable on top, without
# dependencies and without build isolation, so nothing outside the lock is fetched.
# The revocation runbook carries its dependencies (runbooks/packaging.py): their wheels, for Python 3.10 and
# pure Python only, are downloaded once here, hash-checked against the runbook's lock, so a plan runs offline.
$(BIN)/.runtime: requirements.txt pyproject.toml runbooks/automation_requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) --require-hashes --no-deps -r requirements.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip download --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
		--python-version 3.10 --implementation py --abi none --platform any \
		-d $(VENV)/runbook-wheels -r runbooks/automation_requirements.txt
	touch $@

$(BIN)/.dev: $(BIN)/.runtime requirements-dev.txt
	$(PIP) --require-hashes --no-deps -r requirements-dev.txt
	touch $@

## lock: re-resolve requirements*.in (and policy/requirements.in) into the hashed locks and the runbook's pins,
## together. To bump a
## dependency, change its pin in requirements*.in and run `make lock`; `make lock UPGRADE=certifi` (or
## UPGRADE=all) moves an unpinned transitive dependency to its newest release.
UV_COMPILE = $(BIN)/uv pip compile --quiet --custom-compile-command "make lock" --generate-hashes --universal --python-version 3.11 \
	$(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))
lock: $(BIN)/.dev
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -c requirements.txt -o requirements-dev.txt
	$(UV_COMPILE) policy/requirements.in -c requirements.txt -o policy/requirements.txt
	$(BIN)/uv pip compile --quiet --custom-compile-command "make lock" --no-annotate --generate-hashes \
		--python-version 3.10 runbooks/automation_requirements.in -c requirements.txt -o runbooks/automation_requirements.txt

## plan: print the offline plan of $(STACK) (what the stack declares, on Pulumi's mock runtime)
plan: $(BIN)/.runtime
	$(BIN)/dapctl plan --stack $(STACK)

## demo: onboard, approve, audit, an out-of-band grant, revoke, end to end against the local emulator
demo: $(BIN)/.runtime
	$(BIN)/dapctl demo

## test: lint, then the whole test suite (installs Chromium from Debian's packages if missing: the dashboard test
## renders in a real headless browser)
test: $(BIN)/.dev browser lint
	$(BIN)/pytest

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium > /dev/null 2>&1 || command -v chromium-browser > /dev/null 2>&1 || \
	command -v google-chrome > /dev/null 2>&1 || { \
		echo "Installing Chromium (Debian package) for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium > /dev/null; }

## bench: audit + revoke at scale against the emulator (wide sweep vs a sequential baseline, deep deletion vs
## the bucket optimum), the fleet (1,000 stacks planned and checked in one process vs one process per stack), one
## stack of 1,000 customers, the import of a 1,000-customer brownfield estate (vs reading it one request at a time),
## and dapctl's start-up; prints each figure against its baseline, fails if a target is missed
bench: $(BIN)/.dev
	status=0; \
	$(BIN)/python -m bench.sweep || status=1; \
	$(BIN)/python -m bench.fleet || status=1; \
	$(BIN)/python -m bench.import_estate || status=1; \
	$(BIN)/python -m bench.big_stack || status=1; \
	$(BIN)/python -m bench.startup || status=1; \
	exit $$status

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info
