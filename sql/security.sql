-- Security: trojan operators and functions never run, storage cannot be
-- written around the API, and the install refuses a hostile schema.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

CREATE ROLE regress_fg_attacker;
CREATE ROLE regress_fg_nobody;
CREATE ROLE regress_fg_writer;
CREATE SCHEMA trojan AUTHORIZATION regress_fg_attacker;

------------------------------------------------------------------------
-- 1. Trojans.  An unprivileged role plants, in a schema that a careless
--    caller puts before pg_catalog, an operator or function under every
--    name the extension's SQL could resolve through search_path.  Each one
--    records its call in trojan.calls and then does the real work.
------------------------------------------------------------------------
SET ROLE regress_fg_attacker;
CREATE TABLE trojan.calls (what text);
GRANT INSERT, SELECT, DELETE ON trojan.calls TO PUBLIC;

-- plant operator op(ltype, rtype) that logs and then applies pg_catalog's
CREATE FUNCTION trojan.plant_operator(op text, ltype text, rtype text, rettype text)
RETURNS void LANGUAGE plpgsql AS $plant$
DECLARE
	fn text := pg_catalog.format('trojan.op_%s', pg_catalog.md5(op || ltype || rtype));
BEGIN
	EXECUTE pg_catalog.format(
		'CREATE FUNCTION %s(%s, %s) RETURNS %s LANGUAGE plpgsql AS $f$'
		' BEGIN INSERT INTO trojan.calls VALUES (%L);'
		' RETURN $1 OPERATOR(pg_catalog.%s) $2; END $f$',
		fn, ltype, rtype, rettype, ltype || ' ' || op || ' ' || rtype, op);
	EXECUTE pg_catalog.format(
		'CREATE OPERATOR trojan.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = %s)',
		op, ltype, rtype, fn);
END
$plant$;
SELECT count(p) AS operators_planted
FROM unnest(ARRAY['=', '<>', '<', '<=', '>', '>=', '+', '-']) AS o,
	 unnest(ARRAY['bigint', 'integer', 'numeric', 'text']) AS t,
	 LATERAL (SELECT trojan.plant_operator(o, t, t,
			CASE WHEN o IN ('+', '-') THEN t ELSE 'boolean' END)) AS p;
SELECT count(p) AS operators_planted
FROM unnest(ARRAY['=', '<>', '<', '>']) AS o,
	 LATERAL (SELECT trojan.plant_operator(o, 'bigint', 'integer', 'boolean')) AS p;
SELECT count(p) AS operators_planted
FROM unnest(ARRAY['<=', '>']) AS o,
	 LATERAL (SELECT trojan.plant_operator(o, 'timestamptz', 'timestamptz', 'boolean')) AS p;

