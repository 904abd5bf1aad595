-- Relationship states against a model: random sequences of every call
-- (follow, unfollow, remove_follower, block, unblock, accept_request,
-- reject_request, set_private, deactivate_account, reactivate_account, mute,
-- unmute, remove_account) on a small graph, applied both to follow_graph and
-- to a plain-SQL model of the rules kept alongside (pg_temp.m_*).  Every
-- call's answer or SQLSTATE must match the model's; every few hundred calls,
-- and at the end, every count, list, set, flag and relationships() row of
-- every account is compared with the model, and verify() must be empty.
-- Only mismatch counts are printed: the run is the same on every server.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- The model: visibility is explicit (hidden = in follow_graph.hidden_edge).
CREATE TEMP TABLE m_flag (account bigint PRIMARY KEY, private boolean NOT NULL, active boolean NOT NULL);
CREATE TEMP TABLE m_edge (follower bigint, followee bigint, hidden boolean NOT NULL, PRIMARY KEY (follower, followee));
CREATE TEMP TABLE m_req (requester bigint, account bigint, hidden boolean NOT NULL, PRIMARY KEY (requester, account));
CREATE TEMP TABLE m_block (blocker bigint, blocked bigint, PRIMARY KEY (blocker, blocked));
CREATE TEMP TABLE m_mute (muter bigint, muted bigint, expires timestamptz, PRIMARY KEY (muter, muted));
CREATE TEMP TABLE mismatch (step int, what text, got text, want text);
CREATE TEMP TABLE outcome (op text, want text, PRIMARY KEY (op, want));

CREATE FUNCTION pg_temp.m_active(a bigint) RETURNS boolean LANGUAGE sql AS
	$$ SELECT coalesce((SELECT active FROM m_flag WHERE account = a), true) $$;
CREATE FUNCTION pg_temp.m_private(a bigint) RETURNS boolean LANGUAGE sql AS
	$$ SELECT coalesce((SELECT private FROM m_flag WHERE account = a), false) $$;
CREATE FUNCTION pg_temp.m_set_flag(a bigint, p boolean, act boolean) RETURNS void LANGUAGE sql AS $$
	INSERT INTO m_flag VALUES (a, coalesce(p, pg_temp.m_private(a)), coalesce(act, pg_temp.m_active(a)))
	ON CONFLICT (account) DO UPDATE SET private = excluded.private, active = excluded.active
$$;
CREATE FUNCTION pg_temp.m_muting(a bigint, b bigint) RETURNS boolean LANGUAGE sql AS
	$$ SELECT EXISTS (SELECT 1 FROM m_mute WHERE muter = a AND muted = b AND (expires IS NULL OR expires > now())) $$;

