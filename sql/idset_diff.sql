-- Differential test of the idset type: every operator, function and
-- aggregate on generated shapes (empty, singletons, dense runs at the block
-- size 128 and the bitmap threshold 1024, sparse and huge gaps, negatives,
-- both ends of bigint, windows of 65536 values, unsorted input with
-- duplicates), compared with the same operation done on plain bigint arrays
-- with SQL (joins, EXCEPT, ORDER BY, array comparison).  Generation is plain
-- generate_series arithmetic, so every run checks the same cases.  The
-- output is the number of cases checked and the mismatches, of which there
-- must be none.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- The shapes, as input arrays (any order, duplicates allowed).
CREATE TEMP TABLE dshape (name text PRIMARY KEY, arr bigint[] NOT NULL);
INSERT INTO dshape VALUES
	('empty', '{}'),
	('zero', '{0}'),
	('min', '{-9223372036854775808}'),
	('max', '{9223372036854775807}'),
	('extremes', '{9223372036854775807,-1,0,1,-9223372036854775808}'),
	('dups', '{5,5,3,3,3,1,5,-2,-2}'),
	('dense_127', ARRAY(SELECT g FROM generate_series(1::bigint, 127) g)),
	('dense_128', ARRAY(SELECT g FROM generate_series(1::bigint, 128) g)),
	('dense_129', ARRAY(SELECT g FROM generate_series(0::bigint, 128) g)),
	('dense_1024', ARRAY(SELECT g FROM generate_series(1::bigint, 1024) g)),
	('dense_1025_at_100', ARRAY(SELECT g FROM generate_series(100::bigint, 1124) g)),
	('even_1500', ARRAY(SELECT 2 * g FROM generate_series(1::bigint, 1500) g)),
	('mul3_1200', ARRAY(SELECT 3 * g FROM generate_series(1::bigint, 1200) g)),
	('negative_300', ARRAY(SELECT g FROM generate_series(-300::bigint, -1) g)),
	('across_zero', ARRAY(SELECT g FROM generate_series(-200::bigint, 200) g)),
	('sparse_1000', ARRAY(SELECT g * 1000003 FROM generate_series(0::bigint, 999) g)),
	('sparse_negative', ARRAY(SELECT -g * 999983 FROM generate_series(1::bigint, 500) g)),
	('unsorted_2000', ARRAY(SELECT (g * 7919) % 10007 FROM generate_series(1::bigint, 2000) g)),
	('unsorted_dups_3000', ARRAY(SELECT (g * 7919) % 1009 FROM generate_series(1::bigint, 3000) g)),
	('gaps_2p40', ARRAY(SELECT g * 1099511627776 FROM generate_series(-200::bigint, 200) g)),
	('gaps_2p62', ARRAY(SELECT g * 4611686018427387904 FROM generate_series(-2::bigint, 1) g)),
	('top_130', ARRAY(SELECT 9223372036854775807 - g FROM generate_series(0::bigint, 129) g)),
	('bottom_130', ARRAY(SELECT -9223372036854775808 + g FROM generate_series(0::bigint, 129) g)),
	('top_sparse', ARRAY(SELECT 9223372036854775807 - g * 1000000000000000 FROM generate_series(0::bigint, 300) g)),
	('block_edges', ARRAY(SELECT 128 * k + d FROM generate_series(0::bigint, 20) k, generate_series(-1, 1) d)),
	('runs', ARRAY(SELECT 1000 * k + d FROM generate_series(0::bigint, 99) k, generate_series(0, 9) d)),
	('window_64', ARRAY(SELECT 64 * g FROM generate_series(0::bigint, 2100) g)),
	('window_cross', ARRAY(SELECT 65536 - 600 + 2 * g FROM generate_series(0::bigint, 1100) g)),
	('mixed_extremes', '{-9223372036854775808,-9223372036854775807,-1000000000000000000,0,1000000000000000000,9223372036854775806,9223372036854775807}');