-- functions and aggregates under the names the extension's SQL uses
CREATE FUNCTION trojan.now() RETURNS timestamptz LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('now()'); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION trojan.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('nextval()'); RETURN pg_catalog.nextval($1); END$$;
CREATE FUNCTION trojan.setval(regclass, bigint) RETURNS bigint LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('setval()'); RETURN pg_catalog.setval($1, $2); END$$;
CREATE FUNCTION trojan.format(text, text, numeric, numeric) RETURNS text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('format()'); RETURN pg_catalog.format($1, $2, $3, $4); END$$;
CREATE FUNCTION trojan.format(text, bigint) RETURNS text LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('format()'); RETURN pg_catalog.format($1, $2); END$$;
CREATE FUNCTION trojan.generate_series(integer, integer) RETURNS SETOF integer LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('generate_series()'); RETURN QUERY SELECT pg_catalog.generate_series($1, $2); END$$;
CREATE FUNCTION trojan.step(bigint) RETURNS bigint LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('aggregate'); RETURN $1 OPERATOR(pg_catalog.+) 1; END$$;
CREATE FUNCTION trojan.step(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS
$$BEGIN INSERT INTO trojan.calls VALUES ('aggregate'); RETURN COALESCE($1, 0) OPERATOR(pg_catalog.+) $2; END$$;
CREATE AGGREGATE trojan.count(*) (SFUNC = trojan.step, STYPE = bigint, INITCOND = '0');
CREATE AGGREGATE trojan.count(bigint) (SFUNC = trojan.step, STYPE = bigint, INITCOND = '0');
CREATE AGGREGATE trojan.sum(bigint) (SFUNC = trojan.step, STYPE = bigint);
CREATE AGGREGATE trojan.max(bigint) (SFUNC = trojan.step, STYPE = bigint);
CREATE AGGREGATE trojan.min(bigint) (SFUNC = trojan.step, STYPE = bigint);
RESET ROLE;

-- the victim: a superuser whose search_path puts the attacker first
SET search_path = trojan, pg_catalog, follow_graph, public;

-- control: the trojans are live for unqualified SQL ...
SELECT 1::bigint = 1::bigint AS eq, count(*) AS n FROM (VALUES (1::bigint)) AS v(x);
SELECT what, pg_catalog.count(*) FROM trojan.calls GROUP BY what ORDER BY what;
DELETE FROM trojan.calls;

-- ... but not for the extension.  Call every function of the API, with
-- call tracking on so that the catalog can say which ones were not called.
-- (A new function of the extension shows up in the not_called list below
-- until a call of it is added here; plant a trojan above for every operator
-- and function name its SQL could resolve.)
SET track_functions = 'all';
BEGIN;
SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1), follow_graph.follow(1, 3),
	   follow_graph.follow(3, 2), follow_graph.follow(4, 2), follow_graph.follow(1, 4);
SELECT follow_graph.unfollow(1, 4), follow_graph.unfollow(1, 4);
SELECT follow_graph.block(3, 4), follow_graph.unblock(3, 4), follow_graph.remove_follower(2, 9),
	   follow_graph.accept_request(2, 9), follow_graph.reject_request(2, 9);
SELECT follow_graph.is_following(1, 2), follow_graph.relationship(1, 2),
	   follow_graph.relationship(1, 3), follow_graph.relationship(3, 1);
SELECT * FROM follow_graph.relationships(1, ARRAY[2, 3, 4, NULL, 1, 2]::bigint[]);
SELECT follow_graph.follower_count(2), follow_graph.following_count(1), follow_graph.mutual_count(1);
SELECT * FROM follow_graph.counts(ARRAY[1, 2, 3, 4]::bigint[]);
SELECT follower FROM follow_graph.followers(2, 10);
SELECT followee FROM follow_graph.following(1, 10);
SELECT * FROM follow_graph.mutuals(1);
SELECT * FROM follow_graph.common_followers(2, 3);
SELECT * FROM follow_graph.common_following(1, 3);
SELECT * FROM follow_graph.known_followers(1, 2);
SELECT pg_catalog.count(*) FROM follow_graph.edges;
-- states: mutes and the state reads
SELECT follow_graph.mute(1, 3), follow_graph.mute(1, 4, pg_catalog.now() OPERATOR(pg_catalog.+) '1 day'::pg_catalog.interval),
	   follow_graph.unmute(1, 4), follow_graph.is_muting(1, 3), follow_graph.is_blocking(1, 3),
	   follow_graph.request_count(1);
SELECT muted FROM follow_graph.mutes(1);
SELECT blocked FROM follow_graph.blocks(1);
SELECT requester FROM follow_graph.follow_requests(1);
-- discovery
SELECT * FROM follow_graph.suggest_follows(4);
SELECT * FROM follow_graph.similar_accounts(2);
SELECT * FROM follow_graph.known_followers_summary(1, ARRAY[2, 3]::bigint[]);
SELECT * FROM follow_graph.fans(2);
SELECT * FROM follow_graph.not_following_back(1);
SELECT follow_graph.dismiss_suggestion(4, 3), follow_graph.dismiss_suggestion(4, 3);
SELECT follow_graph.publish(2, 10), follow_graph.publish(1, 11), follow_graph.unpublish(1, 11);
SELECT * FROM follow_graph.feed(1, 10);
SELECT follow_graph.author_items(2), follow_graph.item_count(2), follow_graph.forget_items(5);
-- idset: I/O, casts, operators' functions, functions, aggregates, graph sets
SELECT follow_graph.idset_out(follow_graph.idset_in('{3,1,2,3}')) AS idset_text;
SELECT follow_graph.idset(ARRAY[5, 1, 5]::bigint[]) AS from_array,
	   follow_graph.idset_to_array('{2,1}'::follow_graph.idset) AS to_array,
	   follow_graph.cardinality('{1,2,3}'::follow_graph.idset) AS n,
	   follow_graph.jaccard('{1,2}'::follow_graph.idset, '{2,3}'::follow_graph.idset) AS j;
