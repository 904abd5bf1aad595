-- Limits and cancellation: a long listing stops at statement_timeout, and
-- oversized arguments fail with 54000 instead of exhausting memory.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- account 1 gets a million followers, written straight into storage as a
-- superuser (the counts are not needed here), and follows 1000 of them
INSERT INTO edge (follower, followee, seq, followed_at)
	SELECT g, 1, g, '2026-01-01' FROM generate_series(2, 1000001) AS g;
INSERT INTO edge (follower, followee, seq, followed_at)
	SELECT 1, g, 2000000 + g, '2026-01-01' FROM generate_series(2, 1001) AS g;
-- (the 1000 mutual pairs go into the mutual range too, as the API would)
INSERT INTO mutual (account, friend)
	SELECT 1, g FROM generate_series(2, 1001) AS g
	UNION ALL SELECT g, 1 FROM generate_series(2, 1001) AS g;

-- a statement_timeout stops whole-graph listings within a moment (10 ms:
-- far below what each takes, so that the test does not depend on the
-- machine's speed)
SET statement_timeout = '10ms';
SELECT count(*) FROM followers(1, 100000000);
SELECT count(*) FROM followers(1, 100000000)
	CROSS JOIN (SELECT count(*) FROM followers(1, 100000000)) AS again;
SELECT count(*) FROM common_followers(1, 1, 100000000);
SELECT count(*) FROM known_followers(1, 1, 100000000) AS k
	CROSS JOIN common_followers(1, 1, 100000000) AS c;
RESET statement_timeout;

-- every loop that can run long checks for interrupts: counter probes over a
-- million absent ids, relationships() over a million targets, neighbour
-- walks, verify().  Each call below takes from tens of milliseconds to
-- seconds; under a 10 ms statement_timeout each is cancelled (the function
-- catches query_canceled and says so).  (At 100 ms, followers_set() of a
-- million once ran to the end first, in a packaging run.)
CREATE TEMP TABLE big AS
	SELECT ARRAY(SELECT generate_series(10000001, 11000000)::bigint) AS absent,
		   ARRAY(SELECT generate_series(2, 1000001)::bigint) AS present;
CREATE FUNCTION pg_temp.cancelled(what text, query text) RETURNS text
LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE query;
	RETURN what || ': ran to the end';
EXCEPTION WHEN query_canceled THEN
	RETURN what || ': cancelled';
END
$f$;
SET statement_timeout = '10ms';
SELECT pg_temp.cancelled('counts() of a million absent ids',
	'SELECT count(*) FROM big, follow_graph.counts(big.absent)');
SELECT pg_temp.cancelled('relationships() with a million targets',
	'SELECT count(*) FROM big, follow_graph.relationships(1, big.present)');
SELECT pg_temp.cancelled('relationships() of a viewer with no edges',
	'SELECT count(*) FROM big, follow_graph.relationships(10000001, big.present)');
SELECT pg_temp.cancelled('followers_set() of a million',
	'SELECT follow_graph.cardinality(follow_graph.followers_set(1))');
SELECT pg_temp.cancelled('verify()',
	'SELECT count(*) FROM follow_graph.verify()');
RESET statement_timeout;
DROP TABLE big;

-- without the timeout the listings run to the end
SELECT count(*) FROM followers(1, 100000000);
SELECT count(*) FROM mutuals(1, 100000000);

-- oversized arguments are refused with 54000 (program_limit_exceeded)
SELECT count(*) FROM relationships(1, ARRAY(SELECT generate_series(1, 10000000)::bigint));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM counts(ARRAY(SELECT generate_series(1, 10000000)::bigint));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM followers(1, 2000000000);
\echo :LAST_ERROR_SQLSTATE

-- at the limit they work
SELECT count(*), count(*) FILTER (WHERE following) AS following,
	   count(*) FILTER (WHERE followed_by) AS followed_by
FROM relationships(1, ARRAY(SELECT generate_series(1, 1000000)::bigint));

DROP EXTENSION follow_graph;
