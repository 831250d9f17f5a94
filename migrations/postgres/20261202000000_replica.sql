-- Which server answered: `serve --replica-id` (or $DRIFTLESS_REPLICA_ID), so that several
-- replicas behind one load balancer, logging into one store, can be told apart. NULL for a
-- server that named no replica and for rows written before this migration.
ALTER TABLE query_log ADD COLUMN replica TEXT;
