-- A storage index a DBA recreated under its own name as a partial index
-- (it misses rows), on expressions (its keys are other values), on other
-- key columns, with another access method than btree or another operator
-- class (its entries come in another order), or a primary key recreated
-- without its uniqueness, cannot stand for its columns: every function
-- that reads it refuses it with 55000 instead of answering wrongly,
-- verify() names the problem, and the index recreated as the install
-- script gives it is used again.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- 5 is followed by 1001 .. 1010; 1 follows 1001 .. 1005, each of which
-- follows 5 too
SELECT count(*) FROM (SELECT follow(g, 5) FROM generate_series(1001, 1010) AS g) AS s;
SELECT count(*) FROM (SELECT follow(1, g) FROM generate_series(1001, 1005) AS g) AS s;
SELECT array_agg(follower) AS followers FROM followers(5, 100);

-- partial: the followers of 5 from 1006 on only
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower)
	WHERE follower > 1005;
SELECT count(*) FROM common_followers(5, 5, 100);
SELECT count(*) FROM known_followers(1, 5, 100);
SELECT problem FROM verify();
-- writes still go through (a partial index on the edges sends them through
-- SQL), and leave the edges right
SELECT follow(1011, 5), unfollow(1001, 5);
SELECT count(*) AS edges_to_5 FROM follow_graph.edge WHERE followee = 5;

-- on expressions
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge ((followee + 0), follower);
SELECT count(*) FROM common_followers(5, 5, 100);
SELECT problem FROM verify();

-- as the install script gives it: used again, and the answers are right
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);
SELECT array_agg(x ORDER BY x) AS common FROM common_followers(5, 5, 100) AS x;
SELECT array_agg(x ORDER BY x) AS known FROM known_followers(1, 5, 100) AS x;
SELECT count(*) AS problems FROM verify();

-- another own index (the followers list's), recreated partial
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq) WHERE seq > 0;
SELECT count(*) FROM followers(5, 100);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);

-- on other key columns (swapped, or one of the two), or of another access
-- method: refused as well (the walks key on the first two columns of a
-- btree; before, the swapped and the one-column index gave no rows, and a
-- hash index crashed the server)
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (follower, followee);
SELECT count(*) FROM known_followers(1, 5, 100);
SELECT count(*) FROM common_followers(5, 5, 100);
SELECT problem FROM verify();
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee);
SELECT count(*) FROM known_followers(1, 5, 100);
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge USING hash (followee);
SELECT count(*) FROM known_followers(1, 5, 100);
SELECT problem FROM verify();
-- the second column descending is still a shape the walks read (index_desc)
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower DESC);
SELECT array_agg(x ORDER BY x) AS known FROM known_followers(1, 5, 100) AS x;
-- and so is a key column after the two the walks key on
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower, seq);
SELECT array_agg(x ORDER BY x) AS known FROM known_followers(1, 5, 100) AS x;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);

-- writes: those that read the index refuse with 55000 and leave every
-- storage table as it was; the others go through and leave verify() clean
CREATE FUNCTION pg_temp.storage() RETURNS text LANGUAGE sql AS $$
	SELECT md5(string_agg(t, ',' ORDER BY t)) FROM (
		SELECT format('e%s-%s-%s', follower, followee, seq) FROM follow_graph.edge
		UNION ALL SELECT format('c%s-%s-%s-%s', account, followers, following, mutuals)
			FROM follow_graph.counter
		UNION ALL SELECT format('s%s-%s-%s', account, private, active) FROM follow_graph.account_state
		UNION ALL SELECT format('h%s-%s', follower, followee) FROM follow_graph.hidden_edge
		UNION ALL SELECT format('i%s-%s', author, item) FROM follow_graph.item
		UNION ALL SELECT format('b%s-%s', author, newest) FROM follow_graph.item_bound
		UNION ALL SELECT format('m%s-%s', account, friend) FROM follow_graph.mutual
		UNION ALL SELECT format('r%s-%s', requester, account) FROM follow_graph.request
		UNION ALL SELECT format('k%s-%s', blocker, blocked) FROM follow_graph.block
		UNION ALL SELECT format('u%s-%s', muter, muted) FROM follow_graph.mute
		UNION ALL SELECT format('d%s-%s', account, candidate) FROM follow_graph.dismissal) AS s(t)
