-- followers() pages (0.3.0): read from the covering (followee, seq) INCLUDE
-- (follower, followed_at) index with no heap visit per row; every page
-- equals the plain-SQL answer over the edges, and a 0.2.0 catalog (index
-- without INCLUDE columns) pages the same from the heap.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- the index is covering
SELECT i.indnatts, i.indnkeyatts FROM pg_index AS i
WHERE i.indexrelid = 'follow_graph.edge_followee_seq'::regclass;

-- every page of every account, walked through the cursors, against the
-- edges ordered by seq (bad pages: 0)
CREATE FUNCTION pg_temp.page_check(page_size int, OUT accounts bigint, OUT rows_seen bigint,
	OUT bad_accounts bigint)
LANGUAGE plpgsql AS $$
DECLARE
	a bigint;
	cur bigint;
	got text[];
	want text[];
	n bigint;
BEGIN
	accounts := 0; rows_seen := 0; bad_accounts := 0;
	FOR a IN SELECT DISTINCT followee FROM follow_graph.edge ORDER BY 1 LOOP
		accounts := accounts + 1;
		got := '{}';
		cur := NULL;
		LOOP
			SELECT array_agg(format('%s@%s#%s', f.follower, f.followed_at, f.cursor) ORDER BY f.cursor DESC),
				   min(f.cursor), count(*)
			INTO STRICT want, cur, n
			FROM follow_graph.followers(a, page_size, cur) AS f;
			EXIT WHEN n = 0;
			got := got || want;
		END LOOP;
		SELECT coalesce(array_agg(format('%s@%s#%s', e.follower, e.followed_at, e.seq) ORDER BY e.seq DESC), '{}')
		INTO want FROM follow_graph.edge AS e WHERE e.followee = a;
		rows_seen := rows_seen + cardinality(got);
		IF got IS DISTINCT FROM want THEN
			bad_accounts := bad_accounts + 1;
		END IF;
	END LOOP;
END
$$;

-- follows through the API, an import with given and with identical
-- followed_at values, an accepted request, a block, a deactivation and
-- reactivation (which keep seq and followed_at)
SELECT follow(a, b) FROM generate_series(1, 30) AS a, generate_series(1, 5) AS b
WHERE a <> b AND (a + b) % 3 <> 0 \g /dev/null
CREATE TABLE pg_temp.stage (follower bigint, followee bigint, followed_at timestamptz);
INSERT INTO pg_temp.stage
	SELECT g, 1, '2025-06-01 12:00:00+00'::timestamptz + g * interval '1 minute'
	FROM generate_series(100, 160) AS g
	UNION ALL
	SELECT g, 2, '2025-06-01 12:00:00+00' FROM generate_series(100, 140) AS g;
SET client_min_messages = warning;
SELECT import_edges('pg_temp.stage');
RESET client_min_messages;
SELECT set_private(3, true), follow(200, 3), accept_request(3, 200);
SELECT block(1, 101), deactivate_account(102), reactivate_account(102);
SELECT * FROM pg_temp.page_check(1);
SELECT * FROM pg_temp.page_check(7);
SELECT * FROM pg_temp.page_check(1000);

-- identical followed_at values page by cursor, newest (highest seq) first
SELECT f.follower, f.followed_at FROM followers(2, 3) AS f;
SELECT f.follower, f.followed_at
FROM followers(2, 3, (SELECT min(cursor) FROM followers(2, 3))) AS f;

-- NULLs as before: no rows; a bad page size is refused
SELECT (SELECT count(*) FROM followers(NULL)) AS null_account,
	(SELECT count(*) FROM followers(1, NULL)) AS null_page_size;
SELECT count(*) FROM followers(1, 0);

-- no heap visit per row once the visibility map knows the pages: the
-- page's index tuples carry every column
-- (heap fetches by index scans, counted by this backend, across one call
-- inside one statement so that no stats flush falls in between)
CREATE FUNCTION pg_temp.heap_fetches(call text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	before bigint;
	after bigint;
BEGIN
	SELECT idx_tup_fetch INTO before FROM pg_stat_xact_all_tables
	WHERE relid = 'follow_graph.edge'::regclass;
	EXECUTE call;
	SELECT idx_tup_fetch INTO after FROM pg_stat_xact_all_tables
	WHERE relid = 'follow_graph.edge'::regclass;
	RETURN after - before;
END
$$;
VACUUM follow_graph.edge;
SELECT pg_temp.heap_fetches('SELECT count(*) FROM follow_graph.followers(1, 50)') AS followers_page;
-- following() pages still read followed_at from the heap, one fetch a row
SELECT pg_temp.heap_fetches('SELECT count(*) FROM follow_graph.following(30, 50)') AS following_page,
	following_count(30);

-- a rebuild-plan import (10,000 edges or more, larger than the graph)
-- builds the index again covering
CREATE TABLE pg_temp.big AS
	SELECT a AS follower, 1000 + a % 50 AS followee,
		'2025-01-01'::timestamptz + a * interval '1 second' AS followed_at
	FROM generate_series(1000::bigint, 13000) AS a;
SET client_min_messages = warning;
SELECT import_edges('pg_temp.big');
RESET client_min_messages;
SELECT i.indnatts, i.indnkeyatts FROM pg_index AS i
WHERE i.indexrelid = 'follow_graph.edge_followee_seq'::regclass;
SELECT * FROM pg_temp.page_check(100);
SELECT * FROM verify();

-- a 0.2.0 catalog: the index has no INCLUDE columns, pages read the heap
-- and give the same rows; the update makes the index covering and a cursor
-- taken before it pages on after it
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph VERSION '0.2.0';
RESET client_min_messages;
SELECT i.indnatts, i.indnkeyatts FROM pg_index AS i
WHERE i.indexrelid = 'follow_graph.edge_followee_seq'::regclass;
SELECT follow(a, b) FROM generate_series(1, 30) AS a, generate_series(1, 5) AS b
WHERE a <> b AND (a + b) % 3 <> 0 \g /dev/null
SELECT * FROM pg_temp.page_check(4);
CREATE TEMP TABLE held AS SELECT min(cursor) AS cursor FROM followers(1, 4);
CREATE TEMP TABLE before_update AS
	SELECT f.* FROM followers(1, 100, (SELECT cursor FROM held)) AS f;
ALTER EXTENSION follow_graph UPDATE TO '0.3.0';
SELECT i.indnatts, i.indnkeyatts FROM pg_index AS i
WHERE i.indexrelid = 'follow_graph.edge_followee_seq'::regclass;
SELECT * FROM pg_temp.page_check(4);
SELECT (SELECT array_agg(format('%s@%s#%s', f.follower, f.followed_at, f.cursor) ORDER BY f.cursor)
		FROM followers(1, 100, (SELECT cursor FROM held)) AS f)
	= (SELECT array_agg(format('%s@%s#%s', b.follower, b.followed_at, b.cursor) ORDER BY b.cursor)
		FROM before_update AS b) AS same_after_update,
	(SELECT count(*) FROM before_update) AS rows_after_cursor;
