#!/usr/bin/env bash
# Runs every test: server, agent and shared types (the server's on SQLite and
# on PostgreSQL), the reliability suite (bounded: scripts/soak.sh runs it
# longer), fuzzing and Schemathesis (bounded: scripts/fuzz.sh runs them
# longer), portal logic, browser
# component tests in headless Chromium and Firefox, the size budget, and
# end-to-end journeys with the real server, the agent, the built portal and
# Chromium (the main ones in Firefox too). Exits non-zero on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/postgres.sh
# One build per run: incremental caches would only take disk (gigabytes).
export CARGO_INCREMENTAL=0

ensure_build_tools
ensure_chromium
ensure_firefox
start_test_postgres
trap stop_test_postgres EXIT

say "server, agent and shared types (SQLite)"
env -u PORTAL_TEST_DATABASE cargo test --locked --workspace --exclude portal

say "the data layer's contract and the HTTP API on PostgreSQL, and nodes that share it"
cargo test --locked -p portal-server --test api
cargo test --locked -p portal-server --test api -- --ignored nodes::a_command

say "the reliability suite (release server): killed at random under load, 5 times; 10,000 enrollments and check-ins"
cargo build --locked --release -p portal-server
env -u PORTAL_TEST_DATABASE PORTAL_SERVER_BIN="$PWD/target/release/portal-server" \
  cargo test --locked --release -p portal-server --test api -- --ignored --nocapture --test-threads=1 reliability::

say "fuzzing, bounded: each parser target 30 s, then Schemathesis with 30 cases an operation (scripts/fuzz.sh runs longer)"
scripts/fuzz.sh 30 30

say "portal logic (native)"
cargo test --locked -p portal --lib

say "portal components in headless Chromium, then in headless Firefox"
env -u GECKODRIVER CHROMEDRIVER=$(command -v chromedriver) \
  cargo test --locked -p portal --target wasm32-unknown-unknown --test web
env -u CHROMEDRIVER GECKODRIVER=$(command -v geckodriver) \
  cargo test --locked -p portal --target wasm32-unknown-unknown --test web

build_portal --enforce-budget
say "end to end: server + built portal + headless Chromium (and Firefox for the main journeys)"
cargo build --locked -p portal-server -p portal-agent
PORTAL_SERVER_BIN=target/debug/portal-server PORTAL_AGENT_BIN=target/debug/portal-agent GECKODRIVER=$(command -v geckodriver) \
  node --test --test-concurrency=1 tests/e2e/
