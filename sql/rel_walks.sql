-- relationships(): the walks behind its columns against plain SQL over the
-- same storage.  Covers the mute walk that reads the index only and visits
-- the heap for an entry that matches a target (before VACUUM: pages not
-- all-visible, the heap is read for every entry; after: only for matches,
-- through HOT chains left by mute() updating an expiry), the walks'
-- re-descent after 64 entries that match nothing, requested_by read whole
-- or probed per target on both sides of 16 requests per target, viewers
-- with and without each kind of state, and targets arrays with NULLs,
-- duplicates, the viewer itself, and 1 to 1,500 elements.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;
-- No autovacuum ANALYZE snapshot in this database may keep the VACUUM below
-- from marking the pages all-visible.
DO $$
DECLARE t regclass;
BEGIN
	FOR t IN SELECT oid FROM pg_class WHERE relnamespace = 'follow_graph'::regnamespace AND relkind = 'r' LOOP
		EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);
	END LOOP;
END $$;

-- The plain-SQL answer: one row per distinct non-null target other than the
-- viewer, in the order of first occurrence.
CREATE FUNCTION pg_temp.ref(v bigint, targets bigint[])
RETURNS TABLE (target bigint, following boolean, followed_by boolean, requested boolean,
			   requested_by boolean, blocking boolean, blocked_by boolean, muting boolean)
LANGUAGE sql STABLE AS $$
	SELECT t.id,
		EXISTS (SELECT 1 FROM follow_graph.edge WHERE follower = v AND followee = t.id),
		EXISTS (SELECT 1 FROM follow_graph.edge WHERE follower = t.id AND followee = v),
		EXISTS (SELECT 1 FROM follow_graph.request WHERE requester = v AND account = t.id),
		EXISTS (SELECT 1 FROM follow_graph.request WHERE requester = t.id AND account = v),
		EXISTS (SELECT 1 FROM follow_graph.block WHERE blocker = v AND blocked = t.id),
		EXISTS (SELECT 1 FROM follow_graph.block WHERE blocker = t.id AND blocked = v),
		EXISTS (SELECT 1 FROM follow_graph.mute WHERE muter = v AND muted = t.id
				AND (expires_at IS NULL OR expires_at > now()))
	FROM (SELECT id, min(ord) AS first FROM unnest(targets) WITH ORDINALITY AS u(id, ord)
		  WHERE id IS NOT NULL AND id <> v GROUP BY id) AS t
	ORDER BY t.first
$$;

-- Rows of relationships() that differ from the reference, by position.
CREATE FUNCTION pg_temp.diff(v bigint, targets bigint[]) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM
		(SELECT row_number() OVER () AS i, r::text AS x FROM follow_graph.relationships(v, targets) AS r) AS a
		FULL JOIN (SELECT row_number() OVER () AS i, r::text AS x FROM pg_temp.ref(v, targets) AS r) AS b USING (i)
	WHERE a.x IS DISTINCT FROM b.x
$$;

-- Viewer 1 has every kind of state, in long lists:
--   follows 10..1209 (1,200) and is followed by 1001..1600 odd (300);
--   blocks 3000..3099, is blocked by 3100..3149;
--   mutes 4000..4299: every 3rd expired, every 5th with a future expiry,
--   the rest forever, and 4000..4049 muted twice (the expiry updated in
--   place, a HOT update);
--   is private with 40 pending requests from 5000..5039, and has 20
--   pending requests to the private accounts 6000..6019.
-- Viewer 2 has no state at all and follows 1 only.  Viewer 7000 has only a
-- block of 1, viewer 7001 only a mute of 1, viewer 7002 only a request to 1.
SELECT count(*) FROM (SELECT follow(1, g) FROM generate_series(10, 1209) AS g) AS s;
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(1001, 1600, 2) AS g) AS s;
SELECT count(*) FROM (SELECT block(1, g) FROM generate_series(3000, 3099) AS g) AS s;
SELECT count(*) FROM (SELECT block(g, 1) FROM generate_series(3100, 3149) AS g) AS s;
SELECT count(*) FROM (SELECT mute(1, g, CASE WHEN g % 3 = 0 THEN now() - interval '1 hour'
										  WHEN g % 5 = 0 THEN now() + interval '1 day' END)
					  FROM generate_series(4000, 4299) AS g) AS s;
SELECT count(*) FROM (SELECT mute(1, g, CASE WHEN g % 2 = 0 THEN now() + interval '2 days' END)
					  FROM generate_series(4000, 4049) AS g) AS s;
SELECT follow(2, 1), set_private(1, true);
SELECT count(*) FROM (SELECT follow(g, 1) FROM generate_series(5000, 5039) AS g) AS s;
SELECT count(*) FROM (SELECT set_private(g, true) FROM generate_series(6000, 6019) AS g) AS s;
SELECT count(*) FROM (SELECT follow(1, g) FROM generate_series(6000, 6019) AS g) AS s;
SELECT block(7000, 1), mute(7001, 1), follow(7002, 1);
SELECT request_count(1), (SELECT count(*) FROM follow_graph.request WHERE requester = 1) AS requested;