SELECT follow_graph.unnest('{2,1}'::follow_graph.idset);
SELECT follow_graph.idset_intersect('{1,2}', '{2,3}'), follow_graph.idset_union('{1}', '{2}'),
	   follow_graph.idset_minus('{1,2}', '{2}'), follow_graph.idset_add_elem('{1}', 2),
	   follow_graph.idset_remove_elem('{1,2}', 2), follow_graph.idset_contains('{1,2}', '{1}'),
	   follow_graph.idset_contained('{1}', '{1,2}'), follow_graph.idset_overlaps('{1}', '{1,2}'),
	   follow_graph.idset_contains_elem('{1,2}', 2);
SELECT follow_graph.idset_intersect_cardinality('{1,2}', '{2,3}') AS common;
SELECT follow_graph.idset_eq('{1}', '{1}'), follow_graph.idset_ne('{1}', '{2}'),
	   follow_graph.idset_lt('{1}', '{2}'), follow_graph.idset_le('{1}', '{2}'),
	   follow_graph.idset_gt('{2}', '{1}'), follow_graph.idset_ge('{2}', '{1}'),
	   follow_graph.idset_cmp('{1}', '{2}'), follow_graph.idset_hash('{1}') IS NOT NULL AS h,
	   follow_graph.idset_hash_extended('{1}', 0) IS NOT NULL AS hx;
SELECT follow_graph.idset_agg(x), follow_graph.union_agg(follow_graph.idset(ARRAY[x])),
	   follow_graph.intersect_agg('{1,2,3}'::follow_graph.idset)
FROM (VALUES (1::bigint), (3::bigint)) AS v(x);
SELECT follow_graph.followers_set(2), follow_graph.following_set(1), follow_graph.mutuals_set(1);
-- handle
SELECT follow_graph.handle_out(follow_graph.handle_in('@Alice')) AS handle_text,
	   follow_graph.handle_key('Alice'), follow_graph.handle_skeleton('paypa1'),
	   follow_graph.handle_is_suspicious('paypal'), follow_graph.handle_prefix_pattern('@Ali_'),
	   follow_graph.icu_unicode_version() IS NOT NULL AS icu;
SELECT follow_graph.handle_eq('a1', 'A1'), follow_graph.handle_ne('a1', 'b1'),
	   follow_graph.handle_lt('a1', 'b1'), follow_graph.handle_le('a1', 'b1'),
	   follow_graph.handle_gt('b1', 'a1'), follow_graph.handle_ge('b1', 'a1'),
	   follow_graph.handle_cmp('a1', 'b1'), follow_graph.handle_hash('a1') IS NOT NULL AS h,
	   follow_graph.handle_hash_extended('a1', 0) IS NOT NULL AS hx;
SELECT follow_graph.icu_library_version() IS NOT NULL AS icu,
	   follow_graph.handle_check('alice') IS NULL AS valid,
	   (SELECT pg_catalog.count(*) FROM follow_graph.handle_invalid_values()) AS invalid,
	   (SELECT pg_catalog.count(*) FROM follow_graph.handle_refresh_icu_version()) AS refreshed;
-- bulk writes
CREATE TEMP TABLE staging (follower bigint, followee bigint, followed_at timestamptz);
INSERT INTO staging VALUES (5, 6, NULL), (6, 5, NULL), (5, 6, NULL), (7, 7, NULL), (1, 2, NULL);
SELECT follow_graph.import_edges('staging');
SELECT follow_graph.remove_account(6);
-- relationship states: account writers
SELECT follow_graph.set_private(1, true);
SELECT follow_graph.is_private(1), follow_graph.set_private(1, false);
SELECT follow_graph.deactivate_account(2);
SELECT follow_graph.is_active(2), follow_graph.reactivate_account(2);
UPDATE follow_graph.counter SET followers = followers OPERATOR(pg_catalog.+) 1
	WHERE account OPERATOR(pg_catalog.=) 3;
