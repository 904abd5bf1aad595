-- Home feed: publish, unpublish, feed, author_items, item_count, forget_items
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- 1 follows 2 and 3; 2, 3, 4 and 1 publish
SELECT follow(1, 2), follow(1, 3);
SELECT publish(a, i) FROM (VALUES (2, 100), (3, 101), (4, 102), (1, 103), (2, 104), (3, 105)) AS v(a, i);
SELECT * FROM feed(1);
-- pages of 2, each from the last item of the one before
SELECT * FROM feed(1, 2);
SELECT * FROM feed(1, 2, 104);
SELECT * FROM feed(1, 2, 101);
SELECT * FROM feed(1, 2, 100);
-- author_items and item_count
SELECT author_items(2);
SELECT author_items(2, 1, 104);
SELECT item_count(2), item_count(4), item_count(99);
-- publishing again by the same author: false; by another: 23505
SELECT publish(2, 100);
\set VERBOSITY terse
SELECT publish(3, 100);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT item_count(2), item_count(3);
-- unpublish: true once; not another author's item
SELECT unpublish(3, 104);
SELECT unpublish(2, 104);
SELECT unpublish(2, 104);
SELECT item_count(2), array(SELECT author_items(2)) AS items;
-- follow adds the followee's older items at once, unfollow removes them
SELECT follow(1, 4);
SELECT * FROM feed(1);
SELECT unfollow(1, 3);
SELECT * FROM feed(1);

-- a rolled-back publish leaves no trace; a subtransaction's neither
BEGIN;
SELECT publish(2, 200);
ROLLBACK;
BEGIN;
SELECT publish(2, 201);
SAVEPOINT s;
SELECT publish(2, 202);
ROLLBACK TO SAVEPOINT s;
SELECT publish(2, 203);
COMMIT;
SELECT item_count(2), array(SELECT author_items(2)) AS items;

-- many publishes and unpublishes of one author in one transaction
BEGIN;
SELECT count(*) FILTER (WHERE p) FROM (SELECT publish(5, g) AS p FROM generate_series(1000, 2999) AS g) AS s;
SELECT count(*) FILTER (WHERE p) FROM (SELECT unpublish(5, g) AS p FROM generate_series(1000, 2999, 2) AS g) AS s;
COMMIT;
SELECT item_count(5), (SELECT count(*) FROM author_items(5, 100000)) AS listed;
SELECT * FROM verify();

