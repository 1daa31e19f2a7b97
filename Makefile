# Two entry points do all set-up on a fresh machine with Python >= 3.11 and make:
#   make demo   create .venv, install oneneuron, run the walkthroughs on the shipped data
#   make test   create .venv with the dev extras, lint, run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# torch is an optional extra; the tests exercise the array-API path with its CPU build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e ".[dev,dask]" "array-api-compat>=1.8"
	$(PIP) install -q "$(TORCH_SPEC)" || echo "note: $(TORCH_SPEC) not installable here; torch tests will skip"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/oneneuron demo all --out out/

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# The playground's browser tests need headless Chromium: installed when missing, and
# the tests fail (never skip) when it cannot start.
test: lint
	.ci/ensure-chromium
	$(BIN)/python -m pytest -q -n 2

bench: $(VENV)/.installed-dev
	$(PIP) install -q -e ".[bench]"
	$(BIN)/python benchmarks/cpu.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
