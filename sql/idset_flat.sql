-- |a ∩ b| of two large sets stored out of line, counted a segment at a
-- time with both sides decoded whole to 32-bit offsets and the two halves
-- of each segment merged at once (0.3.0, with AVX2; the portable code and
-- sets spanning more than 2^32 count block by block).  Every count is
-- checked against plain SQL (INTERSECT of the elements) with
-- follow_graph.idset_simd on and off.  Shapes: random sets sharing about
-- 1% (the benchmark's), equal sets, a segment whose middle value sits on a
-- gap of 10^9 (one half of the other set's values on each side, or all on
-- one), a segment spanning more than 2^32 next to segments within it, and
-- sets spanning exactly 2^32 - 1 and 2^32.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.25);
\i sql/include/idset_gen.sql
CREATE TEMP TABLE fsets (name text PRIMARY KEY, s idset);
INSERT INTO fsets VALUES
	('rnd-a', pg_temp.rnd(1, 70000, 7e6)),
	('rnd-b', pg_temp.rnd(1, 70000, 7e6)),
	('gap', pg_temp.run(1, 16384, 1) | pg_temp.run(1e9, 16384, 1) | pg_temp.run(2e9, 40000, 2)),
	('low', pg_temp.run(1, 40000, 1)),
	('high', pg_temp.run(1e9, 40000, 1)),
	('straddle', pg_temp.run(8000, 20000, 1) | pg_temp.run(1e9 + 8000, 20000, 1)),
	('wide', pg_temp.run(1, 16384, 1) | pg_temp.run(4294967306, 16384, 1) |
		pg_temp.run(8589934592, 40000, 3)),
	('span-max', pg_temp.run(0, 20000, 1) | pg_temp.run(4294967295 - 19999, 20000, 1)),
	('span-over', pg_temp.run(0, 20000, 1) | pg_temp.run(4294967296 - 19999, 20000, 1)),
	('negative', pg_temp.run(-2000000000, 50000, 5000));
INSERT INTO fsets SELECT 'rnd-a-copy', s FROM fsets WHERE name = 'rnd-a';
-- Share about a third of rnd-a with rnd-b.
UPDATE fsets SET s = s | (SELECT idset(array_agg(x)) FROM (SELECT unnest(s::bigint[]) x FROM fsets WHERE name = 'rnd-a' LIMIT 20000) t)
WHERE name = 'rnd-b';
-- All large enough to be stored out of line, uncompressed.
SELECT name FROM fsets WHERE pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL;

-- The reference: plain SQL.
CREATE TEMP TABLE expected AS
SELECT x.name AS a, y.name AS b,
	(SELECT count(*) FROM (SELECT unnest(x.s::bigint[]) INTERSECT SELECT unnest(y.s::bigint[])) i) AS n
FROM fsets x, fsets y;
CREATE FUNCTION pg_temp.mismatches() RETURNS TABLE (a text, b text, counted bigint, card bigint, expected bigint)
LANGUAGE sql AS $$
	SELECT x.name, y.name, idset_intersect_cardinality(x.s, y.s), cardinality(x.s & y.s), e.n
	FROM fsets x, fsets y, expected e
	WHERE e.a = x.name AND e.b = y.name
	  AND (idset_intersect_cardinality(x.s, y.s) IS DISTINCT FROM e.n
		   OR cardinality(x.s & y.s) IS DISTINCT FROM e.n
		   OR cardinality((x.s & y.s)::bigint[]) IS DISTINCT FROM e.n)
$$;
SET follow_graph.idset_simd = on;
SELECT * FROM pg_temp.mismatches();
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.mismatches();
RESET follow_graph.idset_simd;

-- A few counts by value.
SELECT a, b, n FROM expected
WHERE (a, b) IN (('rnd-a', 'rnd-a-copy'), ('gap', 'low'), ('gap', 'high'), ('low', 'gap'),
	('gap', 'straddle'), ('wide', 'low'), ('span-max', 'span-over'), ('span-over', 'low'),
	('negative', 'low'), ('high', 'gap'))
ORDER BY 1, 2;
