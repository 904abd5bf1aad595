-- discovery (issue 14): suggest_follows, dismiss_suggestion, similar_accounts,
-- known_followers_summary, fans, not_following_back, checked against exact
-- plain-SQL answers on small graphs where no bound bites.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- A small graph: 40 accounts, edge a -> b when the md5 of (a, b) falls
-- under 20%, so that scores, follower counts and vias tie now and then.
SELECT count(*) FILTER (WHERE follow(a, b)) AS edges
FROM generate_series(1, 40) AS a, generate_series(1, 40) AS b
WHERE a <> b AND ('x' || substr(md5(a || ':' || b), 1, 4))::bit(16)::int % 100 < 20;

-- The exact answers, written as a user would in plain SQL.
CREATE FUNCTION pg_temp.ref_suggest(v bigint, k integer)
RETURNS TABLE (candidate bigint, score float8, via bigint) LANGUAGE sql AS $$
	WITH mid AS (
		SELECT e.followee AS m,
			   1.0::float8 / ln((2 + (SELECT count(*) FROM follow_graph.edge x
									  WHERE x.follower = e.followee))::float8) AS w,
			   (SELECT count(*) FROM follow_graph.edge x WHERE x.followee = e.followee) AS mfc
		FROM follow_graph.edge e WHERE e.follower = v),
	c AS (
		SELECT e.followee AS cand, sum(mid.w ORDER BY mid.m) AS score,
			   (array_agg(mid.m ORDER BY mid.mfc DESC, mid.m))[1] AS via
		FROM mid JOIN follow_graph.edge e ON e.follower = mid.m
		WHERE e.followee <> v
		GROUP BY e.followee)
	SELECT c.cand, c.score, c.via FROM c
	WHERE NOT EXISTS (SELECT FROM follow_graph.edge f WHERE f.follower = v AND f.followee = c.cand)
	  AND NOT EXISTS (SELECT FROM follow_graph.request r WHERE r.requester = v AND r.account = c.cand)
	  AND NOT EXISTS (SELECT FROM follow_graph.block b
					  WHERE (b.blocker = v AND b.blocked = c.cand) OR (b.blocker = c.cand AND b.blocked = v))
	  AND NOT EXISTS (SELECT FROM follow_graph.mute mu WHERE mu.muter = v AND mu.muted = c.cand
					  AND (mu.expires_at IS NULL OR mu.expires_at > now()))
	  AND NOT EXISTS (SELECT FROM follow_graph.dismissal d WHERE d.account = v AND d.candidate = c.cand)
	  AND NOT EXISTS (SELECT FROM follow_graph.account_state s WHERE s.account = c.cand AND NOT s.active)
	ORDER BY round(c.score::numeric, 9) DESC,
			 (SELECT count(*) FROM follow_graph.edge x WHERE x.followee = c.cand) DESC, c.cand
	LIMIT k $$;

CREATE FUNCTION pg_temp.ref_similar(a bigint, k integer)
RETURNS TABLE (candidate bigint, jaccard float8) LANGUAGE sql AS $$
	WITH fa AS (SELECT count(*) AS n FROM follow_graph.edge WHERE followee = a),
	co AS (
		SELECT e2.followee AS c, count(*) AS i
		FROM follow_graph.edge e1 JOIN follow_graph.edge e2 ON e2.follower = e1.follower
		WHERE e1.followee = a AND e2.followee <> a GROUP BY 1),
	j AS (
		SELECT co.c, (SELECT count(*) FROM follow_graph.edge x WHERE x.followee = co.c) AS fc, co.i
		FROM co)
	SELECT j.c, j.i::float8 / ((SELECT n FROM fa)::float8 + j.fc::float8 - j.i::float8)
	FROM j
	ORDER BY round((j.i::float8 / ((SELECT n FROM fa)::float8 + j.fc::float8 - j.i::float8))::numeric, 9) DESC,
			 j.fc DESC, j.c
	LIMIT k $$;

