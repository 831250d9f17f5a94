#!/usr/bin/env bash
# Poison run (issue 13): can a client poison the query log? `driftless serve` logs to a fresh,
# uniquely named Postgres database (dropped at the end) while a client sends ODD requests with
# NUL and other control bytes in q, doc_id, url and headers, interleaved with NORMAL searches.
# While the server still runs, the script checks that every normal request is a row, and that
# every odd request the server answered is a row holding exactly what was sent (read back
# through `driftless logs export`, which decodes the store's escape) or a line of the rejected
# file with a reason. After SIGTERM, nothing may be left in the spill file.
#
# Usage: benches/poison.sh            (about a minute with a release build)
#   DRIFTLESS_BENCH_SNAPSHOT  BM25 snapshot dir (default: built from DRIFTLESS_TEST_CORPUS into
#                             .cache/snapshots/poison-bm25 on first use)
#   NORMAL / ODD              request counts (10000 / 1000)
#   PG                        admin URL (postgres://postgres@127.0.0.1:5432/postgres)
# Needs: cargo build --release -p driftless (or DRIFTLESS_BIN=…/debug/driftless), psql, python3.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SNAP="${DRIFTLESS_BENCH_SNAPSHOT:-$ROOT/.cache/snapshots/poison-bm25}"
CORPUS="${DRIFTLESS_TEST_CORPUS:-$HOME/.cache/driftless-ci-corpus/default}"
NORMAL="${NORMAL:-10000}"
ODD="${ODD:-1000}"
PG="${PG:-postgres://postgres@127.0.0.1:5432/postgres}"
DB="driftless_poison_$$_$(date +%s)"
DB_URL="${PG%/*}/$DB"

need_built "cargo build --release -p driftless (or set DRIFTLESS_BIN)" "$BIN"
if [[ ! -f "$SNAP/manifest.json" ]]; then
  echo "poison: building a BM25-only snapshot of $CORPUS into $SNAP"
  # No model in the environment: a BM25-only build.
  env -u DRIFTLESS_MODEL_DIR "$BIN" build --progress lines --corpus "$CORPUS" --out "$SNAP" > /dev/null
fi

WORK=$(mktemp -d)
cleanup() {
  stop_server
  psql "$PG" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" > /dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql "$PG" -qc "CREATE DATABASE $DB" > /dev/null

serve_snapshot "$BIN" "$SNAP" "$WORK" "$DB_URL"
echo "poison: server $SERVER_PID on $ADDR, log in $DB, snapshot $SNAP"
SALT=poison-bench
export ADDR NORMAL ODD WORK SALT DB_URL BIN SNAP

python3 - <<'PY'
import hashlib, json, os, random, socket, subprocess, sys, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor

addr, work, salt = os.environ["ADDR"], os.environ["WORK"], os.environ["SALT"]
host, port = addr.rsplit(":", 1)
normal_n, odd_n = int(os.environ["NORMAL"]), int(os.environ["ODD"])
WORDS = "index vacuum create table query planner lock wal replication tuple".split()
CTRL = [bytes([b]) for b in list(range(0, 32)) + [127]]

def send(raw):
    """One request as raw bytes (no client library rewrites them); status and headers."""
    s = socket.create_connection((host, int(port)), timeout=30)
    try:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1]) if head and head[0].startswith("HTTP/") else 0
    headers = dict(l.split(": ", 1) for l in head[1:] if ": " in l)
    return status, {k.lower(): v for k, v in headers.items()}

