# Shared by the corpus fetch scripts (fetch-default-corpus.sh, fetch-large-corpus.sh); source
# it, then call fetch_debian_corpus DEST PACKAGE…
#
# fetch_debian_corpus downloads each Debian package without root (apt-get download) into
# DEST/../debs and extracts it (dpkg -x) into DEST/<package>/. A package is done when
# DEST/<package>/.complete exists; that file records the package name and version the pages
# come from (part of the corpus' provenance), so re-running skips finished packages and an
# interrupted extraction is redone from the .deb. The HTML pages are counted at the end.

need() { command -v "$1" >/dev/null || { echo "error: $1 is required (Debian/Ubuntu: it ships with apt and dpkg)" >&2; exit 1; }; }

fetch_debian_corpus() {
  local dest=$1
  shift
  local debs pkg deb
  debs="$(dirname "$dest")/debs"
  mkdir -p "$dest" "$debs"
  need apt-get
  need dpkg

  for pkg in "$@"; do
    if [ -f "$dest/$pkg/.complete" ]; then
      echo "corpus: $pkg already extracted"
      continue
    fi
    if ! ls "$debs/${pkg}"_*.deb >/dev/null 2>&1; then
      echo "corpus: downloading $pkg"
      # apt-get download writes into the current directory; run it in the cache. A stale or
      # missing package list is the usual cause of failure: refresh it once (as root) and retry.
      if ! (cd "$debs" && apt-get download -q "$pkg" >/dev/null 2>&1); then
        if [ "$(id -u)" = 0 ] && [ -z "${REFRESHED:-}" ]; then
          echo "corpus: refreshing apt package lists"
          apt-get update -qq >/dev/null 2>&1 || true
          REFRESHED=1
        fi
        if ! (cd "$debs" && apt-get download -q "$pkg" >/dev/null 2>&1); then
          echo "error: could not download $pkg; run 'apt-get update' (as root) and try again" >&2
          exit 1
        fi
      fi
    fi
    deb=$(ls "$debs/${pkg}"_*.deb | sort | tail -n 1)
    echo "corpus: extracting $(basename "$deb")"
    rm -rf "${dest:?}/$pkg"
    mkdir -p "$dest/$pkg"
    dpkg -x "$deb" "$dest/$pkg"
    # Record which package version the pages come from (part of the corpus' provenance).
    dpkg-deb -f "$deb" Package Version > "$dest/$pkg/.complete"
  done
  echo "corpus: $(find "$dest" -name '*.html' | wc -l) HTML pages under $dest"
}
