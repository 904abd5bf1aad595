-- what PUBLIC may and may not do
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
DROP ROLE IF EXISTS fg_nobody;
DROP ROLE IF EXISTS fg_app;
RESET client_min_messages;
SET search_path = follow_graph, public;

SELECT follow(1, 2), follow(2, 1);
CREATE ROLE fg_nobody;
CREATE ROLE fg_app;
GRANT USAGE ON SCHEMA follow_graph TO fg_app;
GRANT EXECUTE ON FUNCTION follow_graph.follow(bigint, bigint),
	follow_graph.unfollow(bigint, bigint) TO fg_app;

-- a role without grants can read through the API and the view
SET ROLE fg_nobody;
SELECT follow_graph.follower_count(1), follow_graph.relationship(1, 2);
SELECT follower, followee FROM follow_graph.edges ORDER BY 1;
SELECT follower FROM follow_graph.followers(1);
-- but cannot write, neither through the API nor around it
SELECT follow_graph.follow(3, 1);
SELECT follow_graph.unfollow(2, 1);
INSERT INTO follow_graph.edge VALUES (3, 1, 1, now());
UPDATE follow_graph.counter SET followers = 1000000;
DELETE FROM follow_graph.edge;
INSERT INTO follow_graph.edges VALUES (3, 1, now());
SELECT nextval('follow_graph.edge_seq');
SELECT count(*) FROM follow_graph.edge;
RESET ROLE;

-- the app role writes through the API only
SET ROLE fg_app;
SELECT follow_graph.follow(3, 1), follow_graph.unfollow(2, 1);
UPDATE follow_graph.counter SET followers = 1000000;
DELETE FROM follow_graph.edge;
RESET ROLE;
SELECT follower_count(1), mutual_count(1), mutual_count(2);

-- write functions are SECURITY DEFINER with a pinned search_path; reads are not
SELECT p.proname, p.prosecdef, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p
WHERE p.pronamespace = 'follow_graph'::regnamespace
  AND p.proname IN ('follow', 'unfollow', 'is_following', 'followers', 'counts')
ORDER BY p.proname;

DROP OWNED BY fg_app;
DROP ROLE fg_app;
DROP ROLE fg_nobody;
