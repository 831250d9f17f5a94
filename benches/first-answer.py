#!/usr/bin/env python3
"""Time to first answer (issue 22): a new user's `driftless quickstart` after the compile.

Runs the release binary's quickstart in an empty directory with an empty model cache (so the
corpus and model fetches are counted), stamps every console line, and reports:
  - seconds from start to the server line, and from the server line to the first 200 of
    `GET /v1/search` (polled every 100 ms);
  - the dense build's phases as `GET /v1/snapshot/build` shows them (start and end of each);
  - a closed loop of 4 clients (keep-alive, 20 ms think time) from the first answer until
    2 s after the switch: requests, statuses (any 5xx/503 is a failure), snapshot ids seen.

Usage: benches/first-answer.py [WORKDIR]     (default /tmp/driftless-first-answer; removed first)
  DRIFTLESS_BIN   the binary (default: $CARGO_TARGET_DIR or target/, release/driftless)
  FA_KEEP_CORPUS  a corpus directory to copy in instead of fetching it (then fetch time is 0)
Prints one JSON object on stdout; the console is in WORKDIR/console.log.
"""
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.environ.get("DRIFTLESS_BIN", os.path.join(TARGET, "release", "driftless"))
WORK = sys.argv[1] if len(sys.argv) > 1 else "/tmp/driftless-first-answer"
QUERY = "/v1/search?q=create+index+concurrently&k=10"


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    home = os.path.join(WORK, "home")
    os.makedirs(home)
    if os.environ.get("FA_KEEP_CORPUS"):
        shutil.copytree(os.environ["FA_KEEP_CORPUS"], os.path.join(WORK, ".cache/corpus/default"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DRIFTLESS_", "XDG_")) and k != "ORT_DYLIB_PATH"}
    env["HOME"] = home
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [BIN, "quickstart", "--cache", os.path.join(WORK, ".cache"), "--addr", "127.0.0.1:0"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines, addr_box, server_line = [], [], threading.Event()

    def read_console():
        with open(os.path.join(WORK, "console.log"), "w") as log:
            for line in proc.stderr:
                stamp = time.monotonic() - t0
                log.write(f"{stamp:8.1f} {line}")
                log.flush()
                lines.append((stamp, line))
                if "on http://" in line and not addr_box:
                    addr_box.append((stamp, line.split("on http://")[1].split()[0]))
                    server_line.set()

    threading.Thread(target=read_console, daemon=True).start()
    if not server_line.wait(1800):
        proc.kill()
        sys.exit("no server line within 30 min; see console.log")
    served_at, addr = addr_box[0]
    host, port = addr.rsplit(":", 1)
    while True:
        status, _ = one_get(host, port, QUERY)
        if status == 200:
            break
        time.sleep(0.1)
    first_answer = time.monotonic() - t0

    stop = threading.Event()
    seen = [[] for _ in range(4)]
    clients = [threading.Thread(target=client, args=(host, port, stop, seen[i])) for i in range(4)]
    for c in clients:
        c.start()
    phases, build = [], None
    while True:
        _, body = one_get(host, port, "/v1/snapshot/build")
        build = json.loads(body)["build"]
        now = time.monotonic() - t0
        if build and (not phases or phases[-1]["phase"] != build["phase"]):
            if phases:
                phases[-1]["end"] = round(now, 1)
            phases.append({"phase": build["phase"], "start": round(now, 1), "total": build["total"]})
        if build is None or build["state"] != "building":
            break
        time.sleep(0.5)
    switched_at = time.monotonic() - t0
    if phases:
        phases[-1]["end"] = round(switched_at, 1)
    time.sleep(2)
    stop.set()
    for c in clients:
        c.join()
    proc.terminate()
    proc.wait(60)
    statuses, ids = {}, {}
    for s in seen:
        for status, sid in s:
            statuses[status] = statuses.get(status, 0) + 1
            ids[sid] = ids.get(sid, 0) + 1
    print(json.dumps({
        "server_line_s": round(served_at, 1),
        "first_answer_s": round(first_answer, 1),
        "first_answer_after_server_line_s": round(first_answer - served_at, 2),
        "build": build,
        "phases": phases,
        "switched_s": round(switched_at, 1),
        "closed_loop_4": {"requests": sum(statuses.values()), "statuses": statuses,
                          "snapshots": ids},
    }, indent=2))


def one_get(host, port, path):
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    except OSError:
        return 0, ""
    finally:
        conn.close()


def client(host, port, stop, seen):
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while not stop.is_set():
        try:
            conn.request("GET", QUERY)
            response = conn.getresponse()
            body = response.read()
            sid = json.loads(body).get("snapshot", "?") if response.status == 200 else "-"
            seen.append((response.status, sid))
        except (OSError, http.client.HTTPException, ValueError):
            seen.append((0, "transport error"))
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
