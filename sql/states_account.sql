-- Account writers of the relationship states: set_private, deactivate_account,
-- reactivate_account, is_private, is_active; and what remove_account,
-- import_edges, verify and rebuild_counts do with the states.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- Every count of an account next to what its lists return: followers and
-- following pages, mutuals, pending requests; exact = all equal.
CREATE FUNCTION public.acct(a bigint)
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint,
			   requests bigint, exact boolean)
LANGUAGE sql AS $$
SELECT a, follower_count(a), following_count(a), mutual_count(a),
	(SELECT coalesce(sum(c.requests), 0)::bigint FROM follow_graph.counter AS c WHERE c.account = a),
	follower_count(a) = (SELECT count(*) FROM followers(a, 100000))
	AND following_count(a) = (SELECT count(*) FROM following(a, 100000))
	AND mutual_count(a) = (SELECT count(*) FROM mutuals(a, 100000))
	AND (SELECT coalesce(sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a)
		= (SELECT count(*) FROM follow_graph.request AS r WHERE r.account = a)
$$;

-- A small graph: 1 <-> 2 mutual, 3 -> 1, 1 -> 4, 5 -> 1, 2 -> 3.
SELECT follow(1, 2), follow(2, 1), follow(3, 1), follow(1, 4), follow(5, 1), follow(2, 3);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2) UNION ALL SELECT * FROM acct(3);
CREATE TABLE public.before_pages AS
	SELECT 'followers' AS list, follower AS other, followed_at, cursor FROM followers(1, 1000)
	UNION ALL SELECT 'following', followee, followed_at, cursor FROM following(1, 1000);

-- unknown accounts: public and active
SELECT is_private(42), is_active(42);

-- deactivate: every edge of 1 is hidden, counts of 1 and its counterparts drop
SELECT deactivate_account(1);
SELECT is_active(1), is_private(1);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2) UNION ALL SELECT * FROM acct(3)
UNION ALL SELECT * FROM acct(4) UNION ALL SELECT * FROM acct(5);
SELECT follower, followee, pending FROM hidden_edge ORDER BY seq;
SELECT is_following(2, 1), relationship(2, 1), count(*) AS edges_of_1
FROM edges WHERE 1 IN (follower, followee);
-- idempotent
SELECT deactivate_account(1);
SELECT * FROM verify();

-- while deactivated, follow() to or from 1 is refused (55000) and changes nothing
SELECT follow(6, 1);
SELECT follow(1, 6);
SELECT * FROM acct(6);

-- reactivate: the same edges, the same followed_at and cursors
SELECT reactivate_account(1);
SELECT reactivate_account(1);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2) UNION ALL SELECT * FROM acct(3)
UNION ALL SELECT * FROM acct(4) UNION ALL SELECT * FROM acct(5);
SELECT count(*) AS pages_changed FROM (
	(SELECT * FROM before_pages
	 EXCEPT
	 SELECT 'followers', follower, followed_at, cursor FROM followers(1, 1000)
	 EXCEPT
	 SELECT 'following', followee, followed_at, cursor FROM following(1, 1000))
	UNION ALL
	(SELECT 'followers', follower, followed_at, cursor FROM followers(1, 1000)
	 UNION ALL SELECT 'following', followee, followed_at, cursor FROM following(1, 1000)
	 EXCEPT SELECT * FROM before_pages)) AS d;
-- keyset pages still run newest first
SELECT follower FROM followers(1, 2);
SELECT follower FROM followers(1, 2, (SELECT min(cursor) FROM followers(1, 2)));
SELECT * FROM mutuals(1);
SELECT count(*) AS hidden_left FROM hidden_edge;

-- two deactivated accounts with a mutual pair between them: the pair comes
-- back only when both are active again, in either order
SELECT deactivate_account(1), deactivate_account(2);
SELECT follower, followee, pending FROM hidden_edge WHERE follower IN (1, 2) AND followee IN (1, 2)
ORDER BY 1;
SELECT reactivate_account(2);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2) UNION ALL SELECT * FROM acct(3);
SELECT follower, followee FROM hidden_edge ORDER BY 1, 2;
SELECT reactivate_account(1);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2) UNION ALL SELECT * FROM acct(3);
SELECT deactivate_account(2), deactivate_account(1);
SELECT reactivate_account(1), reactivate_account(2);
SELECT * FROM acct(1) UNION ALL SELECT * FROM acct(2);
SELECT * FROM verify();

-- private accounts: requests, and making the account public accepts them all,
-- hidden ones included, in the order they were made
SELECT set_private(10, true);
SELECT is_private(10);
SELECT follow(11, 10), follow(12, 10), follow(13, 10), follow(14, 10);
SELECT follow(10, 12);
SELECT * FROM acct(10) UNION ALL SELECT * FROM acct(11);
SELECT requester, account FROM request ORDER BY seq;
-- the requester 13 is deactivated: its request is hidden, the count drops
SELECT deactivate_account(13);
SELECT * FROM acct(10);
SELECT follower, followee, pending FROM hidden_edge WHERE followee = 10;
-- going private again changes nothing
SELECT set_private(10, true);
SELECT set_private(10, false);
SELECT is_private(10);
SELECT * FROM acct(10) UNION ALL SELECT * FROM acct(11) UNION ALL SELECT * FROM acct(12)
UNION ALL SELECT * FROM acct(14);
-- the new edges' cursors follow the order of the requests
SELECT follower FROM followers(10, 10);
SELECT count(*) AS requests_left FROM request;
SELECT follower, followee, pending FROM hidden_edge WHERE followee = 10;
SELECT set_private(10, false);
-- the hidden request became a hidden edge: it appears on reactivation
SELECT reactivate_account(13);
SELECT * FROM acct(10) UNION ALL SELECT * FROM acct(13);
SELECT follower FROM followers(10, 10);
SELECT * FROM verify();

