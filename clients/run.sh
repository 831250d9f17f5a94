#!/usr/bin/env bash
# Client tests: real, unmodified client libraries from PyPI (tavily-python, LangChain's
# SearxSearchWrapper, requests as Search-R1 uses it) against a real `driftless serve`.
#
#   clients/run.sh [pytest args…]
#
# 1. a venv in the ignored .cache/venv-clients (DRIFTLESS_CLIENTS_VENV), reinstalled only
#    when clients/requirements.txt or constraints.txt change;
# 2. a snapshot of the PostgreSQL 15 docs from the test corpus (DRIFTLESS_TEST_CORPUS,
#    fetched from Debian's packages when missing) built with the already-built binary
#    (DRIFTLESS_BIN, else $CARGO_TARGET_DIR/debug/driftless, else target/debug/driftless);
# 3. `driftless serve` on a free port with a SQLite query log, then pytest with
#    DRIFTLESS_URL and DRIFTLESS_LOG_DB exported; the server is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BIN=${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/driftless}
if [ ! -x "$BIN" ]; then
  echo "error: no driftless binary at $BIN; build it first (cargo build -p driftless) or set DRIFTLESS_BIN" >&2
  exit 1
fi

# venv DIR REQUIREMENTS_DIR: a venv with REQUIREMENTS_DIR's pinned set, rebuilt only when
# its requirements.txt or constraints.txt change.
venv() {
  local dir=$1 reqs=$2
  local stamp
  stamp="$dir/.requirements-$(cat "$reqs/requirements.txt" "$reqs/constraints.txt" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "clients: installing the pinned client libraries of $reqs into $dir"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/python" -m pip install -q --disable-pip-version-check \
      -r "$reqs/requirements.txt" -c "$reqs/constraints.txt"
    touch "$stamp"
  fi
}
VENV=${DRIFTLESS_CLIENTS_VENV:-$ROOT/.cache/venv-clients}
venv "$VENV" clients
# The OpenAI Agents SDK cannot share the main set's websockets pin: its own venv.
AGENTS_VENV=${DRIFTLESS_AGENTS_VENV:-$ROOT/.cache/venv-openai-agents}
venv "$AGENTS_VENV" clients/openai_agents

CORPUS=${DRIFTLESS_TEST_CORPUS:-$ROOT/.cache/corpus/default}
PAGES="$CORPUS/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"
if [ ! -d "$PAGES" ]; then
  bash corpus-tools/fetch-default-corpus.sh "$CORPUS"
fi

# shellcheck source-path=SCRIPTDIR source=../scripts/serve-lib.sh
source "$ROOT/scripts/serve-lib.sh"
serve_work_dir

echo "clients: building a snapshot of $PAGES"
"$BIN" build --no-dense --progress lines --corpus "$PAGES" --out "$WORK/snapshot" > "$WORK/build.json" 2> "$WORK/build.log" || {
  cat "$WORK/build.log" >&2
  exit 1
}

serve_snapshot "$BIN" "$WORK/snapshot" "$WORK"

export DRIFTLESS_URL="http://$ADDR"
export DRIFTLESS_LOG_DB="$WORK/querylog.sqlite"
# For tests that start their own process on the same snapshot (MCP over stdio).
export DRIFTLESS_SNAPSHOT="$WORK/snapshot" DRIFTLESS_BIN="$BIN"
echo "clients: server at $DRIFTLESS_URL, query log $DRIFTLESS_LOG_DB"
status=0
"$VENV/bin/python" -m pytest -q clients --ignore=clients/openai_agents "$@" || status=$?
"$AGENTS_VENV/bin/python" -m pytest -q clients/openai_agents "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 15 lines) ---" >&2
  tail -n 15 "$WORK/serve.log" >&2
fi
exit "$status"
