-- The pair writers' direct writes (fg_direct.c): edges and counter stripes
-- written through the access methods, many times in one statement and one
-- transaction, across subtransaction aborts, and through SQL when a DBA has
-- added indexes of their own to the storage.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- one statement: account 1 followed by 300, account 2 following 300, 100 of
-- them mutual with 1; each hot account's stripe is written 300 times
SELECT count(*) FILTER (WHERE follow(g, 1)) FROM generate_series(3, 302) AS g;
SELECT count(*) FILTER (WHERE follow(2, g)) FROM generate_series(3, 302) AS g;
SELECT count(*) FILTER (WHERE follow(1, g)) FROM generate_series(3, 102) AS g;
SELECT follower_count(1), following_count(1), mutual_count(1),
       following_count(2), follower_count(3), mutual_count(3);
-- unfollows in one statement, a repeated pair within it
SELECT count(*) FILTER (WHERE unfollow(g, 1)) FROM generate_series(3, 52) AS g;
SELECT count(*) FILTER (WHERE unfollow(2, g % 10 + 3)) FROM generate_series(1, 20) AS g;
SELECT follower_count(1), mutual_count(1), following_count(2);
SELECT * FROM verify();

-- a subtransaction that wrote a stripe aborts; later writes of the same
-- accounts in the transaction still count exactly once
BEGIN;
SELECT follow(400, 1), follow(401, 1);
SAVEPOINT s;
SELECT follow(402, 1), follow(1, 400);
ROLLBACK TO SAVEPOINT s;
SELECT follow(403, 1), follow(1, 401);
SAVEPOINT t;
SELECT follow(404, 1);
RELEASE SAVEPOINT t;
COMMIT;
SELECT follower_count(1), mutual_count(1), mutual_count(401), is_following(402, 1);
SELECT * FROM verify();

-- an error after the writes leaves nothing behind
BEGIN;
SELECT follow(500, 1);
SELECT follow(500, 500);
ROLLBACK;
SELECT is_following(500, 1), follower_count(1);

-- a read-only transaction is refused (25006), as the SQL writes were;
-- a follow that changes nothing needs no write
BEGIN READ ONLY;
SELECT follow(3, 2);
ROLLBACK;
BEGIN READ ONLY;
SELECT unfollow(2, 60);
ROLLBACK;
BEGIN READ ONLY;
SELECT follow(2, 60), unfollow(3, 2);
ROLLBACK;
SELECT is_following(3, 2), is_following(2, 60);

-- indexes a DBA added: a partial and an expression index on the edges, a
-- second index on the counters; writes go through SQL and keep them right
CREATE INDEX edge_partial ON edge (followed_at) WHERE follower = 600;
CREATE INDEX edge_by_sum ON edge ((follower + followee));
CREATE INDEX counter_by_followers ON counter (followers);
CREATE INDEX mutual_by_friend ON mutual (friend);
SELECT count(*) FILTER (WHERE follow(600, g)) FROM generate_series(601, 700) AS g;
SELECT count(*) FILTER (WHERE follow(g, 600)) FROM generate_series(601, 650) AS g;
SELECT count(*) FILTER (WHERE unfollow(600, g)) FROM generate_series(601, 610) AS g;
SELECT follower_count(600), following_count(600), mutual_count(600);
SET enable_seqscan = off;
SELECT count(*) FROM edge WHERE follower + followee = 1250;
SELECT count(*) FROM edge WHERE follower = 600 AND followed_at <= now();
SELECT sum(followers) FROM counter WHERE followers >= 0 AND account = 600;
SELECT count(*) AS mutual_rows_by_friend FROM mutual WHERE friend = 600;
SELECT count(*) AS mutual_rows_by_friend FROM mutual WHERE friend BETWEEN 601 AND 700;
RESET enable_seqscan;
SELECT * FROM verify();
DROP INDEX edge_partial, edge_by_sum, counter_by_followers, mutual_by_friend;

-- import_edges' rebuild plan on an empty graph, with no block or
-- deactivated account (plain statements) and with one (filtered)
TRUNCATE edge, counter, mutual;
CREATE TABLE public.imp AS
	SELECT (g % 3000)::bigint AS follower, ((g * 7) % 3001)::bigint AS followee
	FROM generate_series(1, 12000) AS g;
SET client_min_messages = warning;
SELECT import_edges('public.imp');
SELECT * FROM verify();
TRUNCATE edge, counter, mutual;
SELECT block(7, 49);
SELECT deactivate_account(14);
SELECT import_edges('public.imp');
RESET client_min_messages;
SELECT is_following(7, 49) OR is_following(49, 7) AS blocked_pair_imported,
       following_count(14) AS deactivated_following;
SELECT * FROM verify();

-- a first load counted in memory: pairs read in followed_at order (not in
-- id order), mutual pairs among them, counter stripes left by writes whose
-- edges are gone (the counts add to them)
SELECT unblock(7, 49), reactivate_account(14);
TRUNCATE edge, counter, mutual;
SELECT follow(1, 2), follow(2, 1), unfollow(1, 2), unfollow(2, 1);
CREATE TABLE public.imp_at AS
	SELECT (g % 3000)::bigint AS follower, ((g * 7) % 3001)::bigint AS followee,
		timestamptz '2024-01-01' + ((g * 7919) % 12000) * interval '1 minute' AS followed_at
	FROM generate_series(1, 12000) AS g
	UNION ALL SELECT 2, 1, timestamptz '2023-01-01' UNION ALL SELECT 1, 2, NULL;
SET client_min_messages = warning;
SELECT import_edges('public.imp_at');
RESET client_min_messages;
SELECT * FROM verify();
SELECT (SELECT count(*) FROM mutual) AS mutual_rows,
	(SELECT count(*) FROM edge AS e WHERE EXISTS (SELECT 1 FROM edge AS r
		WHERE r.follower = e.followee AND r.followee = e.follower)) AS mutual_edges,
	mutual_count(1), mutual_count(2), follower_count(1), following_count(2);
SELECT count(*) AS seq_not_in_time_order FROM (
	SELECT seq, lag(followed_at) OVER (ORDER BY seq) AS prev, followed_at FROM edge) AS x
WHERE x.prev > x.followed_at;
-- the same load with an index a DBA added on the edges: appended through SQL
TRUNCATE edge, counter, mutual;
CREATE INDEX edge_by_sum ON edge ((follower + followee));
SET client_min_messages = warning;
SELECT import_edges('public.imp_at');
RESET client_min_messages;
SET enable_seqscan = off;
SELECT count(*) AS by_sum_index FROM edge WHERE follower + followee = 3000;
RESET enable_seqscan;
SELECT count(*) AS by_sum_seq FROM edge WHERE (follower + followee) + 0 = 3000;
SELECT * FROM verify();
DROP INDEX edge_by_sum;
DROP TABLE public.imp, public.imp_at;
