-- known_followers(), common_followers() and common_following() probe the
-- larger side one leaf page at a time (fg_probe.c, 0.3.0): each answer
-- equals the plain-SQL one on a btree of three levels, while it is churned
-- (dead versions of the same key, posting lists), after VACUUM has deleted
-- emptied leaf pages, and under SERIALIZABLE.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- account 1 has 120,000 followers (the even ids 1000 to 240998): about 450
-- leaf pages of (followee, follower) under a few level-1 pages; viewers 10
-- to 29 follow 300 accounts each, spread over the whole range, half of them
-- followers of 1
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT g, 1 FROM generate_series(1000, 240998, 2) AS g;
INSERT INTO staging
	SELECT v, (v * 7919 + k * 811) % 242000 + 500
	FROM generate_series(10, 29) AS v, generate_series(1, 300) AS k;
\i sql/include/import_staging.sql
ANALYZE follow_graph.edge;
SELECT follower_count(1), following_count(10);

-- every viewer's known followers of 1, whole and walked in pages of 7,
-- against the edges; and common_followers(t, 1) for every account t that
-- viewers 10 to 13 follow.  Each returns the number of wrong answers.
\i sql/include/set_answers.sql
CREATE FUNCTION pg_temp.known_bad() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM generate_series(10, 29) AS v
	WHERE pg_temp.differs('known_followers', v, 1, 1000, NULL) = 1
$$;
CREATE FUNCTION pg_temp.paged_bad() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM generate_series(10, 29) AS v
	WHERE pg_temp.paged('known_followers', v, 1, 7, NULL, false)
		  IS DISTINCT FROM ARRAY(SELECT x FROM follow_graph.known_followers(v, 1, 1000) AS x)
$$;
CREATE FUNCTION pg_temp.common_bad() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (SELECT DISTINCT followee AS t FROM follow_graph.edges
						  WHERE follower BETWEEN 10 AND 13) AS s
	WHERE pg_temp.differs('common_followers', s.t, 1, 1000, NULL) = 1
$$;
SELECT count(*) AS known_rows FROM generate_series(10, 29) AS v,
	LATERAL known_followers(v, 1, 1000);
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();
-- a viewer following only accounts outside the range, ids below and above
SELECT count(*) FROM (SELECT follow(5, g) FROM unnest('{2,3,999,240999,241001,9000000}'::bigint[]) AS g) AS s;
SELECT count(*) FROM known_followers(5, 1);
SELECT count(*) FROM (SELECT follow(g, 1) FROM unnest('{2,240999}'::bigint[]) AS g) AS s;
SELECT array_agg(x) FROM known_followers(5, 1) AS x;
-- under SERIALIZABLE the probes predicate-lock the leaf pages they read, as
-- an index scan does, so that a later insert of a key they missed conflicts
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT array_agg(x) FROM known_followers(5, 1) AS x;
SELECT locktype, count(*) > 0 AS locked FROM pg_locks
WHERE mode = 'SIReadLock' AND pid = pg_backend_pid()
  AND relation = 'follow_graph.edge_followee_follower'::regclass
GROUP BY 1;
COMMIT;

-- churn: 200 followers of 1 that the viewers follow unfollow and follow
-- again three times (dead versions of the same index key, on heap pages no
-- longer all-visible), 300 more only unfollow
SELECT count(*) FROM (
	SELECT unfollow(t, 1), follow(t, 1), unfollow(t, 1), follow(t, 1), unfollow(t, 1), follow(t, 1)
	FROM (SELECT DISTINCT followee AS t FROM edges WHERE follower BETWEEN 10 AND 29
		  AND followee % 2 = 0 AND followee >= 1000 ORDER BY 1 LIMIT 200) AS s) AS c;
SELECT count(*) FROM (
	SELECT unfollow(t, 1)
	FROM (SELECT DISTINCT followee AS t FROM edges WHERE follower BETWEEN 10 AND 29
		  AND followee % 2 = 0 AND followee >= 1000 ORDER BY 1 DESC LIMIT 300) AS s) AS c;
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();

