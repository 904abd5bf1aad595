-- follow_graph 0.1.0 -> 0.2.0.  Editable until 0.2.0 is tagged; frozen after.
-- test/upgrade checks that this script turns a 0.1.0 catalog into exactly
-- what sql/install/*.sql builds for a fresh 0.2.0 install.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.2.0'" to load this file. \quit

-- == hardening: pair serialisation ==
-- 0.1.0 serialised the writers of a pair with row locks held to commit on
-- 16,384 hashed slots (pair_lock); 0.2.0 uses a short critical section per
-- pair on the lock object pair_gate instead (see sql/install/00_core.sql).
DROP FUNCTION follow_graph.pair_slot(bigint, bigint);
DROP TABLE follow_graph.pair_lock;

CREATE TABLE follow_graph.pair_gate () WITH (autovacuum_enabled = false);
REVOKE ALL ON follow_graph.pair_gate FROM PUBLIC;
COMMENT ON TABLE follow_graph.pair_gate IS 'follow_graph storage: lock object only (no rows); its locks order the writes to each pair and keep bulk writers apart';
