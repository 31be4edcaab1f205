#!/usr/bin/env bash
# Builds the portal and serves it with demo data on an embedded SQLite file
# (./data/portal.db, kept across restarts). Extra flags go to portal-server,
# e.g. --bind 127.0.0.1:9000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh

ensure_build_tools
build_portal
say "building the enrollment API (release)"
cargo build --release --locked -p portal-server

cat >&2 <<'TEXT'

Demo users (password for all: demo-password-1)
  ada@example.com    employee
  grace@example.com  employee
  it@example.com     IT admin
Stop with Ctrl-C.
TEXT
exec target/release/portal-server --demo "$@"
