#!/usr/bin/env bash
# Fetches the large driftless corpus: the Rust 1.63 documentation (std, core, alloc, the
# books), the Java 17 API documentation and the Linux 6.1 kernel documentation from Debian's
# packages (about 45,400 HTML pages; a 67 MB download, 1.1 GB extracted), without root
# (apt-get download + dpkg -x), into an ignored cache directory.
#
#   corpus-tools/fetch-large-corpus.sh [DEST]     (default DEST: .cache/corpus/large)
#
# Same conventions as fetch-default-corpus.sh (corpus-tools/lib.sh): idempotent, one
# DEST/<package>/.complete per package recording its name and version, .debs cached in
# DEST/../debs. Then `driftless corpus describe DEST` gives every page its canonical URL
# (doc.rust-lang.org/1.63.0, docs.oracle.com/en/java/javase/17, kernel.org/doc/html/v6.1) and
# flags; `driftless quickstart --corpus large` does both steps and builds (docs/large-corpus.md).
set -euo pipefail

DEST=${1:-.cache/corpus/large}
# Debian 12 (bookworm) names; rust-doc's version is the rustc it documents (1.63.0).
PACKAGES=(rust-doc openjdk-17-doc linux-doc-6.1)

# shellcheck source=corpus-tools/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fetch_debian_corpus "$DEST" "${PACKAGES[@]}"
