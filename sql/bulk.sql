SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- Stored counts against a recomputation from the edges.
CREATE FUNCTION public.bulk_counts_ok() RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN pg_catalog.count(*) = 0 THEN 'ok' ELSE 'mismatch' END FROM (
	SELECT account, sum(followers) AS fr, sum(following) AS fg, sum(mutuals) AS mu
	FROM follow_graph.counter GROUP BY account) AS c
FULL JOIN (
	SELECT a AS account, sum(fr) AS fr, sum(fg) AS fg, sum(mu) AS mu FROM (
		SELECT followee AS a, 1 AS fr, 0 AS fg, 0 AS mu FROM follow_graph.edge
		UNION ALL SELECT follower, 0, 1, 0 FROM follow_graph.edge
		UNION ALL SELECT e.follower, 0, 0, 1 FROM follow_graph.edge AS e
			JOIN follow_graph.edge AS r ON r.follower = e.followee AND r.followee = e.follower) AS x
	GROUP BY a) AS r USING (account)
WHERE coalesce(c.fr, 0) <> coalesce(r.fr, 0) OR coalesce(c.fg, 0) <> coalesce(r.fg, 0)
	OR coalesce(c.mu, 0) <> coalesce(r.mu, 0)
$$;

-- import into an empty graph: duplicates and self-follows skipped and counted
CREATE TABLE public.src1 (follower bigint, followee bigint);
INSERT INTO src1 VALUES (1, 2), (2, 1), (1, 2), (3, 3), (1, 3), (4, 1), (4, 1), (4, 1);
SELECT import_edges('src1');
SELECT follower, followee FROM edges ORDER BY 1, 2;
SELECT * FROM counts(ARRAY[1, 2, 3, 4]::bigint[]) ORDER BY account;
SELECT bulk_counts_ok();

-- import into a populated graph: existing edges skipped, mutuals with existing reverse edges
SELECT follow(5, 1);
CREATE TABLE public.src2 (follower bigint, followee bigint);
INSERT INTO src2 VALUES (1, 2), (1, 5), (3, 1), (6, 7), (7, 6), (2, 2);
SELECT import_edges('src2');
SELECT * FROM counts(ARRAY[1, 2, 3, 5, 6, 7]::bigint[]) ORDER BY account;
SELECT relationship(1, 5), relationship(6, 7), relationship(1, 3);
SELECT bulk_counts_ok();

-- importing the same source again adds nothing
SELECT import_edges('src2');
SELECT bulk_counts_ok();

-- an empty source
CREATE TABLE public.src_empty (follower bigint, followee bigint);
SELECT import_edges('src_empty');

-- a NULL id is an error naming the first offending row; nothing is imported
CREATE TABLE public.src_null (follower bigint, followee bigint);
INSERT INTO src_null VALUES (10, 11), (12, 13), (14, NULL), (NULL, 15);
SELECT import_edges('src_null');
SELECT count(*) FROM edges WHERE follower >= 10;
SELECT import_edges(NULL);

-- a view as source, with followed_at; seq follows followed_at
CREATE TABLE public.raw (a text, b text, at timestamptz);
INSERT INTO raw VALUES ('20', '21', '2024-01-03'), ('21', '20', '2024-01-01'),
	('22', '20', '2024-01-02'), ('20', '21', '2023-12-31');
CREATE VIEW public.src_view AS SELECT a::bigint AS follower, b::bigint AS followee, at AS followed_at FROM raw;
SELECT import_edges('src_view');
SELECT follower, followee, followed_at FROM edges WHERE followee IN (20, 21) ORDER BY followed_at;
SELECT array_agg(follower ORDER BY seq) AS by_seq FROM edge WHERE followee IN (20, 21);
SELECT follower_count(20), mutual_count(20), mutual_count(21);
SELECT bulk_counts_ok();

-- the source is checked
CREATE TABLE public.src_nocol (follower bigint, target bigint);
SELECT import_edges('src_nocol');
CREATE TABLE public.src_type (follower bigint, followee integer);
SELECT import_edges('src_type');
CREATE TABLE public.src_at (follower bigint, followee bigint, followed_at date);
SELECT import_edges('src_at');
CREATE SEQUENCE public.src_seq;
SELECT import_edges('src_seq');
SELECT import_edges('no_such_table');

-- a large import into a small graph takes the rebuild plan; indexes come back
CREATE TABLE public.src_big AS SELECT g::bigint % 500 AS follower, (g::bigint * 7) % 499 AS followee
	FROM generate_series(1, 30000) AS g;
