#!/usr/bin/env bash
# Fetches the default driftless corpus: real HTML documentation pages from Debian's
# packages, without root (apt-get download + dpkg -x), into an ignored cache directory.
#
#   corpus-tools/fetch-default-corpus.sh [DEST]     (default DEST: .cache/corpus/default)
#
# Afterwards `driftless corpus describe DEST` writes DEST/driftless-corpus.jsonl, the corpus
# description that gives every page its canonical URL and flags redirect stubs and
# index/search pages (driftless quickstart does both steps). The large corpus is
# fetch-large-corpus.sh; both share corpus-tools/lib.sh.
set -euo pipefail

DEST=${1:-.cache/corpus/default}
PACKAGES=(postgresql-doc-15 python3.11-doc python-django-doc git-doc sphinx-doc)

# shellcheck source=corpus-tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fetch_debian_corpus "$DEST" "${PACKAGES[@]}"
