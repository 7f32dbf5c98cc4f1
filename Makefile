# The two commands of the README: `make run` and `make test`. Each creates .venv when it is missing.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test lint bench clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/astreinte import examples/runbooks
	$(BIN)/astreinte runbooks list
	$(BIN)/astreinte match "Error: connect ECONNREFUSED 127.0.0.1:6379" --top 3
	$(BIN)/astreinte incidents open "Error: connect ECONNREFUSED 127.0.0.1:6379" --as make-run

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	# One worker per CPU (at most 4): each has its own PostgreSQL database (tests/conftest.py).
	$(BIN)/pytest -n auto --maxprocesses 4

bench: $(BIN)/.installed
	$(BIN)/python bench/import_corpus.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
