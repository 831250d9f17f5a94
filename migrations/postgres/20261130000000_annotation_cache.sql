-- Labels from `driftless logs annotate` (an LLM behind an OpenAI-compatible endpoint),
-- keyed by sha256(prompt version, model, task, input): a rerun with the same prompt, model
-- and log asks the endpoint nothing.
CREATE TABLE IF NOT EXISTS annotation_cache (
    cache_key      TEXT    NOT NULL PRIMARY KEY,
    prompt_version TEXT    NOT NULL,
    model          TEXT    NOT NULL,
    task           TEXT    NOT NULL,
    label          TEXT    NOT NULL,
    created_ms     BIGINT  NOT NULL
);
