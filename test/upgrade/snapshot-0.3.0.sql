-- test/upgrade/snapshot-0.3.0.sql: the data of the features added in 0.3.0,
-- from storage and through the API; taken after snapshot-0.2.0.sql in
-- every release from 0.3.0 on.  (snapshot.sql has the mutual range.)
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;
\pset footer off

SELECT 'item_bound', author, newest FROM follow_graph.item_bound ORDER BY 2, 3;
SELECT 'node_config', node_name, partitions, owned FROM follow_graph.node_config;
SELECT 'node_journal', version, part, follower, followee, present, changed_at
FROM follow_graph.node_journal ORDER BY 2;
SELECT 'node_applied', follower, followee, version FROM follow_graph.node_applied ORDER BY 2, 3;
SELECT 'node_state_journal', version, part, kind, account, other, value, at, changed_at
FROM follow_graph.node_state_journal ORDER BY 2;
SELECT 'node_state_applied', kind, account, other, version FROM follow_graph.node_state_applied ORDER BY 2, 3, 4;
SELECT 'node_applied_floor', part, version FROM follow_graph.node_applied_floor ORDER BY 2;
SELECT 'node_version_seq', last_value, is_called FROM follow_graph.node_version_seq;
-- Through the API.
SELECT 'feed_bound', v, array(SELECT (f.author, f.item) FROM feed(v, 10) AS f),
	array(SELECT (f.author, f.item) FROM feed(v, 10, 60) AS f)
FROM unnest(ARRAY[4200, 1, 2]::bigint[]) AS v ORDER BY v;
SELECT 'mutual_pages', a, array(SELECT mutuals(a, 3)), array(SELECT mutuals(a, 3, 20)), mutual_count(a)
FROM unnest(ARRAY[1, 2, 3, 40, 4100, 4101, 4102, 4103]::bigint[]) AS a ORDER BY a;
SELECT 'followers_pages', a, array(SELECT (f.follower, f.cursor) FROM followers(a, 4) AS f)
FROM unnest(ARRAY[1, 4100, 6000, 6001]::bigint[]) AS a ORDER BY a;
SELECT 'intersect_cardinality', p.id, idset_intersect_cardinality(p.friends, q.friends),
	cardinality(p.friends & q.friends)
FROM public.upgrade_profile AS p, public.upgrade_profile AS q WHERE q.id = 1 ORDER BY p.id;
SELECT 'node_status', s.* FROM node_status() AS s;
SELECT 'node_digest', d.* FROM node_digest() AS d ORDER BY 2, 3;
SELECT 'node_journal_api', j.* FROM node_journal(1000) AS j;
SELECT 'node_state_journal_api', j.* FROM node_state_journal(1000) AS j;
