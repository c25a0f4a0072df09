# Podium: the README's two commands, and a few helpers.
#   make run    start Podium at http://localhost:8080 with the embedded PostgreSQL and demo data
#   make dev    the development loop: Vite (hot reload) at http://127.0.0.1:5173, Podium restarted on change
#   make test   install what the tests need, then run every test of the project
#   make check  the fast loop: format, clippy, unit and API tests, web type check and unit tests

SHELL := /usr/bin/env bash
export SQLX_OFFLINE := true

.PHONY: run dev web-ui test check build release lint fmt bench load sqlx-prepare deps help budget

help:
	@sed -n 's/^#   //p' Makefile

run: web-ui
	cargo run --release --locked -p podium-server --bin podium -- serve --demo

# Ports, data folder and the rest: scripts/dev.sh --help.
dev:
	scripts/dev.sh

# The web UI is rebuilt only when its sources changed: a rebuild rewrites web/dist, which the
# server embeds, so an unconditional one would recompile the server on every `make run`.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/package.json web/vite.config.ts $(wildcard web/tsconfig*.json)

web-ui:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory web/dist/index.html; \
	else \
		echo "npm not found: Podium will serve the API and a placeholder page instead of the web UI"; \
	fi

web/node_modules/.package-lock.json: web/package-lock.json
	npm --prefix web ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	npm --prefix web run build

test:
	scripts/test.sh

check:
	cargo fmt --all --check
	cargo clippy --locked --workspace --all-targets -q -- -D warnings
	scripts/check-layers.py
	scripts/check-function-length.py
	cargo test --locked --workspace --lib --bins --tests -q
	@if [ ! -d web/node_modules ]; then npm --prefix web ci --no-audit --no-fund --loglevel=error; fi
	npm --prefix web run --silent typecheck
	npm --prefix web run --silent lint
	npm --prefix web run --silent test -- --reporter=dot

build:
	cargo build --locked --workspace

release:
	cargo build --release --locked -p podium-server --bin podium

lint:
	cargo fmt --all --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

bench:
	cargo bench --locked -p podium-core

load:
	scripts/load-test.sh

# Regenerate .sqlx/ after changing a query (needs a database; uses a private test cluster).
sqlx-prepare:
	scripts/sqlx-data.sh prepare

deps:
	scripts/install-deps.sh

# Re-measure the instructions-per-request budgets (after a change that moves them on purpose).
budget:
	cargo build --locked -p podium-server --bin podium
	dir=$$(mktemp -d /tmp/podium-budget-pg.XXXXXX); url=$$(scripts/test-pg start $$dir) \
	  && scripts/instruction-budget.py update --database-url "$$url"; rc=$$?; \
	  scripts/test-pg stop $$dir; rm -rf $$dir; exit $$rc
