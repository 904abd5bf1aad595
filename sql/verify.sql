-- verify() and rebuild_counts(): drift planted around the API is found,
-- reported per account, and repaired.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- an empty graph is consistent
SELECT * FROM verify();
SELECT rebuild_counts();

-- a graph built through the API is consistent: 1<->2 mutual, 1->3, 3->4, 4->1
SELECT follow(1, 2), follow(2, 1), follow(1, 3), follow(3, 4), follow(4, 1);
SELECT unfollow(3, 4), follow(3, 4), follow(1, 2);
SELECT * FROM verify();
SELECT rebuild_counts();

-- stripes may be negative on their own; only their sum is a count
INSERT INTO counter VALUES (1, 7, 3, -2, 1), (1, 8, -3, 2, -1);
SELECT * FROM verify();

-- indexes a DBA adds on the storage (hash, BRIN, partial, expression) are
-- not the extension's to judge: verify() leaves them alone
CREATE INDEX edge_by_hash ON edge USING hash (followee);
CREATE INDEX edge_by_brin ON edge USING brin (seq);
CREATE INDEX edge_partial ON edge (followed_at) WHERE follower = 1;
CREATE INDEX edge_by_sum ON edge ((follower + followee));
CREATE INDEX counter_partial ON counter (account) WHERE followers > 1;
CREATE INDEX counter_by_brin ON counter USING brin (account);
CREATE INDEX counter_by_hash ON counter USING hash (account);
SELECT * FROM verify();

-- its own indexes are still checked: a dropped one is reported
DROP INDEX edge_followee_seq;
SELECT * FROM verify();
CREATE INDEX edge_followee_seq ON edge (followee, seq) INCLUDE (follower, followed_at);
SELECT * FROM verify();

-- drift planted by a superuser writing around the API
UPDATE counter SET followers = followers + 5 WHERE account = 2;
INSERT INTO counter VALUES (99, 1, 0, 1, 0);
DELETE FROM counter WHERE account = 4;
INSERT INTO edge VALUES (5, 6, 1000, now());
DELETE FROM edge WHERE follower = 2 AND followee = 1;
SELECT * FROM verify() ORDER BY account NULLS FIRST, problem;

-- the API counts are now wrong until repaired
SELECT * FROM counts(ARRAY[1, 2, 4, 5, 6, 99]::bigint[]);

-- stripes left behind by a write storm on account 3 (correct in sum)
INSERT INTO counter VALUES (3, 5, 1, 0, 0), (3, 6, -1, 0, 0);

-- repair: six accounts change and the stripes of account 3 are merged,
-- then nothing is left to do
SELECT rebuild_counts();
SELECT * FROM verify();
SELECT rebuild_counts();
SELECT * FROM counts(ARRAY[1, 2, 4, 5, 6, 99]::bigint[]);
SELECT count(*) AS stripes_of_99 FROM counter WHERE account = 99;

-- the stripes of accounts 1 (7 and 8 above) and 3 are one row each, and
-- their counts did not change
SELECT count(*) AS stripes_of_1 FROM counter WHERE account = 1;
SELECT count(*) AS stripes_of_3 FROM counter WHERE account = 3;
SELECT * FROM counts(ARRAY[3]::bigint[]);

-- the sequence was moved past the planted seq: the next follow sorts newest
SELECT follow(7, 5);
SELECT follower, cursor > 1000 AS after_planted FROM followers(5);

-- the API keeps the repaired counts exact
SELECT follow(2, 1), unfollow(5, 6), follow(6, 5);
SELECT * FROM verify();
SELECT * FROM counts(ARRAY[1, 2, 5, 6]::bigint[]);

-- rebuild_counts() refuses a transaction snapshot
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT rebuild_counts();
ROLLBACK;

-- verify() is read-only, and works inside a read-only transaction
BEGIN READ ONLY;
SELECT * FROM verify();
COMMIT;

-- a storage relation that is gone is 42P01, named the way PostgreSQL names
-- relations
ALTER TABLE counter RENAME TO counter_moved;
SELECT follower_count(1);
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE counter_moved RENAME TO counter;
SELECT follower_count(1);
