#!/usr/bin/env bash
# The replica topology of docker/compose.yaml on this machine, without Docker: N
# `driftless serve` replicas on loopback behind HAProxy (Debian's package), all logging
# into one Postgres database. For tests and benchmarks (benches/cluster-failover.sh).
#
#   scripts/cluster.sh up --snapshot DIR|PACK [--replicas 3] [--port 0] [--db URL]
#                         [--binary PATH] [--dir DIR]     start; prints the frontend URL
#   scripts/cluster.sh status  [--dir DIR]                replicas, pids, /ready
#   scripts/cluster.sh kill N  [--dir DIR]                SIGKILL replica N (1-based)
#   scripts/cluster.sh start N [--dir DIR]                (re)start replica N, wait for /ready
#   scripts/cluster.sh down    [--dir DIR]                stop everything; drops the database
#                                                         `up` created
#
# Replica N listens on 127.0.0.1:<port>, is named `replica-N` in the query log and in the
# `x-driftless-replica` response header, and believes X-Forwarded-For only from 127.0.0.1
# (HAProxy), so clients keep their own address in the log. Without --db, `up` creates a
# uniquely named database on the Postgres at 127.0.0.1:5432 and `down` drops it.
# HAProxy routes only to replicas whose /ready answers 200, and retries a request that a
# dying replica dropped (retry-on: conn-failure, empty-response) on another one.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=.cache/cluster
REPLICAS=3
PORT=0
DB=""
SNAPSHOT=""
BINARY="${DRIFTLESS_BIN:-}"
COMMAND="${1:-}"
[ $# -gt 0 ] && shift
TARGET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --db) DB=$2; shift 2 ;;
    --snapshot) SNAPSHOT=$2; shift 2 ;;
    --binary) BINARY=$2; shift 2 ;;
    [0-9]*) TARGET=$1; shift ;;
    *) echo "error: unknown argument $1 (see the top of $0)" >&2; exit 2 ;;
  esac
done

die() { echo "error: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ensure_haproxy() {
  command -v haproxy >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "HAProxy is missing: sudo apt-get install haproxy"
  echo "cluster: installing HAProxy from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >/dev/null \
    || die "apt-get install haproxy failed"
}

