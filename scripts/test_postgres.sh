# Sourced by test.sh: a throwaway PostgreSQL cluster for this test run.
#
# Installs Debian's postgresql package when no server binaries are found, runs initdb into a
# temporary folder, starts the server on a Unix socket inside that folder (no TCP port, so
# nothing else on the machine can reach it and no port can clash), creates the test database
# and exports STANDARDS_TEST_DATABASE_URL for the tests. `pg_test_stop` (test.sh calls it from
# its EXIT trap) stops the server and deletes the folder, whether the tests passed or not.
#
# initdb refuses to run as root, so under root (CI) the cluster belongs to the unprivileged
# `postgres` user the Debian package creates.

pg_test_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

pg_test_start() {
  PG_BIN=$(pg_test_bin)
  if [ -z "$PG_BIN" ]; then
    echo "==> installing Debian's postgresql for the PostgreSQL store tests"
    if [ "$(id -u)" = "0" ]; then APT=apt-get; else APT="sudo apt-get"; fi
    $APT update -qq && DEBIAN_FRONTEND=noninteractive $APT install -y -qq postgresql >/dev/null
    PG_BIN=$(pg_test_bin)
  fi
  PG_TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/standards-pg.XXXXXX")
  if [ "$(id -u)" = "0" ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_TEST_DIR" postgres
    chown postgres "$PG_TEST_DIR"
    PG_AS=(runuser -u postgres --)
  else
    PG_AS=()
  fi
  # trust is safe here: the only way in is the socket inside a folder only the cluster's owner
  # (and root) can open. fsync off: the cluster is thrown away after the run.
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_TEST_DIR/data" -U standards -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$PG_TEST_DIR/initdb.log" 2>&1 || { cat "$PG_TEST_DIR/initdb.log"; return 1; }
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_TEST_DIR' -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null \
    || { cat "$PG_TEST_DIR/server.log"; return 1; }
  "$PG_BIN/psql" -h "$PG_TEST_DIR" -U standards -d postgres -qAt -c "CREATE DATABASE standards_test" >/dev/null
  export STANDARDS_TEST_DATABASE_URL="postgresql://standards@/standards_test?host=$PG_TEST_DIR"
  echo "==> PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') test cluster on $PG_TEST_DIR"
}

pg_test_stop() {
  if [ -n "${PG_TEST_DIR:-}" ] && [ -d "$PG_TEST_DIR/data" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_TEST_DIR:-}" ]; then rm -rf "$PG_TEST_DIR"; fi
}
