#!/usr/bin/env bash
# The reliability suite, longer than the test command runs it: the release
# server killed with SIGKILL at random moments under load, 50 times
# (CRASH_CYCLES), and 50,000 enrollments and check-ins from 500 connections
# (LOAD_DEVICES), on SQLite and then on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/postgres.sh

start_test_postgres
trap stop_test_postgres EXIT
cargo build --locked --release -p portal-server
export PORTAL_SERVER_BIN="$PWD/target/release/portal-server"
export CRASH_CYCLES="${CRASH_CYCLES:-50}" LOAD_DEVICES="${LOAD_DEVICES:-50000}"
say "SQLite: $CRASH_CYCLES crash cycles, $LOAD_DEVICES enrollments and check-ins"
env -u PORTAL_TEST_DATABASE cargo test --locked --release -p portal-server --test api -- \
  --ignored --nocapture --test-threads=1 reliability::
say "PostgreSQL: $LOAD_DEVICES enrollments and check-ins"
cargo test --locked --release -p portal-server --test api -- \
  --ignored --nocapture --test-threads=1 reliability::enrollments_and_check_ins
