# Podium: the README's two commands, and a few helpers.
#   make run    start Podium at http://localhost:8080 with the embedded PostgreSQL and demo data
#   make test   install what the tests need, then run every test of the project

SHELL := /usr/bin/env bash
export SQLX_OFFLINE := true

.PHONY: run test build release lint fmt bench load sqlx-prepare deps help

help:
	@sed -n 's/^#   //p' Makefile

run:
	@if command -v npm >/dev/null 2>&1; then \
		npm --prefix web ci --no-audit --no-fund --loglevel=error && npm --prefix web run build; \
	else \
		echo "npm not found: Podium will serve the API and a placeholder page instead of the web UI"; \
	fi
	cargo run --release --locked -p podium-server --bin podium -- serve --demo

test:
	scripts/test.sh

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
