#!/usr/bin/env bash
# Runs the portal as two nodes over one PostgreSQL database, with demo data:
# the machine's own PostgreSQL on 127.0.0.1:5432 when it answers (a fresh
# database, dropped at the end), else a throwaway cluster of its own. Prints
# both nodes' addresses; put any load balancer in front of them. Ctrl-C
# stops the nodes and the database.
#   PORTAL_NODE_PORTS="8081 8082"   the nodes' ports (default)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/postgres.sh

ensure_build_tools
build_portal
say "building the enrollment API (release)"
cargo build --release --locked -p portal-server

start_test_postgres
DATABASE=portal_cluster_$$
DATA_DIR=$(mktemp -d)
PIDS=()
stop_cluster() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  drop_database "$DATABASE"
  rm -rf "$DATA_DIR"
  stop_test_postgres
}
trap stop_cluster EXIT
create_database "$DATABASE"
export PORTAL_DATABASE_URL=$(database_url "$DATABASE")
# Every node shares the device CA and the secret key: here one data folder.
export PORTAL_DATA_DIR=$DATA_DIR

read -r -a PORTS <<<"${PORTAL_NODE_PORTS:-8081 8082}"
first=1
for port in "${PORTS[@]}"; do
  demo=()
  # One node seeds the demo data; the others find it there.
  [ "$first" = 1 ] && demo=(--demo)
  target/release/portal-server "${demo[@]}" --bind "127.0.0.1:$port" "$@" &
  PIDS+=($!)
  until node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/api/v1/health"; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "node on port $port did not start" >&2; exit 1; }
    sleep 0.2
  done
  first=0
done

cat >&2 <<TEXT

Two nodes of one portal, over PostgreSQL database $DATABASE:
$(for port in "${PORTS[@]}"; do echo "  http://127.0.0.1:$port"; done)
Demo users (password for all: demo-password-1): ada@example.com, grace@example.com, it@example.com
Stop with Ctrl-C.
TEXT
wait