psql_admin() { psql -X -q -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# The state file holds what `up` decided, for the other subcommands.
load_state() {
  [ -f "$DIR/state" ] || die "no cluster in $DIR (run: $0 up --snapshot …)"
  # shellcheck disable=SC1091
  . "$DIR/state"
}

replica_port() { eval "echo \${REPLICA_PORT_$1}"; }

start_replica() {
  local n=$1 port
  port=$(replica_port "$n")
  [ -n "$port" ] || die "no replica $n (1 to $REPLICAS)"
  mkdir -p "$DIR/replica-$n"
  # Its own spill file and crash journal: a killed replica's next start replays them.
  "$BINARY" serve --snapshot "$SNAPSHOT" --addr "127.0.0.1:$port" \
    --replica-id "replica-$n" --trusted-proxy 127.0.0.1 \
    --log-db "$DB" --log-spill "$DIR/replica-$n/spill.jsonl" \
    --pack-cache "$DIR/packs" \
    >>"$DIR/replica-$n/serve.out" 2>>"$DIR/replica-$n/serve.log" &
  echo $! >"$DIR/replica-$n/pid"
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/ready" 2>/dev/null; then
      return 0
    fi
    kill -0 "$(cat "$DIR/replica-$n/pid")" 2>/dev/null || {
      tail -20 "$DIR/replica-$n/serve.log" >&2
      die "replica $n exited before it was ready"
    }
    sleep 0.1
  done
  die "replica $n was not ready within 60 s (see $DIR/replica-$n/serve.log)"
}

write_haproxy_cfg() {
  {
    cat <<EOF
# Written by scripts/cluster.sh; the same choices as docker/haproxy.cfg.
global
    maxconn 4096
    pidfile $DIR/haproxy.pid
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    # Keep client connections open; reuse server connections across clients.
    option http-keep-alive
    http-reuse safe
    # The client's address for the replicas' query log (they trust 127.0.0.1).
    option forwardfor
    # A request a killed replica dropped, or one refused by a replica that is gone, is
    # sent again to another replica: searches and fetches are read-only, so safe to repeat.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend api
    bind 127.0.0.1:$FRONT_PORT
    # A client's own X-Forwarded-For is dropped: only the address HAProxy saw is passed on.
    http-request del-header X-Forwarded-For
    default_backend replicas
backend replicas
    balance leastconn
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
EOF
    for n in $(seq 1 "$REPLICAS"); do
      echo "    server replica-$n 127.0.0.1:$(replica_port "$n") check"
    done
  } >"$DIR/haproxy.cfg"
}

cmd_up() {
  [ -n "$SNAPSHOT" ] || die "--snapshot DIR|PACK is required"
  [ -e "$SNAPSHOT" ] || die "$SNAPSHOT does not exist"
  [ -f "$DIR/state" ] && die "a cluster is already up in $DIR (run: $0 down --dir $DIR)"
  if [ -z "$BINARY" ]; then
    BINARY=$(command -v driftless || true)
    [ -n "$BINARY" ] || die "no driftless binary: pass --binary PATH or set DRIFTLESS_BIN"
  fi
  ensure_haproxy
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  SNAPSHOT=$(cd "$(dirname "$SNAPSHOT")" && pwd)/$(basename "$SNAPSHOT")
  BINARY=$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")
  local created_db=""
  if [ -z "$DB" ]; then
    created_db="driftless_cluster_$(date +%s)_$$"
    psql_admin -c "CREATE DATABASE $created_db" || die "cannot create a database on 127.0.0.1:5432"
    DB="postgres://postgres@127.0.0.1:5432/$created_db"
  fi
  FRONT_PORT=$PORT
  [ "$FRONT_PORT" = 0 ] && FRONT_PORT=$(free_port)
  {
    echo "REPLICAS=$REPLICAS"
    echo "FRONT_PORT=$FRONT_PORT"
    echo "DB='$DB'"
    echo "CREATED_DB='$created_db'"
    echo "SNAPSHOT='$SNAPSHOT'"
    echo "BINARY='$BINARY'"
    for n in $(seq 1 "$REPLICAS"); do echo "REPLICA_PORT_$n=$(free_port)"; done
  } >"$DIR/state"
  load_state
  # The first replica migrates the database; the others find it done.
  for n in $(seq 1 "$REPLICAS"); do start_replica "$n"; done
  write_haproxy_cfg
  haproxy -c -q -f "$DIR/haproxy.cfg" || die "HAProxy refused $DIR/haproxy.cfg"
  haproxy -D -f "$DIR/haproxy.cfg"
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$FRONT_PORT/ready" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$FRONT_PORT/ready" || die "HAProxy does not answer on $FRONT_PORT"
  echo "http://127.0.0.1:$FRONT_PORT"
}

cmd_status() {
  load_state
  echo "frontend http://127.0.0.1:$FRONT_PORT  log $DB"
  for n in $(seq 1 "$REPLICAS"); do
    local pid port ready
    pid=$(cat "$DIR/replica-$n/pid" 2>/dev/null || echo -)
    port=$(replica_port "$n")
    ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" || true)
    echo "replica-$n pid $pid port $port ready $ready"
  done
}

cmd_kill() {
  load_state
  [ -n "$TARGET" ] || die "which replica? $0 kill N"
  kill -KILL "$(cat "$DIR/replica-$TARGET/pid")"
}

cmd_start() {
  load_state
  [ -n "$TARGET" ] || die "which replica? $0 start N"
  start_replica "$TARGET"
}

cmd_down() {
  [ -f "$DIR/state" ] || return 0
  load_state
  [ -f "$DIR/haproxy.pid" ] && kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
  for n in $(seq 1 "$REPLICAS"); do
    local pid
    pid=$(cat "$DIR/replica-$n/pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for n in $(seq 1 "$REPLICAS"); do
    local pid
    pid=$(cat "$DIR/replica-$n/pid" 2>/dev/null || true)
    while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
  if [ -n "$CREATED_DB" ]; then
    psql_admin -c "DROP DATABASE IF EXISTS $CREATED_DB WITH (FORCE)" || true
  fi
  rm -f "$DIR/state"
}

case "$COMMAND" in
  up) cmd_up ;;
  status) cmd_status ;;
  kill) cmd_kill ;;
  start) cmd_start ;;
  down) cmd_down ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
