-- test/upgrade/snapshot.sql: the data of the test database as text, through
-- the API and straight from storage, taken before and after the update and
-- diffed.  Deterministic order everywhere.
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;
\pset footer off

SELECT 'edge', follower, followee, seq, followed_at FROM follow_graph.edge ORDER BY 2, 3;
SELECT 'counter', account, sum(followers), sum(following), sum(mutuals)
FROM follow_graph.counter GROUP BY account ORDER BY account;
SELECT 'edge_seq', last_value, is_called FROM follow_graph.edge_seq;
-- The mutual range (0.3.0): its rows once it exists, else the mutual pairs
-- of the edges that the update must fill it with, in the same order.
SELECT to_regclass('follow_graph.mutual') IS NOT NULL AS has_mutual \gset
\if :has_mutual
SELECT 'mutual', account, friend FROM follow_graph.mutual ORDER BY 2, 3;
\else
SELECT 'mutual', e.follower, e.followee FROM follow_graph.edge AS e
JOIN follow_graph.edge AS r ON r.follower = e.followee AND r.followee = e.follower
ORDER BY 2, 3;
\endif
-- Through the API, for every account that has an edge.
SELECT 'counts', a, follower_count(a), following_count(a), mutual_count(a)
FROM (SELECT follower FROM follow_graph.edge UNION SELECT followee FROM follow_graph.edge) AS s(a)
ORDER BY a;
SELECT 'followers', a, array(SELECT followers(a, 1000)), array(SELECT following(a, 1000)),
	array(SELECT mutuals(a, 1000)), followers_set(a), following_set(a), mutuals_set(a)
FROM generate_series(1, 120) AS a ORDER BY a;
SELECT 'page1', f.* FROM followers(75, 5) AS f;
SELECT 'page2', f.* FROM followers(75, 5, (SELECT min(cursor) FROM followers(75, 5))) AS f;
SELECT 'counts_api', c.account, c.followers, c.following, c.mutuals FROM counts(ARRAY[1, 2, 75, 1000, 1001, 2000, 9999]) AS c;
SELECT 'relationships', r.target, r.following, r.followed_by FROM relationships(1, ARRAY(SELECT generate_series(0, 125)::bigint)) AS r;
SELECT 'relationship', relationship(1000, 1001), relationship(1000, 1002), relationship(1002, 1000);
SELECT 'common', array(SELECT common_followers(10, 11, 1000)), array(SELECT common_following(10, 11, 1000)),
	array(SELECT known_followers(10, 11, 1000));
-- User tables: values, operators, aggregates and each index.
SELECT 'profile', id, name, handle_key(name), friends, seen, cardinality(friends)
FROM public.upgrade_profile ORDER BY id;
SELECT 'agg', union_agg(friends), intersect_agg(friends) FILTER (WHERE id < 3), idset_agg(id)
FROM public.upgrade_profile;
SET enable_seqscan = off;
SELECT 'by_key', id FROM public.upgrade_profile WHERE handle_key(name) = handle_key('STRASSE');
SELECT 'by_prefix', id FROM public.upgrade_profile WHERE handle_key(name) LIKE 'user_1%' ORDER BY id;
SELECT 'by_name', id FROM public.upgrade_profile WHERE name = 'User_7'::handle;
SELECT 'by_gin', id FROM public.upgrade_profile WHERE friends @> 3::bigint ORDER BY id;
RESET enable_seqscan;
SELECT 'index_valid', c.relname, i.indisvalid FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'public.upgrade_profile'::regclass ORDER BY 2;
