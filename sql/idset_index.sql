SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- An audience column: deterministic pseudo-random sets, empty sets, NULLs,
-- the extremes of bigint and a large set.
CREATE TABLE audience (id int PRIMARY KEY, members idset);
INSERT INTO audience
SELECT i, (SELECT coalesce(idset_agg(((i * 7919 + j * 104729) % 50)::bigint), '{}')
           FROM generate_series(1, i % 9) j)
FROM generate_series(1, 2000) i;
INSERT INTO audience VALUES
	(3001, '{}'), (3002, NULL), (3003, '{-9223372036854775808,9223372036854775807}'),
	(3004, '{1,2,3}'), (3005, '{1,2,3}'),
	(3006, idset(array(SELECT g FROM generate_series(1, 5000) g)));
ANALYZE audience;

-- Every query is run three ways: sequential scan (the truth), bitmap scan on
-- the GIN index, and the comparison of both (must print no rows).
CREATE TABLE queries (q int PRIMARY KEY, op text, arg text);
INSERT INTO queries VALUES
	(1, '@>', '{1,3}'), (2, '@>', '{}'), (3, '@>', '{7}'), (4, '@>', '{-9223372036854775808}'),
	(5, '<@', '{1,2,3,4,5,6,7,8,9,10}'), (6, '<@', '{}'), (7, '<@', '{1,2,3}'),
	(8, '&&', '{1,3}'), (9, '&&', '{}'), (10, '&&', '{9223372036854775807,49}'),
	(11, '=', '{1,2,3}'), (12, '=', '{}'), (13, '=', '{5}'), (14, '@>e', '3'),
	(15, '@>e', '9223372036854775807'), (16, '@>e', '1000000'), (17, '@>', '{4999,5000}');

CREATE FUNCTION pg_temp.matches(op text, arg text) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE res int[];
BEGIN
	IF op = '@>e' THEN
		EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM audience WHERE members @> %L::bigint', arg) INTO res;
	ELSE
		EXECUTE format('SELECT coalesce(array_agg(id ORDER BY id), ''{}'') FROM audience WHERE members %s %L::follow_graph.idset', op, arg) INTO res;
	END IF;
	RETURN res;
END $$;

CREATE TEMP TABLE truth AS SELECT q, pg_temp.matches(op, arg) AS ids FROM queries;
SELECT q, op, arg, cardinality(ids) AS n FROM truth JOIN queries USING (q) ORDER BY q;

CREATE INDEX audience_members ON audience USING gin (members);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM audience WHERE members @> '{1,3}'::idset;
EXPLAIN (COSTS OFF) SELECT id FROM audience WHERE members @> 3::bigint;
EXPLAIN (COSTS OFF) SELECT id FROM audience WHERE members <@ '{1,2}'::idset;
EXPLAIN (COSTS OFF) SELECT id FROM audience WHERE members && '{1,2}'::idset;
EXPLAIN (COSTS OFF) SELECT id FROM audience WHERE members = '{1,2}'::idset;
SELECT q, op, arg FROM queries JOIN truth USING (q)
WHERE pg_temp.matches(op, arg) IS DISTINCT FROM truth.ids ORDER BY q;
RESET enable_seqscan;

-- The index after updates, deletes and new empty sets.
UPDATE audience SET members = members + 3 WHERE id % 10 = 0;
DELETE FROM audience WHERE id % 10 = 1;
INSERT INTO audience VALUES (3007, '{}'), (3008, '{3}');
CREATE TEMP TABLE truth2 AS
SELECT q, pg_temp.matches(op, arg) AS ids FROM queries;
SET enable_seqscan = off;
SELECT q, op, arg FROM queries JOIN truth2 USING (q)
WHERE pg_temp.matches(op, arg) IS DISTINCT FROM truth2.ids ORDER BY q;
RESET enable_seqscan;
SET enable_bitmapscan = off;
SET enable_indexscan = off;
SELECT q, op, arg FROM queries JOIN truth2 USING (q)
WHERE pg_temp.matches(op, arg) IS DISTINCT FROM truth2.ids ORDER BY q;
RESET enable_bitmapscan;
RESET enable_indexscan;

-- btree: ORDER BY, UNIQUE, merge join, index scans.
CREATE TABLE lists (name text, members idset);
INSERT INTO lists VALUES ('a', '{3,1}'), ('b', '{}'), ('c', '{1,2}'), ('d', '{1,3,5}'), ('e', '{2}'),
	('f', NULL), ('g', '{-1}'), ('h', '{1}'), ('i', '{10,1}');
SELECT name, members FROM lists ORDER BY members, name;
SELECT name, members FROM lists ORDER BY members DESC NULLS LAST, name;
CREATE UNIQUE INDEX lists_members ON lists (members);
INSERT INTO lists VALUES ('dup', '{1,1,3}');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT name FROM lists WHERE members = '{1,2}'::idset;
SELECT name FROM lists WHERE members = '{1,2}'::idset;
SELECT name FROM lists WHERE members > '{1,2}'::idset AND members <= '{2}'::idset ORDER BY members;
RESET enable_seqscan;

-- DISTINCT and GROUP BY by sort and by hash; hash joins.
CREATE TEMP TABLE many AS
SELECT i, idset(ARRAY[i % 5, (i % 5) * 10]::bigint[]) AS s FROM generate_series(1, 1000) i;
INSERT INTO many VALUES (1001, '{}'), (1002, '{}');
SET enable_hashagg = off;
SELECT s, count(*) FROM many GROUP BY s ORDER BY s;
SELECT count(DISTINCT s) FROM many;
SET enable_hashagg = on;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT s, count(*) FROM many GROUP BY s;
SELECT s, count(*) FROM many GROUP BY s ORDER BY 2, 1;
SELECT count(*) FROM (SELECT DISTINCT s FROM many) d;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM many m JOIN lists l ON l.members = m.s;
SELECT l.name, count(*) FROM many m JOIN lists l ON l.members = m.s GROUP BY l.name ORDER BY 1;
RESET enable_mergejoin;
RESET enable_nestloop;
CREATE INDEX many_hash ON many USING hash (s);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM many WHERE s = '{0}'::idset;
SELECT count(*) FROM many WHERE s = '{0}'::idset;
SELECT count(*) FROM many WHERE s = '{}'::idset;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Leave nothing behind for other tests.
DROP TABLE audience, queries, lists;
