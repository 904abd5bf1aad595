-- idset_intersect_cardinality() (and cardinality(a & b), planned as it)
-- and a & b on values stored out of line, which they read from TOAST a
-- segment of 256 blocks (32768 ids) at a time instead of detoasting them:
-- each count and each intersection is compared with the intersection
-- computed from a detoasted copy (equal sets have identical bytes), with
-- the SIMD kernels on and off.  Shapes: segment and block
-- boundaries (32767, 32768, 32769 ids; a last block of one id), equal and
-- disjoint sets, ranges that touch at one id or overlap at one end only,
-- a segment of one set wholly below or above the other, interleaved and
-- dense/sparse mixes, the largest 62-bit ids and both ends of bigint,
-- empty sets, and the values the streaming path leaves to detoasting
-- (inline, compressed, sizes more than 32x apart: 'skew' against 'dense').
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.15);
\i sql/include/idset_gen.sql
CREATE TEMP TABLE sets (name text PRIMARY KEY, s idset);
INSERT INTO sets VALUES
	('empty', '{}'),
	('seg', pg_temp.run(1, 32768, 3)),
	('seg-1', pg_temp.run(1, 32767, 3)),
	('seg+1', pg_temp.run(1, 32769, 3)),
	('one-more', pg_temp.run(1, 128 * 300 + 1, 2)),
	('dense', pg_temp.run(1, 100000, 1)),
	('evens', pg_temp.run(0, 100000, 2)),
	('odds', pg_temp.run(1, 100000, 2)),
	('above', pg_temp.run(300001, 100000, 1)),
	('touch', pg_temp.run(100000, 100000, 1)),
	('upper-half', pg_temp.run(50001, 100000, 1)),
	('mid', pg_temp.run(40000, 20000, 1)),
	('rnd-a', pg_temp.rnd(1, 80000, 1e7)),
	('rnd-b', pg_temp.rnd(1, 80000, 1e7)),
	('sparse-a', pg_temp.rnd(1, 60000, 4611686018427387904)),
	('sparse-b', pg_temp.rnd(1, 60000, 4611686018427387904)),
	('top62', pg_temp.run(4611686018427387903 - 3 * 69999, 70000, 3)),
	('top62-b', pg_temp.run(4611686018427387903 - 2 * 69999, 70000, 2)),
	('max', pg_temp.run(9223372036854775807 - 5 * 49999, 50000, 5)),
	('min', pg_temp.run(-9223372036854775808, 50000, 7)),
	('ends', pg_temp.run(-9223372036854775808, 50000, 7) |
		pg_temp.run(9223372036854775807 - 5 * 49999, 50000, 5)),
	('small', pg_temp.run(1, 2000, 50)),
	('skew', pg_temp.rnd(1, 3000, 1e7)),
	('tiny', '{3,5,7,9,100000}');
-- Sparse pair sharing a third of their ids.
UPDATE sets SET s = s | (SELECT idset(array_agg(x)) FROM (SELECT unnest(s::bigint[]) x FROM sets WHERE name = 'sparse-a' LIMIT 20000) t)
WHERE name = 'sparse-b';
-- The large values are stored out of line and uncompressed (STORAGE external).
SELECT name FROM sets
WHERE (cardinality(s) >= 30000 OR name = 'skew') AND (pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL);

-- The reference: x | '{}' is a value in memory, not stored out of line, so
-- its intersection with y detoasts y and takes the paths of 0.3.0 before
-- the streaming (tested by idset_simd32 and the others).
CREATE FUNCTION pg_temp.check_all() RETURNS TABLE (a text, b text, counted bigint, built bigint, reference bigint)
LANGUAGE sql AS $$
	SELECT x.name, y.name, cardinality(x.s & y.s), cardinality((x.s & y.s)::bigint[]), cardinality(r::bigint[])
	FROM sets x, sets y, LATERAL (SELECT (x.s | '{}'::idset) & y.s) ref(r)
	WHERE idset_intersect_cardinality(x.s, y.s) IS DISTINCT FROM cardinality(r::bigint[])
	   OR cardinality(x.s & y.s) IS DISTINCT FROM cardinality(r::bigint[])
	   OR x.s & y.s IS DISTINCT FROM r
$$;
SET follow_graph.idset_simd = on;
SELECT * FROM pg_temp.check_all();
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.check_all();
RESET follow_graph.idset_simd;

-- Every set decodes to the same values with the SIMD kernels on and off.
SET follow_graph.idset_simd = on;
CREATE TEMP TABLE decoded_on AS SELECT name, s::bigint[] AS v FROM sets;
SET follow_graph.idset_simd = off;
SELECT d.name FROM decoded_on d JOIN sets x USING (name) WHERE d.v IS DISTINCT FROM x.s::bigint[];
RESET follow_graph.idset_simd;

-- A few counts by value, to see the shapes give what they should.
SELECT x.name, y.name, cardinality(x.s & y.s)
FROM sets x, sets y
WHERE (x.name, y.name) IN (('seg', 'seg+1'), ('seg-1', 'seg'), ('dense', 'above'),
	('above', 'dense'), ('dense', 'touch'), ('dense', 'upper-half'), ('evens', 'odds'),
	('dense', 'evens'), ('dense', 'mid'), ('sparse-a', 'sparse-b'), ('top62', 'top62-b'),
	('ends', 'max'), ('min', 'ends'), ('max', 'min'), ('dense', 'empty'), ('empty', 'dense'),
	('one-more', 'dense'), ('dense', 'small'), ('small', 'seg'), ('skew', 'rnd-a'))
ORDER BY 1, 2;

-- Compressed values (another storage) are detoasted as before.
CREATE TEMP TABLE packed (s idset);
ALTER TABLE packed ALTER COLUMN s SET STORAGE extended;
INSERT INTO packed SELECT s FROM sets WHERE name IN ('dense', 'upper-half');
SELECT count(*) FILTER (WHERE pg_column_compression(s) IS NOT NULL) AS compressed FROM packed;
SELECT cardinality(x.s & y.s), cardinality((x.s & y.s)::bigint[])
FROM packed x, packed y WHERE x.ctid < y.ctid;
SELECT cardinality(x.s & y.s) FROM packed x, sets y WHERE y.name = 'evens';
