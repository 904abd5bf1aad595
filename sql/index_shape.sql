-- A storage index a DBA recreated under its own name as a partial index
-- (it misses rows) or on expressions (its keys are other values) cannot
-- stand for its columns: every function that reads it refuses it with
-- 55000 instead of answering wrongly, verify() names the problem, and the
-- index recreated as the install script gives it is used again.
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

DROP EXTENSION follow_graph CASCADE;