SELECT * FROM follow_graph.verify();
SELECT follow_graph.rebuild_counts();
SELECT * FROM follow_graph.verify();
-- cluster node (internal, called by a router): a node owning every
-- partition journals nothing; the pairs end as they were
SELECT follow_graph.node_configure('n1', 2, ARRAY[1, 0, 1]);
SELECT * FROM follow_graph.node_write(901, 902, true);
SELECT * FROM follow_graph.node_write(901, 902, false);
SELECT follow_graph.node_apply(ARRAY[903, 903]::bigint[], ARRAY[904, 904]::bigint[],
	ARRAY[true, false], ARRAY[1, 2]::bigint[], ARRAY[NULL, NULL]::timestamptz[]);
SELECT * FROM follow_graph.node_journal(10);
SELECT follow_graph.node_ack('{1}'),
	follow_graph.node_rejournal(ARRAY[901]::bigint[], ARRAY[902]::bigint[]);
SELECT pg_catalog.count(*) FROM follow_graph.node_digest();
SELECT pg_catalog.count(*) FROM follow_graph.node_edges('{0}', '{1}');
SELECT follow_graph.node_version_floor(5), follow_graph.node_forget();
SELECT * FROM follow_graph.node_status();
-- pruning: the version of (903, 904) goes below the floor, and a late
-- delivery of it is ignored
SELECT coalesce(follow_graph.node_horizon(5000), 0) >= 0 AS horizon_ran;
SELECT follow_graph.node_prune('{0,1}', '{5,5}') AS pruned;
SELECT follow_graph.node_apply(ARRAY[903]::bigint[], ARRAY[904]::bigint[],
	ARRAY[true], ARRAY[2]::bigint[], ARRAY[NULL]::timestamptz[]) AS late, follow_graph.is_following(903, 904);
-- and so is a late relation entry of the state journal below the floor
SELECT follow_graph.node_state_apply(ARRAY[3]::bigint[], ARRAY['rel'], ARRAY[903]::bigint[],
	ARRAY[904]::bigint[], ARRAY['edge'], ARRAY[NULL]::timestamptz[]) AS late_rel,
	follow_graph.is_following(903, 904);
-- cluster node: relationship states (91_node_states.sql)
SELECT result, version FROM follow_graph.node_state_write('block', 907, 908, NULL, NULL, NULL);
SELECT * FROM follow_graph.node_rel_state(908, 907);
SELECT result, version FROM follow_graph.node_state_write('unblock', 907, 908, NULL, NULL, NULL);
SELECT (follow_graph.node_config_row()).node_name, follow_graph.node_active(907),
	follow_graph.node_set_rel(907, 908, 'edge', 10, NULL),
	follow_graph.node_state_send_rel(907, 908);
SELECT follow_graph.node_set_rel(907, 908, 'none', 11, NULL);
SELECT follow_graph.node_state_apply(ARRAY[12]::bigint[], ARRAY['block'], ARRAY[907]::bigint[],
	ARRAY[908]::bigint[], ARRAY['off'], ARRAY[NULL]::timestamptz[]);
SELECT follow_graph.node_state_put(0, 'block', 907, 908, 'off', NULL) OPERATOR(pg_catalog.>) 0 AS put;
SELECT kind, account, other, value FROM follow_graph.node_state_journal(10);
SELECT follow_graph.node_state_ack(ARRAY(SELECT version FROM follow_graph.node_state_journal(10)));
-- cluster node: the halves of the router's discovery and import
SELECT * FROM follow_graph.node_suggest_middles(1, 10);
SELECT middle, weight > 0 AS weighted, followers, candidates
FROM follow_graph.node_suggest_expand(1, ARRAY[2, 3]::bigint[], 10);
SELECT follow_graph.node_suggest_keep(1, ARRAY[1, 2, 3, 4, 5]::bigint[]);
SELECT * FROM follow_graph.node_similar_sample(2, 10);
SELECT * FROM follow_graph.node_similar_expand(2, ARRAY[1, 5]::bigint[], 10) ORDER BY 1;
SELECT follow_graph.node_import(ARRAY[911, 912]::bigint[], ARRAY[912, 911]::bigint[],
	ARRAY[pg_catalog.now(), pg_catalog.now()]);