-- (its progress NOTICEs depend on the machine's speed: only the answer is shown)
SET client_min_messages = warning;
SELECT import_edges('src_big');
RESET client_min_messages;
SELECT count(*) FROM pg_indexes WHERE schemaname = 'follow_graph' AND tablename = 'edge';
SELECT bulk_counts_ok();
SELECT count(*) AS mutual_accounts FROM counts(ARRAY(SELECT g::bigint FROM generate_series(0, 499) AS g)) WHERE mutuals > 0;

-- remove_account on an account with followers, followees and mutuals
SELECT follower_count(1), following_count(1), mutual_count(1);
SELECT remove_account(1);
SELECT count(*) FROM edges WHERE 1 IN (follower, followee);
SELECT * FROM counts(ARRAY[1, 2, 3, 4, 5]::bigint[]) ORDER BY account;
SELECT bulk_counts_ok();
SELECT remove_account(6);
SELECT relationship(7, 6), mutual_count(7);
SELECT bulk_counts_ok();
-- unknown accounts and NULL
SELECT remove_account(1);
SELECT remove_account(-42);
SELECT remove_account(NULL);
-- the account can follow again after its removal
SELECT follow(1, 2), follower_count(2), relationship(2, 1);
SELECT bulk_counts_ok();

-- a trojan operator in the caller's search_path never runs
CREATE SCHEMA trojan;
CREATE FUNCTION trojan.eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'trojan operator ran'; END $$;
CREATE OPERATOR trojan.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = trojan.eq);
SET search_path = trojan, follow_graph, public, pg_catalog;
SELECT import_edges('public.src2');
SELECT remove_account(7);
SET search_path = follow_graph, public;
DROP SCHEMA trojan CASCADE;
SELECT bulk_counts_ok();

-- a cursor of the caller's named like the import's own does not get in the way
BEGIN;
DECLARE fg_import_settle CURSOR FOR SELECT 1;
SELECT import_edges('src1');
ROLLBACK;

-- an incremental import frees each batch of staged pairs its settling pass
-- reads, instead of keeping them all (about 130 bytes a pair) to the end;
-- a statement trigger on the edges counts the SPI result sets still held
-- when the insert that follows the settling pass ends
CREATE TABLE public.src_settle AS
	SELECT g::bigint AS follower, 900000::bigint AS followee FROM generate_series(800001, 805000) AS g;
CREATE FUNCTION public.held_result_sets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'few SPI result sets held: %',
		(SELECT count(*) FROM pg_backend_memory_contexts WHERE name = 'SPI TupTable') <= 3;
	RETURN NULL;
END $$;
CREATE TRIGGER held_result_sets AFTER INSERT ON follow_graph.edge
	FOR EACH STATEMENT EXECUTE FUNCTION public.held_result_sets();
SELECT import_edges('src_settle');
DROP TRIGGER held_result_sets ON follow_graph.edge;
DROP FUNCTION public.held_result_sets();
SELECT follower_count(900000), remove_account(900000);
SELECT bulk_counts_ok();

-- privileges: without grants a role can read but not write
CREATE ROLE fg_bulk_app;
GRANT USAGE ON SCHEMA follow_graph TO fg_bulk_app;
GRANT SELECT ON src1 TO fg_bulk_app;
SET ROLE fg_bulk_app;
SELECT follower_count(2), is_following(1, 2);
SELECT import_edges('src1');
SELECT remove_account(2);
SELECT follow(8, 9);
SELECT unfollow(1, 2);
RESET ROLE;
-- with the GRANTs from the README it can write, but reads its source with its own rights
GRANT EXECUTE ON FUNCTION follow(bigint, bigint), unfollow(bigint, bigint),
	import_edges(regclass), remove_account(bigint) TO fg_bulk_app;
SET ROLE fg_bulk_app;
SELECT import_edges('src1');
\set VERBOSITY terse
SELECT import_edges('src2');
\set VERBOSITY default
SELECT remove_account(2);
SELECT follow(8, 9);
RESET ROLE;
SELECT bulk_counts_ok();
SELECT has_function_privilege('public', 'follow_graph.import_edges(regclass)', 'EXECUTE') AS import_public,
	has_function_privilege('public', 'follow_graph.remove_account(bigint)', 'EXECUTE') AS remove_public,
	has_function_privilege('public', 'follow_graph.follower_count(bigint)', 'EXECUTE') AS read_public;

-- clean up
SELECT count(*) AS stray_objects FROM pg_class WHERE relnamespace = 'follow_graph'::regnamespace AND relname LIKE 'src%';
REVOKE ALL ON FUNCTION follow(bigint, bigint), unfollow(bigint, bigint),
	import_edges(regclass), remove_account(bigint) FROM fg_bulk_app;
REVOKE ALL ON SCHEMA follow_graph FROM fg_bulk_app;
DROP TABLE src1, src2, src_empty, src_null, raw, src_nocol, src_type, src_at, src_big, src_settle CASCADE;
DROP SEQUENCE src_seq;
DROP ROLE fg_bulk_app;
DROP FUNCTION public.bulk_counts_ok();
