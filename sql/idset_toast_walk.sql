-- The chunk reader of idset_toast.c: values whose
-- chunks the walk reads in states the detoast code also reads them in,
-- each count checked against the intersection built from a detoasted copy.
-- (The case of an older value with the same value id, which needs an OID
-- reset, is test/reliability/toast_walk_reuse.sh.)
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

\i sql/include/idset_gen.sql
CREATE TABLE tr (id int PRIMARY KEY, s idset)
	WITH (autovacuum_enabled = false, toast.autovacuum_enabled = false);
ALTER TABLE tr ALTER s SET STORAGE EXTERNAL;
-- Pairs whose stream count differs from the reference, and the counts.
CREATE FUNCTION pg_temp.bad() RETURNS TABLE (a int, b int, counted bigint, reference bigint)
LANGUAGE sql AS $$
	SELECT x.id, y.id, cardinality(x.s & y.s), cardinality(((x.s | '{}'::idset) & y.s)::bigint[])
	FROM tr x, tr y
	WHERE cardinality(x.s & y.s) IS DISTINCT FROM cardinality(((x.s | '{}'::idset) & y.s)::bigint[])
$$;
CREATE FUNCTION pg_temp.counts() RETURNS TABLE (a int, b int, counted bigint)
LANGUAGE sql AS $$
	SELECT x.id, y.id, cardinality(x.s & y.s) FROM tr x, tr y WHERE x.id < y.id ORDER BY 1, 2
$$;

-- Chunks written by the reading transaction itself (xmin in progress),
-- after the chunks of a value rolled back in a subtransaction.
BEGIN;
INSERT INTO tr VALUES (1, pg_temp.run(1, 30000, 2::numeric ^ 40));
SAVEPOINT sp;
INSERT INTO tr VALUES (2, pg_temp.run(3, 30000, 2::numeric ^ 40));
ROLLBACK TO sp;
INSERT INTO tr VALUES (3, pg_temp.run(1, 30000, 2::numeric ^ 41));
SELECT * FROM pg_temp.bad();
SELECT * FROM pg_temp.counts();
COMMIT;
-- All out of line, uncompressed, longer than 48 chunks (the walk's case).
SELECT id FROM tr WHERE pg_column_size(s) < 49 * 1996 OR pg_column_compression(s) IS NOT NULL;

-- The holes of the rolled-back value, filled by the next one (VACUUM).
VACUUM tr;
INSERT INTO tr VALUES (4, pg_temp.run(2::numeric ^ 40 + 1, 40000, 2::numeric ^ 40));
SELECT * FROM pg_temp.bad();
SELECT * FROM pg_temp.counts();

-- A value whose row this transaction deleted (its chunks deleted too,
-- still read: SnapshotToast ignores xmax), counted by a cursor whose
-- snapshot still sees the row.
BEGIN;
DECLARE c CURSOR FOR
	SELECT cardinality(x.s & y.s), cardinality(((x.s | '{}'::idset) & y.s)::bigint[])
	FROM tr x, tr y WHERE x.id = 1 AND y.id = 4;
DELETE FROM tr WHERE id = 4;
FETCH c;
ROLLBACK;

-- Frozen chunks (VACUUM FREEZE keeps the raw xmin), then a rewrite of the
-- table (VACUUM FULL: values copied to a new TOAST relation) and CLUSTER.
VACUUM (FREEZE) tr;
SELECT * FROM pg_temp.bad();
VACUUM FULL tr;
SELECT * FROM pg_temp.bad();
CLUSTER tr USING tr_pkey;
SELECT * FROM pg_temp.bad();
SELECT * FROM pg_temp.counts();

-- A last chunk of a few bytes: 32,704 ids at a step of 2^40 + 1 fill
-- 85 chunks and 4 bytes (one segment: the walk reads up to that chunk).
INSERT INTO tr VALUES (5, pg_temp.run(1, 32704, 2::numeric ^ 40 + 1));
SELECT pg_column_size(s) / 1996 AS full_chunks, pg_column_size(s) % 1996 AS last_chunk_bytes
FROM tr WHERE id = 5;
SELECT * FROM pg_temp.bad();
SELECT * FROM pg_temp.counts();

-- A temporary table: its TOAST pages are in local buffers.
CREATE TEMP TABLE tt (id int, s idset);
ALTER TABLE tt ALTER s SET STORAGE EXTERNAL;
INSERT INTO tt SELECT id, s | '{}'::idset FROM tr;
SELECT x.id, y.id, cardinality(x.s & y.s) AS counted
FROM tt x, tt y, tr u, tr v
WHERE x.id = u.id AND y.id = v.id AND x.id < y.id
	AND cardinality(x.s & y.s) IS DISTINCT FROM cardinality(u.s & v.s);
SELECT count(*) FROM tt WHERE pg_column_size(s) < 49 * 1996;
DROP TABLE tt;

-- Under SERIALIZABLE (the detoast code takes no predicate lock either).
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT * FROM pg_temp.bad();
COMMIT;

DROP TABLE tr;
