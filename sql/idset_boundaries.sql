-- idset set algebra at the sizes where the codec changes paths (block size
-- 128, the bitmap threshold 1024, window 65536), on dense sets where one side
-- is used up while the other still has candidates: subsets, supersets,
-- shifted and strided copies, at both ends of bigint.  Every operator and
-- aggregate is checked in both argument orders against the same operation
-- on plain bigint arrays; the output lists only the number of cases and of
-- failures per shape.  Before 0.2.0 the dense intersections wrote one slot
-- past their output here and crashed the server.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- The reproducer of issue #10.
SELECT n, m, cardinality(idset(ARRAY(SELECT generate_series(1,m)::bigint))
                       & idset(ARRAY(SELECT generate_series(1,n)::bigint)))
FROM (VALUES (1024, 4000), (1500, 2000)) v(n, m);

CREATE TEMP TABLE bsz (n int);
INSERT INTO bsz VALUES (127), (128), (129), (1023), (1024), (1025), (1500),
	(2000), (4096), (65535), (65537);

-- Case: A = a0 + sa * [0, na), B = b0 + sb * [0, nb).  Sets of 65535 and
-- more elements only in a few cases, to keep the run short.
CREATE TEMP TABLE bcase AS
-- subset / equal / superset, from 1
SELECT 'nested' AS shape, x.n AS na, y.n AS nb, 1::bigint AS a0, 1 AS sa, 1::bigint AS b0, 1 AS sb
FROM bsz x, bsz y
WHERE x.n <= y.n AND (y.n <= 4096 OR (y.n = 65537 AND x.n IN (1024, 65535, 65537)))
UNION ALL
-- same size, shifted by 1, 127, half and all but one
SELECT 'shifted', n, n, 1, 1, 1 + d, 1
FROM bsz, LATERAL (VALUES (1), (127), (n / 2), (n - 1)) s(d)
WHERE n <= 4096 OR (n = 65537 AND d = 1)
UNION ALL
-- dense but partly matching: step 2 against step 3, step 1 against step 2
SELECT 'strided', n, n, 0, 2, 0, 3 FROM bsz WHERE n <= 65535
UNION ALL
SELECT 'strided', n, n, 1, 1, 1, 2 FROM bsz WHERE n <= 4096 OR n = 65537
UNION ALL
-- nested at the top and the bottom of bigint
SELECT 'top', x.n, y.n, 9223372036854775807 - x.n + 1, 1, 9223372036854775807 - y.n + 1, 1
FROM bsz x, bsz y
WHERE (y.n = 2000 AND x.n < y.n) OR (y.n = 65537 AND x.n = 65535)
UNION ALL
SELECT 'bottom', x.n, y.n, -9223372036854775808, 1, -9223372036854775808, 1
FROM bsz x, bsz y
WHERE (y.n = 2000 AND x.n < y.n) OR (y.n = 65537 AND x.n = 1024);

-- Membership in a case's set by arithmetic, for the plain references.
CREATE FUNCTION pg_temp.inset(x bigint, x0 bigint, st int, n int) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT x >= x0 AND (x - x0) % st = 0 AND (x - x0) / st < n $$;

WITH d AS MATERIALIZED (
	SELECT c.*, a, b, idset(a) AS ia, idset(b) AS ib
	FROM bcase c,
		LATERAL (SELECT ARRAY(SELECT c.a0 + c.sa * g FROM generate_series(0, c.na - 1) g) AS a,
		                ARRAY(SELECT c.b0 + c.sb * g FROM generate_series(0, c.nb - 1) g) AS b) arr
), r AS MATERIALIZED (
	-- Plain-array references: a filtered by membership in b and the reverse.
	SELECT d.*, r_and, r_amb, r_bma,
		ARRAY(SELECT x FROM unnest(a || r_bma) x ORDER BY x) AS r_or
	FROM d,
		LATERAL (SELECT ARRAY(SELECT x FROM unnest(a) x WHERE pg_temp.inset(x, b0, sb, nb)) AS r_and,
		                ARRAY(SELECT x FROM unnest(a) x WHERE NOT pg_temp.inset(x, b0, sb, nb)) AS r_amb,
		                ARRAY(SELECT x FROM unnest(b) x WHERE NOT pg_temp.inset(x, a0, sa, na)) AS r_bma) ref
)
SELECT shape, count(*) AS cases,
	count(*) FILTER (WHERE NOT ok) AS failures
