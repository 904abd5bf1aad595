-- test/upgrade/snapshot-0.2.0.sql: the data of the features added in 0.2.0,
-- through the API and from storage; taken after snapshot.sql in every
-- release from 0.2.0 on.  Times that derive from now() are left out.
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;
\pset footer off

SELECT 'account_state', account, private, active FROM follow_graph.account_state ORDER BY 2;
SELECT 'request', requester, account, seq FROM follow_graph.request ORDER BY 2, 3;
SELECT 'hidden_edge', follower, followee, seq, pending FROM follow_graph.hidden_edge ORDER BY 2, 3;
SELECT 'block', blocker, blocked, seq FROM follow_graph.block ORDER BY 2, 3;
SELECT 'mute', muter, muted, seq, expires_at FROM follow_graph.mute ORDER BY 2, 3;
SELECT 'item', author, item FROM follow_graph.item ORDER BY 2, 3;
SELECT 'dismissal', account, candidate FROM follow_graph.dismissal ORDER BY 2, 3;
SELECT 'state_seq', last_value, is_called FROM follow_graph.state_seq;
SELECT 'counter2', account, sum(requests), sum(items)
FROM follow_graph.counter GROUP BY account HAVING sum(requests) <> 0 OR sum(items) <> 0 ORDER BY 2;
-- Through the API.
SELECT 'flags', a, is_private(a), is_active(a), request_count(a), item_count(a)
FROM unnest(ARRAY[1, 5, 20, 21, 3000, 3001, 3002, 3003, 3004, 9999]::bigint[]) AS a ORDER BY a;
SELECT 'requests', a, array(SELECT r.requester FROM follow_requests(a, 100) AS r)
FROM generate_series(3000, 3004) AS a ORDER BY a;
SELECT 'blocks', a, array(SELECT b.blocked FROM blocks(a, 100) AS b) FROM unnest(ARRAY[1, 1000, 3002]::bigint[]) AS a;
SELECT 'mutes', array(SELECT (m.muted, m.expires_at) FROM mutes(10, 100) AS m);
SELECT 'relationships', r.* FROM relationships(1000, ARRAY[1001, 1002, 2, 3000, 20]::bigint[]) AS r;
SELECT 'relationships10', r.* FROM relationships(10, ARRAY(SELECT generate_series(1, 25)::bigint)) AS r;
SELECT 'relationship', relationship(1, 3000), relationship(4, 3002), relationship(3002, 5), relationship(1000, 1001);
SELECT 'feed', v, array(SELECT (f.author, f.item) FROM feed(v, 30) AS f) FROM generate_series(1, 12) AS v;
SELECT 'author_items', array(SELECT author_items(2, 10)), array(SELECT author_items(1, 10));
SELECT 'counts2', c.* FROM counts(ARRAY[1, 20, 21, 3000, 3001]::bigint[]) AS c;