-- one pair unfollowed and followed again 1,500 times: 1,500 versions of the
-- key (1, 1002) in posting lists that fill more than a leaf page, the live
-- one last, found by a probe that goes on past the page's high key
SELECT count(*) FROM (SELECT unfollow(1002, 1), follow(1002, 1) FROM generate_series(1, 1500)) AS s;
SELECT count(*) FROM (SELECT follow(6, g) FROM unnest('{1000,1002,1004}'::bigint[]) AS g) AS s;
SELECT array_agg(x) FROM known_followers(6, 1) AS x;
SELECT unfollow(1002, 1);
SELECT array_agg(x) FROM known_followers(6, 1) AS x;
SELECT follow(1002, 1);

-- 20,000 followers of 1 in one run of ids unfollow; VACUUM deletes the
-- emptied leaf pages, whose downlinks the probes must step over
SELECT count(*) FROM (SELECT unfollow(g, 1) FROM generate_series(100000, 139998, 2) AS g) AS s;
VACUUM follow_graph.edge;
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();
-- and some of them follow again, into the key space of the deleted pages
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(100000, 139998, 38) AS g) AS s;
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();

-- the same answers under SERIALIZABLE (predicate locks on the pages read)
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();
COMMIT;

-- inside a transaction that changed the edges: its own changes are seen
BEGIN;
SELECT count(*) FROM (SELECT unfollow(10, t) FROM (SELECT followee AS t FROM edges
	WHERE follower = 10 AND followee % 2 = 0 ORDER BY 1 LIMIT 20) AS s) AS c;
SELECT count(*) FROM (SELECT follow(10, g) FROM generate_series(2000, 2040, 2) AS g) AS s;
SELECT pg_temp.known_bad(), pg_temp.paged_bad(), pg_temp.common_bad();
ROLLBACK;
SELECT pg_temp.known_bad();

-- the probe path reads a small side (up to 1,024 followees, before any
-- counter) whole in one pass over its leaf pages, then probes in ascending order,
-- keeping the last leaf pinned for the next key; a larger side is walked
-- with an index scan.  Viewer 7 follows 1,000 accounts (a few leaf pages of
-- the primary key), viewer 8 follows 5,000 (over the bound), every other
-- one a follower of 1; both answers, whole and in pages of 7 and 50, and
-- around cursors at the ends, equal the plain-SQL ones.
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT 7, g FROM generate_series(1000, 1000 + 999 * 3, 3) AS g;
INSERT INTO staging SELECT 8, g FROM generate_series(1001, 1001 + 5000 * 3, 3) AS g
	WHERE g < 1001 + 5000 * 3;
\i sql/include/import_staging.sql
SELECT following_count(7), following_count(8);
CREATE FUNCTION pg_temp.viewer_bad(v bigint, after bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT pg_temp.differs('known_followers', v, 1, 100000, after)
		+ (SELECT count(*) FROM unnest('{7,50}'::int[]) AS size
		   WHERE pg_temp.paged('known_followers', v, 1, size, after, true)
				 IS DISTINCT FROM pg_temp.want('known_followers', v, 1, after))
$$;
SELECT v, (SELECT count(*) FROM known_followers(v, 1, 100000)) AS known,
	pg_temp.viewer_bad(v, NULL) AS whole, pg_temp.viewer_bad(v, 999) AS before_all,
	pg_temp.viewer_bad(v, 9000) AS inside, pg_temp.viewer_bad(v, 9001) AS inside_odd,
	pg_temp.viewer_bad(v, 100000000) AS past_all
FROM unnest('{7,8}'::bigint[]) AS v;
-- the counters off (edges written around the API): viewer 8's 5,000 ids
-- (read up to the bound, then walked by an index scan) give the same answer
UPDATE follow_graph.counter SET following = 0 WHERE account = 8;
SELECT following_count(8), pg_temp.viewer_bad(8, NULL), pg_temp.viewer_bad(8, 5000);
SELECT rebuild_counts() > 0 AS rebuilt;
SELECT following_count(8);
