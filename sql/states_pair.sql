-- Relationship states, pair writers (issue 12): follow() and unfollow() with
-- blocks, private accounts and deactivated accounts; remove_follower, block,
-- unblock, accept_request, reject_request.  After every step the counts are
-- compared with the lists (and the requests counts with the request rows).
-- Flags and hidden rows are written directly here (as superuser), so that
-- this file does not depend on set_private() or deactivate_account().
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
DROP ROLE IF EXISTS regress_fg_pair_nobody;
RESET client_min_messages;

-- SQLSTATE and message of a call (the call runs in a subtransaction, so a
-- failed call leaves nothing behind), or its result.
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE 'SELECT (' || sql || ')::text' INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Counts against lists for accounts 1..9: followers, following, mutuals,
-- requests (the stored stripes against the request rows), and verify().
CREATE VIEW pg_temp.chk AS
SELECT CASE WHEN bool_and(ok) AND (SELECT count(*) FROM follow_graph.verify()) = 0
		THEN 'exact' ELSE 'DRIFT ' || string_agg(a::text, ',') FILTER (WHERE NOT ok) END AS counts
FROM (SELECT a,
		follow_graph.follower_count(a) = (SELECT count(*) FROM follow_graph.followers(a, 1000))
		AND follow_graph.following_count(a) = (SELECT count(*) FROM follow_graph.following(a, 1000))
		AND follow_graph.mutual_count(a) = (SELECT count(*) FROM follow_graph.mutuals(a, 1000))
		AND (SELECT coalesce(sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a)
			= (SELECT count(*) FROM follow_graph.request AS r WHERE r.account = a) AS ok
	FROM generate_series(1, 9) AS a) AS x;

-- Every row of the pair tables, and the counts of accounts 1..9.
CREATE VIEW pg_temp.rows AS
SELECT 'edge' AS t, follower AS a, followee AS b FROM follow_graph.edge
UNION ALL SELECT 'request', requester, account FROM follow_graph.request
UNION ALL SELECT CASE WHEN pending THEN 'hidden request' ELSE 'hidden edge' END, follower, followee FROM follow_graph.hidden_edge
UNION ALL SELECT 'block', blocker, blocked FROM follow_graph.block
ORDER BY 1, 2, 3;
CREATE VIEW pg_temp.cnt AS
SELECT a AS account, follow_graph.follower_count(a) AS followers,
	follow_graph.following_count(a) AS following, follow_graph.mutual_count(a) AS mutuals,
	(SELECT coalesce(sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a) AS requests
FROM generate_series(1, 9) AS a
WHERE EXISTS (SELECT 1 FROM follow_graph.counter AS c WHERE c.account = a
	AND (c.followers, c.following, c.mutuals, c.requests) <> (0, 0, 0, 0))
ORDER BY 1;

------------------------------------------------------------------------
-- Catalog: every write is SECURITY DEFINER, search_path pinned, not
-- executable by PUBLIC, commented.
------------------------------------------------------------------------
SELECT p.oid::regprocedure AS function, p.prosecdef AS definer, p.proconfig,
	p.provolatile, p.proisstrict, p.proparallel,
	has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec,
	obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc AS p
WHERE p.pronamespace = 'follow_graph'::regnamespace
  AND p.proname IN ('follow', 'unfollow', 'remove_follower', 'block', 'unblock',
		'accept_request', 'reject_request')
ORDER BY 1::text;

------------------------------------------------------------------------
-- 22004: NULL ids, each argument of each call, named.
------------------------------------------------------------------------
SELECT f, pg_temp.try(format('follow_graph.%s(NULL, 1)', f)) AS first_null,
	pg_temp.try(format('follow_graph.%s(1, NULL)', f)) AS second_null,
	pg_temp.try(format('follow_graph.%s(NULL, NULL)', f)) AS both_null
FROM unnest(ARRAY['follow', 'unfollow', 'remove_follower', 'block', 'unblock',
	'accept_request', 'reject_request']) AS f;

------------------------------------------------------------------------
-- 22023: an account acting on itself (after 22004).
------------------------------------------------------------------------
SELECT f, pg_temp.try(format('follow_graph.%s(3, 3)', f)) AS self
FROM unnest(ARRAY['follow', 'unfollow', 'remove_follower', 'block', 'unblock',
	'accept_request', 'reject_request']) AS f;
-- 22023 comes before 55000: 6 is deactivated below, but self wins
INSERT INTO follow_graph.account_state (account, private, active)
	VALUES (5, true, true), (6, false, false), (7, true, false);
SELECT pg_temp.try('follow_graph.follow(6, 6)') AS self_deactivated,
	pg_temp.try('follow_graph.block(6, 6)') AS block_self_deactivated;
SELECT * FROM pg_temp.chk;

------------------------------------------------------------------------
-- Blocks.  A block breaks a mutual: both edges and every count go.
------------------------------------------------------------------------
SELECT follow_graph.follow(1, 2) AS f12, follow_graph.follow(2, 1) AS f21,
	follow_graph.follow(1, 3) AS f13, follow_graph.follow(1, 2) AS f12_again;
SELECT * FROM pg_temp.cnt;
SELECT follow_graph.block(2, 1) AS new_block;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
SELECT follow_graph.block(2, 1) AS block_again;
-- a block in either direction: 42501 naming the block, nothing written
SELECT pg_temp.try('follow_graph.follow(1, 2)') AS follow_blocked,
	pg_temp.try('follow_graph.follow(2, 1)') AS follow_blocker;
SELECT count(*) AS edges_between FROM follow_graph.edge
	WHERE (follower, followee) IN ((1, 2), (2, 1));
-- a block both ways: the follower's own block is named
SELECT follow_graph.block(1, 2) AS reverse_block;
SELECT pg_temp.try('follow_graph.follow(1, 2)') AS both_ways_12,
	pg_temp.try('follow_graph.follow(2, 1)') AS both_ways_21;
-- unblock restores nothing; a second unblock finds nothing
SELECT follow_graph.unblock(2, 1) AS unblocked, follow_graph.unblock(2, 1) AS again,
	follow_graph.unblock(1, 2) AS other_way;
SELECT * FROM pg_temp.rows;
SELECT follow_graph.follow(2, 1) AS follow_after_unblock;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- a block of a one-way edge, from the followee's side
SELECT follow_graph.block(3, 1) AS block_follower;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
SELECT follow_graph.unblock(3, 1);

------------------------------------------------------------------------
-- Deactivated accounts (6 public, 7 private): 55000 naming the account,
-- before 42501, for follow, block and accept_request.
------------------------------------------------------------------------
INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)
	VALUES (1, 6, nextval('follow_graph.state_seq'), now());
SELECT pg_temp.try('follow_graph.follow(1, 6)') AS to_deactivated_blocked,
	pg_temp.try('follow_graph.follow(6, 1)') AS from_deactivated,
	pg_temp.try('follow_graph.follow(6, 7)') AS both_deactivated,
	pg_temp.try('follow_graph.follow(1, 7)') AS to_private_deactivated;
SELECT pg_temp.try('follow_graph.block(2, 6)') AS block_deactivated,
	pg_temp.try('follow_graph.block(6, 2)') AS block_by_deactivated,
	pg_temp.try('follow_graph.accept_request(6, 2)') AS accept_by_deactivated,
	pg_temp.try('follow_graph.accept_request(2, 6)') AS accept_from_deactivated,
	pg_temp.try('follow_graph.accept_request(7, 6)') AS accept_both_deactivated;
-- what works on a deactivated account's rows: unblock, unfollow,
-- remove_follower and reject_request of hidden rows (not counted)
INSERT INTO follow_graph.hidden_edge (follower, followee, seq, followed_at, pending) VALUES
	(2, 6, nextval('follow_graph.edge_seq'), now(), false),
	(6, 2, nextval('follow_graph.edge_seq'), now(), false),
	(3, 7, nextval('follow_graph.state_seq'), now(), true),
	(4, 7, nextval('follow_graph.state_seq'), now(), true),
	(4, 6, nextval('follow_graph.edge_seq'), now(), false);
SELECT follow_graph.unblock(1, 6) AS unblock_deactivated;
SELECT follow_graph.unfollow(2, 6) AS unfollow_hidden_edge,
	follow_graph.unfollow(2, 6) AS again,
	follow_graph.remove_follower(2, 6) AS remove_hidden_follower,
	follow_graph.remove_follower(2, 6) AS again2;
SELECT follow_graph.unfollow(3, 7) AS cancel_hidden_request,
	follow_graph.reject_request(7, 4) AS reject_hidden_request,
	follow_graph.reject_request(7, 4) AS again,
	follow_graph.reject_request(6, 4) AS reject_hidden_edge;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.chk;
DELETE FROM follow_graph.hidden_edge;

------------------------------------------------------------------------
-- Private account 5: requests, accept, reject, cancel, remove_follower.
------------------------------------------------------------------------
SELECT follow_graph.follow(1, 5) AS request_1, follow_graph.follow(1, 5) AS again,
	follow_graph.follow(2, 5) AS request_2, follow_graph.follow(3, 5) AS request_3;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- a request is no edge
SELECT follow_graph.is_following(1, 5), follow_graph.follower_count(5);
-- accept: an edge with a new cursor and followed_at = now(), counts and
-- the requests count move; a second accept finds nothing
SELECT max(seq) AS last_seq FROM follow_graph.edge \gset
BEGIN;
SELECT follow_graph.accept_request(5, 1) AS accepted, follow_graph.accept_request(5, 1) AS again;
SELECT follower, cursor > :last_seq AS new_cursor, followed_at = now() AS now
	FROM follow_graph.followers(5);
COMMIT;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- an existing follower of a private account stays, and following again is a no-op
SELECT follow_graph.follow(1, 5) AS follow_existing, follow_graph.is_following(1, 5);
-- accept with the reverse edge: the mutual is counted
SELECT follow_graph.follow(5, 2) AS reverse_edge;
SELECT follow_graph.accept_request(5, 2) AS accepted_mutual;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- reject: the request goes, no edge
SELECT follow_graph.reject_request(5, 3) AS rejected, follow_graph.reject_request(5, 3) AS again,
	follow_graph.accept_request(5, 3) AS accept_after_reject, follow_graph.is_following(3, 5);
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- cancel: unfollow of a pending request
SELECT follow_graph.follow(4, 5) AS request_4;
SELECT follow_graph.unfollow(4, 5) AS cancelled, follow_graph.unfollow(4, 5) AS again;
SELECT * FROM pg_temp.chk;
-- remove_follower: an edge, then a pending request
SELECT follow_graph.follow(4, 5) AS request_4;
SELECT follow_graph.remove_follower(5, 1) AS removed_edge, follow_graph.remove_follower(5, 1) AS again,
	follow_graph.remove_follower(5, 4) AS removed_request, follow_graph.remove_follower(5, 4) AS again2;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
-- accept or reject of nothing, and of a request the other way
SELECT follow_graph.accept_request(5, 9) AS accept_none, follow_graph.reject_request(5, 9) AS reject_none,
	follow_graph.accept_request(2, 5) AS accept_wrong_way;

------------------------------------------------------------------------
-- block() removes pending requests both ways (8 private too) and an edge.
------------------------------------------------------------------------
INSERT INTO follow_graph.account_state (account, private, active) VALUES (8, true, true);
SELECT follow_graph.follow(5, 8) AS request_5_8, follow_graph.follow(8, 5) AS request_8_5,
	follow_graph.follow(9, 8) AS request_9_8, follow_graph.follow(8, 9) AS edge_8_9;
SELECT * FROM pg_temp.cnt;
SELECT follow_graph.block(8, 5) AS block_requests_both_ways,
	follow_graph.block(9, 8) AS block_request_and_edge;
SELECT * FROM pg_temp.rows;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;
SELECT pg_temp.try('follow_graph.follow(5, 8)') AS request_across_block;
SELECT * FROM pg_temp.chk;

------------------------------------------------------------------------
-- A failed call changes nothing, in a transaction that goes on.
------------------------------------------------------------------------
BEGIN;
SELECT follow_graph.follow(3, 4) AS made;
SAVEPOINT s;
SELECT follow_graph.follow(5, 8);
ROLLBACK TO s;
SELECT follow_graph.follow(4, 3) AS made_mutual;
COMMIT;
SELECT * FROM pg_temp.cnt;
SELECT * FROM pg_temp.chk;

------------------------------------------------------------------------
-- Privileges: a role without a grant may not call the writes.
------------------------------------------------------------------------
CREATE ROLE regress_fg_pair_nobody;
SET ROLE regress_fg_pair_nobody;
SELECT follow_graph.block(1, 2);
SELECT follow_graph.unblock(1, 2);
SELECT follow_graph.remove_follower(1, 2);
SELECT follow_graph.accept_request(1, 2);
SELECT follow_graph.reject_request(1, 2);
RESET ROLE;
DROP ROLE regress_fg_pair_nobody;
