-- cardinality(a & b) of sparse sets stored out of line (values more than
-- 2^32 apart): the 64-bit count of idset_count64.c (each side decoded 16
-- blocks at a time, counted up to the smaller last value by two merges at
-- once, the rest kept for the next window) and the chunk reader of
-- idset_toast.c (the first chunk of a range through the TOAST index, the
-- following ones in place from the heap pages after it, the rest through
-- the index again where the layout breaks).  Each count is compared with
-- the intersection built from a detoasted copy, with the SIMD kernels on
-- and off.  Shapes: identical, disjoint and interleaved sets; sets of
-- 2047, 2048, 2049 ids (a window) and 65537 ids (a last segment of one
-- id); a side much denser than the other over part of the range; values
-- near 2^62, negative values and both ends of bigint; and a value whose
-- TOAST chunks fill the holes left by deleted values and continue at the
-- end of the relation.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.42);
\i sql/include/idset_gen.sql
-- A regular table: its TOAST chunks live in shared buffers.
CREATE TABLE sparse_sets (name text PRIMARY KEY, s idset);
INSERT INTO sparse_sets VALUES
	('rnd', pg_temp.rnd(-4611686018427387904, 50000, 9223372036854775807)),
	('ev', pg_temp.run(-4611686018427387904, 40000, 2::numeric ^ 48)),
	('od', pg_temp.run(-4611686018427387904 + 2::numeric ^ 47, 40000, 2::numeric ^ 48)),
	('ev4', pg_temp.run(-4611686018427387904, 20000, 2::numeric ^ 49)),
	('w2047', pg_temp.run(1, 2047, 2::numeric ^ 40)),
	('w2048', pg_temp.run(1, 2048, 2::numeric ^ 40)),
	('w2049', pg_temp.run(2::numeric ^ 40 + 1, 2049, 2::numeric ^ 40)),
	('seg1', pg_temp.run(1, 65537, 2::numeric ^ 40)),
	('seg1-b', pg_temp.run(1, 65537, 2::numeric ^ 41)),
	('top62', pg_temp.run(4611686018427387903 - 39999 * 2::numeric ^ 30, 40000, 2::numeric ^ 30)),
	('top62-b', pg_temp.run(4611686018427387903 - 19999 * 2::numeric ^ 31, 20000, 2::numeric ^ 31)),
	('max', pg_temp.run(9223372036854775807 - 39999 * 2::numeric ^ 33, 40000, 2::numeric ^ 33)),
	('min', pg_temp.run(-9223372036854775808, 40000, 2::numeric ^ 33)),
	('ends', pg_temp.run(-9223372036854775808, 20000, 2::numeric ^ 34) |
		pg_temp.run(9223372036854775807 - 19999 * 2::numeric ^ 34, 20000, 2::numeric ^ 34));
-- 'rnd-b' shares half of 'rnd'; 'lump' is 'ev4' plus a dense run of 30000
-- ids inside one of its gaps (one window of 'ev4' meets 15 of 'lump').
INSERT INTO sparse_sets
SELECT 'rnd-b', idset(array_agg(x)) | pg_temp.rnd(-4611686018427387904, 25000, 9223372036854775807)
FROM (SELECT unnest(s::bigint[]) x FROM sparse_sets WHERE name = 'rnd' LIMIT 25000) t;
INSERT INTO sparse_sets
SELECT 'lump', s | pg_temp.run(-4611686018427387904 + 5000 * 2::numeric ^ 49 + 7, 30000, 3)
FROM sparse_sets WHERE name = 'ev4';
INSERT INTO sparse_sets SELECT 'rnd-copy', s FROM sparse_sets WHERE name = 'rnd';
-- All are stored out of line and uncompressed.
SELECT name FROM sparse_sets
WHERE pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL;

-- The reference: x | '{}' is a value in memory, so its intersection with y
-- detoasts y and builds the result (the paths of 0.3.0).
CREATE FUNCTION pg_temp.check_all() RETURNS TABLE (a text, b text, counted bigint, reference bigint)
LANGUAGE sql AS $$
	SELECT x.name, y.name, cardinality(x.s & y.s), cardinality(r::bigint[])
	FROM sparse_sets x, sparse_sets y, LATERAL (SELECT (x.s | '{}'::idset) & y.s) ref(r)
	WHERE idset_intersect_cardinality(x.s, y.s) IS DISTINCT FROM cardinality(r::bigint[])
	   OR cardinality(x.s & y.s) IS DISTINCT FROM cardinality(r::bigint[])
$$;
SET follow_graph.idset_simd = on;
SELECT * FROM pg_temp.check_all();
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.check_all();
RESET follow_graph.idset_simd;

-- Counts by value.
SELECT x.name, y.name, cardinality(x.s & y.s)
FROM sparse_sets x, sparse_sets y
WHERE (x.name, y.name) IN (('rnd', 'rnd-copy'), ('ev', 'od'), ('ev', 'ev4'),
	('ev4', 'lump'), ('lump', 'ev'), ('w2047', 'w2048'), ('w2048', 'w2049'),
	('w2049', 'seg1'), ('seg1', 'seg1-b'), ('top62', 'top62-b'), ('max', 'ends'),
	('ends', 'min'), ('min', 'max'), ('rnd', 'rnd-b') , ('od', 'lump'))
ORDER BY 1, 2;

-- Broken layout: chunks that fill the holes of deleted values, then go on
-- at the end of the relation.
CREATE TABLE sparse_frag (id int PRIMARY KEY, s idset);
INSERT INTO sparse_frag SELECT g, pg_temp.rnd(1, 15000, 4611686018427387904)
FROM generate_series(1, 6) g;
DELETE FROM sparse_frag WHERE id IN (2, 4);
VACUUM sparse_frag;
INSERT INTO sparse_frag
SELECT 7, s | pg_temp.rnd(1, 45000, 4611686018427387904) FROM sparse_frag WHERE id = 1;
INSERT INTO sparse_frag
SELECT 8, s | pg_temp.rnd(1, 30000, 4611686018427387904) FROM sparse_frag WHERE id = 7;
\i sql/include/toast_jumps.sql
SELECT pg_temp.jumps('sparse_frag') > 0 AS broken_layout;
SET follow_graph.idset_simd = on;
SELECT x.id, y.id, cardinality(x.s & y.s) AS counted
FROM sparse_frag x, sparse_frag y
WHERE x.id <= y.id AND cardinality(x.s & y.s) IS DISTINCT FROM cardinality(((x.s | '{}'::idset) & y.s)::bigint[]);
SELECT x.id, y.id, cardinality(x.s & y.s) AS counted
FROM sparse_frag x, sparse_frag y
WHERE (x.id, y.id) IN ((1, 7), (7, 8), (8, 1), (3, 7), (7, 7))
ORDER BY 1, 2;
RESET follow_graph.idset_simd;

DROP TABLE sparse_sets, sparse_frag;
