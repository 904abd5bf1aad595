-- import_edges() reads its source with the caller's rights and writes as the
-- owner of the storage.  Nothing the caller owns or could have changed may be
-- run, read or written with the owner's rights: a source whose function tries
-- to plant code on the staging objects (a view swapped in, a rule, a
-- trigger), or staging names planted in pg_temp before the call, must fail
-- cleanly or have no effect, and no planted code may ever run as the owner.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;

CREATE ROLE fg_priv_evil;
GRANT USAGE ON SCHEMA follow_graph TO fg_priv_evil;
GRANT EXECUTE ON FUNCTION follow_graph.import_edges(regclass) TO fg_priv_evil;
GRANT CREATE ON SCHEMA public TO fg_priv_evil;
-- every planted function records who ran it
CREATE TABLE public.priv_log (seq serial, what text, cur name, sess name);
GRANT INSERT, SELECT ON public.priv_log TO fg_priv_evil;
GRANT USAGE ON SEQUENCE public.priv_log_seq_seq TO fg_priv_evil;

SET ROLE fg_priv_evil;
-- (a NOTICE too, which survives when the import fails)
CREATE FUNCTION public.priv_record(what text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE NOTICE '% (as %)', what,
		CASE WHEN current_user = 'fg_priv_evil' THEN 'the caller' ELSE 'ANOTHER ROLE' END;
	INSERT INTO public.priv_log (what, cur, sess) VALUES (what, current_user, session_user);
	RETURN true;
END $$;
CREATE FUNCTION public.priv_record_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.priv_record('trigger ' || TG_OP);
	RETURN NULL;
END $$;
-- run one statement, recording whether it worked
CREATE FUNCTION public.priv_try(what text, cmd text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE cmd;
	PERFORM public.priv_record(what || ': done');
EXCEPTION WHEN OTHERS THEN
	PERFORM public.priv_record(what || ': failed (' || SQLSTATE || ')');
END $$;
-- called by the source view while import_edges reads it
CREATE FUNCTION public.priv_plant() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM public.priv_try('rename stage', 'ALTER TABLE pg_temp.fg_import_stage RENAME TO fg_stage_real');
	PERFORM public.priv_try('view as stage',
		'CREATE VIEW pg_temp.fg_import_stage AS SELECT r.* FROM pg_temp.fg_stage_real AS r'
		' WHERE public.priv_record(''stage view read'')');
	PERFORM public.priv_try('rule on stage',
		'CREATE RULE priv_rule AS ON INSERT TO pg_temp.fg_import_stage'
		' DO ALSO SELECT public.priv_record(''rule'')');
	PERFORM public.priv_try('trigger on stage',
		'CREATE TRIGGER priv_trigger AFTER INSERT OR UPDATE OR DELETE ON pg_temp.fg_import_stage'
		' FOR EACH STATEMENT EXECUTE FUNCTION public.priv_record_trigger()');
	PERFORM public.priv_try('alter stage',
		'ALTER TABLE pg_temp.fg_import_stage ADD COLUMN priv int DEFAULT 1');
	RETURN true;
END $$;
CREATE FUNCTION public.priv_plant_new() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM public.priv_try('plant new-edges view',
		'CREATE VIEW pg_temp.fg_import_new AS SELECT 1::bigint AS follower, 2::bigint AS followee, 3::bigint AS seq'
		' WHERE public.priv_record(''new-edges view read'')');
	RETURN true;
END $$;
CREATE TABLE public.priv_data (follower bigint, followee bigint);
INSERT INTO public.priv_data VALUES (901, 902);
CREATE VIEW public.priv_src AS SELECT follower, followee FROM public.priv_data WHERE public.priv_plant();
CREATE VIEW public.priv_src_new AS SELECT follower + 10 AS follower, followee + 10 AS followee
	FROM public.priv_data WHERE public.priv_plant_new();

-- (a), (b): plant while the source is read
SELECT follow_graph.import_edges('public.priv_src');
SELECT follow_graph.is_following(901, 902);
-- a view planted as the owner's table of new edges
SELECT follow_graph.import_edges('public.priv_src_new');
SELECT follow_graph.is_following(911, 912);
DROP VIEW IF EXISTS pg_temp.fg_import_new;

-- (c): staging names planted in pg_temp before the call, reading the rows
-- through a function of the caller; a second source adds a mutual pair
CREATE TEMP TABLE priv_rows (follower bigint, followee bigint, followed_at timestamptz,
	n bigint, rn bigint, seq bigint);
INSERT INTO priv_rows VALUES (903, 904, now(), 1, 1, 1);
CREATE TEMP VIEW fg_import_stage AS SELECT follower, followee, followed_at, n, rn FROM pg_temp.priv_rows
	WHERE public.priv_record('planted stage read');
CREATE TEMP VIEW fg_import_new AS SELECT follower, followee, seq FROM pg_temp.priv_rows
	WHERE public.priv_record('planted new-edges read');
CREATE TEMP TABLE fg_import_stage_t (follower bigint, followee bigint);
CREATE TRIGGER priv_trigger AFTER INSERT OR UPDATE OR DELETE ON fg_import_stage_t
	FOR EACH STATEMENT EXECUTE FUNCTION public.priv_record_trigger();
CREATE TABLE public.priv_data2 (follower bigint, followee bigint);
INSERT INTO public.priv_data2 VALUES (902, 901), (905, 906);
SELECT follow_graph.import_edges('public.priv_data2');
RESET ROLE;

-- what ran, and as whom: never as the owner of the storage
SELECT what, cur = 'fg_priv_evil' AS as_caller FROM public.priv_log ORDER BY seq;
SELECT count(*) AS ran_as_someone_else FROM public.priv_log WHERE cur <> 'fg_priv_evil';
SELECT follower, followee FROM follow_graph.edges ORDER BY 1, 2;
SELECT count(*) AS problems FROM follow_graph.verify();

-- clean up
DROP VIEW pg_temp.fg_import_stage, pg_temp.fg_import_new;
DROP TABLE pg_temp.priv_rows, pg_temp.fg_import_stage_t;
DROP VIEW public.priv_src, public.priv_src_new;
DROP TABLE public.priv_data, public.priv_data2, public.priv_log;
DROP FUNCTION public.priv_plant(), public.priv_plant_new(), public.priv_try(text, text), public.priv_record_trigger(),
	public.priv_record(text);
REVOKE ALL ON SCHEMA public FROM fg_priv_evil;
REVOKE ALL ON FUNCTION follow_graph.import_edges(regclass) FROM fg_priv_evil;
REVOKE ALL ON SCHEMA follow_graph FROM fg_priv_evil;
DROP ROLE fg_priv_evil;
