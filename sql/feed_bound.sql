-- Home feed, author recency (0.3.0): the bound of each author's newest item,
-- and the bounded plan of feed() that walks it.  Every answer is compared
-- with a plain-SQL reference on the storage tables.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

\i sql/include/feed_pages.sql
-- Does every author's bound (the highest of its rows) cover its newest
-- item?
CREATE FUNCTION pg_temp.bounds_cover() RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT NOT EXISTS (SELECT 1 FROM follow_graph.item AS i
					   LEFT JOIN (SELECT b.author, max(b.newest) AS newest
								  FROM follow_graph.item_bound AS b GROUP BY b.author) AS b
							  ON b.author = i.author
					   WHERE b.newest IS NULL OR b.newest < i.item)
$$;
-- publish raises the bound in its transaction; a rolled-back publish
-- leaves the bound it had
SELECT publish(2, 100), publish(3, 110);
SELECT author, newest FROM item_bound ORDER BY author;
BEGIN;
SELECT publish(2, 500);
SELECT newest FROM item_bound WHERE author = 2;
ROLLBACK;
SELECT author, newest FROM item_bound ORDER BY author;
-- an older item does not lower it; a newer one raises it
SELECT publish(2, 50), publish(3, 120);
SELECT author, newest FROM item_bound ORDER BY author;
-- publishing an id again (false) changes nothing
SELECT publish(3, 120);
SELECT author, newest FROM item_bound ORDER BY author;

-- 1 follows 2, 3 and 5 (5 never publishes: no bound, never read)
SELECT follow(1, 2), follow(1, 3), follow(1, 5);
SELECT * FROM feed(1);
SELECT pg_temp.pages_differ(1, 1), pg_temp.pages_differ(1, 2), pg_temp.pages_differ(1, 50);

-- unpublish and forget_items leave stale-high bounds; feed is still exact
SELECT unpublish(3, 120), unpublish(3, 110);
SELECT author, newest FROM item_bound ORDER BY author;
SELECT * FROM feed(1);
SELECT forget_items(101);
SELECT author, newest FROM item_bound ORDER BY author;
SELECT * FROM feed(1);
SELECT pg_temp.pages_differ(1, 1), pg_temp.pages_differ(1, 3);

-- Ties: 2's bound stays at 700 after it unpublishes 700; 3 then publishes
-- 700 itself: two authors with the same bound
SELECT publish(2, 700), publish(2, 690), unpublish(2, 700), publish(3, 700), publish(3, 695);
SELECT author, newest FROM item_bound WHERE newest = 700 ORDER BY author;
SELECT * FROM feed(1, 2);
SELECT * FROM feed(1, 2, 695);
SELECT pg_temp.pages_differ(1, 1), pg_temp.pages_differ(1, 2), pg_temp.pages_differ(1, 4);

