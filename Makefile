# socialstat — the two commands of the README, and their helpers.
#   make demo   set up .venv and run the main job on the embedded default (synthetic data in, outputs out)
#   make test   set up .venv with test extras, run the static checks and the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= demo-output

.PHONY: demo test check pytest browser lint format docs benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The stamps reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/socialstat demo --out $(OUT)

test: check pytest

pytest: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest

# The site's tests drive Debian's Chromium (never a browser downloaded by a test tool); about 20 s to install.
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
		|| (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null) \
		|| (echo "make: install Debian's chromium (apt-get install chromium) for the site's browser tests" && false)

check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/ruff format --check src tests benchmarks fuzz
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests benchmarks fuzz
	$(BIN)/ruff check --fix src tests benchmarks fuzz

# Regenerate docs/data-model.md and docs/indicators.md from the declarations (a test fails when they differ).
docs: $(VENV)/.installed
	$(BIN)/socialstat schema docs --out docs/data-model.md
	$(BIN)/socialstat indicators docs --out docs/indicators.md

benchmark: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_synth.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
