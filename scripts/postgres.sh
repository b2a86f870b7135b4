#!/usr/bin/env bash
# A private PostgreSQL cluster in one directory, on 127.0.0.1 and a free port, for `make run` and the tests.
#
#   scripts/postgres.sh start DIR [--fast] [--port N]   initdb when DIR is new, start, print the connection URL
#   scripts/postgres.sh stop DIR                         fast shutdown; nothing to do when it is not running
#   scripts/postgres.sh url DIR                          print the connection URL (also kept in DIR/url)
#   scripts/postgres.sh status DIR                       exit 0 when the cluster in DIR is running
#
# DIR holds data/ (the cluster), server.log, the unix socket, port, mode and url. Every command is idempotent:
# `start` on a running cluster prints its URL, `stop` on a stopped one does nothing. A restarted cluster keeps its
# port, so connection strings handed out before stay valid.
#
# --fast makes a throw-away cluster for tests (fsync, synchronous_commit and full_page_writes off: a crash of
# the machine loses it). Without it the cluster keeps PostgreSQL's durable defaults (`make run`). The mode is
# chosen when the cluster is created and kept across restarts.
#
# The server refuses to run as root: as root the binaries run as the `postgres` user (runuser) and DIR is owned
# by it; as any other user they run directly. The database is `nexus`, the user `nexus`, trust auth on loopback.
set -euo pipefail

usage() { echo "usage: $0 start DIR [--fast] [--port N] | stop DIR | url DIR | status DIR" >&2; exit 2; }
die() { echo "postgres.sh: $*" >&2; exit 1; }

[ $# -ge 2 ] || usage
cmd="$1"; dir="$2"; shift 2
mode=""; port=""
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) mode=fast ;;
    --durable) mode=durable ;;
    --port) [ $# -ge 2 ] || usage; port="$2"; shift ;;
    *) usage ;;
  esac
  shift
done

# The server binaries: PG_BIN when set, else the newest Debian install (they are not on PATH there).
find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local candidate best=""
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && best="$candidate"
  done
  if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then best="$(pg_config --bindir)"; fi
  echo "$best"
}

BIN="$(find_bin)"
[ -n "$BIN" ] && [ -x "$BIN/pg_ctl" ] && [ -x "$BIN/initdb" ] \
  || die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PG_BIN); install Debian's postgresql package: scripts/install-deps.sh"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"
log="$dir/server.log"

url_of() { echo "postgresql://nexus@127.0.0.1:$1/nexus"; }

running() { [ -f "$data/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
  else
    local p
    for _ in $(seq 1 200); do
      p=$((20000 + RANDOM % 40000))
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port found on 127.0.0.1"
  fi
}

init_cluster() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user (created by Debian's postgresql package)"
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" \
      || die "the postgres user cannot reach $dir (a parent directory is not searchable by it: chmod o+x the parents, or choose another directory)"
  fi
  local sync=()
  [ "$mode" = fast ] && sync=(--no-sync)
  as_owner "$BIN/initdb" -D "$data" -U nexus --auth=trust -E UTF8 --locale=C "${sync[@]}" >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed in $data"; }
  echo "$mode" >"$dir/mode"
}

start() {
  if [ ! -f "$data/PG_VERSION" ]; then
    [ -n "$mode" ] || mode=durable
    init_cluster
  else
    local kept
    kept="$(cat "$dir/mode" 2>/dev/null || echo durable)"
    [ -z "$mode" ] || [ "$mode" = "$kept" ] || echo "postgres.sh: $dir was created $kept; keeping that" >&2
    mode="$kept"
  fi
  if running; then
    cat "$dir/url"
    return
  fi
  [ -n "$port" ] || port="$(cat "$dir/port" 2>/dev/null || true)"
  [ -n "$port" ] || port="$(free_port)"
  local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300"
  [ "$mode" = fast ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  [ "$(id -u)" -eq 0 ] && { touch "$log"; chown postgres: "$log"; }
  if ! as_owner "$BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "$opts" start >/dev/null; then
    tail -n 20 "$log" >&2 || true
    die "the server in $data did not start (port $port; log: $log)"
  fi
  echo "$port" >"$dir/port"
  if [ "$(as_owner "$BIN/psql" -h "$dir" -p "$port" -U nexus -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'nexus'")" != 1 ]; then
    as_owner "$BIN/createdb" -h "$dir" -p "$port" -U nexus nexus
  fi
  url_of "$port" >"$dir/url"
  cat "$dir/url"
}

stop() {
  [ -f "$data/PG_VERSION" ] || return 0
  if running; then
    as_owner "$BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url) [ -f "$dir/url" ] || die "no cluster was started in $dir"; cat "$dir/url" ;;
  status) running ;;
  *) usage ;;
esac
