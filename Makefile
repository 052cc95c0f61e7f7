# The two commands of the README. Each creates .venv on first use (Python 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint venv clean

demo: $(STAMP)  ## the main job against the embedded sandbox
	$(BIN)/bulkbench run

test: $(STAMP)  ## the harness's own test suite
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## the suite without the slow tests (processes, servers): about a minute
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