CREATE FUNCTION pg_temp.ref_known(v bigint, t bigint, s integer)
RETURNS TABLE (total bigint, sample bigint[]) LANGUAGE sql AS $$
	WITH k AS (
		SELECT f.followee AS x,
			   (SELECT count(*) FROM follow_graph.edge y WHERE y.followee = f.followee) AS fc
		FROM follow_graph.edge f
		JOIN follow_graph.edge g ON g.follower = f.followee AND g.followee = t
		WHERE f.follower = v)
	SELECT (SELECT count(*) FROM k),
		   coalesce((SELECT array_agg(q.x ORDER BY q.fc DESC, q.x)
					 FROM (SELECT x, fc FROM k ORDER BY fc DESC, x LIMIT s) q), '{}') $$;

CREATE FUNCTION pg_temp.ref_fans(a bigint) RETURNS SETOF bigint LANGUAGE sql AS $$
	SELECT e.follower FROM follow_graph.edge e
	WHERE e.followee = a
	  AND NOT EXISTS (SELECT FROM follow_graph.edge r WHERE r.follower = a AND r.followee = e.follower)
	ORDER BY 1 $$;

CREATE FUNCTION pg_temp.ref_not_following_back(a bigint) RETURNS SETOF bigint LANGUAGE sql AS $$
	SELECT e.followee FROM follow_graph.edge e
	WHERE e.follower = a
	  AND NOT EXISTS (SELECT FROM follow_graph.edge r WHERE r.follower = e.followee AND r.followee = a)
	ORDER BY 1 $$;

-- Mismatches of suggest_follows against the exact answer, for every account
-- and a few result sizes: candidates and vias identical, scores within 1e-9.
CREATE FUNCTION pg_temp.suggest_mismatches(k integer) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM generate_series(1, 41) AS a
	WHERE (SELECT array_agg(row(s.candidate, s.via)::text ORDER BY s.o)
		   FROM follow_graph.suggest_follows(a, k) WITH ORDINALITY AS s(candidate, score, via, o))
		  IS DISTINCT FROM
		  (SELECT array_agg(row(r.candidate, r.via)::text ORDER BY r.o)
		   FROM pg_temp.ref_suggest(a, k) WITH ORDINALITY AS r(candidate, score, via, o))
	   OR EXISTS (SELECT FROM follow_graph.suggest_follows(a, k) WITH ORDINALITY AS s(candidate, score, via, o)
				  JOIN pg_temp.ref_suggest(a, k) WITH ORDINALITY AS r(candidate, score, via, o) USING (o)
				  WHERE abs(s.score - r.score) > 1e-9) $$;

SELECT k, pg_temp.suggest_mismatches(k) AS mismatches FROM unnest('{1,3,10,1000}'::int[]) AS k;
-- the answers are not empty
SELECT count(*) AS accounts_with_suggestions FROM generate_series(1, 40) AS a
WHERE EXISTS (SELECT FROM suggest_follows(a));
SELECT * FROM suggest_follows(7, 5);

-- similar_accounts against the exact Jaccard
SELECT count(*) AS similar_mismatches FROM generate_series(1, 41) AS a, unnest('{1,5,1000}'::int[]) AS k
WHERE (SELECT array_agg(s.candidate ORDER BY s.o)
	   FROM similar_accounts(a, k) WITH ORDINALITY AS s(candidate, jaccard, o))
	  IS DISTINCT FROM
	  (SELECT array_agg(r.candidate ORDER BY r.o)
	   FROM pg_temp.ref_similar(a, k) WITH ORDINALITY AS r(candidate, jaccard, o))
   OR EXISTS (SELECT FROM similar_accounts(a, k) WITH ORDINALITY AS s(candidate, jaccard, o)
			  JOIN pg_temp.ref_similar(a, k) WITH ORDINALITY AS r(candidate, jaccard, o) USING (o)
			  WHERE abs(s.jaccard - r.jaccard) > 1e-9);
SELECT * FROM similar_accounts(7, 3);