CREATE TEMP TABLE page (name text, viewer bigint, targets bigint[]);
INSERT INTO page VALUES
	-- 100 targets mixing every kind, with NULLs, duplicates and the viewer
	('mixed 100', 1, ARRAY(SELECT x FROM (
		SELECT g::bigint AS x, g AS o FROM generate_series(1190, 1209) AS g
		UNION ALL SELECT g, 100 + g FROM generate_series(1001, 1030, 3) AS g
		UNION ALL SELECT g, 200 + g FROM generate_series(3090, 3109, 2) AS g
		UNION ALL SELECT g, 300 + g FROM generate_series(3140, 3149) AS g
		UNION ALL SELECT g, 400 + g FROM generate_series(4000, 4029) AS g
		UNION ALL SELECT g, 500 + g FROM generate_series(5030, 5039) AS g
		UNION ALL SELECT g, 600 + g FROM generate_series(6010, 6019) AS g
		UNION ALL VALUES (NULL::bigint, 0), (1, 1), (4003, 2), (NULL, 3), (1200, 4)) AS u ORDER BY o)),
	-- sparse targets far apart in viewer 1's long lists: the walks re-descend
	('sparse', 1, ARRAY(SELECT g::bigint FROM generate_series(15, 4300, 97) AS g)),
	-- 1,500 consecutive targets: long merges on every column
	('1500', 1, ARRAY(SELECT g::bigint FROM generate_series(2900, 4399) AS g)),
	('1500 desc', 1, ARRAY(SELECT g::bigint FROM generate_series(6100, 4601, -1) AS g)),
	('1600 with nulls', 1, ARRAY(SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE g % 1300 + 3000 END::bigint
								 FROM generate_series(1, 1600) AS g)),
	-- requested_by: 40 incoming requests; one target probes (40 > 16 x 1),
	-- three targets read the list whole (40 <= 16 x 3)
	('1 target', 1, ARRAY[5007]::bigint[]),
	('1 target, no request', 1, ARRAY[5040]::bigint[]),
	('3 targets', 1, ARRAY[5039, 4999, 5000]::bigint[]),
	('only nulls', 1, ARRAY[NULL, NULL]::bigint[]),
	('only the viewer', 1, ARRAY[1, 1]::bigint[]),
	('empty', 1, '{}'::bigint[]),
	-- viewers with no state, or one kind only
	('no states', 2, ARRAY[1, 3000, 4000, 5000, 6000, NULL, 2]::bigint[]),
	('block only', 7000, ARRAY[1, 2, 3]::bigint[]),
	('mute only', 7001, ARRAY[3, 1, 2]::bigint[]),
	('request only', 7002, ARRAY[1, 1, 7002, 2]::bigint[]),
	('targets of viewer 1', 3000, ARRAY[1]::bigint[]),
	('targets of viewer 1', 3120, ARRAY[1]::bigint[]),
	('targets of viewer 1', 4000, ARRAY[1]::bigint[]),
	('targets of viewer 1', 5001, ARRAY[1]::bigint[]),
	('targets of viewer 1', 6001, ARRAY[1]::bigint[]);

-- Before VACUUM: no page is known all-visible.
SELECT name, viewer, cardinality(targets) AS n,
	   (SELECT count(*) FROM relationships(viewer, targets)) AS rows,
	   pg_temp.diff(viewer, targets) AS wrong
FROM page ORDER BY name, viewer;

-- The same after VACUUM, which makes the pages all-visible: the walks read
-- the index only, the mute walk reads the heap of matching entries only,
-- through the HOT chains of the updated mutes.
VACUUM (FREEZE) follow_graph.edge, follow_graph.request, follow_graph.block, follow_graph.mute;
-- (again, in case an ANALYZE of a catalog held a snapshot meanwhile)
SELECT pg_sleep(0.5);
VACUUM (FREEZE) follow_graph.edge, follow_graph.request, follow_graph.block, follow_graph.mute;
SELECT relname, relallvisible > 0 AND relallvisible = relpages AS all_visible
FROM pg_class WHERE oid IN ('follow_graph.edge'::regclass, 'follow_graph.request'::regclass,
						   'follow_graph.block'::regclass, 'follow_graph.mute'::regclass)
ORDER BY relname;
SELECT name, viewer, pg_temp.diff(viewer, targets) AS wrong FROM page ORDER BY name, viewer;

-- What the columns hold for the mixed page (counts per column).
SELECT count(*) AS rows, count(*) FILTER (WHERE following) AS following,
	   count(*) FILTER (WHERE followed_by) AS followed_by, count(*) FILTER (WHERE requested) AS requested,
	   count(*) FILTER (WHERE requested_by) AS requested_by, count(*) FILTER (WHERE blocking) AS blocking,
	   count(*) FILTER (WHERE blocked_by) AS blocked_by, count(*) FILTER (WHERE muting) AS muting
FROM page AS p, relationships(p.viewer, p.targets) AS r WHERE p.name = 'mixed 100';

-- A mute that expires or is lifted on an all-visible page: its heap tuple
-- decides, not the index entry.
SELECT mute(1, 4001, now() - interval '1 minute'), unmute(1, 4002);
SELECT target, muting FROM relationships(1, ARRAY[4001, 4002, 4004, 4003]);
SELECT name, viewer, pg_temp.diff(viewer, targets) AS wrong FROM page WHERE name LIKE 'mixed%';

-- A multi-dimensional targets array is refused, with or without NULLs.
SELECT * FROM relationships(1, ARRAY[[1, 2], [3, 4]]::bigint[]);
SELECT * FROM relationships(1, ARRAY[[1, NULL], [3, 4]]::bigint[]);
