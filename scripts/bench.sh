#!/usr/bin/env bash
# Prints the server's figures, release build, on SQLite and on PostgreSQL
# (the machine's own or a throwaway cluster, as the test command finds it):
#   - GET /api/v1/devices with a session: requests a second, p50, p99, from
#     wrk in another process (1 thread, 32 connections, 10 s over loopback),
#     beside a bare axum handler answering the same bytes from memory;
#   - enrollments a second (1,000 from 50 concurrent agents; two nodes on PostgreSQL);
#   - the gateway: requests a second, p50, p99 through it (TLS with a device's
#     certificate, session, rule, forward) beside the same upstream directly
#     and through a bare TLS proxy of the same parts, the same in audit mode
#     with every request breaking the rule, and a reset device's next
#     request refused (examples/bench_gateway.rs);
#   - Reset device pressed -> agent received, 50 runs, on one node and across two;
#   - All devices at 10,000 and 100,000 devices: each kind of page's API time
#     (p50, p95), and in Chromium the time from a filter changed to its rows
#     shown (PORTAL_FLEET_SIZES=10000,100000 by default);
#   - in Chromium, Sign in's time to usable beside a plain page with the same
#     form, and the time to cross between sections (scripts/bench-portal.mjs);
#   - each bundle's first load in bytes brotli, beside its budget.
# Then every figure again in one table, each beside its reference measured
# in the same run (or its goal) and the previous run's, and the same in
# target/bench/bench.json and drawn in target/bench/bench.svg
# (scripts/lib/figures.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/setup.sh
source scripts/lib/postgres.sh

if ! command -v wrk >/dev/null; then
  say "installing wrk from Debian"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi
start_test_postgres
trap stop_test_postgres EXIT
say "building the server and the bare handler (release)"
cargo build --release --locked -p portal-server --bin portal-server --example bare_json --example bench_gateway

WORK=$(mktemp -d)
# Every benchmark below appends its figures here.
export BENCH_FIGURES="$WORK/figures.jsonl"
SERVER_PIDS=()
cleanup() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  drop_database portal_bench
  rm -rf "$WORK"
  stop_test_postgres
}
trap cleanup EXIT

# start VARIABLE BINARY ARGS...: runs it in the background; its address goes in VARIABLE.
start() {
  local out="$WORK/out.$1"
  "${@:2}" >"$out" 2>"$WORK/err.$1" &
  SERVER_PIDS+=($!)
  until grep -q 'listening on' "$out" 2>/dev/null; do
    kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || { cat "$WORK/err.$1" >&2; exit 1; }
    sleep 0.1
  done
  printf -v "$1" '%s' "$(grep -o 'http://[^ ]*' "$out" | head -n 1)"
}

cookie_for() {
  node -e '
    fetch(process.argv[1] + "/api/v1/auth/sign-in", { method: "POST",
      headers: { "content-type": "application/json", "x-requested-with": "company-portal", origin: process.argv[1] },
      body: JSON.stringify({ email: "ada@example.com", password: "demo-password-1" }) })
      .then((r) => console.log(r.headers.get("set-cookie").split(";")[0]))' "$1"
}

load() { # URL [COOKIE]: "REQUESTS_PER_SECOND P50_MS P99_MS"
  wrk -t1 -c32 -d10s --latency ${2:+-H "Cookie: $2"} "$1/api/v1/devices" |
    awk 'function ms(t) { return t ~ /us$/ ? t / 1000 : t ~ /ms$/ ? t + 0 : t * 1000 }
      /Requests\/sec/ {rps=$2} /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} END {print rps, p50, p99}'
}

figure() { # KEY NAME VALUE UNIT [REFERENCE REFERENCE_NAME]
  node --input-type=module -e 'import { record } from "./scripts/lib/figures.mjs";
    const [key, name, value, unit, reference, referenceName] = process.argv.slice(1);
    record({ key, name, value: Number(value), unit, ...(reference && { reference: Number(reference), referenceName }) });' \
    -- "$@"
}

create_database portal_bench
for database in "sqlite://$WORK/portal.db" "$(database_url portal_bench)"; do
  start url target/release/portal-server --demo --bind 127.0.0.1:0 --data-dir "$WORK/data" --database-url "$database"
  cookie=$(cookie_for "$url")
  node -e 'fetch(process.argv[1] + "/api/v1/devices", { headers: { cookie: process.argv[2] } })
    .then((r) => r.arrayBuffer()).then((b) => require("fs").writeFileSync(process.argv[3], Buffer.from(b)))' \
    "$url" "$cookie" "$WORK/devices.json"
  start bare target/release/examples/bare_json "$WORK/devices.json" 127.0.0.1:0
  name=$([[ $database == sqlite* ]] && echo SQLite || echo PostgreSQL)
  say "GET /api/v1/devices, $name"
  read -r rate p50 p99 < <(load "$url" "$cookie")
  read -r bare_rate bare_p50 bare_p99 < <(load "$bare")
  [[ -n $rate && -n $bare_rate ]] || { echo "wrk measured nothing" >&2; exit 1; }
  echo "portal-server: $rate req/s, p50 $p50 ms, p99 $p99 ms"
  echo "bare handler:  $bare_rate req/s, p50 $bare_p50 ms, p99 $bare_p99 ms"
  figure "api.devices.${name,,}.rate" "GET /api/v1/devices, $name" "$rate" /s "$bare_rate" "bare axum handler"
  figure "api.devices.${name,,}.p99" "GET /api/v1/devices p99, $name" "$p99" ms "$bare_p99" "bare axum handler"
  kill "${SERVER_PIDS[@]}"; wait "${SERVER_PIDS[@]}" 2>/dev/null || true; SERVER_PIDS=()
done

say "the gateway beside its upstream reached directly and through a bare proxy (SQLite)"
target/release/examples/bench_gateway 10 32

say "enrollments and Reset delivery (release build of the API tests)"
measure() { # DATABASE TESTS...
  PORTAL_TEST_DATABASE=$1 cargo test --release --locked -q -p portal-server --test api -- \
    --ignored --nocapture --test-threads 1 "${@:2}" 2>&1 | grep -E '^(Reset|[0-9]+ enrollments|All devices|Inventory sync|Policy change|  )'
}
measure "" enrollments_per_second reset_delivery_latency all_devices_at_scale inventory_sync_at_scale policy_change_at_scale
measure "$PORTAL_TEST_DATABASE" enrollments_per_second reset_delivery_latency cross_node_reset_delivery all_devices_at_scale inventory_sync_at_scale policy_change_at_scale

say "All devices in Chromium (release server, built portal)"
ensure_build_tools
ensure_chromium
build_portal
PORTAL_SERVER_BIN=target/release/portal-server node scripts/bench-all-devices.mjs

say "the portal in Chromium: time to usable beside a plain page, crossing sections"
PORTAL_SERVER_BIN=target/release/portal-server node scripts/bench-portal.mjs

say "every figure"
node --input-type=module -e 'import { read, report } from "./scripts/lib/figures.mjs";
  report(read(process.env.BENCH_FIGURES), "bench")'
