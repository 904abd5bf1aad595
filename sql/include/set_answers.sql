-- The plain-SQL answers the set-function tests compare with (pulled in with
-- \i after CREATE EXTENSION).
-- What fn(x, y) answers after the cursor after (NULL: from the start), from
-- the edges: known_followers, the accounts x follows that follow y;
-- common_followers, x's followers that follow y; common_following, the
-- accounts both x and y follow.
CREATE FUNCTION pg_temp.want(fn text, x bigint, y bigint, after bigint) RETURNS bigint[]
LANGUAGE plpgsql AS $$
BEGIN
	IF fn = 'known_followers' THEN
		RETURN ARRAY(SELECT a.followee FROM follow_graph.edges AS a
					 JOIN follow_graph.edges AS b ON b.follower = a.followee AND b.followee = y
					 WHERE a.follower = x AND (after IS NULL OR a.followee > after) ORDER BY 1);
	ELSIF fn = 'common_followers' THEN
		RETURN ARRAY(SELECT a.follower FROM follow_graph.edges AS a
					 JOIN follow_graph.edges AS b ON b.follower = a.follower AND b.followee = y
					 WHERE a.followee = x AND (after IS NULL OR a.follower > after) ORDER BY 1);
	ELSIF fn = 'common_following' THEN
		RETURN ARRAY(SELECT a.followee FROM follow_graph.edges AS a
					 JOIN follow_graph.edges AS b ON b.followee = a.followee AND b.follower = y
					 WHERE a.follower = x AND (after IS NULL OR a.followee > after) ORDER BY 1);
	END IF;
	RAISE EXCEPTION 'no reference answer for %', fn;
END $$;
-- 1 when fn(x, y) answers anything else than want() in one page of size
-- ids after the cursor after, else 0.
CREATE FUNCTION pg_temp.differs(fn text, x bigint, y bigint, size int, after bigint) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	got bigint[];
BEGIN
	EXECUTE format('SELECT ARRAY(SELECT v FROM follow_graph.%I($1, $2, $3, $4) AS v)', fn)
		INTO got USING x, y, size, after;
	RETURN (got IS DISTINCT FROM pg_temp.want(fn, x, y, after))::int;
END $$;
-- What fn(x, y, size, cursor) answers page after page from the cursor after
-- until an empty page, each page's last id the next cursor, concatenated;
-- with size_checked, NULL when a page has more than size ids.
CREATE FUNCTION pg_temp.paged(fn text, x bigint, y bigint, size int, after bigint,
							  size_checked bool) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
	got bigint[] := '{}';
	page bigint[];
	cur bigint := after;
	oversized bool := false;
BEGIN
	LOOP
		EXECUTE format('SELECT ARRAY(SELECT v FROM follow_graph.%I($1, $2, $3, $4) AS v)', fn)
			INTO page USING x, y, size, cur;
		EXIT WHEN cardinality(page) = 0;
		oversized := oversized OR cardinality(page) > size;
		got := got || page;
		cur := page[cardinality(page)];
	END LOOP;
	RETURN CASE WHEN size_checked AND oversized THEN NULL ELSE got END;
END $$;