SELECT follow_graph.mutual_count(911);
-- cluster node: moves and verify of states (93_node_move.sql): partition 0
-- moved out and back in leaves the node as it was
CREATE TEMP TABLE moved AS SELECT * FROM follow_graph.node_move_out(0, true);
SELECT follow_graph.node_release(0) >= 0 AS released;
SELECT owned FROM follow_graph.node_config;
SELECT follow_graph.node_move_in(NULL, NULL, 0, 1,
	ARRAY(SELECT kind FROM moved), ARRAY(SELECT a FROM moved), ARRAY(SELECT b FROM moved),
	ARRAY(SELECT n FROM moved), ARRAY(SELECT t FROM moved), ARRAY(SELECT t2 FROM moved),
	ARRAY(SELECT f1 FROM moved), ARRAY(SELECT f2 FROM moved), ARRAY(SELECT sub FROM moved)) >= 0 AS moved_in;
SELECT owned FROM follow_graph.node_config;
SELECT follow_graph.node_recount(ARRAY[901, 902]::bigint[]);
SELECT pg_catalog.count(*) FROM follow_graph.verify();
SELECT pg_catalog.count(*) >= 0 AS digests FROM follow_graph.node_state_digest();
SELECT pg_catalog.count(*) FROM follow_graph.node_state_rows(ARRAY['block'], '{0}', '{1}');
SELECT pg_catalog.count(*) FROM follow_graph.node_block_neighbours(ARRAY[907]::bigint[], ARRAY[908]::bigint[]);
SELECT follow_graph.node_state_resend(ARRAY['block', 'rel', 'flag'], ARRAY[907, 907, 907]::bigint[],
	ARRAY[908, 908, 0]::bigint[], '{0}');
-- functions of the extension not called above (none)
SELECT p.oid::regprocedure AS not_called
FROM pg_depend AS d JOIN pg_proc AS p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
  AND d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'follow_graph')
  AND p.oid NOT IN (SELECT funcid FROM pg_stat_xact_user_functions)
  -- functions only an index AM or type I/O calls (not counted by
  -- track_functions) go here once a test shows they are safe
  AND p.oid::regprocedure::text OPERATOR(pg_catalog.<>) ALL (ARRAY[
	-- binary I/O, aggregates and their support, and index support: C code the
	-- executor or an index calls directly (no SQL inside, nothing to capture;
	-- the aggregates ran above); names print unqualified on this search_path
	'idset_recv(internal)', 'idset_send(idset)',
	'handle_recv(internal)', 'handle_send(handle)',
	'idset_agg(bigint)', 'union_agg(idset)',
	'intersect_agg(idset)',
	'idset_agg_add(internal,bigint)', 'idset_union_add(internal,idset)',
	'idset_intersect_add(internal,idset)',
	'idset_union_combine(internal,internal)',
	'idset_intersect_combine(internal,internal)',
	'idset_agg_final(internal)', 'idset_agg_serialize(internal)',
	'idset_agg_deserialize(bytea,internal)',
	'idset_gin_extract_value(idset,internal,internal)',
	'idset_gin_extract_query(idset,internal,smallint,internal,internal,internal,internal)',
	'idset_gin_consistent(internal,smallint,idset,integer,internal,internal,internal,internal)',
	'idset_gin_triconsistent(internal,smallint,idset,integer,internal,internal,internal)',
	'handle_sortsupport(internal)',
	'idset_cardinality_support(internal)'])
ORDER BY 1::text;
COMMIT;
RESET track_functions;

