# Sourced by clients/run.sh, scripts/schemathesis.sh and scripts/python-package.sh: starts
# `driftless serve` in the background on a free loopback port, waits until it is ready and
# stops it on exit.
#
#   serve_work_dir
#       sets WORK to a fresh temporary directory and installs the EXIT trap that stops the
#       server and removes WORK (one trap for all three scripts, so none can forget either)
#   serve_snapshot BIN SNAPSHOT WORK [LOG_DB [SERVE_ARGS...]]
#       sets SERVER_PID and ADDR (host:port); the query log goes to LOG_DB (default
#       WORK/querylog.sqlite), server logs to WORK/serve.log; SERVE_ARGS go to `serve`
# A caller that installs its own EXIT trap instead must call stop_server (then remove WORK).

SERVER_PID=""
ADDR=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}

serve_work_dir() {
  WORK=$(mktemp -d)
  trap 'stop_server; rm -rf "$WORK"' EXIT
}

serve_snapshot() {
  local bin=$1 snapshot=$2 work=$3 log_db=${4:-$3/querylog.sqlite}
  shift $(( $# < 4 ? $# : 4 ))
  # Created here: the background job opens its redirections only once it has forked.
  : > "$work/serve.log"
  "$bin" serve --snapshot "$snapshot" --addr 127.0.0.1:0 \
    --log-db "$log_db" --log-spill "$work/querylog.spill.jsonl" "$@" \
    > "$work/serve.out" 2> "$work/serve.log" &
  SERVER_PID=$!
  # `serve` prints "serving snapshot <id> on http://ADDR" once the snapshot is verified.
  for _ in $(seq 1 600); do
    ADDR=$(sed -n 's/.* on http:\/\/\([0-9.:]*\).*/\1/p' "$work/serve.log" | head -n 1)
    [ -n "$ADDR" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$work/serve.log" >&2
      echo "error: driftless serve exited before it was ready" >&2
      return 1
    fi
    sleep 0.1
  done
  cat "$work/serve.log" >&2
  echo "error: driftless serve did not become ready within 60 s" >&2
  return 1
}
