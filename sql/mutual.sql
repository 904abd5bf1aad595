-- The mutual range (0.3.0): mutuals() and mutuals_set() read it, and every
-- writer keeps it equal to the mutual pairs of the edges.  Each step below
-- compares the range, mutuals(), mutuals_set() and mutual_count() of every
-- account with a plain-SQL reference over the edges.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- accounts, bad rows of each kind (all zero when the range is exact)
CREATE FUNCTION pg_temp.mutual_check(
	OUT accounts bigint, OUT pairs bigint, OUT bad_range bigint,
	OUT bad_list bigint, OUT bad_set bigint, OUT bad_count bigint)
LANGUAGE sql AS $$
	WITH acc AS (
		SELECT follower AS a FROM follow_graph.edge
		UNION SELECT followee FROM follow_graph.edge
		UNION SELECT account FROM follow_graph.mutual),
	ref AS (
		SELECT acc.a, ARRAY(
			SELECT e.followee FROM follow_graph.edge AS e
			JOIN follow_graph.edge AS r ON r.follower = e.followee AND r.followee = e.follower
			WHERE e.follower = acc.a ORDER BY 1) AS m
		FROM acc)
	SELECT count(*), (SELECT count(*) FROM follow_graph.mutual) / 2,
		count(*) FILTER (WHERE ref.m <> ARRAY(SELECT friend FROM follow_graph.mutual
											  WHERE account = ref.a ORDER BY 1)),
		count(*) FILTER (WHERE ref.m <> ARRAY(SELECT follow_graph.mutuals(ref.a, 100000))),
		count(*) FILTER (WHERE ref.m <> follow_graph.mutuals_set(ref.a)::bigint[]),
		count(*) FILTER (WHERE cardinality(ref.m) <> follow_graph.mutual_count(ref.a))
	FROM ref
$$;

-- pair writers: follow, unfollow, remove_follower
SELECT follow(1, 2), follow(2, 1), follow(1, 3), follow(3, 1), follow(1, 4),
	follow(4, 1), follow(5, 1), follow(2, 3), follow(3, 2);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(1), mutuals(1, 2), mutuals(1, 2, 3);
SELECT unfollow(4, 1), remove_follower(1, 3), follow(1, 5);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(1);

-- a follow that already exists, an unfollow of nothing: no change
SELECT follow(1, 2), unfollow(4, 1);
SELECT * FROM pg_temp.mutual_check();

-- block removes both edges and the mutual; unblock restores nothing
SELECT block(2, 1);
SELECT * FROM pg_temp.mutual_check();
SELECT unblock(2, 1), follow(1, 2), follow(2, 1);
SELECT * FROM pg_temp.mutual_check();

-- a private account's request becomes an edge (and a mutual) on accept
SELECT set_private(6, true), follow(6, 7), follow(7, 6);
SELECT * FROM pg_temp.mutual_check();
SELECT accept_request(6, 7);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(6), mutuals(7);

-- making an account public accepts every request: mutuals with the
-- accounts it follows
SELECT set_private(8, true), follow(8, 9), follow(8, 10), follow(9, 8),
	follow(10, 8), follow(11, 8);
SELECT set_private(8, false);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(8);

-- deactivation hides the mutuals, reactivation brings them back
SELECT deactivate_account(1);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(1), mutuals(2);
SELECT reactivate_account(1);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(1), mutuals(2);

-- two deactivated counterparts: a pair comes back only with both
SELECT deactivate_account(2), deactivate_account(1), reactivate_account(1);
SELECT * FROM pg_temp.mutual_check();
SELECT reactivate_account(2);
SELECT * FROM pg_temp.mutual_check();

-- import_edges, incremental plan (small import into a graph): new pairs
-- whose reverse is old, and pairs imported in both directions at once
CREATE TABLE pg_temp.stage (follower bigint, followee bigint);
INSERT INTO pg_temp.stage VALUES (5, 1), (1, 5), (2, 5), (5, 2), (20, 21),
	(21, 20), (22, 20), (9, 10), (10, 9);
