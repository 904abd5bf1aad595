-- Relationship states, read side: mute writers, is_muting/mutes,
-- is_blocking/blocks, follow_requests/request_count, the state columns of
-- relationships(), relationship() precedence, counts().requests.
-- Blocks and requests are planted straight into storage here (their writers
-- are tested in their own files), always in a consistent state: no edge
-- beside a block or a request, requests counted in counter.requests.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

CREATE FUNCTION pg_temp.plant_block(a bigint, b bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO follow_graph.block VALUES (a, b, nextval('follow_graph.state_seq'), now())
$$;
CREATE FUNCTION pg_temp.plant_request(a bigint, b bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO follow_graph.request VALUES (a, b, nextval('follow_graph.state_seq'), now());
	INSERT INTO follow_graph.account_state VALUES (b, true, true) ON CONFLICT (account) DO UPDATE SET private = true;
	INSERT INTO follow_graph.counter (account, stripe, requests) VALUES (b, 0, 1)
		ON CONFLICT (account, stripe) DO UPDATE SET requests = counter.requests + 1;
$$;

--------------------------------------------------------------------------
-- mutes
--------------------------------------------------------------------------
-- new: true; again while in force: false, only the expiry changes
SELECT mute(1, 2);
SELECT is_muting(1, 2), is_muting(2, 1);
CREATE TEMP TABLE m1 AS SELECT * FROM mutes(1);
SELECT mute(1, 2, now() + interval '1 day');
SELECT m.muted, m.muted_at = m1.muted_at AS same_time, m.cursor = m1.cursor AS same_cursor,
	   m.expires_at > now() AS expires_later
FROM mutes(1) AS m, m1;
-- back to forever
SELECT mute(1, 2, NULL);
SELECT muted, expires_at IS NULL AS forever FROM mutes(1);
-- a mute changes no edge and no count
SELECT follow(1, 2), follow(2, 1);
SELECT * FROM counts(ARRAY[1, 2]);
SELECT is_following(1, 2), relationship(1, 2);

-- an expires_at in the past is accepted: the mute is already over
SELECT mute(1, 3, now() - interval '1 second');
SELECT is_muting(1, 3), (SELECT count(*) FROM mutes(1) WHERE muted = 3) AS listed;
-- muting again after the expiry is a new mute: true, new muted_at and cursor
SELECT seq AS old_seq, muted_at AS old_at FROM follow_graph.mute WHERE muter = 1 AND muted = 3 \gset
SELECT mute(1, 3);
SELECT muted, cursor > :old_seq AS new_cursor, muted_at > :'old_at' AS new_time, expires_at
FROM mutes(1) WHERE muted = 3;
SELECT muted FROM mutes(1);		-- newest first: 3 then 2
-- unmute: true for a mute in force, false when none, false for an expired one
SELECT unmute(1, 3), unmute(1, 3);
SELECT mute(1, 4, now() - interval '1 minute'), unmute(1, 4), unmute(1, 99);
SELECT count(*) AS rows_left FROM follow_graph.mute WHERE muter = 1 AND muted IN (3, 4);
-- a mute expiring inside one transaction: now() is the transaction's start
BEGIN;
SELECT mute(1, 5, now() + interval '1 microsecond');
SELECT is_muting(1, 5);
COMMIT;
SELECT pg_sleep(0.01);
SELECT is_muting(1, 5), (SELECT count(*) FROM mutes(1) WHERE muted = 5) AS listed;
-- mute and unmute work on a deactivated account
INSERT INTO follow_graph.account_state VALUES (6, false, false);
SELECT mute(6, 1), mute(1, 6);
SELECT is_muting(6, 1), is_muting(1, 6);
SELECT unmute(6, 1);
SELECT is_muting(6, 1);
-- the muted account is told nothing: its lists and relationships show no mute
SELECT count(*) FROM mutes(2);
SELECT muting FROM relationships(2, ARRAY[1]);

-- paging: every mute in force exactly once, newest first
SELECT count(*) FROM (SELECT mute(10, g, CASE WHEN g % 3 = 0 THEN now() - interval '1 s' END)
					  FROM generate_series(11, 30) AS g) AS s;
CREATE TEMP TABLE walk (page int, muted bigint, cursor bigint);
DO $$
DECLARE
	cur bigint := NULL;
	p int := 0;
	n int;
BEGIN
	LOOP
		p := p + 1;
		INSERT INTO walk SELECT p, m.muted, m.cursor FROM follow_graph.mutes(10, 4, cur) AS m;
		GET DIAGNOSTICS n = ROW_COUNT;
		EXIT WHEN n = 0;
		SELECT min(cursor) INTO cur FROM walk WHERE page = p;
	END LOOP;
END $$;
SELECT page, array_agg(muted ORDER BY cursor DESC) FROM walk GROUP BY page ORDER BY page;
SELECT count(*), count(DISTINCT muted) FROM walk;

-- errors: NULL ids, self, page_size; a failed call changes nothing
SELECT mute(NULL, 1);
SELECT mute(1, NULL, now());
SELECT unmute(NULL, 1);
SELECT mute(7, 7);
SELECT unmute(7, 7);
SELECT mutes(1, 0);
SELECT mutes(1, 100000001);
SELECT count(*) FROM follow_graph.mute WHERE muter = 7;
-- reads: STRICT or NULL-safe
SELECT is_muting(NULL, 1), is_muting(1, NULL);
SELECT count(*) FROM mutes(NULL);
SELECT count(*) FROM mutes(1, NULL);
SELECT count(*) FROM mutes(1, 50, NULL);

--------------------------------------------------------------------------
-- blocks
--------------------------------------------------------------------------
SELECT pg_temp.plant_block(20, 21), pg_temp.plant_block(20, 22), pg_temp.plant_block(23, 20);
SELECT is_blocking(20, 21), is_blocking(21, 20), is_blocking(23, 20), is_blocking(20, 23);
SELECT blocked, blocked_at = now() OR blocked_at < now() AS past FROM blocks(20);
SELECT blocked FROM blocks(20, 1);
SELECT blocked FROM blocks(20, 5, (SELECT cursor FROM blocks(20, 1)));
SELECT count(*) FROM blocks(21);
SELECT is_blocking(NULL, 1), count(*) FROM blocks(NULL);
SELECT blocks(20, -1);

--------------------------------------------------------------------------
-- follow requests
--------------------------------------------------------------------------
SELECT pg_temp.plant_request(31, 30), pg_temp.plant_request(32, 30), pg_temp.plant_request(33, 30),
	   pg_temp.plant_request(30, 34);
SELECT requester FROM follow_requests(30);
SELECT requester FROM follow_requests(30, 2);
SELECT requester FROM follow_requests(30, 2, (SELECT min(cursor) FROM follow_requests(30, 2)));
SELECT request_count(30), request_count(34), request_count(31), request_count(999);
SELECT * FROM counts(ARRAY[30, 31, 34]);
-- a request is not an edge
SELECT follower_count(30), following_count(31), is_following(31, 30);
SELECT request_count(NULL), count(*) FROM follow_requests(NULL);
SELECT count(*) FROM follow_requests(30, NULL);
SELECT follow_requests(30, 0);

--------------------------------------------------------------------------
-- relationships(): the five state columns after the three follow columns
--------------------------------------------------------------------------
-- viewer 40: follows 41 (mutual), 42; followed by 43; requested 44;
-- requested by 45; blocks 46; blocked by 47; mutes 48 (and 42); expired
-- mute of 49; 50 has nothing.
SELECT follow(40, 41), follow(41, 40), follow(40, 42), follow(43, 40);
SELECT pg_temp.plant_request(40, 44), pg_temp.plant_request(45, 40);
SELECT pg_temp.plant_block(40, 46), pg_temp.plant_block(47, 40);
SELECT mute(40, 48), mute(40, 42), mute(40, 49, now() - interval '1 s');
SELECT * FROM relationships(40, ARRAY[50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, NULL, 41]);
-- the target's view is not the viewer's: muting is one way
SELECT * FROM relationships(48, ARRAY[40]);
SELECT * FROM relationships(46, ARRAY[40]);
SELECT * FROM relationships(44, ARRAY[40]);

-- relationship(): self > blocking > blocked_by > mutual > following >
-- requested > followed_by > none
SELECT t, relationship(40, t) FROM unnest(ARRAY[40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]::bigint[]) AS t;
-- a block wins over a mutual and over a reverse block
SELECT follow(51, 52), follow(52, 51);
SELECT relationship(51, 52);
DELETE FROM follow_graph.edge WHERE follower IN (51, 52) AND followee IN (51, 52);
SELECT pg_temp.plant_block(51, 52), pg_temp.plant_block(52, 51);
SELECT relationship(51, 52), relationship(52, 51);
-- a pending request of the viewer wins over being followed by the target
SELECT follow(60, 61), pg_temp.plant_request(61, 60);
SELECT relationship(60, 61), relationship(61, 60);
SELECT follow(63, 62), pg_temp.plant_request(62, 63);
SELECT relationship(62, 63), relationship(63, 62);

-- long lists on every side: the walks (galloping over long ranges, the
-- requested_by probe past 16 incoming requests per target: the page of 5)
-- agree with plain SQL for every viewer and several target pages
SELECT count(*) FROM (SELECT pg_temp.plant_block(100, g) FROM generate_series(1000, 1400, 2) AS g) AS s;
SELECT count(*) FROM (SELECT pg_temp.plant_block(g, 100) FROM generate_series(1001, 1401, 4) AS g) AS s;
SELECT count(*) FROM (SELECT pg_temp.plant_request(100, g) FROM generate_series(1003, 1403, 8) AS g) AS s;
SELECT count(*) FROM (SELECT pg_temp.plant_request(g, 100) FROM generate_series(2000, 2400) AS g) AS s;
SELECT count(*) FROM (SELECT mute(100, g, CASE WHEN g % 10 = 5 THEN now() - interval '1 s' END)
					  FROM generate_series(1000, 1400, 5) AS g) AS s;
-- follows where no block stands either way and the followee is public
SELECT count(*) FROM (SELECT follow(100, g) FROM generate_series(1007, 1400, 8) AS g) AS s;
CREATE TEMP TABLE page (viewer bigint, targets bigint[]);
INSERT INTO page VALUES
	(100, ARRAY(SELECT generate_series(995, 1410)::bigint)),
	(100, ARRAY(SELECT generate_series(1000, 1400, 50)::bigint)),
	(100, ARRAY[2005, 1402, 1003, 1004, 2399]::bigint[]),
	(100, ARRAY(SELECT generate_series(1990, 2410)::bigint)),
	(1004, ARRAY[100]::bigint[]), (2005, ARRAY[100, 1]::bigint[]), (1001, ARRAY[100]::bigint[]),
	(40, ARRAY(SELECT generate_series(38, 52)::bigint));
SELECT p.viewer, cardinality(p.targets) AS targets,
	   bool_and(row(r.following, r.followed_by, r.requested, r.requested_by, r.blocking, r.blocked_by, r.muting)
		   IS NOT DISTINCT FROM row(
			   EXISTS (SELECT 1 FROM follow_graph.edge WHERE follower = p.viewer AND followee = r.target),
			   EXISTS (SELECT 1 FROM follow_graph.edge WHERE follower = r.target AND followee = p.viewer),
			   EXISTS (SELECT 1 FROM follow_graph.request WHERE requester = p.viewer AND account = r.target),
			   EXISTS (SELECT 1 FROM follow_graph.request WHERE requester = r.target AND account = p.viewer),
			   EXISTS (SELECT 1 FROM follow_graph.block WHERE blocker = p.viewer AND blocked = r.target),
			   EXISTS (SELECT 1 FROM follow_graph.block WHERE blocker = r.target AND blocked = p.viewer),
			   EXISTS (SELECT 1 FROM follow_graph.mute WHERE muter = p.viewer AND muted = r.target
					   AND (expires_at IS NULL OR expires_at > now())))) AS agree,
	   count(*) FILTER (WHERE r.blocking) AS blocking, count(*) FILTER (WHERE r.blocked_by) AS blocked_by,
	   count(*) FILTER (WHERE r.requested) AS requested, count(*) FILTER (WHERE r.requested_by) AS requested_by,
	   count(*) FILTER (WHERE r.muting) AS muting, count(*) FILTER (WHERE r.following) AS following
FROM page AS p, relationships(p.viewer, p.targets) AS r
GROUP BY p.viewer, p.targets ORDER BY p.viewer, cardinality(p.targets), p.targets;

-- the mute writers are not executable by PUBLIC; the reads are
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute,
	   p.prosecdef AS security_definer, p.proconfig
FROM pg_proc AS p
WHERE p.pronamespace = 'follow_graph'::regnamespace
  AND p.proname IN ('mute', 'unmute', 'is_muting', 'mutes', 'is_blocking', 'blocks', 'follow_requests',
					'request_count', 'relationships', 'counts')
ORDER BY 1::text;
