-- test/upgrade/load.sql: data loaded through the API of an older release,
-- before ALTER EXTENSION follow_graph UPDATE.  Uses only what every release
-- since 0.1.0 offers.  Deterministic: no random(), no now() in the results.
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;

-- Follows among accounts 1..80 on a fixed pattern, with many mutuals.
SELECT count(*) FILTER (WHERE follow(a, b)) AS new_edges
FROM generate_series(1, 80) AS a, generate_series(1, 80) AS b
WHERE a <> b AND (a * 7 + b * 13) % 5 IN (0, 2);
-- Explicit mutual pairs and a repeated follow (no new edge).
SELECT follow(1000, 1001), follow(1001, 1000), follow(1000, 1002), follow(1002, 1000),
	follow(1000, 1001) AS again;
-- Unfollows: some edges, some mutual halves, one that does not exist.
SELECT count(*) FILTER (WHERE unfollow(a, b)) AS removed
FROM generate_series(1, 80) AS a, generate_series(1, 80) AS b
WHERE a <> b AND (a * 7 + b * 13) % 5 = 0 AND (a + b) % 3 = 0;
SELECT unfollow(1002, 1000), unfollow(1003, 1000) AS absent;

-- A bulk import over existing and new accounts, with duplicates and a self-follow.
CREATE TABLE public.upgrade_stage (follower bigint, followee bigint, followed_at timestamptz);
INSERT INTO public.upgrade_stage
SELECT a, b, timestamptz '2024-01-01 00:00+00' + a * interval '1 minute'
FROM generate_series(70, 120) AS a, generate_series(70, 120) AS b
WHERE (a * 3 + b) % 7 = 0;
INSERT INTO public.upgrade_stage VALUES (5, 5, NULL), (70, 77, NULL), (2000, 2001, NULL);
SELECT import_edges('public.upgrade_stage') AS imported;
DROP TABLE public.upgrade_stage;

-- idset and handle values stored in user tables, with indexes on them.
CREATE TABLE public.upgrade_profile (
	id		bigint PRIMARY KEY,
	name	follow_graph.handle NOT NULL,
	friends	follow_graph.idset,
	seen	follow_graph.idset[]
);
INSERT INTO public.upgrade_profile
SELECT a, format('user_%s', a)::follow_graph.handle, mutuals_set(a),
	ARRAY[followers_set(a), following_set(a)]
FROM generate_series(1, 120) AS a;
INSERT INTO public.upgrade_profile VALUES
	(10001, 'Straße', idset('{}'), NULL),
	(10002, '@ΟΔΟΣ', idset(ARRAY[-5, 0, 9223372036854775807]), NULL),
	(10003, 'Ǆemal_9', idset(ARRAY(SELECT generate_series(1, 5000)::bigint)), NULL),
	(10004, 'fred', '{1,3,5,7,1000000000000}', NULL);
CREATE UNIQUE INDEX upgrade_profile_key ON public.upgrade_profile (follow_graph.handle_key(name));
CREATE INDEX upgrade_profile_prefix ON public.upgrade_profile (follow_graph.handle_key(name) text_pattern_ops);
CREATE INDEX upgrade_profile_name ON public.upgrade_profile (name);
CREATE INDEX upgrade_profile_friends ON public.upgrade_profile USING gin (friends);
ANALYZE public.upgrade_profile;
