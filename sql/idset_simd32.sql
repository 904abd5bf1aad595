-- Intersections of stored sets whose values lie within 2^32 of each other,
-- which the AVX2 kernel runs on 32-bit offsets (eight values of each side
-- per step), against a reference INTERSECT, with the SIMD kernels on and
-- off: block and eight-value boundaries, all-equal, disjoint and
-- interleaved sets, subsets, spans just inside and just outside 2^32, both
-- ends of bigint, ids around 2^62, and blocks too wide for the SIMD
-- decoder.  On a CPU without AVX2 both settings run the portable code.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.32);
CREATE TEMP TABLE pairs (shape text, n int, a bigint[], b bigint[]);
-- n values from lo with step s, and every k-th of them from position p.
CREATE FUNCTION pg_temp.run(lo numeric, n int, s numeric) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg((lo + g * s)::bigint ORDER BY g), '{}')
	FROM generate_series(0, n - 1) g
$$;
INSERT INTO pairs
SELECT shape, n, a, b
FROM (VALUES (0), (1), (7), (8), (9), (15), (16), (17), (127), (128), (129),
			 (255), (256), (257), (1000), (3000)) sz(n),
LATERAL (VALUES
	('equal', pg_temp.run(1, n, 3), pg_temp.run(1, n, 3)),
	('subset', pg_temp.run(1, n, 3), pg_temp.run(1, n * 3, 1)),
	('interleaved', pg_temp.run(0, n, 2), pg_temp.run(1, n, 2)),
	('disjoint', pg_temp.run(0, n, 5), pg_temp.run(10 * n + 10, n, 5)),
	('touching', pg_temp.run(0, n, 5), pg_temp.run(5 * n - 5, n, 5)),
	('shifted', pg_temp.run(100, n, 7), pg_temp.run(100 + 7 * (n / 2), n, 7)),
	('random', array(SELECT DISTINCT (random() * 4 * n)::bigint FROM generate_series(1, n) ORDER BY 1),
			   array(SELECT DISTINCT (random() * 4 * n)::bigint FROM generate_series(1, n) ORDER BY 1)),
	('crossing zero', pg_temp.run(-3 * n, n, 6), pg_temp.run(-3 * n, 2 * n, 3)),
	('bigint top', pg_temp.run(9223372036854775807::numeric - 6 * n + 6, n, 6), pg_temp.run(9223372036854775807::numeric - 6 * n + 3, 2 * n, 3)),
	('bigint bottom', pg_temp.run(-9223372036854775808, n, 4), pg_temp.run(-9223372036854775808, 2 * n, 2)),
	('2^62', pg_temp.run(4611686018427387904, n, 11), pg_temp.run(4611686018427387904 + 11 * (n / 3), n, 11)),
	('span 2^32 - 1', pg_temp.run(0, n, 3) || 4294967295::bigint, 0::bigint || pg_temp.run(3, n, 3) || 4294967295::bigint),
	('span 2^32', pg_temp.run(0, n, 3) || 4294967296::bigint, 0::bigint || pg_temp.run(3, n, 3) || 4294967296::bigint),
	('wide blocks', pg_temp.run(0, n, 33554467), pg_temp.run(0, n, 33554467 * 2))
	) p(shape, a, b)
WHERE n <= 128 OR shape NOT IN ('wide blocks');
-- 'wide blocks' past 128 values would leave 2^32: keep it inside.
SELECT count(*) AS pairs, count(*) FILTER (WHERE shape = 'span 2^32 - 1') AS at_limit FROM pairs;

-- &, cardinality(&), && and the reverse order against INTERSECT; the
-- failures, by shape and size (none expected).
CREATE FUNCTION pg_temp.failures() RETURNS TABLE (shape text, n int, what text)
LANGUAGE sql AS $$
	SELECT shape, n, what FROM (
		SELECT shape, n, idset(a) AS x, idset(b) AS y,
			   array(SELECT unnest(a) INTERSECT SELECT unnest(b) ORDER BY 1) AS want
		FROM pairs) z,
	LATERAL (VALUES
		('and', (x & y)::bigint[] = want),
		('and reversed', (y & x)::bigint[] = want),
		('cardinality', cardinality(x & y) = cardinality(want)),
		('overlap', (x && y) = (cardinality(want) > 0)),
		('contains', (x @> y) = (cardinality(want) = cardinality(y)))
	) c(what, ok)
	WHERE NOT ok
	ORDER BY 1, 2, 3
$$;
SELECT * FROM pg_temp.failures();
SET follow_graph.idset_simd = off;
SELECT * FROM pg_temp.failures();
RESET follow_graph.idset_simd;

-- The two settings agree value for value on every pair.
CREATE TEMP TABLE on_results AS SELECT shape, n, (idset(a) & idset(b))::text AS r FROM pairs;
SET follow_graph.idset_simd = off;
SELECT count(*) AS differ FROM pairs p JOIN on_results o USING (shape, n)
WHERE (idset(p.a) & idset(p.b))::text IS DISTINCT FROM o.r;
RESET follow_graph.idset_simd;

-- Damaged values inside a 2^32 span (384 values 0, 3, ..., three blocks):
-- the third block's first value moved below the second block's last (600),
-- or the second block's first moved far past the set's end (2^40).  Both
-- kernels refuse the first.  The 32-bit kernel refuses the second too (it
-- checks every block it decodes against the span of the two sets); the
-- portable merge steps over that block by its first value without decoding
-- it and answers from the other blocks, as 0.2.0 did.
CREATE CAST (bytea AS follow_graph.idset) WITHOUT FUNCTION;
CREATE CAST (follow_graph.idset AS bytea) WITHOUT FUNCTION;
CREATE TEMP TABLE damaged AS
SELECT 'out of order' AS what,
	overlay(idset(pg_temp.run(0, 384, 3))::bytea PLACING '\x5802000000000000'::bytea FROM 25)::idset AS v