FROM (
	SELECT shape, (
		cardinality(a) = na AND cardinality(ia) = na AND cardinality(ib) = nb AND
		(ia & ib)::bigint[] = r_and AND (ib & ia)::bigint[] = r_and AND
		cardinality(ia & ib) = cardinality(r_and) AND
		(ia | ib)::bigint[] = r_or AND (ib | ia)::bigint[] = r_or AND
		(ia - ib)::bigint[] = r_amb AND (ib - ia)::bigint[] = r_bma AND
		(ia @> ib) = (cardinality(r_bma) = 0) AND (ib @> ia) = (cardinality(r_amb) = 0) AND
		(ia <@ ib) = (cardinality(r_amb) = 0) AND (ib <@ ia) = (cardinality(r_bma) = 0) AND
		(ia && ib) = (cardinality(r_and) > 0) AND (ib && ia) = (cardinality(r_and) > 0) AND
		(ia = ib) = (a = b) AND (ib = ia) = (a = b) AND
		(ia <> ib) = (a <> b) AND
		(ia < ib) = (a < b) AND (ib < ia) = (b < a) AND
		(ia <= ib) = (a <= b) AND (ia >= ib) = (a >= b) AND (ia > ib) = (a > b) AND
		sign(idset_cmp(ia, ib)) = sign(btarraycmp(a, b)) AND
		jaccard(ia, ib) = cardinality(r_and)::float8 / cardinality(r_or) AND
		jaccard(ib, ia) = cardinality(r_and)::float8 / cardinality(r_or) AND
		(ia @> b[1]) = pg_temp.inset(b[1], a0, sa, na) AND
		(ib @> a[na]) = pg_temp.inset(a[na], b0, sb, nb) AND
		cardinality(ia + b[nb]) = na + (NOT pg_temp.inset(b[nb], a0, sa, na))::int AND
		cardinality(ia - b[1]) = na - pg_temp.inset(b[1], a0, sa, na)::int AND
		(SELECT intersect_agg(s) FROM (VALUES (ia), (ib)) v(s))::bigint[] = r_and AND
		(SELECT intersect_agg(s) FROM (VALUES (ib), (ia)) v(s))::bigint[] = r_and AND
		(SELECT intersect_agg(s) FROM (VALUES (ia), (ib), (ia)) v(s))::bigint[] = r_and AND
		(SELECT union_agg(s) FROM (VALUES (ia), (ib)) v(s))::bigint[] = r_or AND
		(SELECT union_agg(s) FROM (VALUES (ib), (ia)) v(s))::bigint[] = r_or AND
		(na + nb > 10000 OR
		 ((SELECT idset_agg(x) FROM unnest(b || a) x)::bigint[] = r_or AND
		  ARRAY(SELECT unnest(ia & ib)) = r_and))
	) IS TRUE AS ok
	FROM r
) t
GROUP BY shape ORDER BY shape;

-- mutuals_set() intersects the two edge lists of an account: followers
-- 1..2000 and following 1..1500 (and a dense 1024 against 4000 below).
SELECT count(*) FILTER (WHERE follow(0, g)) FROM generate_series(1, 1500) g;
SELECT count(*) FILTER (WHERE follow(g, 0)) FROM generate_series(1, 2000) g;
SELECT count(*) FILTER (WHERE follow(-1, g)) FROM generate_series(1, 4000) g;
SELECT count(*) FILTER (WHERE follow(g, -1)) FROM generate_series(1, 1024) g;
SELECT a, cardinality(mutuals_set(a)),
	mutuals_set(a)::bigint[] = ARRAY(SELECT followee FROM edges WHERE follower = a
	                                 INTERSECT
	                                 SELECT follower FROM edges WHERE followee = a ORDER BY 1) AS ok,
	mutuals_set(a) = following_set(a) & followers_set(a) AS same_as_and
FROM (VALUES (0::bigint), (-1)) v(a);

-- Parallel intersect_agg and union_agg combine partial states of dense sets.
CREATE TABLE bpar AS
SELECT g AS id, idset(ARRAY(SELECT generate_series(1, 1024 + g % 3)::bigint)) AS s
FROM generate_series(1, 200) g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT cardinality(intersect_agg(s)) AS inter, cardinality(union_agg(s)) AS uni,
	intersect_agg(s)::bigint[] = ARRAY(SELECT generate_series(1, 1024)::bigint) AS inter_ok,
	union_agg(s)::bigint[] = ARRAY(SELECT generate_series(1, 1026)::bigint) AS uni_ok
FROM bpar;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE bpar;