$$;
SELECT publish(5, 1), publish(5, 2);
CREATE TEMP TABLE before AS SELECT pg_temp.storage() AS s;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower)
	WHERE follower > 1005;
SELECT deactivate_account(5);
SELECT remove_account(5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);
DROP INDEX follow_graph.item_author_item;
CREATE INDEX item_author_item ON follow_graph.item ((author + 0), item);
SELECT publish(5, 3);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.item_author_item;
CREATE INDEX item_author_item ON follow_graph.item (author, item);
DROP INDEX follow_graph.item_bound_author;
CREATE INDEX item_bound_author ON follow_graph.item_bound (author, newest)
	WHERE newest > 100;
SELECT publish(5, 3);
SELECT pg_temp.storage() = s AS unchanged FROM before;
-- (verify() checks the feed's bound indexes and the dismissals' too)
SELECT problem FROM verify();
DROP INDEX follow_graph.item_bound_author;
CREATE INDEX item_bound_author ON follow_graph.item_bound (author, newest);
-- edge_follower_seq partial: no write reads it; they go through
DROP INDEX follow_graph.edge_follower_seq;
CREATE INDEX edge_follower_seq ON follow_graph.edge (follower, seq) WHERE seq > 100;
SELECT follow(5, 1001), block(5, 1002), unfollow(1003, 5), publish(5, 3);
DROP INDEX follow_graph.edge_follower_seq;
CREATE INDEX edge_follower_seq ON follow_graph.edge (follower, seq);
SELECT count(*) AS problems FROM verify();

-- a key column after those the walks key on is read (probe_small), but the
-- counter stripes' primary key is written entry by entry with its two
-- columns: one with an INCLUDE column is refused (before, follow() wrote
-- index entries whose followers were stray stack memory)
ALTER TABLE follow_graph.counter DROP CONSTRAINT counter_pkey,
	ADD CONSTRAINT counter_pkey PRIMARY KEY (account, stripe) INCLUDE (followers);
SELECT follow(1012, 5);
SELECT problem FROM verify();
ALTER TABLE follow_graph.counter DROP CONSTRAINT counter_pkey,
	ADD CONSTRAINT counter_pkey PRIMARY KEY (account, stripe);
SELECT follow(1012, 5);
SELECT follower_count(5), (SELECT count(*) FROM verify()) AS problems;

-- the followers list's index with other INCLUDE columns (or these in
-- another order) is read through the heap: the answers stay right (before,
-- INCLUDE (followed_at, follower) answered followed_at as the follower)
SELECT array_agg(follower) AS followers FROM followers(5, 100);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)
	INCLUDE (followed_at, follower);
SELECT array_agg(follower) AS followers FROM followers(5, 100);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);

