-- follow, unfollow, is_following, relationship(s), counts
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- a new edge is true, a repeated one false
SELECT follow(1, 2);
SELECT follow(1, 2);
SELECT is_following(1, 2), is_following(2, 1);
SELECT follower_count(2), following_count(1), mutual_count(1), mutual_count(2);

-- following back makes a mutual pair, counted on both sides
SELECT follow(2, 1);
SELECT relationship(1, 2), relationship(2, 1);
SELECT mutual_count(1), mutual_count(2);

-- relationship states
SELECT follow(3, 1);
SELECT follow(1, 4);
SELECT relationship(1, 1) AS self, relationship(1, 3) AS followed_by,
       relationship(1, 4) AS following, relationship(1, 2) AS mutual,
       relationship(1, 5) AS none;

-- unknown accounts have zero counts
SELECT follower_count(999), following_count(999), mutual_count(999);

-- counts() of a page of accounts: one row per distinct non-null account, in input order
SELECT * FROM counts(ARRAY[2, 1, NULL, 999, 1, 3]);
SELECT * FROM counts('{}');

-- relationships(): distinct non-null targets other than the viewer, input order
SELECT * FROM relationships(1, ARRAY[4, 2, 1, NULL, 3, 5, 2]);
SELECT * FROM relationships(1, '{}');
SELECT count(*) FROM relationships(1, ARRAY[NULL, 1]::bigint[]);

-- unfollow: true once, then false; mutual pair broken on both sides
SELECT unfollow(2, 1);
SELECT unfollow(2, 1);
SELECT unfollow(7, 8);
SELECT relationship(1, 2), mutual_count(1), mutual_count(2), follower_count(1);

-- huge and negative ids: any bigint is an account
SELECT follow(9223372036854775807, -9223372036854775808);
SELECT follow(-9223372036854775808, 9223372036854775807);
SELECT relationship(9223372036854775807, -9223372036854775808);
SELECT * FROM counts(ARRAY[9223372036854775807, -9223372036854775808]);
SELECT follow(-5, 0), follow(0, -5);
SELECT mutual_count(0), mutual_count(-5);

-- reads are strict: NULL in, NULL out
SELECT is_following(NULL, 1), relationship(1, NULL), follower_count(NULL),
       following_count(NULL), mutual_count(NULL);
SELECT count(*) FROM counts(NULL);
SELECT count(*) FROM relationships(NULL, '{1}');

-- writes reject bad input with a clear error and change nothing
SELECT follow(NULL, 1);
SELECT follow(1, NULL);
SELECT unfollow(NULL, 1);
SELECT unfollow(1, NULL);
SELECT follow(6, 6);
SELECT unfollow(6, 6);
SELECT follower_count(6), following_count(6);

-- a rolled-back follow leaves no trace
BEGIN;
SELECT follow(10, 11), follow(11, 10);
SELECT mutual_count(10), follower_count(11);
ROLLBACK;
SELECT is_following(10, 11), mutual_count(10), follower_count(11), following_count(10);

-- follow then unfollow in one transaction nets to nothing
BEGIN;
SELECT follow(12, 13), follow(13, 12), unfollow(12, 13), unfollow(13, 12);
COMMIT;
SELECT follower_count(12), following_count(12), mutual_count(12), mutual_count(13);

-- an error inside a transaction rolls back the whole call
BEGIN;
SELECT follow(14, 15);
SAVEPOINT s;
SELECT follow(14, 14);
ROLLBACK TO s;
COMMIT;
SELECT follower_count(15), following_count(14);

-- repeated writes to one account in a transaction, across rolled-back savepoints
BEGIN;
SELECT follow(300, 301), follow(302, 301);
SAVEPOINT a;
SELECT follow(303, 301), follow(301, 303);
ROLLBACK TO a;
SELECT follow(304, 301), follow(301, 304);
SAVEPOINT b;
SELECT unfollow(304, 301);
RELEASE b;
SELECT follow(305, 301);
COMMIT;
SELECT * FROM counts(ARRAY[301, 303, 304]);

-- one statement may follow over many rows
SELECT count(*) FILTER (WHERE f) FROM (
	SELECT follow(g, 100000) AS f FROM generate_series(200000, 219999) AS g) AS s;
SELECT follower_count(100000);
SELECT count(*) FILTER (WHERE f) FROM (
	SELECT follow(100000, g) AS f FROM generate_series(200000, 219999, 2) AS g) AS s;
SELECT mutual_count(100000), following_count(100000), mutual_count(200000), mutual_count(200001);

-- relationships() of a viewer with long lists (probes) and short ones (merge)
-- agree with the edges
SELECT * FROM relationships(100000, ARRAY[200003, 200000, 5, 200001, 219999]);
SELECT * FROM relationships(200002, ARRAY[100000, 5]);
SELECT count(*) AS disagreements
FROM relationships(100000, ARRAY(SELECT g FROM generate_series(199990, 200100) AS g)) AS r
WHERE r.following <> EXISTS (SELECT 1 FROM edges WHERE follower = 100000 AND followee = r.target)
   OR r.followed_by <> EXISTS (SELECT 1 FROM edges WHERE follower = r.target AND followee = 100000);

-- the edges view shows every edge
SELECT follower, followee FROM edges WHERE follower IN (1, 2, 3) ORDER BY 1, 2;

-- counts agree with the edges everywhere
SELECT count(*) AS drift FROM (
	SELECT account, sum(followers) AS followers, sum(following) AS following, sum(mutuals) AS mutuals
	FROM follow_graph.counter GROUP BY account) AS c
FULL JOIN (
	SELECT a AS account,
	       count(*) FILTER (WHERE dir = 'in') AS followers,
	       count(*) FILTER (WHERE dir = 'out') AS following,
	       count(*) FILTER (WHERE dir = 'out' AND EXISTS (
	           SELECT 1 FROM follow_graph.edge r WHERE r.follower = x.b AND r.followee = x.a)) AS mutuals
	FROM (SELECT followee AS a, follower AS b, 'in' AS dir FROM follow_graph.edge
	      UNION ALL SELECT follower, followee, 'out' FROM follow_graph.edge) AS x
	GROUP BY a) AS t USING (account)
WHERE coalesce(c.followers, 0) <> coalesce(t.followers, 0)
   OR coalesce(c.following, 0) <> coalesce(t.following, 0)
   OR coalesce(c.mutuals, 0) <> coalesce(t.mutuals, 0);
-- The stripe cache forgets what an aborted subtransaction wrote: counts stay
-- exact through savepoints rolled back between writes of the same accounts,
-- in one transaction and in one statement.
BEGIN;
SELECT follow_graph.follow(501, 502);
SAVEPOINT s1;
SELECT follow_graph.follow(501, 503), follow_graph.follow(503, 501);
ROLLBACK TO SAVEPOINT s1;
SELECT follow_graph.follow(501, 504), follow_graph.follow(504, 501);
SAVEPOINT s2;
SELECT count(*) FILTER (WHERE follow_graph.follow(501, g)) FROM generate_series(600, 700) AS g;
ROLLBACK TO SAVEPOINT s2;
SELECT follow_graph.follow(502, 501);
COMMIT;
SELECT follow_graph.following_count(501) AS following, follow_graph.follower_count(501) AS followers,
	follow_graph.mutual_count(501) AS mutuals;
SELECT * FROM follow_graph.verify();
