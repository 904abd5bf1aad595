-- cardinality(a & b) and a & b of dense sets (values within 2^32) stored
-- out of line in a regular table, whose segments idset_stream.c reads with
-- the chunk reader of idset_toast.c (the first chunk of a range through the
-- TOAST index, the next ones in place from the heap pages, the rest through
-- the index again where the layout breaks).  Each count and intersection is
-- compared with the one computed from a detoasted copy, with the SIMD
-- kernels on and off.  Layouts: values written in one piece (segments
-- straddling chunks and heap pages), values whose chunks fill the holes of
-- deleted values and go on at the end of the relation, values rewritten
-- by UPDATE into freed space, values written after aborted ones (dead
-- chunks between live ones), and sets of one segment and a few chunks.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.27);
\i sql/include/idset_gen.sql
\i sql/include/toast_jumps.sql

-- Written in one piece: a regular table (chunks in shared buffers).
CREATE TABLE dense_sets (id int PRIMARY KEY, s idset);
INSERT INTO dense_sets VALUES
	(1, pg_temp.rnd(1, 150000, 10000000)),
	(2, pg_temp.rnd(1, 150000, 10000000)),
	(3, pg_temp.run(1, 300000, 1)),
	(4, pg_temp.run(150000, 200000, 3)),
	(5, pg_temp.rnd(5000000, 40000, 100000)),
	(6, pg_temp.run(1, 32769, 7)),
	(7, pg_temp.rnd(1, 3000, 10000000));
-- 2 shares a third of 1's ids.
UPDATE dense_sets SET s = s | (SELECT idset(array_agg(x)) FROM
	(SELECT unnest(s::bigint[]) x FROM dense_sets WHERE id = 1 LIMIT 50000) t)
WHERE id = 2;

-- Broken layouts: delete every other value, vacuum, then fill the holes.
CREATE TABLE dense_frag (id int PRIMARY KEY, s idset);
INSERT INTO dense_frag SELECT g, pg_temp.rnd(1, 12000 + 1000 * g, 1000000)
FROM generate_series(1, 10) g;
DELETE FROM dense_frag WHERE id % 2 = 0;
VACUUM dense_frag;
-- Larger than any hole: starts in one, goes on in others and at the end.
INSERT INTO dense_frag SELECT 11, pg_temp.rnd(1, 90000, 1000000);
-- Rewritten by UPDATE: the new value goes into freed space.
DELETE FROM dense_frag WHERE id = 3;
VACUUM dense_frag;
UPDATE dense_frag SET s = s | pg_temp.rnd(1, 20000, 1000000) WHERE id = 1;
-- Aborted values leave dead chunks between the live ones.
BEGIN;
INSERT INTO dense_frag SELECT 100 + g, pg_temp.rnd(1, 9000, 1000000)
FROM generate_series(1, 3) g;
ROLLBACK;
INSERT INTO dense_frag SELECT 12, pg_temp.rnd(1, 60000, 1000000);
UPDATE dense_frag SET s = s | pg_temp.run(1, 20000, 50) WHERE id = 9;
INSERT INTO dense_frag SELECT 13, s | pg_temp.rnd(1, 30000, 1000000) FROM dense_frag WHERE id = 11;
-- All values of both tables are stored out of line and uncompressed.
SELECT id FROM dense_sets
WHERE pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL;
SELECT id FROM dense_frag
WHERE pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL;
SELECT pg_temp.jumps('dense_frag') > 0 AS broken_layout;

-- Every pair of each table against the reference: x | '{}' is a value in
-- memory, so its intersection with y detoasts y (the paths of 0.3.0).
CREATE FUNCTION pg_temp.check_all(tab regclass) RETURNS TABLE (a int, b int, counted bigint, reference bigint)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		SELECT x.id, y.id, cardinality(x.s & y.s), cardinality(r::bigint[])::bigint
		FROM %1$s x, %1$s y, LATERAL (SELECT (x.s | '{}'::idset) & y.s) ref(r)
		WHERE idset_intersect_cardinality(x.s, y.s) IS DISTINCT FROM cardinality(r::bigint[])
		   OR cardinality(x.s & y.s) IS DISTINCT FROM cardinality(r::bigint[])
		   OR x.s & y.s IS DISTINCT FROM r$q$, tab);
END $$;
SET follow_graph.idset_simd = on;
SELECT * FROM pg_temp.check_all('dense_sets');
SELECT * FROM pg_temp.check_all('dense_frag');
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.check_all('dense_sets');
SELECT * FROM pg_temp.check_all('dense_frag');
RESET follow_graph.idset_simd;

-- Counts by value.
SELECT x.id, y.id, cardinality(x.s & y.s)
FROM dense_sets x, dense_sets y
WHERE (x.id, y.id) IN ((1, 2), (3, 4), (4, 3), (3, 6), (6, 4), (5, 1), (7, 2), (3, 3))
ORDER BY 1, 2;
SELECT x.id, y.id, cardinality(x.s & y.s) = cardinality(((x.s | '{}'::idset) & y.s)::bigint[]) AS same
FROM dense_frag x, dense_frag y
WHERE (x.id, y.id) IN ((1, 11), (11, 13), (13, 9), (12, 1), (9, 9))
ORDER BY 1, 2;

DROP TABLE dense_sets, dense_frag;
