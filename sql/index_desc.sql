-- Edge indexes a DBA rebuilt with their second column descending: every
-- read still answers as plain SQL does, in the documented order (the walks
-- that assumed an ascending second column gave 0 rows or wrong ones).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- viewer 1 follows 3,000 accounts, 2 follows 1,500 of them, target 5 is
-- followed by 4,000 (half of them followed by 1), 6 by 20; 1 and 7 are mutual
-- with 200 accounts
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT 1, g FROM generate_series(1001, 4000) AS g;
INSERT INTO staging SELECT 2, g FROM generate_series(1001, 4000, 2) AS g;
INSERT INTO staging SELECT g, 5 FROM generate_series(2501, 6500) AS g;
INSERT INTO staging SELECT g, 6 FROM generate_series(1001, 1020) AS g;
INSERT INTO staging SELECT g, 1 FROM generate_series(1001, 1200) AS g;
INSERT INTO staging SELECT 7, g FROM generate_series(1001, 1200) AS g;
INSERT INTO staging SELECT g, 7 FROM generate_series(1101, 1300) AS g;
SET client_min_messages = warning;
SELECT import_edges('staging');
RESET client_min_messages;
DROP TABLE staging;
SELECT count(*) FROM (SELECT follow(8, g) FROM generate_series(1001, 1030) AS g) AS s;

-- every read as plain SQL gives it: the number of differing answers
CREATE FUNCTION pg_temp.bad() RETURNS TABLE (fn text, bad bigint) LANGUAGE sql AS $$
	SELECT 'known_followers', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM known_followers(v, t, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.followee ORDER BY e.followee) FROM edges e
		  WHERE e.follower = v AND EXISTS (SELECT FROM edges f WHERE f.follower = e.followee AND f.followee = t))
		AS d FROM unnest('{1,2,8}'::bigint[]) AS v, unnest('{5,6,1,7}'::bigint[]) AS t) AS q WHERE d
	UNION ALL
	SELECT 'common_followers', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM common_followers(a, b, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.follower ORDER BY e.follower) FROM edges e
		  WHERE e.followee = a AND EXISTS (SELECT FROM edges f WHERE f.follower = e.follower AND f.followee = b))
		AS d FROM unnest('{5,6,1,7}'::bigint[]) AS a, unnest('{5,6,1,7}'::bigint[]) AS b WHERE a <> b) AS q WHERE d
	UNION ALL
	SELECT 'common_following', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM common_following(a, b, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.followee ORDER BY e.followee) FROM edges e
		  WHERE e.follower = a AND EXISTS (SELECT FROM edges f WHERE f.follower = b AND f.followee = e.followee))
		AS d FROM unnest('{1,2,7,8}'::bigint[]) AS a, unnest('{1,2,7,8}'::bigint[]) AS b WHERE a <> b) AS q WHERE d
	UNION ALL
	SELECT 'common_followers pages of 7', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM common_followers(5, 1, 7, 3000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(g) FROM (SELECT e.follower AS g FROM edges e WHERE e.followee = 5 AND e.follower > 3000
		  AND EXISTS (SELECT FROM edges f WHERE f.follower = e.follower AND f.followee = 1) ORDER BY 1 LIMIT 7) AS s)
		AS d) AS q WHERE d
	UNION ALL
	SELECT 'followers', count(*) FROM (SELECT
		(SELECT array_agg(x.follower) FROM followers(a, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.follower ORDER BY e.seq DESC) FROM follow_graph.edge e WHERE e.followee = a)
		AS d FROM unnest('{5,6,1,7}'::bigint[]) AS a) AS q WHERE d
	UNION ALL
	SELECT 'following', count(*) FROM (SELECT
		(SELECT array_agg(x.followee) FROM following(a, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.followee ORDER BY e.seq DESC) FROM follow_graph.edge e WHERE e.follower = a)
		AS d FROM unnest('{1,2,7,8}'::bigint[]) AS a) AS q WHERE d
	UNION ALL
	SELECT 'followers second page', count(*) FROM (SELECT
		(SELECT array_agg(x.follower) FROM followers(5, 10, (SELECT cursor FROM followers(5, 10) ORDER BY cursor LIMIT 1)) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(follower) FROM (SELECT e.follower FROM follow_graph.edge e WHERE e.followee = 5
		  ORDER BY e.seq DESC OFFSET 10 LIMIT 10) AS s)
		AS d) AS q WHERE d
	UNION ALL
	SELECT 'mutuals', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM mutuals(a, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.followee ORDER BY e.followee) FROM edges e
		  WHERE e.follower = a AND EXISTS (SELECT FROM edges f WHERE f.follower = e.followee AND f.followee = a))
		AS d FROM unnest('{1,7,1101}'::bigint[]) AS a) AS q WHERE d
	UNION ALL
	SELECT 'fans', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM fans(a, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.follower ORDER BY e.follower) FROM edges e
		  WHERE e.followee = a AND NOT EXISTS (SELECT FROM edges f WHERE f.follower = a AND f.followee = e.follower))
		AS d FROM unnest('{1,7}'::bigint[]) AS a) AS q WHERE d
	UNION ALL
	SELECT 'not_following_back', count(*) FROM (SELECT
		(SELECT array_agg(x) FROM not_following_back(a, 100000) AS x)
		IS DISTINCT FROM
		(SELECT array_agg(e.followee ORDER BY e.followee) FROM edges e
		  WHERE e.follower = a AND NOT EXISTS (SELECT FROM edges f WHERE f.follower = e.followee AND f.followee = a))
		AS d FROM unnest('{1,7}'::bigint[]) AS a) AS q WHERE d
$$;

-- as installed
SELECT * FROM pg_temp.bad();

-- each edge index but the primary key rebuilt with its second column
-- descending
SET client_min_messages = warning;
DROP INDEX follow_graph.edge_followee_follower;
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower DESC);
DROP INDEX follow_graph.edge_followee_seq;
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq DESC);
DROP INDEX follow_graph.edge_follower_seq;
CREATE INDEX edge_follower_seq ON follow_graph.edge (follower, seq DESC);
RESET client_min_messages;
SELECT * FROM pg_temp.bad();
SELECT * FROM verify();

SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
