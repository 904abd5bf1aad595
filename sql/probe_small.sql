-- The set functions' small-first path (0.4.0): a first side of up to 1,024
-- ids is read whole before any counter; a second side whose range spans a
-- few leaves is read whole too and merged, a longer one is probed; the
-- leaves are re-read through this backend's recent-buffer hints.  Every
-- answer equals the plain-SQL one: on unevenly spread ids (a dense run, an
-- exponential spread, both ends of bigint), on the 1,024 / 1,025 bound,
-- against small and large targets, after the hinted buffers changed hands
-- (REINDEX, VACUUM FULL) and on an index rebuilt otherwise.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- account 1: 45,000 followers whose ids spread unevenly over bigint: the
-- dense run 1000..20999, 20,000 ids growing exponentially from 2^20 to
-- about 2^62, and 2,500 ids at each end of bigint (so one leaf spans
-- negative and positive ids).  Account 2 has 50 followers (one leaf),
-- account 3 has 3,000.
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT g, 1 FROM generate_series(1000, 20999) AS g;
INSERT INTO staging
	SELECT DISTINCT (2 ^ (20 + 42 * k / 20000.0))::bigint, 1
	FROM generate_series(1, 20000) AS k;
INSERT INTO staging SELECT -9223372036854775807 + g, 1 FROM generate_series(0, 2499) AS g;
INSERT INTO staging SELECT 9223372036854775807 - g, 1 FROM generate_series(0, 2499) AS g;
INSERT INTO staging SELECT g * 40, 2 FROM generate_series(25, 74) AS g;
INSERT INTO staging SELECT 500000 + g * 7, 3 FROM generate_series(1, 3000) AS g;
-- viewers 10..19 follow about 900 accounts each: followers of 1 picked by a
-- hash, and the id after each (mostly not a follower), over every segment
INSERT INTO staging
	SELECT DISTINCT v, f.follower + d
	FROM generate_series(10, 19) AS v,
		 (SELECT follower FROM staging
		  WHERE followee = 1 AND follower < 9223372036854775807 OFFSET 0) AS f,
		 (VALUES (0), (1)) AS o(d)
	WHERE (hashint8(f.follower)::bigint + v) % 100 = 0 AND f.follower + d <> v;
-- viewer 20 follows exactly 1,024 accounts, viewer 21 exactly 1,025: every
-- other id from 20000 (the end of the dense run, then non-followers)
INSERT INTO staging SELECT 20, 20000 + 2 * g FROM generate_series(0, 1023) AS g;
INSERT INTO staging SELECT 21, 20000 + 2 * g FROM generate_series(0, 1024) AS g;
-- viewer 22 follows some followers of 2 and of 3
INSERT INTO staging SELECT 22, g * 80 FROM generate_series(13, 40) AS g;
INSERT INTO staging SELECT 22, 500000 + g * 21 FROM generate_series(1, 900) AS g;
\i sql/include/import_staging.sql
ANALYZE follow_graph.edge;
SELECT follower_count(1), follower_count(2), follower_count(3),
	following_count(20), following_count(21), following_count(22);

-- churn: some followers of 1 leave and come back (dead versions, posting
-- lists), a few leave for good
SELECT count(*) FROM (SELECT unfollow(f, 1), follow(f, 1)
	FROM generate_series(5000, 5999, 3) AS f) AS s;
SELECT count(*) FROM (SELECT unfollow(f, 1)
	FROM generate_series(7001, 7999, 2) AS f) AS s;

-- every (viewer, target) answer, whole and in pages of 7 from each cursor
-- before, inside and past the range, against the edges; the number of
-- wrong answers
\i sql/include/set_answers.sql
CREATE FUNCTION pg_temp.pair_bad(v bigint, t bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT sum(pg_temp.differs('known_followers', v, t, 100000, after)
			   + pg_temp.differs('common_followers', t, v, 100000, after)
			   + (pg_temp.paged('known_followers', v, t, 7, after, false)
				  IS DISTINCT FROM pg_temp.want('known_followers', v, t, after))::int)::bigint
	FROM unnest(ARRAY[NULL, -9223372036854775808, 0, 20500, 9223372036854775806]::bigint[]) AS after
$$;
CREATE FUNCTION pg_temp.all_bad() RETURNS bigint LANGUAGE sql AS $$
	SELECT sum(pg_temp.pair_bad(v, t))
	FROM generate_series(10, 22) AS v, (VALUES (1), (2), (3), (10), (99)) AS s(t)
$$;
SELECT v, following_count(v) AS following,
	(SELECT count(*) FROM known_followers(v, 1, 100000)) AS known_1,
	(SELECT count(*) FROM known_followers(v, 2, 100000)) AS known_2,
	(SELECT count(*) FROM known_followers(v, 3, 100000)) AS known_3
FROM generate_series(10, 22) AS v;
SELECT pg_temp.all_bad();

-- the path each call takes (DEBUG1): 1,024 followees are read whole and
-- probed into account 1's range; 1,025 go by the counters (then the other,
-- shorter side first when there is one); account 2's one leaf is merged
SET client_min_messages = debug1;
SELECT count(*) FROM known_followers(20, 1, 100000);
SELECT count(*) FROM known_followers(21, 1, 100000);
SELECT count(*) FROM known_followers(22, 2, 100000);
SELECT count(*) FROM known_followers(15, 1, 5);
RESET client_min_messages;

-- the hinted buffers change hands: the index rebuilt in place, the table
-- and its indexes rewritten; then the index rebuilt in another shape (a
-- third key column: no probes, index scans), and back
SELECT pg_temp.all_bad();
REINDEX INDEX follow_graph.edge_followee_follower;
SELECT pg_temp.all_bad();
VACUUM FULL follow_graph.edge;
SELECT pg_temp.all_bad();
BEGIN;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower, seq);
SELECT pg_temp.all_bad();
ROLLBACK;
SELECT pg_temp.all_bad();

-- under SERIALIZABLE, and in a transaction that changed the edges
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pg_temp.all_bad();
COMMIT;
BEGIN;
SELECT count(*) FROM (SELECT unfollow(20, 20000 + 2 * g) FROM generate_series(0, 99) AS g) AS s;
SELECT count(*) FROM (SELECT follow(21, g) FROM generate_series(1001, 1100) AS g) AS s;
SELECT pg_temp.all_bad();
ROLLBACK;

-- the counters off (edges written around the API) choose nothing wrong
UPDATE follow_graph.counter SET following = 0 WHERE account IN (21, 22);
UPDATE follow_graph.counter SET followers = 0 WHERE account = 1;
SELECT pg_temp.all_bad();
SELECT rebuild_counts() > 0 AS rebuilt;