-- the trojans never ran (the test's own queries name pg_catalog.count too)
SELECT what AS trojan_called, pg_catalog.count(*) FROM trojan.calls GROUP BY what;
SELECT pg_catalog.count(*) AS trojan_calls FROM trojan.calls;
SET search_path = follow_graph, public;

-- every SECURITY DEFINER function of the extension pins search_path (none listed)
SELECT p.oid::regprocedure AS unpinned_definer
FROM pg_depend AS d JOIN pg_proc AS p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'follow_graph')
  AND p.prosecdef
  AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c
				  WHERE c = 'search_path=pg_catalog, pg_temp');

------------------------------------------------------------------------
-- 2. Nobody writes storage around the API.
------------------------------------------------------------------------

-- no role but the owner holds a right to change a table or sequence of the
-- extension (none listed; the edges view is SELECT-only)
SELECT c.oid::regclass AS relation, a.grantee::regrole, a.privilege_type
FROM pg_depend AS d
JOIN pg_class AS c ON c.oid = d.objid
CROSS JOIN LATERAL aclexplode(c.relacl) AS a
WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'follow_graph')
  AND a.grantee <> c.relowner
  AND a.privilege_type <> 'SELECT'
ORDER BY 1, 2, 3;
-- the only right PUBLIC has on a relation of the extension
SELECT c.oid::regclass AS relation, a.privilege_type
FROM pg_depend AS d
JOIN pg_class AS c ON c.oid = d.objid
CROSS JOIN LATERAL aclexplode(c.relacl) AS a
WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'follow_graph')
  AND a.grantee = 0
ORDER BY 1, 2;

-- a role with no grants at all, even given USAGE on the schema
GRANT USAGE ON SCHEMA follow_graph TO regress_fg_nobody, regress_fg_writer;
GRANT EXECUTE ON FUNCTION follow_graph.follow(bigint, bigint),
	follow_graph.unfollow(bigint, bigint) TO regress_fg_writer;