-- Errors: NULL ids on writes, bad page sizes; reads are NULL-safe
\set VERBOSITY terse
SELECT publish(NULL, 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT publish(1, NULL);
SELECT unpublish(NULL, 1);
SELECT forget_items(NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM feed(1, 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM feed(1, -1);
SELECT * FROM author_items(1, 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT count(*) FROM feed(NULL);
SELECT count(*) FROM feed(1, NULL);
SELECT count(*) FROM feed(NULL, 10, 5);
SELECT count(*) FROM author_items(NULL);
SELECT count(*) FROM author_items(2, NULL);
SELECT item_count(NULL);
-- a cursor below every item, and one past the highest id
SELECT count(*) FROM feed(1, 10, 0);
SELECT count(*) FROM feed(1, 10, 9223372036854775807);
SELECT count(*) FROM author_items(2, 10, -9223372036854775808);
-- extreme ids
SELECT publish(9, 9223372036854775807), publish(9, -9223372036854775808);
SELECT follow(1, 9);
SELECT * FROM feed(1, 1);
SELECT * FROM feed(1, 1, -9223372036854775807);
SELECT unpublish(9, 9223372036854775807), unpublish(9, -9223372036854775808), unfollow(1, 9);

-- Mutes hide an author from the muter's feed while active (states written
-- directly: the mute API is not part of this file)
INSERT INTO mute VALUES (1, 2, nextval('state_seq'), now(), NULL);
SELECT DISTINCT author FROM feed(1) ORDER BY 1;
UPDATE mute SET expires_at = now() - interval '1 second' WHERE muter = 1 AND muted = 2;
SELECT DISTINCT author FROM feed(1) ORDER BY 1;
UPDATE mute SET expires_at = now() + interval '1 day' WHERE muter = 1 AND muted = 2;
SELECT DISTINCT author FROM feed(1) ORDER BY 1;
DELETE FROM mute;
-- muting oneself is not a thing; the viewer's own items always show

-- Deactivation: a deactivated author cannot publish (55000), its items
-- vanish from feeds and author_items, item_count is 0 (counts equal lists);
-- a deactivated viewer sees nothing
INSERT INTO account_state (account, active) VALUES (2, false);
\set VERBOSITY terse
SELECT publish(2, 300);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default
SELECT DISTINCT author FROM feed(1) ORDER BY 1;
SELECT (SELECT count(*) FROM author_items(2)) AS listed, item_count(2);
SELECT unpublish(2, 203);
UPDATE account_state SET active = true WHERE account = 2;
SELECT item_count(2), array(SELECT author_items(2)) AS items;
INSERT INTO account_state (account, active) VALUES (1, false);
SELECT count(*) FROM feed(1);
DELETE FROM account_state;
SELECT * FROM verify();

-- forget_items drops ids below the bound and fixes the counts
SELECT forget_items(1500);
SELECT item_count(5), item_count(2), item_count(1);
SELECT * FROM verify();

-- verify() sees a wrong item count; rebuild_counts() repairs it, and a
-- stripe merge keeps the item counts
UPDATE counter SET items = items + 5 WHERE account = 4;
SELECT * FROM verify();
INSERT INTO counter (account, stripe, items) VALUES (5, 77, 3), (5, 78, -3);
SELECT rebuild_counts();
SELECT * FROM verify();
SELECT item_count(4), item_count(5), (SELECT count(*) FROM counter WHERE account = 5) AS stripes;

-- remove_account removes the account's items too
SELECT remove_account(5);
SELECT item_count(5), count(*) FROM author_items(5);
SELECT * FROM verify();

-- Storage is dumped; writes are not PUBLIC, reads are
SELECT c.relname FROM pg_extension AS e, unnest(e.extconfig) AS t(oid)
JOIN pg_class AS c ON c.oid = t.oid
WHERE e.extname = 'follow_graph' AND c.relname = 'item';
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec, p.prosecdef
FROM pg_proc AS p
WHERE p.pronamespace = 'follow_graph'::regnamespace
  AND p.proname IN ('publish', 'unpublish', 'forget_items', 'feed', 'author_items', 'item_count')
ORDER BY 1;

-- Model check: random follows, unfollows, publishes, unpublishes, mutes,
-- blocks and deactivations against plain tables; then every page of feed()
-- for 300 viewers (two page sizes) equals the plain-SQL answer, and every
-- item_count equals the author's list.
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
CREATE TEMP TABLE m_follow (follower bigint, followee bigint, PRIMARY KEY (follower, followee));
CREATE TEMP TABLE m_item (author bigint, item bigint PRIMARY KEY);
SELECT setseed(0.13);
DO $$
DECLARE
	a bigint;
	b bigint;
	it bigint := 0;
	r float8;
BEGIN
	FOR step IN 1..12000 LOOP
		r := random();
		-- accounts 1..300; authors Zipf-like: a few publish most
		a := 1 + floor(random() * 300)::bigint;
		b := 1 + floor(random() * 300)::bigint;
		IF r < 0.40 THEN
			IF a <> b AND follow_graph.follow(a, b) THEN
				INSERT INTO m_follow VALUES (a, b);
			END IF;
		ELSIF r < 0.48 THEN
			IF a <> b AND follow_graph.unfollow(a, b) THEN
				DELETE FROM m_follow WHERE follower = a AND followee = b;
			END IF;
		ELSIF r < 0.90 THEN
			a := 1 + floor(300 * power(random(), 4))::bigint;
			it := it + 1 + floor(random() * 3)::bigint;
			IF follow_graph.publish(a, it) THEN
				INSERT INTO m_item VALUES (a, it);
			END IF;
		ELSIF r < 0.96 THEN
			SELECT i.author, i.item INTO a, b FROM m_item AS i
			OFFSET floor(random() * (SELECT count(*) FROM m_item)) LIMIT 1;
			IF a IS NOT NULL AND follow_graph.unpublish(a, b) THEN
				DELETE FROM m_item WHERE item = b;
			END IF;
		ELSIF r < 0.985 THEN
			-- mute, active or expired (state written directly)
			IF a <> b THEN
				INSERT INTO follow_graph.mute VALUES (a, b, nextval('follow_graph.state_seq'), now(),
					CASE WHEN random() < 0.3 THEN now() - interval '1 hour'
						 WHEN random() < 0.5 THEN now() + interval '1 hour' END)
				ON CONFLICT DO NOTHING;
			END IF;
		ELSE
			-- block: the edges go both ways, the block row stays
			IF a <> b THEN
				PERFORM follow_graph.unfollow(a, b), follow_graph.unfollow(b, a);
				DELETE FROM m_follow WHERE (follower, followee) IN ((a, b), (b, a));
				INSERT INTO follow_graph.block VALUES (a, b, nextval('follow_graph.state_seq'), now())
				ON CONFLICT DO NOTHING;
			END IF;
		END IF;
	END LOOP;
	-- deactivate 10 accounts, among them heavy authors; the edges of half
	-- of them move out as a deactivation does, the others stay (feed must
	-- not trust the edges alone)
	FOR a IN SELECT g FROM generate_series(1, 300, 30) AS g LOOP
		INSERT INTO follow_graph.account_state (account, active) VALUES (a, false);
		IF a % 60 = 1 THEN
			PERFORM follow_graph.unfollow(f.follower, f.followee) FROM m_follow AS f
			WHERE a IN (f.follower, f.followee);
			DELETE FROM m_follow AS f WHERE a IN (f.follower, f.followee);
		END IF;
	END LOOP;
END $$;
SELECT (SELECT count(*) FROM m_follow) > 3000 AS follows,
	   (SELECT count(*) FROM m_item) > 3000 AS items,
	   (SELECT count(*) FROM follow_graph.mute) > 50 AS mutes,
	   (SELECT count(*) FROM follow_graph.block) > 50 AS blocks;
-- the model and the storage agree on the edges and items
SELECT count(*) FROM (SELECT follower, followee FROM follow_graph.edge
					  EXCEPT SELECT * FROM m_follow) AS x;
SELECT count(*) FROM (SELECT * FROM m_follow
					  EXCEPT SELECT follower, followee FROM follow_graph.edge) AS x;
SELECT count(*) FROM (SELECT author, item FROM follow_graph.item
					  EXCEPT SELECT * FROM m_item) AS x;

-- The plain-SQL answer for one viewer, highest id first
CREATE FUNCTION pg_temp.expected(v bigint) RETURNS TABLE (author bigint, item bigint)
LANGUAGE sql STABLE AS $$
	SELECT i.author, i.item FROM m_item AS i
	WHERE (i.author = v OR EXISTS (SELECT 1 FROM m_follow AS f WHERE f.follower = v AND f.followee = i.author))
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.mute AS m
					  WHERE m.muter = v AND m.muted = i.author
						AND (m.expires_at IS NULL OR m.expires_at > now()))
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s
					  WHERE s.account IN (i.author, v) AND NOT s.active)
	ORDER BY i.item DESC
$$;
-- Every page of feed(v, ps), walked with the cursor
CREATE FUNCTION pg_temp.walk(v bigint, ps int) RETURNS TABLE (author bigint, item bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	cur bigint := NULL;
	n int;
	last bigint;
BEGIN
	LOOP
		n := 0;
		FOR author, item IN SELECT * FROM follow_graph.feed(v, ps, cur) LOOP
			RETURN NEXT;
			n := n + 1;
			last := item;
		END LOOP;
		EXIT WHEN n < ps;
		cur := last;
	END LOOP;
END $$;
SELECT ps, count(*) AS viewers,
	   count(*) FILTER (WHERE got IS DISTINCT FROM want) AS mismatched,
	   sum(cardinality(want)) > 10000 AS enough_rows
FROM (VALUES (7), (50)) AS p(ps),
	 LATERAL (SELECT v,
					 (SELECT array_agg(row(w.author, w.item)::text ORDER BY ord)
					  FROM pg_temp.walk(v, ps) WITH ORDINALITY AS w(author, item, ord)) AS got,
					 (SELECT array_agg(row(e.author, e.item)::text ORDER BY ord)
					  FROM pg_temp.expected(v) WITH ORDINALITY AS e(author, item, ord)) AS want
			  FROM generate_series(1, 300) AS v) AS x
GROUP BY ps ORDER BY ps;
-- item_count equals the list for every account (0 for deactivated ones)
SELECT count(*) FILTER (WHERE item_count(a) <> (SELECT count(*) FROM author_items(a, 100000))) AS count_vs_list,
	   count(*) FILTER (WHERE (SELECT count(*) FROM author_items(a, 100000)) <>
						CASE WHEN EXISTS (SELECT 1 FROM account_state AS s WHERE s.account = a AND NOT s.active)
							 THEN 0 ELSE (SELECT count(*) FROM m_item AS i WHERE i.author = a) END) AS list_vs_model
FROM generate_series(1, 300) AS a;
SELECT * FROM verify();
-- forget_items on the model
SELECT forget_items(it) = (SELECT count(*) FROM m_item WHERE item < it)
FROM (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY item) AS it FROM m_item) AS q;
SELECT * FROM verify();
