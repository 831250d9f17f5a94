#!/usr/bin/env bash
# Fetches the default driftless corpus: real HTML documentation pages from Debian's
# packages, without root (apt-get download + dpkg -x), into an ignored cache directory.
#
#   corpus-tools/fetch-default-corpus.sh [DEST]     (default DEST: .cache/corpus/default)
#
# Afterwards `driftless corpus describe DEST` writes DEST/driftless-corpus.jsonl, the corpus
# description that gives every page its canonical URL and flags redirect stubs and
# index/search pages (driftless quickstart does both steps).
set -euo pipefail

DEST=${1:-.cache/corpus/default}
PACKAGES=(postgresql-doc-15 python3.11-doc python-django-doc git-doc sphinx-doc)
DEBS="$(dirname "$DEST")/debs"
mkdir -p "$DEST" "$DEBS"

need() { command -v "$1" >/dev/null || { echo "error: $1 is required (Debian/Ubuntu: it ships with apt and dpkg)" >&2; exit 1; }; }
need apt-get
need dpkg

for pkg in "${PACKAGES[@]}"; do
  if [ -f "$DEST/$pkg/.complete" ]; then
    echo "corpus: $pkg already extracted"
    continue
  fi
  if ! ls "$DEBS/${pkg}"_*.deb >/dev/null 2>&1; then
    echo "corpus: downloading $pkg"
    # apt-get download writes into the current directory; run it in the cache. A stale or
    # missing package list is the usual cause of failure: refresh it once (as root) and retry.
    if ! (cd "$DEBS" && apt-get download -q "$pkg" >/dev/null 2>&1); then
      if [ "$(id -u)" = 0 ] && [ -z "${REFRESHED:-}" ]; then
        echo "corpus: refreshing apt package lists"
        apt-get update -qq >/dev/null 2>&1 || true
        REFRESHED=1
      fi
      if ! (cd "$DEBS" && apt-get download -q "$pkg" >/dev/null 2>&1); then
        echo "error: could not download $pkg; run 'apt-get update' (as root) and try again" >&2
        exit 1
      fi
    fi
  fi
  deb=$(ls "$DEBS/${pkg}"_*.deb | sort | tail -n 1)
  echo "corpus: extracting $(basename "$deb")"
  rm -rf "${DEST:?}/$pkg"
  mkdir -p "$DEST/$pkg"
  dpkg -x "$deb" "$DEST/$pkg"
  # Record which package version the pages come from (part of the corpus' provenance).
  dpkg-deb -f "$deb" Package Version > "$DEST/$pkg/.complete"
done
echo "corpus: $(find "$DEST" -name '*.html' | wc -l) HTML pages under $DEST"
