-- followers() and following(): newest first, keyset pages by cursor
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- 7 followers of account 1, followed in order 11..17
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(11, 17) AS g) AS s;
SELECT follow(1, 11), follow(1, 12), follow(1, 13);

-- first page, newest first; followed_at is the time of the follow
SELECT follower, followed_at BETWEEN now() - interval '1 hour' AND now() AS recent FROM followers(1, 3);
SELECT follower FROM followers(1);

-- walking pages with the cursor visits every follower exactly once
CREATE TEMP TABLE walk (page int, follower bigint, cursor bigint);
DO $$
DECLARE
	cur bigint := NULL;
	p int := 0;
	n int;
BEGIN
	LOOP
		p := p + 1;
		INSERT INTO walk SELECT p, f.follower, f.cursor FROM follow_graph.followers(1, 3, cur) AS f;
		GET DIAGNOSTICS n = ROW_COUNT;
		EXIT WHEN n = 0;
		SELECT min(cursor) INTO cur FROM walk WHERE page = p;
	END LOOP;
END $$;
SELECT page, array_agg(follower ORDER BY cursor DESC) FROM walk GROUP BY page ORDER BY page;

-- page boundaries: page_size 1, an exact multiple, past the end
SELECT follower FROM followers(1, 1);
SELECT count(*) FROM followers(1, 7);
SELECT count(*) FROM followers(1, 7, (SELECT min(cursor) FROM followers(1, 7)));
SELECT count(*) FROM followers(1, 100);
-- a cursor before every edge, and one from the far future
SELECT count(*) FROM followers(1, 10, 0);
SELECT count(*) FROM followers(1, 10, 9223372036854775807);

-- following(), same shape
SELECT followee FROM following(1);
SELECT followee FROM following(1, 2, (SELECT min(cursor) FROM following(1, 1)));

-- unfollow then follow again makes the edge the newest
SELECT unfollow(11, 1), follow(11, 1);
SELECT follower FROM followers(1, 2);

-- an unknown account has an empty list
SELECT count(*) FROM followers(424242);
SELECT count(*) FROM following(424242);

-- NULL account or page_size: no rows; NULL cursor: the first page
SELECT count(*) FROM followers(NULL);
SELECT count(*) FROM followers(1, NULL);
SELECT count(*) FROM following(NULL, 5, NULL);
SELECT count(*) FROM followers(1, 5, NULL);

-- a non-positive page_size is an error
SELECT * FROM followers(1, 0);
SELECT * FROM following(1, -1);

-- negative and extreme ids
SELECT follow(-9223372036854775808, -1), follow(9223372036854775807, -1);
SELECT follower FROM followers(-1);
SELECT followee FROM following(-9223372036854775808);

-- pages are consistent with the view
SELECT (SELECT array_agg(follower ORDER BY follower) FROM followers(1, 1000))
     = (SELECT array_agg(follower ORDER BY follower) FROM edges WHERE followee = 1) AS same;