SET ROLE regress_fg_nobody;
INSERT INTO follow_graph.edge VALUES (7, 8, 1, now());
UPDATE follow_graph.edge SET followee = 9;
DELETE FROM follow_graph.edge;
TRUNCATE follow_graph.edge;
SELECT * FROM follow_graph.edge;
INSERT INTO follow_graph.counter VALUES (7, 0, 1, 1, 1);
UPDATE follow_graph.counter SET followers = 0;
DELETE FROM follow_graph.counter;
TRUNCATE follow_graph.counter;
SELECT * FROM follow_graph.pair_gate;
SELECT nextval('follow_graph.edge_seq');
SELECT setval('follow_graph.edge_seq', 1);
INSERT INTO follow_graph.edges VALUES (7, 8, now());
DELETE FROM follow_graph.edges;
CREATE FUNCTION follow_graph.follow(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE TABLE follow_graph.edge_copy (x int);
SELECT follow_graph.follow(7, 8);
SELECT follow_graph.unfollow(1, 2);
SELECT * FROM follow_graph.verify();
SELECT follow_graph.rebuild_counts();
-- reads are public
SELECT follow_graph.is_following(1, 2), follow_graph.follower_count(2);
SELECT count(*) FROM follow_graph.edges;
RESET ROLE;

-- a role granted the write API can follow, and still cannot touch storage
SET ROLE regress_fg_writer;
SELECT follow_graph.follow(7, 8);
INSERT INTO follow_graph.edge VALUES (8, 7, 1, now());
UPDATE follow_graph.counter SET followers = 0;
SELECT follow_graph.unfollow(7, 8);
RESET ROLE;
SELECT * FROM verify();

------------------------------------------------------------------------
-- 3. Installing where hostile objects already exist.
------------------------------------------------------------------------
-- (Error context is off: PostgreSQL 18 quotes the whole guard in it.)
\set SHOW_CONTEXT never
DROP EXTENSION follow_graph;
DROP SCHEMA follow_graph;

-- a role that could create schemas made follow_graph first, with an overload
-- that callers passing integer literals would run instead of ours
SELECT format('GRANT CREATE ON DATABASE %I TO regress_fg_attacker', current_database()) \gexec
SET ROLE regress_fg_attacker;
CREATE SCHEMA follow_graph;
CREATE FUNCTION follow_graph.follow(integer, integer) RETURNS boolean
	LANGUAGE sql AS $$INSERT INTO trojan.calls VALUES ('follow(int, int)') RETURNING true$$;
RESET ROLE;
CREATE EXTENSION follow_graph;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'follow_graph';

-- a superuser-owned schema in which another role may create objects
DROP SCHEMA follow_graph CASCADE;
CREATE SCHEMA follow_graph;
GRANT CREATE ON SCHEMA follow_graph TO regress_fg_attacker;
CREATE EXTENSION follow_graph;
DROP SCHEMA follow_graph;

-- every kind of object that can sit in a schema, planted by (or handed to) a
-- role that is not a superuser, and the other ways to get rights in it: each
-- makes the install refuse, naming what it found
CREATE FUNCTION pg_temp.install_refusal() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	detail text;
BEGIN
	CREATE EXTENSION follow_graph;
	RETURN 'installed';
EXCEPTION WHEN insufficient_privilege THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN detail;
END
$f$;
CREATE TABLE trojan.stats_source (a int, b int);
ALTER TABLE trojan.stats_source OWNER TO regress_fg_attacker;
CREATE FUNCTION pg_temp.try_plant(what text, attacker_sql text, superuser_sql text DEFAULT NULL)
RETURNS TABLE (planted text, refusal text) LANGUAGE plpgsql AS $f$
BEGIN
	CREATE SCHEMA follow_graph;
	EXECUTE 'GRANT CREATE ON SCHEMA follow_graph TO regress_fg_attacker';
	IF attacker_sql IS NOT NULL THEN
		SET LOCAL ROLE regress_fg_attacker;
		EXECUTE attacker_sql;
		RESET ROLE;
	END IF;
	IF superuser_sql IS NOT NULL THEN
		EXECUTE superuser_sql;
	END IF;
	EXECUTE 'REVOKE CREATE ON SCHEMA follow_graph FROM regress_fg_attacker';
	planted := what;
	refusal := pg_temp.install_refusal();
	RETURN NEXT;
	DROP SCHEMA follow_graph CASCADE;
END
$f$;
SET client_min_messages = warning;
SELECT p.* FROM (VALUES
	('table', 'CREATE TABLE follow_graph.t (a int)', NULL),
	('function', 'CREATE FUNCTION follow_graph.f() RETURNS int LANGUAGE sql AS $$SELECT 1$$', NULL),
	('domain', 'CREATE DOMAIN follow_graph.d AS int', NULL),
	('collation', 'CREATE COLLATION follow_graph.coll FROM pg_catalog."C"', NULL),
	('conversion', 'CREATE CONVERSION follow_graph.conv FOR ''LATIN1'' TO ''UTF8'' FROM pg_catalog.iso8859_1_to_utf8', NULL),
	('text search configuration', 'CREATE TEXT SEARCH CONFIGURATION follow_graph.cfg (COPY = pg_catalog.simple)', NULL),
	('text search dictionary', 'CREATE TEXT SEARCH DICTIONARY follow_graph.dict (TEMPLATE = pg_catalog.simple)', NULL),
	('statistics', 'CREATE STATISTICS follow_graph.st ON a, b FROM trojan.stats_source', NULL),
	('operator family', NULL,
	 'CREATE OPERATOR FAMILY follow_graph.fam USING btree;
	  ALTER OPERATOR FAMILY follow_graph.fam USING btree OWNER TO regress_fg_attacker'),
	('operator class', NULL,
	 'CREATE OPERATOR CLASS follow_graph.cls FOR TYPE int4 USING hash AS
		OPERATOR 1 pg_catalog.= (int4, int4), FUNCTION 1 pg_catalog.hashint4(int4);
	  ALTER OPERATOR CLASS follow_graph.cls USING hash OWNER TO regress_fg_attacker'),
	('schema owner', NULL, 'ALTER SCHEMA follow_graph OWNER TO regress_fg_attacker'),
	('CREATE for PUBLIC', NULL, 'GRANT CREATE ON SCHEMA follow_graph TO PUBLIC'),
	('default privileges in the schema', NULL,
	 'ALTER DEFAULT PRIVILEGES IN SCHEMA follow_graph GRANT INSERT ON TABLES TO regress_fg_attacker'),
	('default privileges of the installer', NULL,
	 'ALTER DEFAULT PRIVILEGES GRANT UPDATE ON SEQUENCES TO regress_fg_attacker')
	) AS v(what, attacker_sql, superuser_sql),
	LATERAL pg_temp.try_plant(v.what, v.attacker_sql, v.superuser_sql) AS p;
ALTER DEFAULT PRIVILEGES REVOKE UPDATE ON SEQUENCES FROM regress_fg_attacker;

-- a trusted extension that the attacker installed into the schema (its
-- objects belong to the bootstrap superuser; the extension does not)
SELECT count(*) > 0 AS have_citext FROM pg_available_extensions WHERE name = 'citext' \gset
\if :have_citext
SELECT p.refusal = 'Role regress_fg_attacker, which is not a superuser, owns extension citext.' AS refused
FROM pg_temp.try_plant('extension', 'CREATE EXTENSION citext SCHEMA follow_graph') AS p;
\else
SELECT true AS refused;
\endif
RESET client_min_messages;

-- harmless defaults and grants do not stop the install: a superuser may
-- create, PUBLIC keeps EXECUTE on new functions
CREATE SCHEMA follow_graph;
ALTER DEFAULT PRIVILEGES IN SCHEMA follow_graph GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO CURRENT_USER;
CREATE EXTENSION follow_graph;
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'follow_graph';
DROP EXTENSION follow_graph;
ALTER DEFAULT PRIVILEGES IN SCHEMA follow_graph REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM CURRENT_USER;
DROP SCHEMA follow_graph;

-- the upgrade from 0.1.0 runs the same guard: a schema opened up since the
-- install is refused until it is closed again
CREATE EXTENSION follow_graph VERSION '0.1.0';
GRANT CREATE ON SCHEMA follow_graph TO PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.2.0';
REVOKE CREATE ON SCHEMA follow_graph FROM PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
DROP EXTENSION follow_graph;
DROP SCHEMA follow_graph;

-- and so does the upgrade from 0.2.0
CREATE EXTENSION follow_graph VERSION '0.2.0';
GRANT CREATE ON SCHEMA follow_graph TO PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.3.0';
REVOKE CREATE ON SCHEMA follow_graph FROM PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
DROP EXTENSION follow_graph;
DROP SCHEMA follow_graph;

-- and the upgrade from 0.3.0
CREATE EXTENSION follow_graph VERSION '0.3.0';
GRANT CREATE ON SCHEMA follow_graph TO PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.4.0';
REVOKE CREATE ON SCHEMA follow_graph FROM PUBLIC;
ALTER EXTENSION follow_graph UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
DROP EXTENSION follow_graph;
DROP SCHEMA follow_graph;

-- and the upgrade from 0.4.0
CREATE EXTENSION follow_graph VERSION '0.4.0';
GRANT CREATE ON SCHEMA follow_graph TO PUBLIC;
ALTER EXTENSION follow_graph UPDATE;
REVOKE CREATE ON SCHEMA follow_graph FROM PUBLIC;
ALTER EXTENSION follow_graph UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
DROP EXTENSION follow_graph;
DROP SCHEMA follow_graph;
SELECT format('REVOKE CREATE ON DATABASE %I FROM regress_fg_attacker', current_database()) \gexec
\set SHOW_CONTEXT errors

-- trojans on the installer's search_path do not reach the install script,
-- nor a write made right after it
SET search_path = trojan, pg_catalog, public;
CREATE EXTENSION follow_graph;
SELECT follow_graph.follow(10, 11), follow_graph.follow(11, 10);
SELECT * FROM follow_graph.verify();
SELECT pg_catalog.count(*) AS trojan_calls FROM trojan.calls;
SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'follow_graph';
SET search_path = follow_graph, public;

-- clean up
DROP SCHEMA trojan CASCADE;
DROP OWNED BY regress_fg_nobody, regress_fg_writer;
DROP ROLE regress_fg_attacker, regress_fg_nobody, regress_fg_writer;
