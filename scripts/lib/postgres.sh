# A PostgreSQL server for the tests (and the local cluster command): the one
# named by PORTAL_TEST_DATABASE, else the machine's own on 127.0.0.1:5432 when
# it answers, else a throwaway cluster of our own (Debian's postgresql package,
# installed when missing; initdb in a temporary folder as the postgres user, a
# free port), stopped and deleted when the calling script exits.
# PORTAL_TEST_POSTGRES=throwaway skips the machine's own server.
# Sourced after setup.sh; exports PORTAL_TEST_DATABASE, an admin URL.

PG_THROWAWAY_DIR=

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

stop_test_postgres() {
  [ -n "$PG_THROWAWAY_DIR" ] || return 0
  as_root runuser -u postgres -- "$(postgres_bin)/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m fast -w stop >/dev/null || true
  as_root rm -rf "$PG_THROWAWAY_DIR"
  PG_THROWAWAY_DIR=
}

start_test_postgres() {
  if [ -n "${PORTAL_TEST_DATABASE:-}" ]; then
    return
  fi
  local machine=postgres://postgres@127.0.0.1:5432/postgres
  if [ "${PORTAL_TEST_POSTGRES:-}" != throwaway ] && command -v psql >/dev/null \
    && [ "$(psql "$machine" -Atqc 'SELECT 1' 2>/dev/null)" = 1 ]; then
    say "PostgreSQL: the machine's own server on 127.0.0.1:5432"
    export PORTAL_TEST_DATABASE=$machine
    return
  fi
  if [ -z "$(postgres_bin)" ] || ! id postgres >/dev/null 2>&1; then
    say "installing PostgreSQL from Debian"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  local bin port
  bin=$(postgres_bin)
  port=$(free_port)
  PG_THROWAWAY_DIR=$(mktemp -d)
  as_root chown postgres "$PG_THROWAWAY_DIR"
  say "PostgreSQL: a throwaway cluster on 127.0.0.1:$port"
  as_root runuser -u postgres -- "$bin/initdb" -D "$PG_THROWAWAY_DIR/data" -A trust -U postgres --no-sync >/dev/null
  as_root runuser -u postgres -- "$bin/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -l "$PG_THROWAWAY_DIR/log" -w start \
    -o "-p $port -k $PG_THROWAWAY_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" >/dev/null
  export PORTAL_TEST_DATABASE=postgres://postgres@127.0.0.1:$port/postgres
}

# create_database NAME / drop_database NAME on the server of PORTAL_TEST_DATABASE;
# database_url NAME: its URL.
create_database() {
  PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 "$PORTAL_TEST_DATABASE" -q \
    -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}
drop_database() {
  psql "$PORTAL_TEST_DATABASE" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}
database_url() {
  echo "${PORTAL_TEST_DATABASE%/*}/$1"
}
