-- Home feed, a first page's walk of item_bound_newest one leaf page at a
-- time (fg_bound_walk.c): across many leaf pages, across pages emptied and
-- deleted by VACUUM, under SERIALIZABLE, and through an ordinary index scan
-- when a DBA rebuilt the index in another shape.  Every page is compared
-- with a plain-SQL reference on the storage tables.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

\i sql/include/feed_pages.sql
-- The first page of feed(v, ps) equal to the reference?
CREATE FUNCTION pg_temp.first_ok(v bigint, ps int) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT ARRAY(SELECT row(f.author, f.item)::text FROM follow_graph.feed(v, ps) AS f)
		IS NOT DISTINCT FROM
		   ARRAY(SELECT row(e.author, e.item)::text FROM pg_temp.expected(v, ps, NULL) AS e)
$$;

-- An empty index (no root page yet): only the viewer's own items.
SELECT follow(1, 1000);
SELECT * FROM feed(1, 5);

-- pages_differ() (sql/include/feed_pages.sql): later pages walk item_pkey's
-- leaf pages from the cursor down.

-- 4,000 authors (1000..4999) publish one item each, author a the item
-- 100000 + a, so the bounds sort as the authors do; 1000 and 1001 also
-- publish 300 older items each (their items span leaf pages of
-- item_author_item).  Viewers: 1 follows every 20th author (200 accounts;
-- a page walks about 20 bounds per item), 2 follows the 600 oldest (a
-- page walks nearly the whole index), 3 follows every 20th plus 1000 and
-- 1001.
SELECT count(*) FROM (SELECT publish(a, 100000 + a) FROM generate_series(1000, 4999) AS a) AS s;
SELECT count(*) FROM (SELECT publish(1000 + k % 2, 50000 + k) FROM generate_series(1, 600) AS k) AS s;
SELECT count(*) FROM (SELECT follow(1, a) FROM generate_series(1000, 4999, 20) AS a) AS s;
SELECT count(*) FROM (SELECT follow(2, a) FROM generate_series(1000, 1599) AS a) AS s;
SELECT count(*) FROM (SELECT follow(3, a) FROM generate_series(1020, 4999, 20) AS a) AS s;
SELECT follow(3, 1000), follow(3, 1001);
-- the index has many leaf pages
SELECT pg_relation_size('follow_graph.item_bound_newest') / current_setting('block_size')::int > 10 AS many_pages;
SELECT pg_temp.first_ok(v, ps) AS ok, v, ps
FROM (VALUES (1), (2), (3)) AS x(v), (VALUES (1), (7), (50), (300)) AS y(ps)
ORDER BY v, ps;
-- later pages, from cursors between items, on an item, above and below all
SELECT v, pg_temp.pages_differ(v, 50) AS p50, pg_temp.pages_differ(v, 7, 104321) AS p7,
	   pg_temp.pages_differ(v, 300, 101500) AS p300, pg_temp.pages_differ(v, 20, 50300) AS p20,
	   pg_temp.pages_differ(v, 5, 9223372036854775807) AS ptop,
	   pg_temp.pages_differ(v, 5, -9223372036854775808) AS pbottom