-- Canonical form of each shape by plain SQL, and its idset.
CREATE TEMP TABLE dset AS
SELECT name, arr, ARRAY(SELECT DISTINCT x FROM unnest(arr) x ORDER BY x) AS c, idset(arr) AS s
FROM dshape;
CREATE TEMP TABLE delem AS SELECT name, x FROM dset, unnest(c) x;
CREATE INDEX ON delem (name, x);
ANALYZE dset;
ANALYZE delem;

-- One row per shape: unary functions against plain arrays.
CREATE TEMP TABLE dunary AS
SELECT name, op, ok FROM dset, LATERAL (VALUES
	('cast', s::bigint[] = c),
	('cardinality', cardinality(s) = cardinality(c)),
	('unnest', ARRAY(SELECT unnest(s)) = c),
	('text out', s::text = '{' || array_to_string(c, ',') || '}'),
	('text in', ('{ ' || array_to_string(arr, ' , ') || ' }')::idset::bigint[] = c),
	('text round trip', s::text::idset = s),
	('send', idset_send(s) = '\x01'::bytea || int4send(cardinality(c)) ||
	         coalesce((SELECT string_agg(int8send(x), ''::bytea ORDER BY x) FROM unnest(c) x), '')),
	('idset_agg', (SELECT idset_agg(x) FROM unnest(arr || NULL::bigint) x) IS NOT DISTINCT FROM
	              CASE WHEN cardinality(arr) > 0 THEN s END),
	('= self', s = s AND NOT s <> s AND s <= s AND s >= s AND NOT s < s AND idset_cmp(s, s) = 0),
	('hash', idset_hash(s) = idset_hash(c::idset))
) v(op, ok);

-- Element operations against plain arrays, for probes in and around each set.
CREATE TEMP TABLE delemops AS
SELECT name, p, op, ok
FROM dset,
	LATERAL (SELECT DISTINCT p FROM unnest(ARRAY[-9223372036854775808, -1, 0, 1, 127, 128, 1024,
		65536, 9223372036854775807, c[1], c[cardinality(c)], c[1 + cardinality(c) / 2]]) p
		WHERE p IS NOT NULL) probes,
	LATERAL (VALUES
		('@> elem', (s @> p) = (p = ANY (c))),
		('+ elem', (s + p)::bigint[] = ARRAY(SELECT DISTINCT x FROM unnest(c || p) x ORDER BY x)),
		('- elem', (s - p)::bigint[] = ARRAY(SELECT x FROM unnest(c) x WHERE x <> p ORDER BY x))
	) v(op, ok);

-- Every ordered pair of shapes, with references built set-wise from the
-- elements: a join for the intersections, an anti-join for the differences,
-- a sort of a and b - a for the union.
CREATE TEMP TABLE dpair AS
SELECT a.name AS an, b.name AS bn, a.c AS ca, b.c AS cb, a.s AS sa, b.s AS sb
FROM dset a, dset b;
-- a - b for every pair: each element of a (paired with every shape b) that
-- an anti-join does not find in b.
CREATE TEMP TABLE dminus AS
SELECT a.name AS an, b.name AS bn, array_agg(a.x ORDER BY a.x) AS r
FROM delem a CROSS JOIN dset b
WHERE NOT EXISTS (SELECT 1 FROM delem f WHERE f.name = b.name AND f.x = a.x)
GROUP BY a.name, b.name;
CREATE TEMP TABLE dand AS
SELECT a.name AS an, b.name AS bn, array_agg(a.x ORDER BY a.x) AS r
FROM delem a JOIN delem b USING (x)
GROUP BY a.name, b.name;
CREATE TEMP TABLE dref AS
SELECT p.an, p.bn, coalesce(i.r, '{}') AS r_and, coalesce(m1.r, '{}') AS r_amb,
	coalesce(m2.r, '{}') AS r_bma
FROM dpair p
	LEFT JOIN dand i ON i.an = p.an AND i.bn = p.bn
	LEFT JOIN dminus m1 ON m1.an = p.an AND m1.bn = p.bn
	LEFT JOIN dminus m2 ON m2.an = p.bn AND m2.bn = p.an;

