-- Review of the small-first path of the set functions (0.4.0): the shapes
-- of the edge indexes it estimates from (never built, a root that is a
-- leaf, ranges over several level-1 pages), the recent-leaf hints after
-- the extension is dropped and created again, the statistics of a hinted
-- read, own uncommitted and rolled-back writes, and page_size 1 on both
-- the merged and the probed path.  Every answer is checked against SQL.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- The wrong answers of every set function for (x, y), whole, from a few
-- cursors, and in pages of one and of three.
\i sql/include/set_answers.sql
CREATE FUNCTION pg_temp.bad(x bigint, y bigint) RETURNS bigint LANGUAGE sql AS $$
	SELECT sum(pg_temp.differs('known_followers', x, y, 100000, after)
			   + pg_temp.differs('common_followers', x, y, 100000, after)
			   + pg_temp.differs('common_following', x, y, 100000, after)
			   + (SELECT count(*) FROM unnest('{1,3}'::int[]) AS sz
				  WHERE pg_temp.paged('known_followers', x, y, sz, after, true)
						IS DISTINCT FROM pg_temp.want('known_followers', x, y, after)))::bigint
	FROM unnest(ARRAY[NULL, -1, 500, 150000, 9223372036854775806]::bigint[]) AS after
$$;

-- edge indexes never inserted into (no root): every answer empty
SELECT count(*) FROM known_followers(1, 2, 10);
SELECT count(*) FROM common_followers(1, 2, 10);
SELECT count(*) FROM common_following(1, 2, 10, 5);
SELECT count(*) FROM mutuals(1, 10);
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT count(*) FROM known_followers(1, 2, 10);
COMMIT;
SELECT pg_temp.bad(1, 2);

-- a root that is a leaf: a few edges
SELECT follow(10, g) FROM generate_series(100, 104) AS g;
SELECT follow(g, 7) FROM generate_series(101, 103) AS g;
SELECT follow(g, 8) FROM generate_series(98, 100) AS g;
SELECT array_agg(v) FROM known_followers(10, 7, 10) AS v;
SELECT array_agg(v) FROM known_followers(10, 8, 10) AS v;
SELECT array_agg(v) FROM known_followers(10, 9, 10) AS v;
SELECT pg_temp.bad(10, 7) + pg_temp.bad(10, 8) + pg_temp.bad(10, 9) +
	pg_temp.bad(101, 7) + pg_temp.bad(7, 10);

-- several level-1 pages: account 1 has 400,000 followers (over a thousand
-- leaves), account 2 sits right after it, account 3 has 300 (merged);
-- viewer 10 follows every 500th follower of 1 and some of 2 and 3
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT g, 1 FROM generate_series(1000, 400999) AS g;
INSERT INTO staging SELECT g, 2 FROM generate_series(1000, 1999) AS g;
INSERT INTO staging SELECT g * 3, 3 FROM generate_series(1000, 1299) AS g;
INSERT INTO staging SELECT 11, g FROM generate_series(1000, 400999, 500) AS g;
INSERT INTO staging SELECT 11, g FROM generate_series(3000, 3900, 7) AS g;
\i sql/include/import_staging.sql
SELECT following_count(11), follower_count(1), follower_count(2), follower_count(3);
SET client_min_messages = debug1;
SELECT count(*) FROM known_followers(11, 1, 100000);
SELECT count(*) FROM known_followers(11, 3, 100000);
RESET client_min_messages;
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 2) + pg_temp.bad(11, 3) + pg_temp.bad(10, 7);

-- own writes in the transaction, then rolled back
BEGIN;
SELECT follow(11, 3003), unfollow(11, 1500), follow(3009, 3);
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);
ROLLBACK;
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);

-- a hinted read counts a block fetched and a hit, as ReadBuffer() would:
-- the index's reads do not grow (everything is cached), its hits do
SELECT count(*) FROM known_followers(11, 3, 100000);
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE before AS
	SELECT idx_blks_read AS r, idx_blks_hit AS h FROM pg_statio_all_indexes
	WHERE indexrelid = 'follow_graph.edge_followee_follower'::regclass;
SELECT count(*) FROM generate_series(1, 20) AS g,
	LATERAL known_followers(11, 3 + 0 * g, 100000);
SELECT pg_stat_force_next_flush();
SELECT s.idx_blks_read - b.r AS more_reads, s.idx_blks_hit - b.h >= 20 AS hits
FROM pg_statio_all_indexes AS s, before AS b
WHERE s.indexrelid = 'follow_graph.edge_followee_follower'::regclass;
DROP TABLE before;

-- the extension dropped and created again: the hints name the old files;
-- new ones with other contents answer right
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT g + 1, 1 FROM generate_series(1000, 400999, 2) AS g;
INSERT INTO staging SELECT g * 5, 3 FROM generate_series(1000, 1299) AS g;
INSERT INTO staging SELECT 11, g FROM generate_series(1001, 400999, 250) AS g;
INSERT INTO staging SELECT 11, g FROM generate_series(5000, 6500, 5) AS g;
\i sql/include/import_staging.sql
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);

-- ... and in pg_stat_io (16 and later): the client backends' relation hits
-- there are at least the hits of every table and index, hinted ones too
-- (on 15, no pg_stat_io: true)
CREATE FUNCTION pg_temp.io_hits() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	r bigint;
BEGIN
	IF current_setting('server_version_num')::int < 160000 THEN
		RETURN 0;
	END IF;
	EXECUTE 'SELECT coalesce(sum(hits), 0) FROM pg_stat_io
			 WHERE backend_type = ''client backend'' AND object = ''relation''
			 AND context = ''normal''' INTO r;
	RETURN r;
END $$;
CREATE FUNCTION pg_temp.statio_hits() RETURNS bigint LANGUAGE sql AS $$
	SELECT CASE WHEN current_setting('server_version_num')::int < 160000 THEN 0
		ELSE sum(coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) +
				 coalesce(toast_blks_hit, 0) + coalesce(tidx_blks_hit, 0))::bigint END
	FROM pg_statio_all_tables
$$;
SELECT count(*) FROM known_followers(11, 3, 100000);
SELECT pg_stat_force_next_flush();
SELECT pg_temp.io_hits() AS io0, pg_temp.statio_hits() AS st0 \gset
SELECT count(*) FROM generate_series(1, 50) AS g,
	LATERAL known_followers(11, 3 + 0 * g, 100000);
SELECT pg_stat_force_next_flush();
SELECT pg_temp.io_hits() - :io0 >= pg_temp.statio_hits() - :st0 AS io_hits_counted;

-- an unlogged edge table (shared buffers too: hints work the same)
ALTER TABLE follow_graph.edge SET UNLOGGED;
SELECT relpersistence FROM pg_class
WHERE oid = 'follow_graph.edge_followee_follower'::regclass;
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);
ALTER TABLE follow_graph.edge SET LOGGED;
SELECT pg_temp.bad(11, 1) + pg_temp.bad(11, 3);
-- and never a temporary one (local buffers, which ReadLeaf asserts away):
-- no temporary relation can live in the extension's schema
CREATE TEMP TABLE follow_graph.edge_tmp (follower bigint, followee bigint);