UNION ALL
SELECT 'past the end',
	overlay(idset(pg_temp.run(0, 384, 3))::bytea PLACING '\x0000000000010000'::bytea FROM 17)::idset;
DROP CAST (bytea AS follow_graph.idset);
DROP CAST (follow_graph.idset AS bytea);
SELECT cardinality(v & idset(pg_temp.run(0, 1200, 1))) FROM damaged WHERE what = 'out of order';
SELECT cardinality(v & idset(pg_temp.run(0, 1200, 1))) FROM damaged WHERE what = 'past the end';
SET follow_graph.idset_simd = off;
SELECT cardinality(v & idset(pg_temp.run(0, 1200, 1))) FROM damaged WHERE what = 'out of order';
SELECT cardinality(v & idset(pg_temp.run(0, 1200, 1))) FROM damaged WHERE what = 'past the end';
RESET follow_graph.idset_simd;

-- cardinality(a & b) is planned as idset_intersect_cardinality(a, b), which
-- counts without building the intersection where it can (the 32-bit kernel)
-- and intersects otherwise: skewed sizes (galloping), spans over 2^32, the
-- portable code.  The failures above already compared it with INTERSECT.
CREATE TEMP TABLE two (x idset, y idset);
INSERT INTO two VALUES ('{1,2,3}', '{2,3,4}');
EXPLAIN (VERBOSE, COSTS OFF) SELECT cardinality(x & y), cardinality(follow_graph.idset_intersect(y, x)) FROM two;
EXPLAIN (VERBOSE, COSTS OFF) SELECT cardinality(x | y), cardinality(x) FROM two;
SELECT cardinality(x & y) AS rewritten, cardinality((x & y)::bigint[]) AS built FROM two;
SELECT idset_intersect_cardinality('{}', '{1}') AS empty,
	idset_intersect_cardinality('{5}', idset(pg_temp.run(0, 1000, 5))) AS skewed,
	idset_intersect_cardinality(idset(pg_temp.run(0, 300, 3)), idset(pg_temp.run(0, 300, 1) || 9000000000::bigint)) AS wide,
	idset_intersect_cardinality(idset(pg_temp.run(0, 300, 3)), idset(pg_temp.run(0, 300, 2))) AS counted,
	idset_intersect_cardinality(NULL, '{1}') AS null_arg;
SET follow_graph.idset_simd = off;
SELECT idset_intersect_cardinality('{}', '{1}') AS empty,
	idset_intersect_cardinality('{5}', idset(pg_temp.run(0, 1000, 5))) AS skewed,
	idset_intersect_cardinality(idset(pg_temp.run(0, 300, 3)), idset(pg_temp.run(0, 300, 1) || 9000000000::bigint)) AS wide,
	idset_intersect_cardinality(idset(pg_temp.run(0, 300, 3)), idset(pg_temp.run(0, 300, 2))) AS counted,
	idset_intersect_cardinality(NULL, '{1}') AS null_arg;
RESET follow_graph.idset_simd;
SELECT cardinality(v & idset(pg_temp.run(0, 1200, 1))) FROM damaged WHERE what = 'out of order';

-- Out-of-line arguments of & and of cardinality(&): values of growing and
-- shrinking sizes, the same value on both sides, compressed values (STORAGE
-- extended) and inline ones give the same answers as the arrays.
CREATE TEMP TABLE stored (k int, s idset, arr bigint[]);
INSERT INTO stored
SELECT k, idset(arr), arr
FROM (SELECT k, array(SELECT DISTINCT (random() * 40 * sz)::bigint FROM generate_series(1, sz) ORDER BY 1) AS arr
	  FROM (VALUES (1, 20000), (2, 50000), (3, 5000), (4, 60000), (5, 100)) v(k, sz)) x;
CREATE TEMP TABLE packed (k int, s idset);
ALTER TABLE packed ALTER COLUMN s SET STORAGE extended;
INSERT INTO packed SELECT k, idset(pg_temp.run(0, 30000 * k, 3)) FROM generate_series(1, 2) k;
SELECT k, pg_column_size(s) > 2000 AS out_of_line FROM stored ORDER BY k;
SELECT k, pg_column_compression(s) IS NOT NULL AS compressed FROM packed ORDER BY k;
SELECT x.k, y.k, (x.s & y.s)::bigint[] = array(SELECT unnest(x.arr) INTERSECT SELECT unnest(y.arr) ORDER BY 1) AS and_ok,
	cardinality(x.s & y.s) = cardinality(array(SELECT unnest(x.arr) INTERSECT SELECT unnest(y.arr))) AS card_ok
FROM stored x, stored y ORDER BY x.k, y.k;
SELECT p.k, q.k, cardinality(p.s & q.s) AS common, (p.s & q.s) = idset(pg_temp.run(0, 30000 * least(p.k, q.k), 3)) AS same,
	cardinality(p.s & (SELECT s FROM stored WHERE k = 4)) =
	(SELECT count(*) FROM (SELECT unnest(p.s) INTERSECT SELECT unnest(arr) FROM stored WHERE k = 4) z) AS with_external
FROM packed p, packed q ORDER BY 1, 2;