-- The model's answer to one call (a value as text, or an SQLSTATE), after
-- applying the call to the model.
CREATE FUNCTION pg_temp.m_apply(op text, a bigint, b bigint, flag boolean, t timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	found_any boolean;
BEGIN
	IF op IN ('follow', 'unfollow', 'remove_follower', 'block', 'unblock', 'accept_request',
			  'reject_request', 'mute', 'unmute') AND a = b THEN
		RETURN '22023';
	END IF;
	CASE op
	WHEN 'follow' THEN		-- a follows b
		IF NOT pg_temp.m_active(a) OR NOT pg_temp.m_active(b) THEN RETURN '55000'; END IF;
		IF EXISTS (SELECT 1 FROM m_block WHERE (blocker, blocked) IN ((a, b), (b, a))) THEN RETURN '42501'; END IF;
		IF EXISTS (SELECT 1 FROM m_edge WHERE follower = a AND followee = b) THEN RETURN 'false'; END IF;
		IF pg_temp.m_private(b) THEN
			IF EXISTS (SELECT 1 FROM m_req WHERE requester = a AND account = b) THEN RETURN 'false'; END IF;
			INSERT INTO m_req VALUES (a, b, false);
		ELSE
			INSERT INTO m_edge VALUES (a, b, false);
		END IF;
		RETURN 'true';
	WHEN 'unfollow', 'remove_follower' THEN	-- unfollow(a, b); remove_follower(b, a) is the same
		IF op = 'remove_follower' THEN n := a; a := b; b := n; END IF;
		DELETE FROM m_edge WHERE follower = a AND followee = b;
		found_any := FOUND;
		DELETE FROM m_req WHERE requester = a AND account = b;
		RETURN (found_any OR FOUND)::text;
	WHEN 'block' THEN
		IF NOT pg_temp.m_active(a) OR NOT pg_temp.m_active(b) THEN RETURN '55000'; END IF;
		DELETE FROM m_edge WHERE (follower, followee) IN ((a, b), (b, a));
		DELETE FROM m_req WHERE (requester, account) IN ((a, b), (b, a));
		INSERT INTO m_block VALUES (a, b) ON CONFLICT DO NOTHING;
		RETURN FOUND::text;
	WHEN 'unblock' THEN
		DELETE FROM m_block WHERE blocker = a AND blocked = b;
		RETURN FOUND::text;
	WHEN 'accept_request' THEN	-- account a accepts requester b
		IF NOT pg_temp.m_active(a) OR NOT pg_temp.m_active(b) THEN RETURN '55000'; END IF;
		DELETE FROM m_req WHERE requester = b AND account = a AND NOT hidden;
		IF NOT FOUND THEN RETURN 'false'; END IF;
		INSERT INTO m_edge VALUES (b, a, false);
		RETURN 'true';
	WHEN 'reject_request' THEN	-- account a rejects requester b
		DELETE FROM m_req WHERE requester = b AND account = a;
		RETURN FOUND::text;
	WHEN 'set_private' THEN
		PERFORM pg_temp.m_set_flag(a, flag, NULL);
		IF flag THEN RETURN '0'; END IF;
		WITH acc AS (DELETE FROM m_req WHERE account = a RETURNING requester, hidden)
		INSERT INTO m_edge SELECT requester, a, hidden FROM acc;
		GET DIAGNOSTICS n = ROW_COUNT;
		RETURN n::text;
	WHEN 'deactivate_account' THEN
		IF NOT pg_temp.m_active(a) THEN RETURN '0'; END IF;
		PERFORM pg_temp.m_set_flag(a, NULL, false);
		UPDATE m_edge SET hidden = true WHERE (follower = a OR followee = a) AND NOT hidden;
		GET DIAGNOSTICS n = ROW_COUNT;
		UPDATE m_req SET hidden = true WHERE (requester = a OR account = a) AND NOT hidden;
		RETURN n::text;
	WHEN 'reactivate_account' THEN
		IF pg_temp.m_active(a) THEN RETURN '0'; END IF;
		PERFORM pg_temp.m_set_flag(a, NULL, true);
		UPDATE m_edge SET hidden = false
			WHERE hidden AND (follower = a OR followee = a)
			  AND pg_temp.m_active(follower) AND pg_temp.m_active(followee);
		GET DIAGNOSTICS n = ROW_COUNT;
		UPDATE m_req SET hidden = false
			WHERE hidden AND (requester = a OR account = a)
			  AND pg_temp.m_active(requester) AND pg_temp.m_active(account);
		RETURN n::text;
	WHEN 'mute' THEN
		IF pg_temp.m_muting(a, b) THEN
			UPDATE m_mute SET expires = t WHERE muter = a AND muted = b;
			RETURN 'false';
		END IF;
		INSERT INTO m_mute VALUES (a, b, t) ON CONFLICT (muter, muted) DO UPDATE SET expires = excluded.expires;
		RETURN 'true';
	WHEN 'unmute' THEN
		found_any := pg_temp.m_muting(a, b);
		DELETE FROM m_mute WHERE muter = a AND muted = b;
		RETURN found_any::text;
	WHEN 'remove_account' THEN
		DELETE FROM m_edge WHERE follower = a OR followee = a;
		GET DIAGNOSTICS n = ROW_COUNT;
		DELETE FROM m_req WHERE requester = a OR account = a;
		DELETE FROM m_block WHERE blocker = a OR blocked = a;
		DELETE FROM m_mute WHERE muter = a OR muted = a;
		DELETE FROM m_flag WHERE account = a;
		RETURN n::text;
	END CASE;
END $$;

-- The extension's answer to the same call: its value as text, or its SQLSTATE.
CREATE FUNCTION pg_temp.x_apply(op text, a bigint, b bigint, flag boolean, t timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	CASE op
	WHEN 'set_private' THEN r := follow_graph.set_private(a, flag)::text;
	WHEN 'deactivate_account' THEN r := follow_graph.deactivate_account(a)::text;
	WHEN 'reactivate_account' THEN r := follow_graph.reactivate_account(a)::text;
	WHEN 'remove_account' THEN r := follow_graph.remove_account(a)::text;
	WHEN 'mute' THEN r := follow_graph.mute(a, b, t)::text;
	ELSE EXECUTE format('SELECT follow_graph.%I($1, $2)::text', op) INTO r USING a, b;
	END CASE;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;

-- Compare every read of every account 0..nacc (0 never takes part) with the
-- model; record each difference in mismatch.
CREATE FUNCTION pg_temp.check_all(step int, nacc int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	ids bigint[] := ARRAY(SELECT generate_series(0, nacc)::bigint);
BEGIN
	-- counts, by counts() and by the single-count functions
	INSERT INTO mismatch
	SELECT step, 'counts of ' || c.account, row(c.followers, c.following, c.mutuals, c.requests)::text,
		   row(m.followers, m.following, m.mutuals, m.requests)::text
	FROM follow_graph.counts(ids) AS c,
		 LATERAL (SELECT (SELECT count(*) FROM m_edge WHERE followee = c.account AND NOT hidden) AS followers,
						 (SELECT count(*) FROM m_edge WHERE follower = c.account AND NOT hidden) AS following,
						 (SELECT count(*) FROM m_edge AS e WHERE e.follower = c.account AND NOT e.hidden
							AND EXISTS (SELECT 1 FROM m_edge AS r WHERE r.follower = e.followee
										AND r.followee = c.account AND NOT r.hidden)) AS mutuals,
						 (SELECT count(*) FROM m_req WHERE account = c.account AND NOT hidden) AS requests) AS m
	WHERE row(c.followers, c.following, c.mutuals, c.requests) IS DISTINCT FROM row(m.followers, m.following, m.mutuals, m.requests)
	   OR follower_count(c.account) <> c.followers OR following_count(c.account) <> c.following
	   OR mutual_count(c.account) <> c.mutuals OR request_count(c.account) <> c.requests;

	-- lists and sets: what each returns is exactly the model's rows, and
	-- each list's length is its count (no drift)
	INSERT INTO mismatch
	SELECT step, l.what || ' of ' || a, l.got::text, l.want::text
	FROM unnest(ids) AS a,
	LATERAL (VALUES
		('followers', ARRAY(SELECT follower FROM followers(a, 1000) ORDER BY 1),
		 ARRAY(SELECT follower FROM m_edge WHERE followee = a AND NOT hidden ORDER BY 1)),
		('following', ARRAY(SELECT followee FROM following(a, 1000) ORDER BY 1),
		 ARRAY(SELECT followee FROM m_edge WHERE follower = a AND NOT hidden ORDER BY 1)),
		('mutuals', ARRAY(SELECT mutuals(a, 1000)),
		 ARRAY(SELECT e.followee FROM m_edge AS e JOIN m_edge AS r ON r.follower = e.followee AND r.followee = a
			   WHERE e.follower = a AND NOT e.hidden AND NOT r.hidden ORDER BY 1)),
		('followers_set', idset_to_array(followers_set(a)),
		 ARRAY(SELECT follower FROM m_edge WHERE followee = a AND NOT hidden ORDER BY 1)),
		('follow_requests', ARRAY(SELECT requester FROM follow_requests(a, 1000) ORDER BY 1),
		 ARRAY(SELECT requester FROM m_req WHERE account = a AND NOT hidden ORDER BY 1)),
		('blocks', ARRAY(SELECT blocked FROM blocks(a, 1000) ORDER BY 1),
		 ARRAY(SELECT blocked FROM m_block WHERE blocker = a ORDER BY 1)),
		('mutes', ARRAY(SELECT muted FROM mutes(a, 1000) ORDER BY 1),
		 ARRAY(SELECT muted FROM m_mute WHERE muter = a AND (expires IS NULL OR expires > now()) ORDER BY 1)),
		('drift', ARRAY[(SELECT count(*) FROM followers(a, 1000)), (SELECT count(*) FROM following(a, 1000)),
						(SELECT count(*) FROM mutuals(a, 1000)), (SELECT count(*) FROM follow_requests(a, 1000))],
		 ARRAY[follower_count(a), following_count(a), mutual_count(a), request_count(a)]),
		('flags', ARRAY[is_private(a)::int, is_active(a)::int],
		 ARRAY[pg_temp.m_private(a)::int, pg_temp.m_active(a)::int])
	) AS l(what, got, want)
	WHERE l.got IS DISTINCT FROM l.want;

	-- pages newest first: cursors strictly decreasing
	INSERT INTO mismatch
	SELECT step, 'page order of ' || a, NULL, NULL
	FROM unnest(ids) AS a
	WHERE ARRAY(SELECT cursor FROM followers(a, 1000)) IS DISTINCT FROM ARRAY(SELECT cursor FROM followers(a, 1000) ORDER BY 1 DESC)
	   OR ARRAY(SELECT cursor FROM follow_requests(a, 1000)) IS DISTINCT FROM ARRAY(SELECT cursor FROM follow_requests(a, 1000) ORDER BY 1 DESC)
	   OR ARRAY(SELECT cursor FROM blocks(a, 1000)) IS DISTINCT FROM ARRAY(SELECT cursor FROM blocks(a, 1000) ORDER BY 1 DESC)
	   OR ARRAY(SELECT cursor FROM mutes(a, 1000)) IS DISTINCT FROM ARRAY(SELECT cursor FROM mutes(a, 1000) ORDER BY 1 DESC);

	-- relationships() of every viewer with every account, and relationship()
	INSERT INTO mismatch
	SELECT step, format('relationships(%s, %s)', v, r.target), row(r.*)::text, row(m.*)::text
	FROM unnest(ids) AS v, follow_graph.relationships(v, ids) AS r,
	LATERAL (SELECT r.target,
			EXISTS (SELECT 1 FROM m_edge WHERE follower = v AND followee = r.target AND NOT hidden),
			EXISTS (SELECT 1 FROM m_edge WHERE follower = r.target AND followee = v AND NOT hidden),
			EXISTS (SELECT 1 FROM m_req WHERE requester = v AND account = r.target AND NOT hidden),
			EXISTS (SELECT 1 FROM m_req WHERE requester = r.target AND account = v AND NOT hidden),
			EXISTS (SELECT 1 FROM m_block WHERE blocker = v AND blocked = r.target),
			EXISTS (SELECT 1 FROM m_block WHERE blocker = r.target AND blocked = v),
			pg_temp.m_muting(v, r.target)) AS m(target, following, followed_by, requested, requested_by,
												 blocking, blocked_by, muting)
	WHERE row(r.*)::text IS DISTINCT FROM row(m.*)::text;
	INSERT INTO mismatch
	SELECT step, format('relationship(%s, %s)', v, t), relationship(v, t), m.want
	FROM unnest(ids) AS v, unnest(ids) AS t,
	LATERAL (SELECT CASE
		WHEN v = t THEN 'self'
		WHEN EXISTS (SELECT 1 FROM m_block WHERE blocker = v AND blocked = t) THEN 'blocking'
		WHEN EXISTS (SELECT 1 FROM m_block WHERE blocker = t AND blocked = v) THEN 'blocked_by'
		WHEN f.following AND f.followed_by THEN 'mutual'
		WHEN f.following THEN 'following'
		WHEN EXISTS (SELECT 1 FROM m_req WHERE requester = v AND account = t AND NOT hidden) THEN 'requested'
		WHEN f.followed_by THEN 'followed_by'
		ELSE 'none' END AS want
		FROM (SELECT EXISTS (SELECT 1 FROM m_edge WHERE follower = v AND followee = t AND NOT hidden) AS following,
					 EXISTS (SELECT 1 FROM m_edge WHERE follower = t AND followee = v AND NOT hidden) AS followed_by) AS f) AS m
	WHERE relationship(v, t) IS DISTINCT FROM m.want
	   OR is_following(v, t) IS DISTINCT FROM EXISTS (SELECT 1 FROM m_edge WHERE follower = v AND followee = t AND NOT hidden)
	   OR is_blocking(v, t) IS DISTINCT FROM EXISTS (SELECT 1 FROM m_block WHERE blocker = v AND blocked = t)
	   OR (v <> t AND is_muting(v, t) IS DISTINCT FROM pg_temp.m_muting(v, t));

	-- storage: hidden rows exactly the model's hidden ones; verify() empty
	INSERT INTO mismatch
	SELECT step, 'hidden rows', array_to_string(ARRAY(SELECT row(follower, followee, pending)::text FROM follow_graph.hidden_edge ORDER BY 1), ' '),
		   array_to_string(ARRAY(SELECT row(follower, followee, p)::text FROM (
				SELECT follower, followee, false AS p FROM m_edge WHERE hidden
				UNION ALL SELECT requester, account, true FROM m_req WHERE hidden) AS h ORDER BY 1), ' ')
	WHERE ARRAY(SELECT row(follower, followee, pending)::text FROM follow_graph.hidden_edge ORDER BY 1)
		IS DISTINCT FROM ARRAY(SELECT row(follower, followee, p)::text FROM (
				SELECT follower, followee, false AS p FROM m_edge WHERE hidden
				UNION ALL SELECT requester, account, true FROM m_req WHERE hidden) AS h ORDER BY 1);
	INSERT INTO mismatch SELECT step, 'verify: ' || problem, account::text, NULL FROM follow_graph.verify();
END $$;

-- Random calls: weights favour follows so that the graph stays dense.
CREATE FUNCTION pg_temp.run(steps int, nacc int, check_every int) RETURNS TABLE (calls bigint, errors bigint)
LANGUAGE plpgsql AS $$
DECLARE
	ops text[] := ARRAY['follow', 'follow', 'follow', 'follow', 'unfollow', 'remove_follower', 'block', 'unblock',
						'accept_request', 'accept_request', 'reject_request', 'set_private', 'set_private',
						'deactivate_account', 'reactivate_account', 'reactivate_account', 'mute', 'unmute',
						'remove_account'];
	op text;
	a bigint;
	b bigint;
	flag boolean;
	t timestamptz;
	got text;
	want text;
	nerr bigint := 0;
BEGIN
	FOR i IN 1..steps LOOP
		op := ops[1 + floor(random() * array_length(ops, 1))::int];
		IF op = 'remove_account' AND random() < 0.8 THEN op := 'follow'; END IF;
		a := 1 + floor(random() * nacc)::bigint;
		b := 1 + floor(random() * nacc)::bigint;
		flag := random() < 0.5;
		t := CASE floor(random() * 3)::int WHEN 0 THEN NULL
			 WHEN 1 THEN now() - interval '1 day' ELSE now() + interval '1 day' END;
		want := pg_temp.m_apply(op, a, b, flag, t);
		got := pg_temp.x_apply(op, a, b, flag, t);
		IF want IN ('22023', '55000', '42501') THEN
			nerr := nerr + 1;
		END IF;
		INSERT INTO outcome VALUES (op, CASE WHEN want ~ '^[0-9]+$' AND length(want) < 5 THEN
			CASE WHEN want = '0' THEN '0' ELSE 'n>0' END ELSE want END) ON CONFLICT DO NOTHING;
		IF got IS DISTINCT FROM want THEN
			INSERT INTO mismatch VALUES (i, format('%s(%s, %s, %s, %s)', op, a, b, flag, t), got, want);
		END IF;
		IF i % check_every = 0 THEN
			PERFORM pg_temp.check_all(i, nacc);
		END IF;
	END LOOP;
	PERFORM pg_temp.check_all(steps, nacc);
	RETURN QUERY SELECT steps::bigint, nerr;
END $$;

-- Three runs: a dense little graph, a sparser one, and a long sequence on
-- a handful of accounts (every state collides).
SELECT setseed(0.12);
SELECT calls, errors > 0 AS some_calls_failed FROM pg_temp.run(500, 8, 250);
SELECT setseed(0.34);
SELECT calls, errors > 0 AS some_calls_failed FROM pg_temp.run(400, 14, 400);
SELECT setseed(0.56);
SELECT calls, errors > 0 AS some_calls_failed FROM pg_temp.run(600, 4, 300);
SELECT count(*) AS mismatches FROM mismatch;
SELECT * FROM mismatch ORDER BY step, what LIMIT 20;
-- every call met each of its outcomes (answers and errors) at least once
SELECT op, string_agg(want, ', ' ORDER BY want) AS outcomes FROM outcome GROUP BY op ORDER BY op;

-- the check is not blind: a count, a block and a mute changed around the
-- API are each reported
BEGIN;
UPDATE follow_graph.counter SET requests = requests + 1
	WHERE (account, stripe) IN (SELECT account, stripe FROM follow_graph.counter WHERE account = 1 LIMIT 1);
INSERT INTO follow_graph.counter (account, stripe, requests) SELECT 1, 0, 1
	WHERE NOT EXISTS (SELECT 1 FROM follow_graph.counter WHERE account = 1);
INSERT INTO follow_graph.block VALUES (3, 2, 0, now()) ON CONFLICT DO NOTHING;
DELETE FROM follow_graph.block WHERE blocker = 3 AND blocked = 2 AND EXISTS (SELECT 1 FROM m_block WHERE blocker = 3 AND blocked = 2);
DELETE FROM follow_graph.mute WHERE muter = 4 AND muted = 1 AND pg_temp.m_muting(4, 1);
INSERT INTO follow_graph.mute SELECT 4, 1, 0, now(), NULL WHERE NOT pg_temp.m_muting(4, 1)
	ON CONFLICT (muter, muted) DO UPDATE SET expires_at = NULL;
SELECT pg_temp.check_all(-1, 4);
SELECT count(*) > 0 AS count_caught FROM mismatch WHERE step = -1 AND what IN ('counts of 1', 'drift of 1');
SELECT count(*) > 0 AS block_caught FROM mismatch WHERE step = -1 AND what IN ('relationships(3, 2)', 'relationship(3, 2)', 'blocks of 3');
SELECT count(*) > 0 AS mute_caught FROM mismatch WHERE step = -1 AND what IN ('relationships(4, 1)', 'relationship(4, 1)', 'mutes of 4');
ROLLBACK;