FROM (VALUES (1), (2), (3)) AS x(v) ORDER BY v;
-- how far each walked (feed()'s DEBUG1 report): 2's page of 50 walks
-- 3,400 bounds, a dozen leaf pages
SET client_min_messages = debug1;
SELECT count(*) FROM feed(1, 50);
SELECT count(*) FROM feed(2, 50);
SELECT count(*) FROM feed(3, 50);
RESET client_min_messages;

-- Leaf pages emptied and deleted: the authors 2000..3999 go, VACUUM
-- removes their bounds' entries and deletes the emptied pages; the walk
-- steps over the gap.
SELECT count(*) FROM (SELECT remove_account(a) FROM generate_series(2000, 3999) AS a) AS s;
VACUUM follow_graph.item_bound;
SELECT pg_temp.first_ok(v, ps) AS ok, v, ps
FROM (VALUES (1), (2), (3)) AS x(v), (VALUES (1), (50), (300)) AS y(ps)
ORDER BY v, ps;
SELECT v, pg_temp.pages_differ(v, 50) AS p50, pg_temp.pages_differ(v, 9, 104000) AS p9
FROM (VALUES (1), (2), (3)) AS x(v) ORDER BY v;
-- new bounds land right of the old ones
SELECT count(*) FROM (SELECT publish(a, 200000 + a) FROM generate_series(4000, 4999, 3) AS a) AS s;
SELECT pg_temp.first_ok(v, ps) AS ok, v, ps
FROM (VALUES (1), (2), (3)) AS x(v), (VALUES (1), (50), (300)) AS y(ps)
ORDER BY v, ps;

-- Under SERIALIZABLE the leaves read are predicate-locked; same answers.
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.first_ok(1, 50) AS ok1, pg_temp.first_ok(2, 50) AS ok2, pg_temp.first_ok(3, 300) AS ok3,
	   pg_temp.pages_differ(3, 50) AS pages3;
COMMIT;

-- A DBA rebuilds the index descending: feed() walks it with an ordinary
-- index scan, forward; then ascending again.
DROP INDEX item_bound_newest;
CREATE INDEX item_bound_newest ON item_bound (newest DESC) INCLUDE (author);
SELECT pg_temp.first_ok(v, ps) AS ok, v, ps
FROM (VALUES (1), (2), (3)) AS x(v), (VALUES (1), (50)) AS y(ps)
ORDER BY v, ps;
DROP INDEX item_bound_newest;
CREATE INDEX item_bound_newest ON item_bound (newest) INCLUDE (author);
SELECT pg_temp.first_ok(v, ps) AS ok, v, ps
FROM (VALUES (1), (2), (3)) AS x(v), (VALUES (1), (50)) AS y(ps)
ORDER BY v, ps;

-- Every bound gone: VACUUM deletes every leaf page but the rightmost,
-- which stays, empty; then one new bound.
SELECT count(*) FROM (SELECT remove_account(a) FROM generate_series(1000, 1999) AS a) AS s;
SELECT count(*) FROM (SELECT remove_account(a) FROM generate_series(4000, 4999) AS a) AS s;
VACUUM follow_graph.item_bound;
SELECT * FROM feed(1, 5);
SELECT publish(1, 999999);
SELECT * FROM feed(1, 5);

-- A DBA rebuilds the feed's indexes without their INCLUDE columns: feed()
-- takes the author (item_pkey, item_bound_newest) and the bound
-- (item_bound_author) from the visible heap tuples instead of reading an
-- index column that is not there (an out-of-range attribute before).
SELECT count(*) FROM (SELECT publish(a, 300000 + a * 10 + k)
					  FROM generate_series(5000, 5299) AS a, generate_series(0, 2) AS k) AS s;
SELECT count(*) FROM (SELECT follow(1, a) FROM generate_series(5000, 5299, 3) AS a) AS s;
SELECT count(*) FROM (SELECT unpublish(a, 300000 + a * 10 + 2) FROM generate_series(5000, 5299, 2) AS a) AS s;
DROP INDEX item_bound_newest;
CREATE INDEX item_bound_newest ON item_bound (newest);
DROP INDEX item_bound_author;
CREATE INDEX item_bound_author ON item_bound (author);
ALTER TABLE item DROP CONSTRAINT item_pkey, ADD CONSTRAINT item_pkey PRIMARY KEY (item);
SELECT pg_temp.first_ok(1, ps) AS ok, ps FROM (VALUES (1), (7), (50), (300)) AS y(ps) ORDER BY ps;
SELECT pg_temp.pages_differ(1, 7) AS p7, pg_temp.pages_differ(1, 50, 303000) AS p50;
SELECT publish(5001, 400000), publish(5003, 400001);
SELECT * FROM feed(1, 3);
-- back as installed
DROP INDEX item_bound_newest;
CREATE INDEX item_bound_newest ON item_bound (newest) INCLUDE (author);
DROP INDEX item_bound_author;
CREATE INDEX item_bound_author ON item_bound (author, newest);
ALTER TABLE item DROP CONSTRAINT item_pkey, ADD CONSTRAINT item_pkey PRIMARY KEY (item) INCLUDE (author);
SELECT pg_temp.first_ok(1, ps) AS ok, ps FROM (VALUES (1), (7), (50), (300)) AS y(ps) ORDER BY ps;
SELECT pg_temp.pages_differ(1, 7) AS p7, pg_temp.pages_differ(1, 50, 303000) AS p50;
