# Kino: `make dev` runs everything on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := ffmpeg

.PHONY: dev test lint unit integration e2e install system-deps clean bench

dev: install
	$(BIN)/kino dev

test: install
	bash scripts/ensure-services.sh
	bash scripts/test-deps.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check kino tests bench
	$(BIN)/ruff format --check kino bench tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	$(BIN)/python -m pytest -q tests/unit

install: system-deps $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@bash scripts/system-deps.sh $(SYSTEM_PACKAGES)

bench: install
	$(BIN)/python -m bench.accounts
	$(BIN)/python -m bench.transcode
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.chat
	$(BIN)/python -m bench.read_path

clean:
	rm -rf $(VENV) .kino .mypy_cache .ruff_cache
