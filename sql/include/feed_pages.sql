-- The home-feed tests' plain-SQL reference and page-by-page comparison
-- (pulled in with \i after CREATE EXTENSION).
-- The reference: the viewer's followees (visible edges) and the viewer,
-- minus active mutes and deactivated accounts, highest id first, below the
-- cursor.
CREATE FUNCTION pg_temp.expected(v bigint, ps int, cur bigint) RETURNS TABLE (author bigint, item bigint)
LANGUAGE sql STABLE AS $$
	SELECT i.author, i.item FROM follow_graph.item AS i
	WHERE (i.author = v OR EXISTS (SELECT 1 FROM follow_graph.edge AS e
								   WHERE e.follower = v AND e.followee = i.author))
	  AND (cur IS NULL OR i.item < cur)
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.mute AS m
					  WHERE m.muter = v AND m.muted = i.author
						AND (m.expires_at IS NULL OR m.expires_at > now()))
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s
					  WHERE s.account IN (i.author, v) AND NOT s.active)
	ORDER BY i.item DESC LIMIT ps
$$;
-- Every page of feed(v, ps) from cursor start, and of the reference, equal?
-- Returns the number of pages that differ.
CREATE FUNCTION pg_temp.pages_differ(v bigint, ps int, start bigint DEFAULT NULL) RETURNS int
LANGUAGE plpgsql STABLE AS $$
DECLARE
	cur bigint := start;
	got text[];
	want text[];
	bad int := 0;
BEGIN
	LOOP
		got := ARRAY(SELECT row(f.author, f.item)::text FROM follow_graph.feed(v, ps, cur) AS f);
		want := ARRAY(SELECT row(e.author, e.item)::text FROM pg_temp.expected(v, ps, cur) AS e);
		IF got IS DISTINCT FROM want THEN bad := bad + 1; END IF;
		EXIT WHEN cardinality(want) < ps;
		cur := (SELECT min(e.item) FROM pg_temp.expected(v, ps, cur) AS e);
	END LOOP;
	RETURN bad;
END $$;
