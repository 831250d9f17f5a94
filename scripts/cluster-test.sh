#!/usr/bin/env bash
# CI's run of the replica failover check (issue 19): a snapshot of the PostgreSQL 15 pages
# built with the already-built debug binary, packed, and served from the pack by 3 replicas
# behind HAProxy (scripts/cluster.sh; installs Debian's haproxy when missing) with one
# Postgres log; benches/cluster-failover.sh then SIGKILLs and restarts one replica under a
# closed loop of 32 clients and fails on more than 0.1% failed requests or any answered
# request missing from the log. Debug binaries and 20 s: a check, not the benchmark (the
# release numbers are in benches/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${DRIFTLESS_BIN:-$TARGET/debug/driftless}
LOADMIX=${LOADMIX:-$TARGET/debug/examples/loadmix}
for exe in "$BIN" "$LOADMIX"; do
  [ -x "$exe" ] || { echo "error: $exe is missing; run cargo build --workspace --all-targets first" >&2; exit 1; }
done
CORPUS=${DRIFTLESS_TEST_CORPUS:-$ROOT/.cache/corpus/default}
PAGES="$CORPUS/postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"
[ -d "$PAGES" ] || bash corpus-tools/fetch-default-corpus.sh "$CORPUS"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "cluster: building and packing a snapshot of $PAGES"
"$BIN" build --no-dense --progress none --corpus "$PAGES" --out "$WORK/snapshot" >/dev/null
"$BIN" snapshot pack "$WORK/snapshot" --out "$WORK/snapshot.driftless.tar.zst" >/dev/null
export DRIFTLESS_PACK_CACHE="$WORK/packs"
LOADMIX=$LOADMIX bash benches/cluster-failover.sh "$BIN" "$WORK/snapshot.driftless.tar.zst" \
  "${DRIFTLESS_CLUSTER_SECONDS:-20}" 32
