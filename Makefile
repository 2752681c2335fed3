# The two set-up commands are `make demo` and `make test`; everything else here serves them.
# Locks (each hashed, universal: x86_64 and aarch64 Linux, Python 3.11-3.13; `make lock` regenerates them):
#   requirements-pip.lock         pip and setuptools, installed first (Python 3.11's venv pip mis-resolves extras)
#   requirements-runtime.lock     the `provision` CLI and the emulator: all `make demo` installs
#   requirements-pulumi.lock      runtime + the Pulumi program (pulumi, pulumi-gcp)
#   requirements-dev.lock         runtime + Pulumi + test and lint tools: what `make test` installs
#   requirements-realserver.lock  a real OpenAI-compatible server for tests/realserver/, in its own venv
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev
PIP     := $(BIN)/python -m pip install --quiet --require-hashes
# A real OpenAI-compatible server nobody here wrote (Hugging Face `transformers serve` on CPU, torch as PyPI ships
# it), for tests/realserver/: a separate venv from its own hashed lock (size and install time: README).
REALSRV := .realsrv

.PHONY: env demo test lint unit bench realserver test-realserver lock discovery clean

$(VENV)/.installed-pip: requirements-pip.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-pip.lock
	touch $@

$(RUNTIME): $(VENV)/.installed-pip requirements-runtime.lock pyproject.toml
	$(PIP) -r requirements-runtime.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(DEV): $(RUNTIME) requirements-pulumi.lock requirements-dev.lock
	$(PIP) -r requirements-runtime.lock -r requirements-pulumi.lock -r requirements-dev.lock
	touch $@

$(REALSRV)/.installed: requirements-pip.lock requirements-realserver.lock
	$(PYTHON) -m venv $(REALSRV)
	$(REALSRV)/bin/python -m pip install --quiet --require-hashes -r requirements-pip.lock
	$(REALSRV)/bin/python -m pip install --quiet --require-hashes -r requirements-realserver.lock
	touch $@

env: $(DEV)

realserver: $(REALSRV)/.installed

demo: $(RUNTIME)
	$(BIN)/python -m provisioning.demo

lint: $(DEV)
	$(BIN)/ruff check provisioning emulator infra redaction tests bench
	$(BIN)/ruff format --check provisioning emulator infra redaction tests bench
	$(BIN)/mypy provisioning emulator infra redaction

test: lint realserver
	PROVISION_LOCK_CHECK=pypi $(BIN)/python -m pytest -n 2 -q

test-realserver: $(DEV) realserver
	$(BIN)/python -m pytest -q tests/realserver

bench: $(DEV)
	$(BIN)/python -m bench --write

# Regenerate every lock from pyproject.toml and the requirements-*.in files with uv (in a throwaway venv; no uv.lock,
# no index URLs in the output). The full set is resolved first; runtime and Pulumi are cut from it so the layers
# pin the same versions.
UVENV := $(or $(TMPDIR),/tmp)/provision-uv
UVC   := UV_CUSTOM_COMPILE_COMMAND="make lock" $(UVENV)/bin/uv pip compile --no-config --quiet --universal \
         --generate-hashes --python-version 3.11
lock:
	$(PYTHON) -m venv $(UVENV) && $(UVENV)/bin/python -m pip install --quiet uv
	$(UVC) pyproject.toml --extra pulumi --extra dev -o requirements-dev.lock
	$(UVC) pyproject.toml -c requirements-dev.lock -o requirements-runtime.lock
	$(UVC) pyproject.toml --extra pulumi -c requirements-dev.lock -o requirements-pulumi.lock
	$(UVC) requirements-pip.in -c requirements-dev.lock -o requirements-pip.lock
	$(UVC) requirements-realserver.in -o requirements-realserver.lock
	rm -rf $(UVENV)

clean:
	rm -rf $(VENV) $(REALSRV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Regenerate emulator/data/discovery/ (the emulator's stripped discovery documents) from the installed
# google-api-python-client (a dev dependency); tests/unit/test_discovery_vendored.py fails when they are stale.
discovery: $(DEV)
	$(BIN)/python -m emulator.discovery_vendor
