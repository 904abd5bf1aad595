SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- idset_agg: NULLs skipped, duplicates removed, NULL over no rows.
SELECT idset_agg(x) FROM (VALUES (3::bigint), (1), (NULL), (3), (-9223372036854775808)) v(x);
SELECT idset_agg(x) FROM (VALUES (NULL::bigint)) v(x);
SELECT idset_agg(x) FROM (SELECT 1::bigint WHERE false) v(x);
SELECT cardinality(idset_agg(g % 70000)) FROM generate_series(1, 300000) g;
SELECT g % 3 AS k, idset_agg(g) FROM generate_series(1, 10) g GROUP BY 1 ORDER BY 1;

-- union_agg and intersect_agg.
SELECT union_agg(s), intersect_agg(s)
FROM (VALUES ('{1,2,3}'::idset), ('{2,3,4}'), (NULL), ('{3,2,9}')) v(s);
SELECT union_agg(s), intersect_agg(s) FROM (VALUES ('{1,2}'::idset), ('{}')) v(s);
SELECT union_agg(s), intersect_agg(s) FROM (VALUES (NULL::idset)) v(s);
SELECT intersect_agg(s) FROM (VALUES ('{5}'::idset)) v(s);

-- As window functions: a growing frame and a moving frame, against the
-- same computation done with arrays.
CREATE TEMP TABLE w AS
SELECT i, idset(ARRAY[i % 4, i % 6, 100 + i]::bigint[]) AS s, (i % 4)::bigint AS x
FROM generate_series(1, 12) i;
SELECT i, idset_agg(x) OVER (ORDER BY i) AS running_ids,
       union_agg(s) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair_union,
       intersect_agg(s) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS triple_common
FROM w ORDER BY i;
SELECT bool_and(u = (SELECT idset(array_agg(e)) FROM w w2, unnest(w2.s) e WHERE w2.i <= w.i))
FROM (SELECT i, union_agg(s) OVER (ORDER BY i) AS u FROM w) w;
SELECT bool_and(r = (SELECT idset(array_agg(w2.x)) FROM w w2 WHERE w2.i <= w.i))
FROM (SELECT i, idset_agg(x) OVER (ORDER BY i) AS r FROM w) w;
SELECT bool_and(c = (SELECT intersect_agg(w2.s) FROM w w2 WHERE w2.i BETWEEN w.i - 2 AND w.i))
FROM (SELECT i, intersect_agg(s) OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS c FROM w) w;
-- Two aggregates sharing one transition state.
SELECT idset_agg(x), cardinality(idset_agg(x)) FROM w;

-- Parallel aggregation: partial states combined through serialize and
-- deserialize must give the serial result.
CREATE TABLE pa AS
SELECT g AS id, (g * 7919 % 1000003)::bigint AS x,
       idset(ARRAY[g % 1000, g % 777, 5]::bigint[]) AS s
FROM generate_series(1, 200000) g;
ANALYZE pa;
CREATE TEMP TABLE serial_res AS
SELECT idset_agg(x) AS a, union_agg(s) AS u, intersect_agg(s) AS c FROM pa;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT idset_agg(x), union_agg(s), intersect_agg(s) FROM pa;
SELECT p.a = r.a, p.u = r.u, p.c = r.c, cardinality(p.a), cardinality(p.u), p.c
FROM (SELECT idset_agg(x) AS a, union_agg(s) AS u, intersect_agg(s) AS c FROM pa) p, serial_res r;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;


-- Leave nothing behind for other tests.
DROP TABLE pa;
