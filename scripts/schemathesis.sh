#!/usr/bin/env bash
# Schema conformance: schemathesis (PyPI, pinned) against a running `driftless serve` and the
# committed openapi.yaml (issue 7: no 5xx, no response that violates the document).
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]      # default 50 test cases per operation and phase
#
# 1. a venv in the ignored .cache/schemathesis-venv (DRIFTLESS_SCHEMATHESIS_VENV) with exactly
#    scripts/schemathesis-requirements.txt, reinstalled only when that file changes;
# 2. a BM25 snapshot of the PostgreSQL 15 pages of the test corpus (DRIFTLESS_TEST_CORPUS,
#    fetched from Debian's packages when missing), built with the already-built binary
#    (DRIFTLESS_BIN, else $CARGO_TARGET_DIR/debug/driftless, else target/debug/driftless) and
#    cached in .cache/schemathesis/ until the binary changes;
# 3. `driftless serve` on a free loopback port with a throw-away SQLite query log, then
#    `st run` with every check, a fixed seed and a bounded number of examples; the server is
#    stopped on exit. Exit status: schemathesis's (non-zero on any failure).
#
# The report (JUnit XML and a pytest file reproducing failures) goes to
# .cache/schemathesis/report/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

MAX_EXAMPLES=${1:-${DRIFTLESS_SCHEMATHESIS_EXAMPLES:-50}}
SEED=${DRIFTLESS_SCHEMATHESIS_SEED:-7}
# The server must not pick up a developer's settings (keys file, address, log store).
unset DRIFTLESS_KEYS_FILE DRIFTLESS_ADDR DRIFTLESS_LOG_DB

BIN=${DRIFTLESS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/driftless}
if [ ! -x "$BIN" ]; then
  echo "error: no driftless binary at $BIN; build it first (cargo build -p driftless) or set DRIFTLESS_BIN" >&2
  exit 1
fi

CACHE=$ROOT/.cache/schemathesis
mkdir -p "$CACHE"

VENV=${DRIFTLESS_SCHEMATHESIS_VENV:-$ROOT/.cache/schemathesis-venv}
case $VENV in /*) ;; *) VENV=$ROOT/$VENV ;; esac
STAMP="$VENV/.requirements-$(sha256sum < scripts/schemathesis-requirements.txt | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "schemathesis: installing the pinned schemathesis into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -r scripts/schemathesis-requirements.txt
  touch "$STAMP"
fi

CORPUS=${DRIFTLESS_TEST_CORPUS:-$ROOT/.cache/corpus/default}
PAGES="$CORPUS/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"
if [ ! -d "$PAGES" ]; then
  bash corpus-tools/fetch-default-corpus.sh "$CORPUS"
fi

# The snapshot depends only on the binary and the (frozen) pages: rebuild when the binary changes.
SNAPSHOT=$CACHE/snapshot
KEY="$(sha256sum < "$BIN" | cut -c1-16) $CORPUS"
if [ ! -f "$SNAPSHOT/manifest.json" ] || [ "$(cat "$CACHE/snapshot.key" 2>/dev/null)" != "$KEY" ]; then
  echo "schemathesis: building a snapshot of the PostgreSQL 15 pages into $SNAPSHOT"
  rm -rf "$SNAPSHOT" "$CACHE/snapshot.key"
  if "$BIN" build --help | grep -q -- '--include'; then
    SOURCE=(--corpus "$CORPUS" --include postgresql-doc-15/)
  else
    SOURCE=(--corpus "$PAGES")
  fi
  "$BIN" build --no-dense --progress lines "${SOURCE[@]}" --out "$SNAPSHOT" \
    > "$CACHE/build.json" 2> "$CACHE/build.log" || {
    cat "$CACHE/build.log" >&2
    exit 1
  }
  echo "$KEY" > "$CACHE/snapshot.key"
fi

# shellcheck source-path=SCRIPTDIR source=serve-lib.sh
source "$ROOT/scripts/serve-lib.sh"
serve_work_dir

serve_snapshot "$BIN" "$SNAPSHOT" "$WORK"
URL="http://$ADDR"

# The committed openapi.yaml is the contract; the served one is generated from the code and
# the openapi test keeps them equal. A difference here means an uncommitted route change.
if ! "$VENV/bin/python" -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "$URL/openapi.yaml" > "$WORK/served-openapi.yaml" 2> /dev/null \
  || ! cmp -s "$WORK/served-openapi.yaml" openapi.yaml; then
  echo "schemathesis: warning: $URL/openapi.yaml differs from the committed openapi.yaml; testing the committed one" >&2
fi

echo "schemathesis: $URL, $MAX_EXAMPLES examples per operation, seed $SEED"
# Not JSON APIs, so not schema-tested should they appear in the document: /mcp (MCP JSON-RPC
# over streamable HTTP, tested with real MCP clients in clients/), /docs (an HTML page),
# /metrics (Prometheus text).
EXCLUDE=()
if grep -qE '^  /(mcp|docs|metrics)(/.*)?:$' openapi.yaml; then
  EXCLUDE=(--exclude-path-regex '^/(mcp|docs|metrics)(/|$)')
fi
status=0
# Run from the scratch directory so nothing (e.g. a default report directory) lands in the
# tree; per-operation settings are in scripts/schemathesis.toml.
(
  cd "$WORK"
  "$VENV/bin/st" --config-file "$ROOT/scripts/schemathesis.toml" run "$ROOT/openapi.yaml" \
    --url "$URL" --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
    "${EXCLUDE[@]}" --no-color --report junit,pytest --report-dir "$CACHE/report"
) || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines) ---" >&2
  tail -n 40 "$WORK/serve.log" >&2
fi
exit "$status"
