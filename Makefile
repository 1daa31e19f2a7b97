# Two entry points do all set-up on a fresh machine with Python >= 3.11 and make:
#   make demo   create .venv, install oneneuron, run the walkthroughs on the shipped data
#   make test   create .venv with the dev extras, lint, run the test suite
#   make docs   build the site into site/ (strict), run its doctests and page tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# torch is an optional extra; the tests exercise the array-API path with its CPU build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: demo test lint bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -q -e .
	touch $@

# --no-compile: pip byte-compiles every module it installs (torch alone: 57 s against 19 s
# without, one run); Python compiles the ones the tests import when they are imported.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -q --no-compile -e ".[dev,dask]" "array-api-compat>=1.8"
	$(PIP) install -q --no-compile "$(TORCH_SPEC)" || echo "note: $(TORCH_SPEC) not installable here; torch tests will skip"
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/oneneuron demo all --out out/

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.installed-dev
	$(PIP) install -q -e ".[dev,docs]"
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs

# The playground's browser tests need headless Chromium: installed when missing, and
# the tests fail (never skip) when it cannot start.
test: lint
	.ci/ensure-chromium
	$(BIN)/python -m pytest -q -n 2

# The site: Sphinx with warnings as errors, then the user guide's code as doctests, then
# every page in headless Chromium (offline, no console errors, no broken links,
# screenshots in build/site-screenshots/).
DOC_PAGES := docs/index.rst docs/getting-started.rst docs/guide docs/changelog.rst docs/playground.rst
docs: $(VENV)/.installed-docs
	.ci/ensure-chromium
	rm -rf site build/site-screenshots
	$(BIN)/python -m sphinx -W --keep-going -b html -q docs site
	$(BIN)/python -m pytest -q -p no:cacheprovider -o addopts="" --doctest-glob="*.rst" $(DOC_PAGES)
	$(BIN)/python -m pytest -q -p no:cacheprovider -o addopts="" -n 2 docs/test_site.py
	@echo "site: site/index.html"

bench: $(VENV)/.installed-dev
	$(PIP) install -q -e ".[bench]"
	$(BIN)/python benchmarks/cpu.py

clean:
	rm -rf $(VENV) out site build/site-screenshots .pytest_cache .ruff_cache
