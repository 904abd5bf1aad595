SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- A small graph: 1 follows 2..6; 2, 4, 6 and 7 follow 1.
SELECT count(*) FILTER (WHERE follow(a, b)) FROM (VALUES
	(1, 2), (1, 3), (1, 4), (1, 5), (1, 6),
	(2, 1), (4, 1), (6, 1), (7, 1), (3, 2), (-9223372036854775808, 1)) v(a, b);

SELECT followers_set(1), following_set(1), mutuals_set(1);
SELECT followers_set(2), following_set(2), mutuals_set(2);
SELECT followers_set(999), following_set(999), mutuals_set(999);
SELECT followers_set(NULL);

-- The same sets computed with plain SQL.
SELECT followers_set(1) = (SELECT idset_agg(follower) FROM edges WHERE followee = 1),
       following_set(1) = (SELECT idset_agg(followee) FROM edges WHERE follower = 1),
       mutuals_set(1) = following_set(1) & followers_set(1);

-- "Followed by people you follow": following(viewer) & followers(target).
SELECT following_set(1) & followers_set(2) AS known_followers_of_2;

-- The sets follow the graph under the caller's snapshot.
SELECT unfollow(1, 2);
SELECT mutuals_set(1), followers_set(2);
BEGIN;
SELECT follow(1, 7);
SELECT mutuals_set(1);
ROLLBACK;
SELECT mutuals_set(1);

-- A larger account.
SELECT count(*) FROM (SELECT follow(g, 42) FROM generate_series(100, 5099) g) f;
SELECT cardinality(followers_set(42)), followers_set(42) @> 100::bigint,
       followers_set(42) @> 5099::bigint, followers_set(42) @> 5100::bigint,
       followers_set(42) = idset(array(SELECT generate_series(100, 5099)::bigint));