-- known_followers_summary against per-target plain SQL, every viewer, all
-- targets (the viewer itself and an account with no edges included)
SELECT count(*) AS known_mismatches
FROM generate_series(1, 41) AS v, unnest('{1,3,100}'::int[]) AS s,
	 LATERAL known_followers_summary(v, (SELECT array_agg(t ORDER BY t DESC) FROM generate_series(1, 42) t), s) AS k
WHERE row(k.total, k.sample)::text IS DISTINCT FROM
	  (SELECT row(r.total, r.sample)::text FROM pg_temp.ref_known(v, k.target, s) r);
SELECT count(*) AS known_rows FROM generate_series(1, 41) AS v,
	 LATERAL known_followers_summary(v, (SELECT array_agg(t) FROM generate_series(1, 42) t)) AS k;
-- distinct targets in input order of first occurrence, NULLs skipped
SELECT * FROM known_followers_summary(7, ARRAY[12, NULL, 7, 3, 12, 99, 3]::bigint[], 2);
SELECT * FROM known_followers_summary(7, '{}'::bigint[]);
SELECT * FROM known_followers_summary(NULL, ARRAY[1]::bigint[]);

-- fans and not_following_back against the anti-joins, whole and paged
SELECT count(*) AS fans_mismatches FROM generate_series(1, 41) AS a
WHERE (SELECT array_agg(x ORDER BY o) FROM fans(a, 1000) WITH ORDINALITY AS f(x, o))
	  IS DISTINCT FROM (SELECT array_agg(x) FROM pg_temp.ref_fans(a) AS x)
   OR (SELECT array_agg(x ORDER BY o) FROM not_following_back(a, 1000) WITH ORDINALITY AS f(x, o))
	  IS DISTINCT FROM (SELECT array_agg(x) FROM pg_temp.ref_not_following_back(a) AS x);
SELECT count(*) AS page_mismatches FROM generate_series(1, 41) AS a, generate_series(0, 6) AS p
WHERE 2 * p < (SELECT count(*) FROM pg_temp.ref_fans(a))
  AND (SELECT array_agg(x ORDER BY o)
	   FROM fans(a, 2, CASE WHEN p > 0 THEN (SELECT x FROM pg_temp.ref_fans(a) AS x OFFSET 2 * p - 1 LIMIT 1) END)
			WITH ORDINALITY AS f(x, o))
	  IS DISTINCT FROM (SELECT array_agg(x) FROM (SELECT x FROM pg_temp.ref_fans(a) AS x OFFSET 2 * p LIMIT 2) q);
SELECT count(*) AS page_mismatches FROM generate_series(1, 41) AS a, generate_series(0, 6) AS p
WHERE 2 * p < (SELECT count(*) FROM pg_temp.ref_not_following_back(a))
  AND (SELECT array_agg(x ORDER BY o)
	   FROM not_following_back(a, 2, CASE WHEN p > 0 THEN (SELECT x FROM pg_temp.ref_not_following_back(a) AS x OFFSET 2 * p - 1 LIMIT 1) END)
			WITH ORDINALITY AS f(x, o))
	  IS DISTINCT FROM (SELECT array_agg(x) FROM (SELECT x FROM pg_temp.ref_not_following_back(a) AS x OFFSET 2 * p LIMIT 2) q);
-- past the last page: nothing
SELECT count(*) FROM fans(7, 10, 1000000), not_following_back(7, 10, 1000000);
-- their sizes are follower_count - mutual_count and following_count - mutual_count
SELECT count(*) AS count_mismatches FROM generate_series(1, 41) AS a
WHERE (SELECT count(*) FROM fans(a, 1000)) <> follower_count(a) - mutual_count(a)
   OR (SELECT count(*) FROM not_following_back(a, 1000)) <> following_count(a) - mutual_count(a);
SELECT array_agg(x) FROM fans(7) AS x;
SELECT array_agg(x) FROM fans(7, 2, 10) AS x;
SELECT array_agg(x) FROM not_following_back(7) AS x;
-- a NULL account or page_size gives no rows, a NULL cursor the first page
SELECT count(*) FROM fans(NULL), not_following_back(7, NULL);
SELECT (SELECT array_agg(x) FROM fans(7, 50, NULL) x) = (SELECT array_agg(x) FROM fans(7) x) AS same;

