-- mutuals, common_followers, common_following, known_followers
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- account 1 follows 2..20; 2..20 step 3 follow back; 30..40 also follow 1
SELECT count(*) FROM (SELECT follow(1, g) FROM generate_series(2, 20) AS g) AS s;
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(2, 20, 3) AS g) AS s;
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(30, 40) AS g) AS s;

SELECT array_agg(m) FROM mutuals(1) AS m;
SELECT mutual_count(1), (SELECT count(*) FROM mutuals(1, 1000)) AS listed;

-- keyset by "after"
SELECT array_agg(m) FROM mutuals(1, 2) AS m;
SELECT array_agg(m) FROM mutuals(1, 2, 5) AS m;
SELECT array_agg(m) FROM mutuals(1, 100, 20) AS m;
SELECT array_agg(m) FROM mutuals(1, 1, 17) AS m;

-- account 50 follows 3, 4, 5, 31, 32; 51 follows 4, 5, 6, 32, 33
SELECT count(*) FROM (SELECT follow(50, g) FROM unnest('{3,4,5,31,32}'::bigint[]) AS g) AS s;
SELECT count(*) FROM (SELECT follow(51, g) FROM unnest('{4,5,6,32,33}'::bigint[]) AS g) AS s;
SELECT array_agg(x) FROM common_following(50, 51) AS x;
SELECT array_agg(x) FROM common_following(50, 51, 1, 4) AS x;

-- common followers of 4 and 5: 1, 50, 51
SELECT array_agg(x) FROM common_followers(4, 5) AS x;
SELECT array_agg(x) FROM common_followers(4, 5, 2) AS x;
SELECT array_agg(x) FROM common_followers(4, 6) AS x;

-- known followers: accounts 50 follows that follow 1 ("followed by 3 and 2 others")
SELECT array_agg(x) FROM known_followers(50, 1) AS x;
SELECT array_agg(x) FROM known_followers(51, 1, 10, 5) AS x;
-- nobody the viewer follows
SELECT count(*) FROM known_followers(424242, 1);

-- a large set against a small one: the result equals the plain SQL answer
SELECT count(*) FROM (SELECT follow(g, 1000) FROM generate_series(100000, 120000) AS g) AS s;
SELECT count(*) FROM (SELECT follow(1001, g) FROM generate_series(100000, 120000, 997) AS g) AS s;
SELECT (SELECT array_agg(x) FROM known_followers(1001, 1000, 1000) AS x)
     = (SELECT array_agg(a.followee ORDER BY a.followee) FROM edges a
        JOIN edges b ON b.follower = a.followee AND b.followee = 1000
        WHERE a.follower = 1001) AS same;
SELECT (SELECT array_agg(x) FROM common_followers(1000, 1, 1000000) AS x) IS NULL AS disjoint;

-- NULL arguments give no rows; a bad page_size is an error
SELECT count(*) FROM mutuals(NULL);
SELECT count(*) FROM mutuals(1, NULL);
SELECT count(*) FROM common_followers(NULL, 1);
SELECT count(*) FROM common_following(1, NULL);
SELECT count(*) FROM known_followers(1, 2, NULL);
SELECT * FROM mutuals(1, 0);
SELECT * FROM known_followers(1, 2, -3);

-- extreme ids as cursors
SELECT count(*) FROM mutuals(1, 10, -9223372036854775808);
SELECT count(*) FROM mutuals(1, 10, 9223372036854775807);
