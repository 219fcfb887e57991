# Kino: `make dev` runs everything on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := ffmpeg nginx libnginx-mod-rtmp chromium

.PHONY: dev test lint unit integration e2e install system-deps clean bench web image

# The web client: npm packages from the lockfile, bundled by esbuild (kino/web/build.mjs).
WEB := kino/web
WEB_MODULES := $(WEB)/node_modules/.package-lock.json
WEB_BUILD := $(WEB)/static/build/manifest.json
WEB_SOURCES := $(shell find $(WEB)/src -type f -name '*.js') $(WEB)/build.mjs

dev: install
	$(BIN)/kino dev

test: install
	bash scripts/ensure-services.sh
	bash scripts/test-deps.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/browser
	# Playwright's sync API holds an event loop for the session: the browser tests run apart.
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

lint: install
	$(BIN)/ruff check kino tests bench
	$(BIN)/ruff format --check kino bench tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	$(BIN)/python -m pytest -q tests/unit

install: system-deps $(STAMP) web

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

system-deps:
	@bash scripts/system-deps.sh $(SYSTEM_PACKAGES)

web: $(WEB_BUILD)

$(WEB_MODULES): $(WEB)/package-lock.json
	@command -v npm >/dev/null || bash scripts/system-deps.sh nodejs npm
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_BUILD): $(WEB_MODULES) $(WEB_SOURCES)
	cd $(WEB) && node build.mjs

# The container image k8s/ deploys (Containerfile; scripts/image/build.sh: podman or docker, a
# debootstrap base when no registry answers, checks, size). Not part of make test.
IMAGE ?= ghcr.io/kino-video/kino
image:
	bash scripts/image/build.sh $(IMAGE)

# The benchmarks of the performance issue (docs/performance.md), then the older ones; about
# 45 minutes on 2 cores (bench.scale alone 20-25: `python -m bench.scale --events 100000` for less).
bench: install
	$(BIN)/python -m bench.read_path --seconds 5
	$(BIN)/python -m bench.chat --seconds 30
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.projection_lag --seconds 15
	$(BIN)/python -m bench.accounts
	$(BIN)/python -m bench.transcode

clean:
	rm -rf $(VENV) .kino .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/static/build