-- Ties: equal scores go by follower_count desc, then id; the via by the
-- middles' follower_count desc, then id.
SELECT count(*) FROM (SELECT follow(a, b) FROM (VALUES
	(1001, 1002), (1001, 1003), (1002, 1010), (1002, 1011), (1003, 1010), (1003, 1011),
	(1002, 1012), (1003, 1013)) AS v(a, b)) AS s;
SELECT * FROM suggest_follows(1001);
SELECT follow(1050, 1013), follow(1050, 1003);	-- 1013 and 1003 gain a follower
SELECT * FROM suggest_follows(1001);
SELECT * FROM suggest_follows(1001, 1);

-- Exclusions.  The state tables are written directly (as superuser): the
-- state API lands separately.  Viewer 7's current top eight are excluded
-- one way each, except the fifth, whose mute expired.
CREATE TEMP TABLE top8 AS
SELECT o, candidate FROM suggest_follows(7, 8) WITH ORDINALITY AS s(candidate, score, via, o);
SELECT count(*) FROM top8;
INSERT INTO follow_graph.request SELECT 7, candidate, nextval('follow_graph.state_seq'), now() FROM top8 WHERE o = 1;
INSERT INTO follow_graph.block SELECT 7, candidate, nextval('follow_graph.state_seq'), now() FROM top8 WHERE o = 2;
INSERT INTO follow_graph.block SELECT candidate, 7, nextval('follow_graph.state_seq'), now() FROM top8 WHERE o = 3;
INSERT INTO follow_graph.mute SELECT 7, candidate, nextval('follow_graph.state_seq'), now(), NULL FROM top8 WHERE o = 4;
INSERT INTO follow_graph.mute SELECT 7, candidate, nextval('follow_graph.state_seq'), now() - interval '2 days', now() - interval '1 day' FROM top8 WHERE o = 5;
INSERT INTO follow_graph.mute SELECT 7, candidate, nextval('follow_graph.state_seq'), now(), now() + interval '1 day' FROM top8 WHERE o = 6;
INSERT INTO follow_graph.account_state SELECT candidate, false, false FROM top8 WHERE o = 7;
INSERT INTO follow_graph.account_state SELECT candidate, true, true FROM top8 WHERE o = 5;	-- private and active: still suggested
SELECT dismiss_suggestion(7, candidate) FROM top8 WHERE o = 8;
SELECT dismiss_suggestion(7, candidate) FROM top8 WHERE o = 8;	-- again: false
SELECT t.o, s.candidate IS NOT NULL AS suggested
FROM top8 t LEFT JOIN suggest_follows(7, 1000) s USING (candidate) ORDER BY t.o;
-- states of other viewers change nothing for 7 (direction matters)
INSERT INTO follow_graph.request SELECT candidate, 7, nextval('follow_graph.state_seq'), now() FROM top8 WHERE o = 5;
INSERT INTO follow_graph.mute SELECT candidate, 7, nextval('follow_graph.state_seq'), now(), NULL FROM top8 WHERE o = 5;
INSERT INTO follow_graph.dismissal SELECT candidate, 7, now() FROM top8 WHERE o = 5;
SELECT count(*) AS still_suggested FROM suggest_follows(7, 1000) s JOIN top8 USING (candidate) WHERE o = 5;
-- muted middles still count: muting every account 7 follows changes nothing
CREATE TEMP TABLE before_mute AS SELECT * FROM suggest_follows(7, 1000);
INSERT INTO follow_graph.mute SELECT 7, e.followee, nextval('follow_graph.state_seq'), now(), NULL
FROM follow_graph.edge e WHERE e.follower = 7;
SELECT (SELECT array_agg(row(candidate, score, via)::text) FROM suggest_follows(7, 1000))
	 = (SELECT array_agg(row(candidate, score, via)::text) FROM before_mute) AS unchanged;
