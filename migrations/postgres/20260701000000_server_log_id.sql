-- The key becomes server-made: `log_id`. Until now the key was `request_id`, the client's
-- own `x-request-id`, so with ON CONFLICT DO NOTHING a client could hide a request behind
-- an id already stored, or pre-empt ids other clients would send. `request_id` stays as an
-- ordinary column (the id the client saw, for joining its logs with ours).
-- Existing rows keep their request id as log id, which is what records without a `log_id`
-- map to (spill files and exports written before this migration), so replaying them stays
-- idempotent.
ALTER TABLE query_log ADD COLUMN log_id TEXT;
UPDATE query_log SET log_id = request_id;
ALTER TABLE query_log ALTER COLUMN log_id SET NOT NULL;
ALTER TABLE query_log DROP CONSTRAINT query_log_pkey;
ALTER TABLE query_log ADD CONSTRAINT query_log_pkey PRIMARY KEY (log_id);

-- Analysis reads in (ts_ms, request_id, log_id) order; operators look requests up by the
-- id the client reported.
DROP INDEX IF EXISTS query_log_ts;
CREATE INDEX query_log_ts ON query_log (ts_ms, request_id, log_id);
CREATE INDEX query_log_request_id ON query_log (request_id);
