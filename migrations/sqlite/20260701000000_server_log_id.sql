-- The key becomes server-made: `log_id`. Until now the key was `request_id`, the client's
-- own `x-request-id`, so with ON CONFLICT DO NOTHING a client could hide a request behind
-- an id already stored, or pre-empt ids other clients would send. `request_id` stays as an
-- ordinary column (the id the client saw, for joining its logs with ours).
-- SQLite cannot change a primary key in place: rebuild the table. Existing rows keep their
-- request id as log id, which is what records without a `log_id` map to (spill files and
-- exports written before this migration), so replaying them stays idempotent.
CREATE TABLE query_log_v2 (
    log_id         TEXT    NOT NULL PRIMARY KEY,
    request_id     TEXT    NOT NULL,
    ts_ms          INTEGER NOT NULL,
    client         TEXT    NOT NULL,
    session_hint   TEXT,
    step_hint      INTEGER,
    endpoint       TEXT    NOT NULL,
    query          TEXT,
    params         TEXT    NOT NULL,
    snapshot_id    TEXT    NOT NULL,
    results        TEXT    NOT NULL,
    fetched_doc_id TEXT,
    status         INTEGER NOT NULL,
    latency_us     INTEGER NOT NULL
);

INSERT INTO query_log_v2 (log_id, request_id, ts_ms, client, session_hint, step_hint,
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us)
SELECT request_id, request_id, ts_ms, client, session_hint, step_hint,
    endpoint, query, params, snapshot_id, results, fetched_doc_id, status, latency_us
FROM query_log;

DROP TABLE query_log;
ALTER TABLE query_log_v2 RENAME TO query_log;

-- Analysis reads in (ts_ms, request_id, log_id) order; sessionizing filters by client;
-- operators look requests up by the id the client reported.
CREATE INDEX query_log_ts ON query_log (ts_ms, request_id, log_id);
CREATE INDEX query_log_client_ts ON query_log (client, ts_ms);
CREATE INDEX query_log_request_id ON query_log (request_id);
