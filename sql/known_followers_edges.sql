-- Review of the 0.4.0 known_followers path (fg_read.c ProbeReadSmallSide,
-- fg_probe.c: the level-1 page copied whole, the last leaf kept pinned):
-- shapes probe.sql does not reach.  The small side at the bound: 1,024
-- followees by the counters read whole in one pass (no index scan of
-- edge_pkey), 1,025 walked with an index scan, as idx_scan of edge_pkey
-- shows; ids and owners at both ends of bigint (the leftmost and rightmost
-- leaves of both indexes), negative ids, cursors at the ends; the small
-- side with dead versions and posting lists; common_followers with a
-- small side of 1,024/1,025 followers; edge_followee_follower rebuilt by a
-- DBA with an INCLUDE column (still probed) and with a DESC column (walked
-- with index scans).  Every answer equals the plain-SQL one.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- celebrity 1: 60,000 followers, ids 97 apart from -2,910,000 up, plus both
-- ends of bigint; celebrity 9223372036854775807 (the last owner of
-- edge_followee_follower): 20,000 followers; viewers 7, 8 and
-- -9223372036854775808 (the first owner of edge_pkey) follow 1,024, 1,025
-- and 1,024 accounts: every other one a follower of both celebrities, the
-- rest between them, both ends of bigint among them
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT g * 97, 1 FROM generate_series(-30000, 29999) AS g;
INSERT INTO staging VALUES (-9223372036854775808, 1), (9223372036854775807, 1);
INSERT INTO staging SELECT g * 97, 9223372036854775807 FROM generate_series(-10000, 9999) AS g;
INSERT INTO staging VALUES (-9223372036854775808, 9223372036854775807);
CREATE TEMP TABLE followees (viewer bigint, followee bigint);
INSERT INTO followees
	SELECT v, CASE WHEN k = 0 THEN -9223372036854775808
				   WHEN k = n - 1 THEN 9223372036854775807
				   WHEN k % 2 = 0 THEN (k - n / 2) * 97 * 13
				   ELSE (k - n / 2) * 97 * 13 + 5 END
	FROM (VALUES (7::bigint, 1024), (8, 1025), (-9223372036854775808, 1024)) AS s(v, n),
		 generate_series(0, n - 1) AS k
	WHERE NOT (v = -9223372036854775808 AND k = 0);
INSERT INTO followees VALUES (-9223372036854775808, 1);
INSERT INTO staging SELECT viewer, followee FROM followees;
\i sql/include/import_staging.sql
ANALYZE follow_graph.edge;
SELECT a, follower_count(a), following_count(a)
FROM unnest('{1,9223372036854775807,7,8,-9223372036854775808}'::bigint[]) AS a;

-- one intersection answer against plain SQL, whole and in pages of 1, 7
-- and 1,024, from a cursor; 0 when all agree
\i sql/include/set_answers.sql
CREATE FUNCTION pg_temp.pair_bad(fn text, x bigint, y bigint, after bigint) RETURNS bigint
LANGUAGE sql AS $$
	SELECT pg_temp.differs(fn, x, y, 100000, after)
		+ (SELECT count(*) FROM unnest('{1,7,1024}'::int[]) AS size
		   WHERE pg_temp.paged(fn, x, y, size, after, true) IS DISTINCT FROM pg_temp.want(fn, x, y, after))
$$;
-- every cursor shape for one pair: 0 when all agree
CREATE FUNCTION pg_temp.all_bad(fn text, x bigint, y bigint) RETURNS bigint
LANGUAGE sql AS $$
	SELECT sum(pg_temp.pair_bad(fn, x, y, c))::bigint
	FROM unnest('{NULL,-9223372036854775808,-9223372036854775807,-1,0,5,
				  9223372036854775806,9223372036854775807}'::bigint[]) AS c
$$;

-- the answers (each has both ends of bigint and negative ids)
SELECT v, c, count(*) AS known, min(x) = -9223372036854775808 AS has_min,
	max(x) = 9223372036854775807 AS has_max, count(*) FILTER (WHERE x < 0) > 0 AS has_negative
FROM unnest('{7,8,-9223372036854775808}'::bigint[]) AS v,
	 unnest('{1,9223372036854775807}'::bigint[]) AS c,
	 LATERAL known_followers(v, c, 100000) AS x
GROUP BY 1, 2 ORDER BY 1, 2;

