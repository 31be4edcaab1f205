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
The gateway: https://127.0.0.1:8443/expenses/ (a self-signed certificate),
open with a registered, compliant device's certificate (see the README).
Stop with Ctrl-C.
TEXT
exec target/release/portal-server --demo \
  --gateway-bind 127.0.0.1:8443 \
  --help-desk-name "Example Corp IT Service Desk" \
  --help-desk-phone "+1 555 0100" \
  --help-desk-email "help@example.com" \
  --help-desk-website "https://help.example.com" \
  --help-desk-note "Open Monday to Friday, 8:00 to 18:00. For a lost or stolen device, call at any hour." \
  "$@"
