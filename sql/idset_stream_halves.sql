-- a & b of two stored sets within 2^32 merges each segment (256 blocks,
-- 32768 ids) in two halves at once: a is cut at its middle value, b where
-- that value falls, the first half's matches are written from the start of
-- the output and the second's from the middle, then moved together
-- (IdsetIntersectFlat32()).  Every a below is paired with sets of the same
-- size and stride whose matches lie only in the first half of each
-- segment, only in the second, exactly at the split value, around it, at
-- every value, at none, at every eighth, and in the nine values after the
-- split (the kernel's eight-by-eight loop and its one-by-one tail), and
-- with a superset that covers it; sizes cross the segment and block edges.
-- Each a & b, its cardinality and idset_intersect_cardinality() are
-- compared with the in-memory path ((x | '{}') & y, which does not
-- stream), with the SIMD kernels on and off.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- Is position p of its segment one of a shape's matches?  m is the middle
-- of the segment.  (One expression, so that the planner inlines it.)
CREATE FUNCTION pg_temp.shape(kind text, p int, m int) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind
		WHEN 'first' THEN p < m WHEN 'second' THEN p >= m WHEN 'split' THEN p = m
		WHEN 'around' THEN p BETWEEN m - 1 AND m WHEN 'all' THEN true WHEN 'none' THEN false
		WHEN 'sparse8' THEN p % 8 = 0 WHEN 'tail' THEN p >= m AND p - m < 9 END
$$;
CREATE TEMP TABLE h (name text PRIMARY KEY, n int, st int, kind text, s idset);
ALTER TABLE h ALTER COLUMN s SET STORAGE external;
INSERT INTO h
SELECT format('a/%s/%s', n, st), n, st, 'a',
	   idset(array(SELECT 1000000 + st * g FROM generate_series(0, n - 1) g))
FROM unnest(ARRAY[32767, 32768, 32769, 32770, 32771, 32772, 32775, 32776, 32777, 32778,
				  32783, 32784, 32785, 32786, 32788, 65535, 65536, 65537, 65544, 98304 + 13]) n,
	 unnest(ARRAY[1, 2, 3]) st;
-- The same positions as a where the shape says so, elsewhere ids a does
-- not hold (below a's range for stride 1, between a's ids otherwise).
INSERT INTO h
SELECT format('b/%s/%s/%s', a.n, a.st, k), a.n, a.st, k,
	   idset(array(SELECT CASE WHEN pg_temp.shape(k, g % 32768, least(32768, a.n - g / 32768 * 32768) / 2)
								   THEN 1000000 + a.st * g
							   WHEN a.st = 1 THEN 1000000 - 1 - g
							   ELSE 1000000 + a.st * g + 1 END
				   FROM generate_series(0, a.n - 1) g))
FROM h a, unnest(ARRAY['first', 'second', 'split', 'around', 'all', 'none', 'sparse8', 'tail']) k
WHERE a.kind = 'a';
INSERT INTO h
SELECT format('big/%s/%s', a.n, a.st), a.n, a.st, 'big',
	   idset(array(SELECT 1000000 - 5000 + g FROM generate_series(0, a.st * a.n + 10000) g))
FROM h a WHERE a.kind = 'a';
-- Every value is stored out of line and uncompressed (none listed).
SELECT name FROM h WHERE pg_column_size(s) < 2100 OR pg_column_compression(s) IS NOT NULL;

CREATE FUNCTION pg_temp.bad() RETURNS TABLE (x text, y text, got bigint, want bigint)
LANGUAGE sql AS $$
	SELECT x.name, y.name, cardinality((x.s & y.s)::bigint[]), cardinality(r)
	FROM h x JOIN h y ON x.n = y.n AND x.st = y.st AND x.name <> y.name
			AND (x.kind = 'a' OR y.kind = 'a'),
		 LATERAL (SELECT (x.s | '{}'::idset) & y.s) ref(r)
	WHERE x.s & y.s IS DISTINCT FROM r
	   OR cardinality(x.s & y.s) <> cardinality(r)
	   OR idset_intersect_cardinality(x.s, y.s) <> cardinality(r)
$$;
SET follow_graph.idset_simd = on;
SELECT * FROM pg_temp.bad();
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.bad();
RESET follow_graph.idset_simd;
-- The pairs compared, and the matches of a few by value.
SELECT count(*) FROM h x JOIN h y ON x.n = y.n AND x.st = y.st AND x.name <> y.name
	AND (x.kind = 'a' OR y.kind = 'a');
SELECT y.name, cardinality(x.s & y.s)
FROM h x JOIN h y ON y.n = x.n AND y.st = x.st AND y.kind <> 'a'
WHERE x.name = 'a/65537/2'
ORDER BY 1;