-- a pending request of a deactivated private account comes back as a request
SELECT set_private(20, true), follow(21, 20);
SELECT deactivate_account(20);
SELECT * FROM acct(20) UNION ALL SELECT * FROM acct(21);
SELECT reactivate_account(20);
SELECT * FROM acct(20);
SELECT requester, account FROM request WHERE account = 20;

-- the flags are recorded for any id, and kept apart
SELECT deactivate_account(30);
SELECT is_active(30), is_private(30);
SELECT set_private(30, true);
SELECT is_active(30), is_private(30);
SELECT reactivate_account(30);
SELECT is_active(30), is_private(30);
SELECT account, private, active FROM account_state WHERE account = 30;

-- bad input
SELECT set_private(NULL, true);
SELECT set_private(1, NULL);
SELECT deactivate_account(NULL);
SELECT reactivate_account(NULL);
SELECT is_private(NULL) IS NULL AS strict_private, is_active(NULL) IS NULL AS strict_active;

-- a failed call changes nothing
BEGIN;
SELECT deactivate_account(1);
SELECT follow(1, 99);
ROLLBACK;
SELECT is_active(1), follower_count(1), following_count(1);

-- remove_account deletes every row naming the account: hidden edges,
-- requests (with the requests counts), blocks, mutes, flags
SELECT set_private(40, true), follow(41, 40), follow(40, 41), follow(42, 41), follow(41, 42);
SELECT block(41, 43), deactivate_account(42);
INSERT INTO mute VALUES (41, 44, nextval('state_seq'), now(), NULL);
SELECT * FROM acct(40) UNION ALL SELECT * FROM acct(41);
SELECT remove_account(41);
SELECT * FROM acct(40) UNION ALL SELECT * FROM acct(41) UNION ALL SELECT * FROM acct(42);
SELECT (SELECT count(*) FROM hidden_edge WHERE 41 IN (follower, followee)) AS hidden,
	(SELECT count(*) FROM request WHERE 41 IN (requester, account)) AS requests,
	(SELECT count(*) FROM block WHERE 41 IN (blocker, blocked)) AS blocks,
	(SELECT count(*) FROM mute WHERE 41 IN (muter, muted)) AS mutes,
	(SELECT count(*) FROM account_state WHERE account = 41) AS flags;
SELECT * FROM verify();

-- import_edges: blocked pairs are skipped, pairs with a deactivated account
-- become hidden edges, a pending request the import makes redundant goes
SELECT set_private(51, true), follow(50, 51), block(52, 50), deactivate_account(53);
CREATE TABLE public.states_src (follower bigint, followee bigint);
INSERT INTO states_src VALUES (50, 51), (50, 52), (52, 50), (50, 53), (53, 50), (50, 54), (54, 50);
SELECT import_edges('states_src');
SELECT * FROM acct(50) UNION ALL SELECT * FROM acct(51) UNION ALL SELECT * FROM acct(54);
SELECT follower, followee, pending FROM hidden_edge WHERE 53 IN (follower, followee) ORDER BY 1;
SELECT reactivate_account(53);
SELECT * FROM acct(50) UNION ALL SELECT * FROM acct(53);
SELECT * FROM verify();

-- the same with the rebuild plan (an import larger than the graph)
SELECT set_private(60, true), follow(61, 60), block(62, 60), deactivate_account(63);
CREATE TABLE public.states_big AS
	SELECT 60 + (g % 4)::bigint AS follower, 1000 + g::bigint AS followee FROM generate_series(0, 59999) AS g
	UNION ALL VALUES (61, 60), (60, 62), (63, 60);
-- (its progress NOTICEs depend on the machine's speed)
SET client_min_messages = warning;
SELECT import_edges('states_big');
RESET client_min_messages;
SELECT * FROM acct(60) UNION ALL SELECT * FROM acct(61) UNION ALL SELECT * FROM acct(62)
UNION ALL SELECT * FROM acct(63);
SELECT count(*) AS hidden_of_63 FROM hidden_edge WHERE 63 IN (follower, followee);
SELECT reactivate_account(63);
SELECT * FROM acct(63);
SELECT * FROM verify();

-- verify() finds the states' invariants broken around the API;
-- rebuild_counts() repairs the requests counts
INSERT INTO request VALUES (70, 71, nextval('state_seq'), now());
INSERT INTO hidden_edge VALUES (72, 73, nextval('edge_seq'), now(), false);
INSERT INTO block VALUES (1, 2, nextval('state_seq'), now());
UPDATE counter SET requests = requests + 5 WHERE account = 10;
SELECT * FROM verify() ORDER BY account, problem;
SELECT rebuild_counts();
SELECT * FROM verify() ORDER BY account, problem;
DELETE FROM request WHERE requester = 70;
DELETE FROM hidden_edge WHERE follower = 72;
DELETE FROM block WHERE blocker = 1 AND blocked = 2;
SELECT rebuild_counts();
SELECT * FROM verify();

DROP FUNCTION public.acct(bigint);
DROP TABLE public.before_pages, public.states_src, public.states_big;
