# The two set-up commands are `make demo` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: env demo test lint typecheck unit bench clean realserver test-realserver

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m provisioning.demo

lint: $(STAMP)
	$(BIN)/ruff check provisioning emulator infra tests bench
	$(BIN)/ruff format --check provisioning emulator infra tests bench
	$(BIN)/mypy provisioning emulator infra

test: lint
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench --write

# Optional: a real OpenAI-compatible server (Hugging Face `transformers serve`, CPU torch) for tests/realserver/.
# About 1.2 GB; not built by `make test` (the group skips with a reason when .realsrv is absent).
REALSRV := .realsrv
$(REALSRV)/.installed: requirements-realserver.lock
	$(PYTHON) -m venv $(REALSRV)
	$(REALSRV)/bin/python -m pip install --quiet --require-hashes -r requirements-realserver.lock
	touch $@

realserver: $(REALSRV)/.installed

test-realserver: $(STAMP) $(REALSRV)/.installed
	$(BIN)/python -m pytest -q tests/realserver

clean:
	rm -rf $(VENV) $(REALSRV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