SET client_min_messages = warning;
SELECT import_edges('pg_temp.stage');
RESET client_min_messages;
SELECT * FROM pg_temp.mutual_check();

-- import_edges, rebuild plan (an import larger than the graph, at least
-- 10,000 edges): a ring where every account follows its next two, and
-- every tenth pair follows back
CREATE TABLE pg_temp.big AS
	SELECT a AS follower, 100 + (a - 100 + k) % 6000 AS followee
	FROM generate_series(100::bigint, 6099) AS a, generate_series(1, 2) AS k
	UNION ALL
	SELECT 100 + (a - 100 + 1) % 6000, a FROM generate_series(100::bigint, 6099, 10) AS a;
SET client_min_messages = warning;
SELECT import_edges('pg_temp.big');
RESET client_min_messages;
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(100), mutuals(101), mutual_count(100);

-- remove_account takes its mutuals with it
SELECT remove_account(8), remove_account(101);
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(9), mutuals(100);

-- keyset paging walks the range exactly once
SELECT follow(500, g) FROM generate_series(501, 530) AS g \g /dev/null
SELECT follow(g, 500) FROM generate_series(501, 530, 2) AS g \g /dev/null
SELECT array_agg(m) AS page1 FROM mutuals(500, 5) AS m;
SELECT array_agg(m) AS page2 FROM mutuals(500, 5, 509) AS m;
SELECT array_agg(m) AS last_page FROM mutuals(500, 5, 527) AS m;
SELECT count(*) AS after_last FROM mutuals(500, 5, 529);
-- NULLs: no rows, as before
SELECT (SELECT count(*) FROM mutuals(NULL)) AS null_account,
	(SELECT count(*) FROM mutuals(500, NULL)) AS null_page_size;
SELECT mutuals_set(NULL) IS NULL AS null_set;
SELECT * FROM verify();

-- a damaged range (written around the API) is reported and repaired
DELETE FROM mutual WHERE account = 500 AND friend = 503;
INSERT INTO mutual VALUES (600, 601), (501, 502);
SELECT * FROM verify() ORDER BY account, problem;
SELECT * FROM pg_temp.mutual_check();
SELECT rebuild_counts();
SELECT * FROM verify();
SELECT * FROM pg_temp.mutual_check();

-- a range damaged with a row the next follow() would insert does not make
-- the follow fail: the write goes on, verify() stays clean
INSERT INTO mutual VALUES (700, 701), (701, 700);
SELECT follow(700, 701), follow(701, 700);
SELECT * FROM verify();

-- the mutual range is storage: not readable by PUBLIC
SELECT has_table_privilege('public', 'follow_graph.mutual', 'SELECT') AS public_reads;

-- the same library on a 0.2.0 catalog (installed, not updated yet):
-- nothing maintains a range, mutuals() intersects the edges; the update
-- fills the range from the edges
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph VERSION '0.2.0';
RESET client_min_messages;
SELECT to_regclass('follow_graph.mutual') AS mutual_table;
-- a first load counted in memory, with mutual pairs, and no range to fill
CREATE TABLE pg_temp.first AS
	SELECT 1000 + g % 3000 AS follower, 1000 + (g * 7) % 3001 AS followee
	FROM generate_series(1::bigint, 12000) AS g;
SET client_min_messages = warning;
SELECT import_edges('pg_temp.first');
RESET client_min_messages;
SELECT * FROM verify();
SELECT follow(1, 2), follow(2, 1), follow(1, 3), follow(3, 1), follow(3, 2),
	block(3, 2), follow(4, 1), deactivate_account(4), reactivate_account(4),
	follow(1, 4), remove_account(3);
SELECT mutuals(1), mutuals(4), mutuals_set(1);
SELECT * FROM verify();
ALTER EXTENSION follow_graph UPDATE TO '0.3.0';
SELECT * FROM pg_temp.mutual_check();
SELECT mutuals(1), mutuals(4), mutuals_set(1);
SELECT * FROM verify();
SELECT unfollow(1, 4), follow(3, 1), follow(1, 3);
SELECT * FROM pg_temp.mutual_check();