-- a primary key recreated without its uniqueness: not unique, deferrable,
-- or unique on more key columns.  Every function that opens it, or names
-- it in ON CONFLICT, refuses it, the writes leaving every storage table
-- unchanged, and verify() names it.  (Before, the functions that open it
-- went on: the pair writers inserted edges without any unique check of a
-- non-unique edge_pkey; those that name it in ON CONFLICT failed there,
-- 42P10 with a non-unique key and 55000 on every follow() with a
-- deferrable edge_pkey.)
CREATE TABLE pg_temp.src AS SELECT 1014::bigint AS follower, 5::bigint AS followee;
UPDATE before SET s = pg_temp.storage();
ALTER TABLE follow_graph.counter DROP CONSTRAINT counter_pkey;
CREATE INDEX counter_pkey ON follow_graph.counter (account, stripe);
SELECT follow(1013, 5);
SELECT publish(5, 4);
SELECT follower_count(5);
-- (these name it in ON CONFLICT only)
SELECT deactivate_account(5);
SELECT remove_account(1002);
SELECT import_edges('pg_temp.src');
SELECT forget_items(2);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.counter_pkey;
ALTER TABLE follow_graph.counter ADD CONSTRAINT counter_pkey PRIMARY KEY (account, stripe);
ALTER TABLE follow_graph.edge DROP CONSTRAINT edge_pkey;
CREATE INDEX edge_pkey ON follow_graph.edge (follower, followee);
SELECT follow(1013, 5);
SELECT unfollow(1004, 5);
SELECT is_following(1004, 5);
SELECT count(*) FROM common_following(1, 1, 100);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.edge_pkey;
ALTER TABLE follow_graph.edge ADD CONSTRAINT edge_pkey PRIMARY KEY (follower, followee)
	DEFERRABLE;
