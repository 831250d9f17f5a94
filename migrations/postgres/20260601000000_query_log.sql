-- One row per answered request. `request_id` is the idempotency key: a batch that is
-- replayed from the spill file after a partial failure inserts each record at most once,
-- also when several server replicas write to this one store.
-- JSONB so that analysts can query parameters and results in SQL directly.
CREATE TABLE IF NOT EXISTS query_log (
    request_id     TEXT    NOT NULL PRIMARY KEY,
    ts_ms          BIGINT  NOT NULL,
    client         TEXT    NOT NULL,
    session_hint   TEXT,
    step_hint      BIGINT,
    endpoint       TEXT    NOT NULL,
    query          TEXT,
    params         JSONB   NOT NULL,
    snapshot_id    TEXT    NOT NULL,
    results        JSONB   NOT NULL,
    fetched_doc_id TEXT,
    status         INTEGER NOT NULL,
    latency_us     BIGINT  NOT NULL
);

-- Analysis reads in (ts_ms, request_id) order; sessionizing filters by client.
CREATE INDEX IF NOT EXISTS query_log_ts ON query_log (ts_ms, request_id);
CREATE INDEX IF NOT EXISTS query_log_client_ts ON query_log (client, ts_ms);