-- everything above, for every viewer, against the plain-SQL answer
SELECT k, pg_temp.suggest_mismatches(k) AS mismatches FROM unnest('{1,10,1000}'::int[]) AS k;

-- remove_account() deletes the dismissals naming the account, either side;
-- pg_dump keeps the table
SELECT dismiss_suggestion(3, 9), dismiss_suggestion(9, 4), dismiss_suggestion(5, 6);
SELECT count(*) FROM follow_graph.dismissal WHERE 9 IN (account, candidate);
SELECT remove_account(9) >= 0 AS removed;
SELECT count(*) FROM follow_graph.dismissal WHERE 9 IN (account, candidate);
SELECT count(*) FROM follow_graph.dismissal WHERE account = 5 AND candidate = 6;
SELECT 'follow_graph.dismissal'::regclass = ANY (extconfig) AS dumped
FROM pg_extension WHERE extname = 'follow_graph';

-- Errors
SELECT dismiss_suggestion(NULL, 1);
SELECT dismiss_suggestion(1, NULL);
SELECT dismiss_suggestion(5, 5);
SELECT * FROM suggest_follows(7, 0);
SELECT * FROM similar_accounts(7, -1);
SELECT * FROM known_followers_summary(7, ARRAY[1]::bigint[], 0);
SELECT * FROM fans(7, 0);
SELECT * FROM not_following_back(7, -5);
SELECT * FROM known_followers_summary(7, array_fill(1::bigint, ARRAY[1000001]));
SELECT * FROM known_followers_summary(7, ARRAY[[1, 2], [3, 4]]::bigint[]);
SET follow_graph.suggest_middles = 0;
-- STRICT reads give no rows on NULL
SELECT (SELECT count(*) FROM suggest_follows(NULL)) + (SELECT count(*) FROM similar_accounts(NULL))
	 + (SELECT count(*) FROM suggest_follows(1, NULL)) + (SELECT count(*) FROM known_followers_summary(1, '{2}', NULL)) AS rows;

-- Privileges: every read is PUBLIC, the write is not (and runs as owner)
SELECT p.proname, p.prosecdef,
	   has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'follow_graph'
  AND p.proname IN ('suggest_follows', 'dismiss_suggestion', 'similar_accounts',
					'known_followers_summary', 'fans', 'not_following_back')
ORDER BY 1;

-- The bounds hold: a viewer following 10,000 accounts, whose 50 most
-- recent followees each follow 30 accounts, reads 50 middle entries and
-- 50 x (20 + 2) candidate entries (a window of 20 and its two ends; reported
-- at DEBUG1), and a follower sample of an account with 10,000 followers reads
-- 100 followers and at most 100 x (10 + 2) candidate entries.
SELECT count(*) FROM (SELECT follow(500000, g) FROM generate_series(600001, 610000) AS g) AS s;
SELECT count(*) FROM (SELECT follow(m, 700000 + (m - 609951) * 7 + j)
					  FROM generate_series(609951, 610000) AS m, generate_series(1, 30) AS j) AS s;
SELECT count(*) FROM (SELECT follow(g, 500001) FROM generate_series(600001, 610000) AS g) AS s;
SET follow_graph.suggest_middles = 50;
SET follow_graph.suggest_fanout = 20;
SET follow_graph.similar_sample = 100;
SET follow_graph.similar_fanout = 10;
SET client_min_messages = debug1;
SELECT count(*) FROM suggest_follows(500000, 5);
SELECT count(*) FROM similar_accounts(500001, 5);
RESET client_min_messages;
-- with the defaults the same viewer reads at most 1000 + 1000 x (100 + 2)
RESET follow_graph.suggest_middles;
RESET follow_graph.suggest_fanout;
RESET follow_graph.similar_sample;
RESET follow_graph.similar_fanout;
SHOW follow_graph.suggest_middles;
SHOW follow_graph.suggest_fanout;
SHOW follow_graph.similar_sample;
SHOW follow_graph.similar_fanout;
SET client_min_messages = debug1;
SELECT candidate, round(score::numeric, 6) AS score, via FROM suggest_follows(500000, 3);
RESET client_min_messages;