CREATE TEMP TABLE dbinary AS
SELECT an, bn, op, ok
FROM dpair p JOIN dref r USING (an, bn),
	LATERAL (SELECT ARRAY(SELECT x FROM unnest(ca || r_bma) x ORDER BY x) AS r_or) u,
	LATERAL (VALUES
		('&', (sa & sb)::bigint[] = r_and),
		('|', (sa | sb)::bigint[] = r_or),
		('-', (sa - sb)::bigint[] = r_amb),
		('@>', (sa @> sb) = (cardinality(r_bma) = 0)),
		('<@', (sa <@ sb) = (cardinality(r_amb) = 0)),
		('&&', (sa && sb) = (cardinality(r_and) > 0)),
		('=', (sa = sb) = (ca = cb)),
		('<>', (sa <> sb) = (ca <> cb)),
		('<', (sa < sb) = (ca < cb)),
		('<=', (sa <= sb) = (ca <= cb)),
		('>', (sa > sb) = (ca > cb)),
		('>=', (sa >= sb) = (ca >= cb)),
		('idset_cmp', sign(idset_cmp(sa, sb)) = sign(btarraycmp(ca, cb))),
		('hash', sa <> sb OR idset_hash(sa) = idset_hash(sb)),
		('jaccard', jaccard(sa, sb) = CASE WHEN cardinality(r_or) = 0 THEN 1
		                                   ELSE cardinality(r_and)::float8 / cardinality(r_or) END),
		('cardinality &', cardinality(sa & sb) = cardinality(r_and)),
		('intersect_agg', (SELECT intersect_agg(x) FROM (VALUES (sa), (NULL), (sb)) v(x))::bigint[] = r_and),
		('union_agg', (SELECT union_agg(x) FROM (VALUES (sa), (NULL), (sb)) v(x))::bigint[] = r_or)
	) v(op, ok);

-- Aggregates over all shapes at once, serially and with parallel workers
-- (which exercise the combine, serialise and deserialise functions).
CREATE TABLE diff_all AS SELECT name, s FROM dset;
CREATE TEMP TABLE dagg (op text, ok boolean);
INSERT INTO dagg
SELECT 'union_agg all', union_agg(s)::bigint[] = (SELECT array_agg(DISTINCT x ORDER BY x) FROM delem) FROM diff_all
UNION ALL
SELECT 'intersect_agg dense', intersect_agg(s)::bigint[] =
	(SELECT array_agg(x ORDER BY x) FROM (SELECT x FROM delem WHERE name LIKE 'dense%'
	 GROUP BY x HAVING count(*) = (SELECT count(*) FROM dset WHERE name LIKE 'dense%')) q)
FROM diff_all WHERE name LIKE 'dense%'
UNION ALL
SELECT 'idset_agg all', (SELECT idset_agg(x) FROM delem)::bigint[] = (SELECT array_agg(DISTINCT x ORDER BY x) FROM delem);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
INSERT INTO dagg
SELECT 'union_agg all parallel', union_agg(s)::bigint[] = (SELECT array_agg(DISTINCT x ORDER BY x) FROM delem) FROM diff_all
UNION ALL
SELECT 'intersect_agg all parallel', intersect_agg(s)::bigint[] = '{}' FROM diff_all;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE diff_all;

-- The cases checked.
SELECT (SELECT count(*) FROM dset) AS shapes,
	(SELECT count(*) FROM dunary) AS unary_checks,
	(SELECT count(*) FROM delemops) AS element_checks,
	(SELECT count(DISTINCT (an, bn)) FROM dbinary) AS pairs,
	(SELECT count(*) FROM dbinary) AS pair_checks,
	(SELECT count(*) FROM dagg) AS aggregate_checks;

-- Mismatches: none expected.
SELECT 'unary' AS kind, name AS a, NULL AS b, op FROM dunary WHERE ok IS NOT TRUE
UNION ALL
SELECT 'element', name, p::text, op FROM delemops WHERE ok IS NOT TRUE
UNION ALL
SELECT 'pair', an, bn, op FROM dbinary WHERE ok IS NOT TRUE
UNION ALL
SELECT 'aggregate', NULL, NULL, op FROM dagg WHERE ok IS NOT TRUE
ORDER BY 1, 2, 3, 4;
