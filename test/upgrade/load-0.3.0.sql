-- test/upgrade/load-0.3.0.sql: data of the features added in 0.3.0 (the
-- bounds of the authors' newest items, the mutual range, a cluster node's
-- configuration, journals and applied versions), loaded through the API
-- after load-0.2.0.sql in every release from 0.3.0 on.  Deterministic, as
-- load.sql (the times given to the node functions are fixed).
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;

-- Item bounds (item_bound): an author's items published out of order, an
-- author whose only item is unpublished (the bound stays), and authors
-- followed by account 4200, whose feed reads the bounds.
SELECT publish(4000, 50), publish(4000, 70), publish(4000, 60) AS older,
	publish(4001, 10), unpublish(4001, 10), publish(4002, 5), publish(4002, 8000000);
SELECT follow(4200, 4000), follow(4200, 4001), follow(4200, 4002), follow(4200, 1);

-- The mutual range: pairs made mutual, one broken again by an unfollow and
-- one by a block.
SELECT follow(4100, 4101), follow(4101, 4100), follow(4100, 4102), follow(4102, 4100),
	follow(4100, 4103), follow(4103, 4100), unfollow(4102, 4100), block(4103, 4100);

-- A cluster node: this database owns partitions 0 and 1 of 4 (no router;
-- the node functions are called as the router would call them).
SELECT node_configure('upgrade_node', 4, '{1,0,1}');
CREATE TEMP TABLE upgrade_acct AS
SELECT a, hashint8(a) & 3 AS part FROM generate_series(6000, 6047) AS a;
-- Writes of the acting side: follows and an unfollow whose other side
-- lives on another node leave edge journal entries.
SELECT count(*) FILTER (WHERE (node_write(f.a, e.a, true)).changed) AS node_follows
FROM upgrade_acct AS f, upgrade_acct AS e
WHERE f.part IN (0, 1) AND f.a <> e.a AND (f.a * 5 + e.a) % 11 = 0;
SELECT (node_write(f.a, e.a, false)).changed AS node_unfollow
FROM upgrade_acct AS f, upgrade_acct AS e
WHERE f.part IN (0, 1) AND e.part IN (2, 3) AND (f.a * 5 + e.a) % 11 = 0
ORDER BY f.a, e.a LIMIT 1;
-- Entries of the other node applied here (a newer and an older version of
-- one pair, a follow and an unfollow), then some of ours acknowledged.
SELECT node_apply(array_agg(f.a ORDER BY f.a, e.a), array_agg(e.a ORDER BY f.a, e.a),
		array_agg((f.a + e.a) % 4 <> 0 ORDER BY f.a, e.a),
		array_agg(1000 + f.a - 6000 ORDER BY f.a, e.a),
		array_agg(timestamptz '2025-03-01 00:00+00' + (f.a - 6000) * interval '1 hour' ORDER BY f.a, e.a))
		AS node_applied
FROM upgrade_acct AS f, upgrade_acct AS e
WHERE f.part IN (2, 3) AND e.part IN (0, 1) AND (f.a * 3 + e.a) % 7 = 0;
-- State writes: a block and a private flag of accounts stored here.
SELECT count(*) AS state_entries FROM (
	SELECT node_state_write('block', f.a, e.a, NULL, NULL, NULL)
	FROM (SELECT min(a) AS a FROM upgrade_acct WHERE part = 0) AS f,
		 (SELECT min(a) AS a FROM upgrade_acct WHERE part = 2) AS e
	UNION ALL
	SELECT node_state_write('private', f.a, NULL, true, NULL, '{2,3}')
	FROM (SELECT max(a) AS a FROM upgrade_acct WHERE part = 1) AS f) AS w;
-- State entries of the other node: a block of an account stored here and
-- a private flag of one of its accounts.
SELECT node_state_apply(ARRAY[2001, 2002]::bigint[], ARRAY['block', 'private'],
	ARRAY[(SELECT max(a) FROM upgrade_acct WHERE part = 3), (SELECT max(a) FROM upgrade_acct WHERE part = 2)],
	ARRAY[(SELECT max(a) FROM upgrade_acct WHERE part = 0), 0],
	ARRAY['on', 'true'], ARRAY[NULL, NULL]::timestamptz[]) AS states_applied;
SELECT node_ack(ARRAY(SELECT version FROM node_journal(3))) AS acked;
-- A floor for partition 2: the applied versions at or below it are dropped.
SELECT node_prune('{2}', '{1010}') AS pruned;