-- Both access paths.  4 follows 2 and 3 only; 200 other authors publish
-- newer items, so a page of 1 walks past its budget of entries (8 per
-- account and page row) and looks the bounds of 2 and 3 up instead; a page
-- of 100 (3 items) walks the whole index within its budget.  Then 4 also
-- follows 40 of the others.
SELECT follow(4, 2), follow(4, 3);
SELECT count(*) FROM (SELECT publish(a, 1000 + 10 * a + k) FROM generate_series(100, 299) AS a, generate_series(0, 2) AS k) AS s;
SELECT pg_temp.pages_differ(4, 1), pg_temp.pages_differ(4, 2), pg_temp.pages_differ(4, 100);
-- which path each took (feed()'s DEBUG1 report)
SET client_min_messages = debug1;
SELECT count(*) FROM feed(4, 1);
SELECT count(*) FROM feed(4, 100);
RESET client_min_messages;
SELECT count(*) FROM (SELECT follow(4, a) FROM generate_series(100, 299, 5) AS a) AS s;
SELECT pg_temp.pages_differ(4, 1), pg_temp.pages_differ(4, 7), pg_temp.pages_differ(4, 50);
-- cursors anywhere: between items, on an item, above all, below all
SELECT pg_temp.pages_differ(4, 3, c) FROM (VALUES (3995), (3990), (1000), (9223372036854775807), (-9223372036854775808), (0)) AS v(c);
-- the newest items all by authors 4 does not follow: the walk stops at the
-- page's worst item, not at the end of the index
SELECT count(*) FROM (SELECT publish(a, 9000 + a) FROM generate_series(300, 320) AS a) AS s;
SELECT pg_temp.pages_differ(4, 5);

-- mute, block and deactivation apply at once on the bounded plan
SELECT mute(4, 2);
SELECT pg_temp.pages_differ(4, 10);
SELECT block(3, 4);
SELECT pg_temp.pages_differ(4, 10);
SELECT deactivate_account(100);
SELECT pg_temp.pages_differ(4, 10);
SELECT reactivate_account(100), unmute(4, 2), unblock(3, 4);
SELECT pg_temp.pages_differ(4, 10);

-- a rolled-back raise of another session's bound is not needed: the bound
-- only has to cover committed items
SELECT pg_temp.bounds_cover();

-- remove_account deletes the account's bounds
SELECT count(*) AS rows_of_3 FROM item_bound WHERE author = 3;
SELECT remove_account(3);
SELECT count(*) AS rows_of_3 FROM item_bound WHERE author = 3;
SELECT pg_temp.pages_differ(1, 2), pg_temp.pages_differ(4, 3);
SELECT pg_temp.bounds_cover();

-- The table is append-only for publishers: an uncovered item adds a row and
-- deletes the author's rows below it; several publishes in one transaction
-- leave one row.  Rows left by concurrent publishers (two rows of an author,
-- made here by hand) only cost feed() a needless look, and the next
-- uncovered publish deletes them.
BEGIN;
SELECT publish(6, 5000), publish(6, 5010), publish(6, 5005), publish(6, 5020);
SELECT author, newest FROM item_bound WHERE author = 6 ORDER BY newest;
COMMIT;
SELECT author, newest FROM item_bound WHERE author = 6 ORDER BY newest;
SELECT follow(4, 6);
INSERT INTO item_bound (author, newest) VALUES (6, 4000), (6, 9999), (2, 1);
SELECT pg_temp.pages_differ(4, 1), pg_temp.pages_differ(4, 3), pg_temp.pages_differ(4, 50);
SELECT publish(6, 10000);
SELECT author, newest FROM item_bound WHERE author = 6 ORDER BY newest;
SELECT pg_temp.bounds_cover();
-- a rolled-back publish leaves the rows it deleted
BEGIN;
SELECT publish(6, 10100);
SELECT author, newest FROM item_bound WHERE author = 6 ORDER BY newest;
ROLLBACK;
SELECT author, newest FROM item_bound WHERE author = 6 ORDER BY newest;

-- Indexes a DBA adds: on item, publish writes through SQL; on item_bound,
-- the bound insert does.  Same answers, counts exact.
CREATE INDEX item_dba ON item (author) WHERE item > 0;
CREATE INDEX item_bound_dba ON item_bound (author);
SELECT publish(6, 10200), publish(6, 10200), publish(7, 10210);
SELECT publish(7, 10200);
SELECT unpublish(6, 10200), unpublish(6, 10200), publish(6, 10300);
SELECT author, newest FROM item_bound WHERE author IN (6, 7) ORDER BY author, newest;
SELECT item_count(6) = (SELECT count(*) FROM item WHERE author = 6) AS exact6,
	   item_count(7) = (SELECT count(*) FROM item WHERE author = 7) AS exact7;
SELECT pg_temp.pages_differ(4, 3), pg_temp.bounds_cover();
DROP INDEX item_dba, item_bound_dba;

-- A later page scans the newest items below the cursor for at most 32
-- entries per account and page row, then merges below where it stopped
-- (one descent per account).  50 follows 51 and 52, whose items are older
-- than 400 items of 60..99: below 30000, a page of 1 stops its scan after
-- 128 entries and a page of 3 after 192, and both merge; a page of 20
-- (budget 736) finds all 5 items by the scan, but only the merge can tell
-- that there are no more (older items of other authors follow).
SELECT follow(50, 51), follow(50, 52);
SELECT count(*) FROM (SELECT publish(51 + k % 2, 20000 + k) FROM generate_series(1, 5) AS k) AS s;
SELECT count(*) FROM (SELECT publish(60 + k % 40, 21000 + k) FROM generate_series(1, 400) AS k) AS s;
SELECT pg_temp.pages_differ(50, 1, 30000), pg_temp.pages_differ(50, 3, 30000),
	   pg_temp.pages_differ(50, 2, 21200), pg_temp.pages_differ(50, 1, 20004);
SET client_min_messages = debug1;
SELECT * FROM feed(50, 1, 30000);
SELECT * FROM feed(50, 3, 30000);
SELECT count(*) FROM feed(50, 20, 30000);
RESET client_min_messages;

-- A 0.2.0 catalog: the 0.3.0 library keeps publishing and answering feed()
-- with the 0.2.0 plans; the upgrade fills the bounds from the items.
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph VERSION '0.2.0';
RESET client_min_messages;
SELECT to_regclass('follow_graph.item_bound') IS NULL AS no_bounds;
SELECT follow(1, 2), follow(1, 3);
SELECT publish(2, 100), publish(3, 110), publish(2, 120), publish(4, 130), publish(1, 90);
SELECT * FROM feed(1);
SELECT * FROM feed(1, 2, 110);
ALTER EXTENSION follow_graph UPDATE TO '0.3.0';
SELECT author, newest FROM item_bound ORDER BY author;
SELECT * FROM feed(1);
SELECT pg_temp.pages_differ(1, 1), pg_temp.pages_differ(1, 2);
SELECT publish(3, 140);
SELECT author, newest FROM item_bound ORDER BY author;
SELECT * FROM feed(1, 2);
