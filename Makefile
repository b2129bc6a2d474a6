# The front door. `make help` lists the targets. The first use of any target creates .venv.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GEN := $(BIN)/python -m generator

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# Older set-ups installed it: its "tables" plugin would compete with mdformat-gfm's.
	$(BIN)/python -m pip uninstall -qq -y mdformat-tables
	touch $(STAMP)

.PHONY: help
help: ## List the targets with one line each, in the order of this file
	@if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then on='\033[36m'; off='\033[0m'; fi; \
	echo "usage: make TARGET   (the first target run creates .venv)"; \
	grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "}; {printf "  %s%-14s%s %s\n", on, $$1, off, $$2}'

.PHONY: install
install: $(STAMP) ## Create .venv and install the generator with its dev tools

.PHONY: render
render: $(STAMP) ## Render every generated file from facts.yaml (writes only what changed)
	$(GEN) render

.PHONY: check
check: $(STAMP) ## Fail with a diff when a generated file is stale or hand-edited (writes nothing)
	$(GEN) check

.PHONY: test
test: $(STAMP) browser ## Run ruff, mypy (strict) and the whole test suite
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

.PHONY: browser
browser: ## Install Debian's chromium for the browser tests (no-op when present)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

.PHONY: clean
clean: ## Remove build output and caches (not .venv)
	rm -rf site site-zensical build .cache .pytest_cache .mypy_cache .ruff_cache

.PHONY: bench
bench: $(STAMP) ## Time check/render/lint against cog, mdformat and the import floor; writes BENCHMARKS.md
	$(BIN)/python bench/bench.py

.PHONY: site
site: $(STAMP) ## Render, then build the wiki into site/ with mkdocs build --strict
	$(GEN) render
	$(BIN)/mkdocs build --strict

SERVE_PORT ?= 8000
.PHONY: serve
serve: $(STAMP) ## Serve the wiki on 127.0.0.1 (SERVE_PORT=8000); re-renders when facts or templates change
	$(GEN) render
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(SERVE_PORT)

.PHONY: site-zensical
site-zensical: $(STAMP) ## Render, then build the same wiki with Zensical (MkDocs' successor) into site-zensical/
	$(GEN) render
	rm -rf site-zensical
	$(BIN)/zensical build --strict --clean -f zensical.yml

.PHONY: lint
lint: $(STAMP) ## Find hand-written text in docs/ and README.md that contradicts facts.yaml (exit 1)
	$(GEN) lint docs README.md
