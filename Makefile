# The two set-up commands are `make demo` and `make test`; everything else here serves them.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# A real OpenAI-compatible server nobody here wrote (Hugging Face `transformers serve` on CPU torch), for
# tests/realserver/: a separate venv of about 1.2 GB from its own hashed lock.
REALSRV := .realsrv

.PHONY: env demo test lint unit bench realserver test-realserver clean

$(STAMP): requirements-pip.lock requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-pip.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

$(REALSRV)/.installed: requirements-pip.lock requirements-realserver.lock
	$(PYTHON) -m venv $(REALSRV)
	$(REALSRV)/bin/python -m pip install --quiet --require-hashes -r requirements-pip.lock
	$(REALSRV)/bin/python -m pip install --quiet --require-hashes -r requirements-realserver.lock
	touch $@

env: $(STAMP)

realserver: $(REALSRV)/.installed

demo: $(STAMP)
	$(BIN)/python -m provisioning.demo

lint: $(STAMP)
	$(BIN)/ruff check provisioning emulator infra tests bench
	$(BIN)/ruff format --check provisioning emulator infra tests bench
	$(BIN)/mypy provisioning emulator infra

test: lint realserver
	$(BIN)/python -m pytest -n 2 -q

test-realserver: $(STAMP) realserver
	$(BIN)/python -m pytest -q tests/realserver

bench: $(STAMP)
	$(BIN)/python -m bench --write

clean:
	rm -rf $(VENV) $(REALSRV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
