# crm-tui developer tasks (GNU make). `make` alone lists the targets.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := data/demo.db

# Paths that ruff formats and lints (bench/ may not exist yet in a fresh clone).
LINT_PATHS := $(wildcard src tests bench)

PYTEST_ARGS ?=
BENCH_ARGS ?=

# The PostgreSQL half of the suite runs against this server; the tests create
# and drop their own database on it.
export CRM_TUI_TEST_PG ?= postgresql://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help venv run test bench format clean

help:
	@echo "make venv    create .venv and install crm-tui with its test tools"
	@echo "make run     set up, create the demo database $(DEMO_DB) if missing, open the app"
	@echo "make test    set up, then ruff format --check, ruff check, mypy, pytest (PYTEST_ARGS=...)"
	@echo "make bench   set up, then run the benchmarks (BENCH_ARGS=...)"
	@echo "make format  ruff format and ruff check --fix"
	@echo "make clean   remove .venv, caches and build artefacts (keeps data/)"

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(DEMO_DB): | $(STAMP)
	mkdir -p $(@D)
	$(BIN)/crm-tui demo --db $@ || { rm -f $@ $@-wal $@-shm; exit 1; }

run: $(STAMP) $(DEMO_DB)
	$(BIN)/crm-tui --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

format: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

clean:
	rm -rf $(VENV) build dist src/*.egg-info *.egg-info
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis snapshot_report.html
	find src tests bench -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