SELECT follow(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
ALTER TABLE follow_graph.edge DROP CONSTRAINT edge_pkey;
CREATE UNIQUE INDEX edge_pkey ON follow_graph.edge (follower, followee, seq);
SELECT follow(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.edge_pkey;
-- (the right columns, unique, but an index of its own rather than the
-- primary key: bulk loads drop and add the constraint by name, and cluster
-- nodes name it in ON CONFLICT ON CONSTRAINT)
CREATE UNIQUE INDEX edge_pkey ON follow_graph.edge (follower, followee);
SELECT follow(1013, 5);
SELECT is_following(1004, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.edge_pkey;
ALTER TABLE follow_graph.edge ADD CONSTRAINT edge_pkey PRIMARY KEY (follower, followee);
ALTER TABLE follow_graph.mutual DROP CONSTRAINT mutual_pkey;
CREATE INDEX mutual_pkey ON follow_graph.mutual (account, friend);
SELECT follow(5, 1004);
SELECT count(*) FROM mutuals(1, 100);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.mutual_pkey;
ALTER TABLE follow_graph.mutual ADD CONSTRAINT mutual_pkey PRIMARY KEY (account, friend);
ALTER TABLE follow_graph.item DROP CONSTRAINT item_pkey;
CREATE INDEX item_pkey ON follow_graph.item (item) INCLUDE (author);
SELECT publish(5, 4);
SELECT unpublish(5, 1);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.item_pkey;
ALTER TABLE follow_graph.item ADD CONSTRAINT item_pkey PRIMARY KEY (item) INCLUDE (author);
ALTER TABLE follow_graph.account_state DROP CONSTRAINT account_state_pkey;
CREATE INDEX account_state_pkey ON follow_graph.account_state (account);
SELECT follow(1013, 5);
SELECT is_private(5);
SELECT set_private(5, true);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.account_state_pkey;
ALTER TABLE follow_graph.account_state ADD CONSTRAINT account_state_pkey PRIMARY KEY (account);
ALTER TABLE follow_graph.mute DROP CONSTRAINT mute_pkey;
CREATE INDEX mute_pkey ON follow_graph.mute (muter, muted);
SELECT mute(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.mute_pkey;
ALTER TABLE follow_graph.mute ADD CONSTRAINT mute_pkey PRIMARY KEY (muter, muted);
ALTER TABLE follow_graph.dismissal DROP CONSTRAINT dismissal_pkey;
CREATE INDEX dismissal_pkey ON follow_graph.dismissal (account, candidate);
SELECT dismiss_suggestion(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.dismissal_pkey;
ALTER TABLE follow_graph.dismissal ADD CONSTRAINT dismissal_pkey PRIMARY KEY (account, candidate);
SELECT count(*) AS problems FROM verify();

-- an operator class of another order (here int8's, reversed): the walks
-- compare the keys as integers and take the entries to come in that order.
-- Refused likewise (before: known_followers and common_followers answered
-- 0 rows, followers() the oldest first, common_following 0 rows and
-- feed() 0 rows)
CREATE FUNCTION public.fg_test_int8_rev_cmp(bigint, bigint) RETURNS integer
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS 'SELECT pg_catalog.btint8cmp($2, $1)';
CREATE OPERATOR CLASS public.fg_test_int8_rev_ops FOR TYPE bigint USING btree AS
	OPERATOR 1 pg_catalog.> (bigint, bigint), OPERATOR 2 pg_catalog.>= (bigint, bigint),
	OPERATOR 3 pg_catalog.= (bigint, bigint), OPERATOR 4 pg_catalog.<= (bigint, bigint),
	OPERATOR 5 pg_catalog.< (bigint, bigint),
	FUNCTION 1 public.fg_test_int8_rev_cmp(bigint, bigint);
SELECT array_agg(x ORDER BY x) AS known FROM known_followers(1, 5, 100) AS x;
SELECT array_agg(follower) AS followers FROM followers(5, 3);
SELECT array_agg(x ORDER BY x) AS common FROM common_following(1, 1, 100) AS x;
SELECT array_agg(item) AS feed FROM feed(1011, 10);
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge
	(followee, follower public.fg_test_int8_rev_ops);
SELECT count(*) FROM known_followers(1, 5, 100);
SELECT count(*) FROM common_followers(5, 5, 100);
SELECT deactivate_account(5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge
	(followee, seq public.fg_test_int8_rev_ops) INCLUDE (follower, followed_at);
SELECT count(*) FROM followers(5, 3);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);
ALTER TABLE follow_graph.edge DROP CONSTRAINT edge_pkey;
CREATE UNIQUE INDEX edge_pkey ON follow_graph.edge
	(follower, followee public.fg_test_int8_rev_ops);
SELECT count(*) FROM common_following(1, 1, 100);
SELECT follow(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
DROP INDEX follow_graph.edge_pkey;
ALTER TABLE follow_graph.edge ADD CONSTRAINT edge_pkey PRIMARY KEY (follower, followee);
ALTER TABLE follow_graph.counter DROP CONSTRAINT counter_pkey;
CREATE UNIQUE INDEX counter_pkey ON follow_graph.counter
	(account public.fg_test_int8_rev_ops, stripe);
SELECT follow(1013, 5);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.counter_pkey;
ALTER TABLE follow_graph.counter ADD CONSTRAINT counter_pkey PRIMARY KEY (account, stripe);
DROP INDEX follow_graph.item_bound_newest;
CREATE INDEX item_bound_newest ON follow_graph.item_bound
	(newest public.fg_test_int8_rev_ops) INCLUDE (author);
SELECT count(*) FROM feed(1011, 10);
SELECT publish(5, 4);
SELECT pg_temp.storage() = s AS unchanged FROM before;
SELECT problem FROM verify();
DROP INDEX follow_graph.item_bound_newest;
CREATE INDEX item_bound_newest ON follow_graph.item_bound (newest) INCLUDE (author);
-- as the install script gives them: the same answers, and writes go on
SELECT array_agg(x ORDER BY x) AS known FROM known_followers(1, 5, 100) AS x;
SELECT array_agg(follower) AS followers FROM followers(5, 3);
SELECT array_agg(x ORDER BY x) AS common FROM common_following(1, 1, 100) AS x;
SELECT array_agg(item) AS feed FROM feed(1011, 10);
SELECT follow(1013, 5), publish(5, 4), follower_count(5);
SELECT count(*) AS problems FROM verify();
DROP OPERATOR FAMILY public.fg_test_int8_rev_ops USING btree;
DROP FUNCTION public.fg_test_int8_rev_cmp(bigint, bigint);

DROP EXTENSION follow_graph CASCADE;