-- which path ran: the small side read whole touches no index scan of
-- edge_pkey, the walk of a side of 1,025 does
CREATE FUNCTION pg_temp.scans_of(idx regclass, v bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	before bigint := pg_stat_get_xact_numscans(idx);
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM follow_graph.known_followers(v, 1, 100000);
	RETURN pg_stat_get_xact_numscans(idx) - before;
END $$;
CREATE FUNCTION pg_temp.pkey_scans_of(v bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT pg_temp.scans_of('follow_graph.edge_pkey', v)
$$;
SELECT pg_temp.pkey_scans_of(7) = 0 AS read_whole_1024,
	pg_temp.pkey_scans_of(-9223372036854775808) = 0 AS read_whole_min,
	pg_temp.pkey_scans_of(8) > 0 AS walked_1025;

SELECT v, c, pg_temp.all_bad('known_followers', v, c) AS bad
FROM unnest('{7,8,-9223372036854775808}'::bigint[]) AS v,
	 unnest('{1,9223372036854775807}'::bigint[]) AS c ORDER BY 1, 2;
-- common_following(v, w): the small side is v's followees, the large one
-- the followees of an account following 20,000
SELECT count(*) FROM (SELECT follow(3, g * 97) FROM generate_series(-10000, 9999) AS g) AS s;
SELECT pg_temp.all_bad('common_following', 7, 3) AS f7, pg_temp.all_bad('common_following', 8, 3) AS f8,
	pg_temp.all_bad('common_following', -9223372036854775808, 3) AS fmin;

-- common_followers(t, 1) with t followed by exactly 1,024 and 1,025
-- accounts (the small side is a range of edge_followee_follower)
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT (k - 600) * 97 * 7 + (k % 2) * 3, t
FROM (VALUES (20::bigint, 1024), (21, 1025)) AS s(t, n), generate_series(0, n - 1) AS k;
\i sql/include/import_staging.sql
SELECT follower_count(20), follower_count(21),
	pg_temp.all_bad('common_followers', 20, 1) AS t20, pg_temp.all_bad('common_followers', 21, 1) AS t21;

-- the small side churned: 200 of viewer 7's followees unfollowed and
-- followed again three times (dead versions of a key of edge_pkey, merged
-- into posting lists when a leaf fills), 100 only unfollowed
SELECT count(*) FROM (
	SELECT unfollow(7, t), follow(7, t), unfollow(7, t), follow(7, t), unfollow(7, t), follow(7, t)
	FROM (SELECT followee AS t FROM edges WHERE follower = 7 ORDER BY 1 LIMIT 200 OFFSET 300) AS s) AS c;
SELECT count(*) FROM (
	SELECT unfollow(7, t)
	FROM (SELECT followee AS t FROM edges WHERE follower = 7 ORDER BY 1 DESC LIMIT 100) AS s) AS c;
SELECT following_count(7), pg_temp.pkey_scans_of(7) = 0 AS read_whole,
	pg_temp.all_bad('known_followers', 7, 1) AS bad;
-- the edges changed around the API: the counters say 1,024 for viewer 8
-- (1,025 followees); the read of the range itself finds it too long, so it
-- is walked (0.4.0 before the small-side-first read: read whole by the counters)
UPDATE follow_graph.counter SET following = following - 1 WHERE account = 8 AND following > 0
	AND stripe = (SELECT min(stripe) FROM follow_graph.counter WHERE account = 8 AND following > 0);
SELECT following_count(8), pg_temp.pkey_scans_of(8) = 0 AS read_whole,
	pg_temp.all_bad('known_followers', 8, 1) AS bad;
SELECT rebuild_counts() > 0 AS rebuilt;

-- a DBA rebuilds edge_followee_follower with an INCLUDE column (the key
-- columns stay at offsets 0 and 8: still probed), then with its second
-- column descending (not a shape the probes read: index scans)
SET client_min_messages = warning;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower) INCLUDE (seq);
RESET client_min_messages;
SELECT pg_temp.scans_of('follow_graph.edge_followee_follower', 7) = 0 AS probed;
SELECT v, pg_temp.all_bad('known_followers', v, 1) AS bad
FROM unnest('{7,8,-9223372036854775808}'::bigint[]) AS v ORDER BY 1;
SELECT pg_temp.all_bad('common_followers', 20, 1) AS t20;
SET client_min_messages = warning;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower DESC);
RESET client_min_messages;
SELECT pg_temp.scans_of('follow_graph.edge_followee_follower', 7) > 0 AS index_scans;
SELECT v, pg_temp.all_bad('known_followers', v, 1) AS bad
FROM unnest('{7,8,-9223372036854775808}'::bigint[]) AS v ORDER BY 1;
SET client_min_messages = warning;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);
RESET client_min_messages;
SELECT pg_temp.all_bad('known_followers', 7, 1) AS bad;