def request(path, headers):
    lines = [b"GET " + path + b" HTTP/1.1", b"Host: " + addr.encode(), b"Connection: close"]
    lines += [k + b": " + v for k, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"

def odd(i, rng):
    """An odd request: (kind, raw bytes, what the log must hold)."""
    junk = b"".join(rng.choice(CTRL) for _ in range(3)) + "é\uffffesc:%".encode()
    # Always a NUL (what Postgres text cannot hold); every other one starts with the store's
    # escape marker, which must be escaped in turn.
    start = "\uffffesc:".encode() if i % 2 else b"x"
    text = start + b"\x00" + junk + bytes([48 + i % 10])
    enc = urllib.parse.quote_from_bytes(text, safe=b"").encode()
    rid = b"odd-%d" % i
    kind = ["q", "doc_id", "url", "hdr-ctrl", "hdr-obs", "hdr-key", "rid-ctrl"][i % 7]
    if kind == "q":
        return kind, request(b"/v1/search?k=3&q=" + enc, [(b"x-request-id", rid)]), ("query", text)
    if kind == "doc_id":
        return kind, request(b"/v1/fetch?doc_id=" + enc, [(b"x-request-id", rid)]), ("fetched_doc_id", text)
    if kind == "url":
        url = urllib.parse.quote_from_bytes(b"https://x.invalid/" + text, safe=b"").encode()
        return kind, request(b"/v1/fetch?url=" + url, [(b"x-request-id", rid)]), ("params.url", b"https://x.invalid/" + text)
    if kind == "hdr-ctrl":  # a raw control byte in a header value
        return kind, request(b"/v1/search?q=index", [(b"x-request-id", rid), (b"x-session-id", b"s" + rng.choice(CTRL) + b"t")]), None
    if kind == "hdr-obs":  # bytes >= 0x80 (obs-text) in x-client-id and x-session-id
        value = b"agent-\xff\xfe" + bytes([0x80 + i % 100])
        return kind, request(b"/v1/search?q=index", [(b"x-request-id", rid), (b"x-client-id", value), (b"x-session-id", value)]), ("session_hint", value)
    if kind == "hdr-key":  # an anonymous caller posing as an API key
        return kind, request(b"/v1/search?q=index", [(b"x-request-id", rid), (b"x-client-id", b"key:admin")]), ("client", b"anon:key:admin")
    return kind, request(b"/v1/search?q=vacuum", [(b"x-request-id", b"odd\x01" + rid)]), None

def normal(i, rng):
    q = "+".join(rng.sample(WORDS, 2)).encode()
    return "normal", request(b"/v1/search?k=5&q=" + q, [(b"x-request-id", b"norm-%d" % i), (b"x-client-id", b"bench")]), None

rng = random.Random(13)
jobs = [normal(i, rng) for i in range(normal_n)]
stride = max(1, normal_n // max(1, odd_n))
for i in range(odd_n):
    jobs.insert(min(len(jobs), i * (stride + 1)), odd(i, rng))
t0 = time.time()
with ThreadPoolExecutor(4) as pool:
    answers = list(pool.map(lambda job: send(job[1]), jobs))
elapsed = time.time() - t0
print(f"poison: sent {len(jobs)} requests ({normal_n} normal, {odd_n} odd) in {elapsed:.1f} s, {len(jobs)/elapsed:.0f} req/s")

def export():
    out = os.path.join(work, "export.jsonl")
    subprocess.run([os.environ["BIN"], "logs", "export", "--db", os.environ["DB_URL"], "--out", out,
                    "--format", "jsonl", "--salt", salt], check=True, capture_output=True)
    return [json.loads(l) for l in open(out, encoding="utf-8")]

# While the server runs: every normal request must become a row.
deadline, rows = time.time() + 60, []
while time.time() < deadline:
    rows = export()
    if sum(r["request_id"].startswith("norm-") for r in rows) >= normal_n:
        break
    time.sleep(0.5)
print(f"poison: {len(rows)} rows after {time.time() - t0:.1f} s (server still running)")
by_rid = {}
for r in rows:
    by_rid.setdefault(r["request_id"], []).append(r)
missing = [i for i in range(normal_n) if len(by_rid.get(f"norm-{i}", [])) != 1]
rejected_path = os.path.join(work, "querylog.rejected.jsonl")
rejected = [json.loads(l) for l in open(rejected_path)] if os.path.exists(rejected_path) else []
rejected_ids = {r["request_id"] for r in rejected}
stats, failures = {}, []
anon = lambda c: hashlib.sha256((salt + c).encode()).hexdigest()[:16]
for (kind, raw, expect), (status, headers) in zip(jobs, answers):
    if kind == "normal":
        continue
    rid = headers.get("x-request-id")
    key = (kind, status if rid else "refused by hyper")
    if rid is None:
        stats[key] = stats.get(key, 0) + 1
        continue
    found = by_rid.get(rid, [])
    where = "row" if len(found) == 1 else "rejected" if rid in rejected_ids else "MISSING"
    stats[(kind, status, where)] = stats.get((kind, status, where), 0) + 1
    if where == "MISSING":
        failures.append(f"{kind} {status} {rid}: no row and not rejected")
    elif where == "row" and expect:
        field, sent = expect
        row = found[0]
        got = row["params"].get("url") if field == "params.url" else row[field]
        # Headers that are not UTF-8 are stored byte for byte as Latin-1 characters.
        try:
            want = sent.decode("utf-8")
        except UnicodeDecodeError:
            want = sent.decode("latin-1")
        if field == "client":
            want = anon(want)
        if got != want:
            failures.append(f"{kind} {rid}: stored {got!r}, sent {want!r}")
for key in sorted(stats, key=str):
    print("poison:  ", " / ".join(map(str, key)), stats[key])
print(f"poison: normal requests missing or duplicated: {len(missing)} of {normal_n}")
print(f"poison: rejected file: {len(rejected)} lines" + (f", first reason: {rejected[0]['rejected']['reason']}" if rejected else ""))
for f in failures[:10]:
    print("poison: FAIL:", f, file=sys.stderr)
sys.exit(1 if missing or failures else 0)
PY
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { echo "poison: server exited non-zero after SIGTERM" >&2; exit 1; }
SERVER_PID=""
grep -o 'query log flushed.*' "$WORK/serve.log" | sed 's/^/poison: /' || true
spilled=0
for f in "$WORK/querylog.spill.jsonl" "$WORK/querylog.spill.jsonl.replaying"; do
  [[ -f "$f" ]] && spilled=$(( spilled + $(grep -c . "$f" || true) ))
done
echo "poison: spill file lines at the end: $spilled"
rows=$(psql "$DB_URL" -Atc "SELECT count(*) FROM query_log")
escaped=$(psql "$DB_URL" -Atc "SELECT count(*) FROM query_log WHERE query LIKE U&'\\FFFF' || 'esc:%' OR fetched_doc_id LIKE U&'\\FFFF' || 'esc:%'")
echo "poison: $rows rows in Postgres, $escaped of them with an escaped (NUL-holding) query or doc id"
[[ "$spilled" -eq 0 ]] || { echo "poison: FAIL: records left in the spill file" >&2; exit 1; }
