-- follow_graph 0.1.0 -> 0.2.0.  Editable until 0.2.0 is tagged; frozen after.
-- test/upgrade checks that this script turns a 0.1.0 catalog into exactly
-- what sql/install/*.sql builds for a fresh 0.2.0 install.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.2.0'" to load this file. \quit

-- == hardening: install guard ==
-- The same guard as a fresh install (sql/install/00_guard.sql), run first:
-- an upgrade is a privileged script like an install, and a 0.1.0 schema may
-- have been given hostile objects, CREATE rights or default privileges since
-- it was installed (its 0.1.0 guard also missed most of the kinds checked
-- here).  It creates nothing, so the catalog is unchanged.
DO $guard$
DECLARE
	nsp oid := 'follow_graph'::pg_catalog.regnamespace;
	problem text;
BEGIN
	WITH owned (classid, objid, owner) AS (
		SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, n.nspowner
		FROM pg_catalog.pg_namespace AS n WHERE n.oid OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, c.relowner
		FROM pg_catalog.pg_class AS c WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, p.proowner
		FROM pg_catalog.pg_proc AS p WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, t.typowner
		FROM pg_catalog.pg_type AS t WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid, o.oprowner
		FROM pg_catalog.pg_operator AS o WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, o.oid, o.opcowner
		FROM pg_catalog.pg_opclass AS o WHERE o.opcnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, o.oid, o.opfowner
		FROM pg_catalog.pg_opfamily AS o WHERE o.opfnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, c.oid, c.collowner
		FROM pg_catalog.pg_collation AS c WHERE c.collnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, c.oid, c.conowner
		FROM pg_catalog.pg_conversion AS c WHERE c.connamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, c.oid, c.cfgowner
		FROM pg_catalog.pg_ts_config AS c WHERE c.cfgnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, d.oid, d.dictowner
		FROM pg_catalog.pg_ts_dict AS d WHERE d.dictnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, s.oid, s.stxowner
		FROM pg_catalog.pg_statistic_ext AS s WHERE s.stxnamespace OPERATOR(pg_catalog.=) nsp
		UNION ALL
		SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, e.extowner
		FROM pg_catalog.pg_extension AS e WHERE e.extnamespace OPERATOR(pg_catalog.=) nsp
	),
	creators (grantee) AS (
		SELECT a.grantee
		FROM pg_catalog.pg_namespace AS n,
			 pg_catalog.aclexplode(n.nspacl) AS a
		WHERE n.oid OPERATOR(pg_catalog.=) nsp
		  AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
	),
	defaults (role, objtype, grantee, privilege) AS (
		SELECT d.defaclrole, d.defaclobjtype, a.grantee, a.privilege_type
		FROM pg_catalog.pg_default_acl AS d,
			 pg_catalog.aclexplode(d.defaclacl) AS a
		WHERE (d.defaclnamespace OPERATOR(pg_catalog.=) nsp
			   OR (d.defaclnamespace OPERATOR(pg_catalog.=) 0
				   AND d.defaclrole OPERATOR(pg_catalog.=)
					   (SELECT r.oid FROM pg_catalog.pg_roles AS r
						WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)))
		  AND a.grantee OPERATOR(pg_catalog.<>) d.defaclrole
		  -- PUBLIC may run functions and use types unless we revoke it
		  AND NOT (a.grantee OPERATOR(pg_catalog.=) 0
				   AND d.defaclobjtype OPERATOR(pg_catalog.=) ANY (ARRAY['f', 'T']::pg_catalog."char"[])
				   AND a.privilege_type OPERATOR(pg_catalog.=) ANY (ARRAY['EXECUTE', 'USAGE']))
	),
	problems (ord, what) AS (
		SELECT 1, pg_catalog.format('Role %s, which is not a superuser, owns %s.',
				pg_catalog.quote_ident(r.rolname),
				pg_catalog.pg_describe_object(o.classid, o.objid, 0))
		FROM owned AS o JOIN pg_catalog.pg_roles AS r
			ON r.oid OPERATOR(pg_catalog.=) o.owner
		WHERE NOT r.rolsuper
		UNION ALL
		SELECT 2, CASE WHEN c.grantee OPERATOR(pg_catalog.=) 0
				THEN 'PUBLIC may create objects in schema follow_graph.'
				ELSE pg_catalog.format('Role %s, which is not a superuser, may create objects in schema follow_graph.',
						pg_catalog.quote_ident(r.rolname)) END
		FROM creators AS c LEFT JOIN pg_catalog.pg_roles AS r
			ON r.oid OPERATOR(pg_catalog.=) c.grantee
		WHERE c.grantee OPERATOR(pg_catalog.=) 0 OR NOT r.rolsuper
		UNION ALL
		SELECT 3, pg_catalog.format('Default privileges of role %s grant %s on new %s to %s.',
				pg_catalog.quote_ident(o.rolname), d.privilege,
				CASE d.objtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
					WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
					ELSE 'schemas' END,
				CASE WHEN d.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
					 ELSE pg_catalog.quote_ident(g.rolname) END)
		FROM defaults AS d
		JOIN pg_catalog.pg_roles AS o ON o.oid OPERATOR(pg_catalog.=) d.role
		LEFT JOIN pg_catalog.pg_roles AS g ON g.oid OPERATOR(pg_catalog.=) d.grantee
	)
	SELECT p.what INTO problem
	FROM problems AS p
	ORDER BY p.ord, p.what COLLATE pg_catalog."C"
	LIMIT 1;
	IF problem IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'insufficient_privilege',
			MESSAGE = 'schema follow_graph is not safe to install into',
			DETAIL = problem,
			HINT = 'Drop or rename that schema (it may hold hostile objects), or have a superuser own it and everything in it, revoke CREATE on it and remove the default privileges named, then retry.';
	END IF;
END
$guard$;

-- == hardening: maintenance ==
COMMENT ON FUNCTION follow_graph.rebuild_counts() IS 'recompute every count that disagrees with the edges and merge each account''s counter stripes into one row; returns the number of accounts whose counts changed';

-- == hardening: handle ==
-- Input refuses default-ignorable code points and applies the length rules
-- to the key (C only: values stored by 0.1.0 that break them are listed by
-- handle_invalid_values()); the ICU version is recorded and checked; the
-- view of ICU-dependent indexes walks pg_depend.

-- STABLE, not IMMUTABLE: it changes when the ICU library is upgraded.
CREATE FUNCTION follow_graph.icu_library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'handle_icu_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.icu_library_version() IS 'version of the ICU library that handle keys and skeletons are computed with';

-- One row, written only here and by handle_refresh_icu_version().
CREATE TABLE follow_graph.handle_icu_version (
	icu_version		text NOT NULL,
	unicode_version	text NOT NULL,
	recorded_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);

INSERT INTO follow_graph.handle_icu_version (icu_version, unicode_version)
VALUES (follow_graph.icu_library_version(), follow_graph.icu_unicode_version());

REVOKE ALL ON follow_graph.handle_icu_version FROM PUBLIC;
GRANT SELECT ON follow_graph.handle_icu_version TO PUBLIC;

COMMENT ON TABLE follow_graph.handle_icu_version IS 'ICU and Unicode versions the handle data of this database was computed with (one row; not dumped, recorded again by CREATE EXTENSION)';

-- Runs with the owner's rights so that a GRANT EXECUTE is enough; it only
-- writes the extension's own table.
CREATE FUNCTION follow_graph.handle_refresh_icu_version()
RETURNS TABLE (icu_version text, unicode_version text)
LANGUAGE sql VOLATILE STRICT
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
	DELETE FROM follow_graph.handle_icu_version;
	INSERT INTO follow_graph.handle_icu_version (icu_version, unicode_version)
	VALUES (follow_graph.icu_library_version(), follow_graph.icu_unicode_version())
	RETURNING handle_icu_version.icu_version, handle_icu_version.unicode_version;
$$;

REVOKE ALL ON FUNCTION follow_graph.handle_refresh_icu_version() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.handle_refresh_icu_version() IS 'record the ICU version in use as the one the handle data was computed with (after rebuilding what handle_icu_indexes lists)';

CREATE FUNCTION follow_graph.handle_check(follow_graph.handle)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.handle_check(follow_graph.handle) IS 'NULL if the handle''s text would be accepted by input today; otherwise why it would be rejected (and a dump holding it would not restore)';

CREATE FUNCTION follow_graph.handle_invalid_values()
RETURNS TABLE (table_name regclass, column_name name, ctid tid, element bigint,
			   value text, reason text)
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	col record;
BEGIN
	FOR col IN
		WITH RECURSIVE types(oid, is_array) AS (
			SELECT 'follow_graph.handle'::regtype::oid, false
			UNION
			-- domains over a handle type, arrays of one
			SELECT t.oid, CASE WHEN t.typtype = 'd' THEN types.is_array ELSE true END
			FROM pg_type AS t
			JOIN types ON (t.typtype = 'd' AND t.typbasetype = types.oid)
				OR (NOT types.is_array AND t.typelem = types.oid
					AND t.typsubscript = 'array_subscript_handler'::regproc)
		)
		SELECT c.oid AS relid, n.nspname, c.relname, c.relkind, a.attname, types.is_array,
			has_table_privilege(c.oid, 'SELECT') AS whole_table,
			row_security_active(c.oid) AS rls
		FROM pg_attribute AS a
		JOIN types ON types.oid = a.atttypid
		JOIN pg_class AS c ON c.oid = a.attrelid
		JOIN pg_namespace AS n ON n.oid = c.relnamespace
		WHERE a.attnum > 0 AND NOT a.attisdropped
		  -- a partitioned table is read whole, its partitions through it
		  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
		  AND (c.relpersistence <> 't' OR c.relnamespace = pg_my_temp_schema())
		  AND has_column_privilege(c.oid, a.attnum, 'SELECT')
		ORDER BY n.nspname, c.relname, a.attnum
	LOOP
		-- Reading a table under another role's policies would run their
		-- code with our rights: say it was skipped instead.
		IF col.rls THEN
			table_name := col.relid::regclass;
			column_name := col.attname;
			ctid := NULL;
			element := NULL;
			value := NULL;
			reason := 'not checked: row-level security applies to the current role';
			RETURN NEXT;
			CONTINUE;
		END IF;
		-- With SELECT on the column only, the system columns (the partition
		-- a row is in, its ctid) cannot be read.
		RETURN QUERY EXECUTE format(
			'SELECT s.rel, $2, s.ctid, s.element,
				CASE WHEN pg_catalog.starts_with(s.reason, ''damaged value'')
					 THEN NULL ELSE (s.v)::pg_catalog.text END,
				s.reason
			 FROM (SELECT %s AS rel, %s AS ctid, %s AS element, %s AS v,
						  follow_graph.handle_check(%s) AS reason
				   FROM %s %I.%I AS t %s OFFSET 0) AS s
			 WHERE s.reason IS NOT NULL',
			CASE WHEN col.whole_table THEN 't.tableoid::pg_catalog.regclass' ELSE '$1' END,
			CASE WHEN col.whole_table THEN 't.ctid' ELSE 'NULL::pg_catalog.tid' END,
			CASE WHEN col.is_array THEN 'e.i' ELSE 'NULL::pg_catalog.int8' END,
			CASE WHEN col.is_array THEN 'e.v' ELSE format('t.%I', col.attname) END,
			CASE WHEN col.is_array THEN 'e.v' ELSE format('t.%I', col.attname) END,
			CASE WHEN col.relkind = 'p' THEN '' ELSE 'ONLY' END,
			col.nspname, col.relname,
			CASE WHEN col.is_array
				 THEN format(', pg_catalog.unnest(t.%I) WITH ORDINALITY AS e(v, i)', col.attname)
				 ELSE '' END)
		USING col.relid::regclass, col.attname;
	END LOOP;
END
$$;

COMMENT ON FUNCTION follow_graph.handle_invalid_values() IS 'stored handles (in columns, domains and arrays the caller can read) that input now rejects, so that a dump holding them would not restore: where they are and why';

-- Same columns as 0.1.0 and one more at the end (rebuild), so CREATE OR
-- REPLACE keeps the grant and any view a user built on it.
CREATE OR REPLACE VIEW follow_graph.handle_icu_indexes AS
WITH RECURSIVE walk(classid, objid, objsubid, fn, fix) AS (
	-- the functions that compute with ICU
	SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid, f.fn, 0, f.fn, NULL::text
	FROM pg_catalog.unnest(ARRAY[
			'follow_graph.handle_skeleton(follow_graph.handle)'::pg_catalog.regprocedure,
			'follow_graph.handle_is_suspicious(follow_graph.handle)'::pg_catalog.regprocedure,
			'follow_graph.handle_prefix_pattern(text)'::pg_catalog.regprocedure,
			'follow_graph.handle_check(follow_graph.handle)'::pg_catalog.regprocedure]::pg_catalog.oid[]) AS f(fn)
	UNION
	-- expressions that mention the type: casts into it (handle_in) and
	-- constants; not columns of the type or functions taking it
	SELECT d.classid, d.objid, d.objsubid,
		'follow_graph.handle_in(cstring)'::pg_catalog.regprocedure::pg_catalog.oid, NULL::text
	FROM pg_catalog.pg_depend AS d
	WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass
	  AND d.refobjid OPERATOR(pg_catalog.=) 'follow_graph.handle'::pg_catalog.regtype
	  AND d.deptype OPERATOR(pg_catalog.=) 'n'
	  AND (d.classid OPERATOR(pg_catalog.=) ANY (ARRAY[
				'pg_catalog.pg_attrdef'::pg_catalog.regclass,
				'pg_catalog.pg_rewrite'::pg_catalog.regclass]::pg_catalog.oid[])
		   OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
			   AND d.objid OPERATOR(pg_catalog.=) ANY (SELECT i.indexrelid FROM pg_catalog.pg_index AS i))
		   OR (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
			   AND EXISTS (SELECT FROM pg_catalog.pg_proc AS p
						   WHERE p.oid OPERATOR(pg_catalog.=) d.objid
							 AND p.prosqlbody IS NOT NULL
							 AND NOT 'follow_graph.handle'::pg_catalog.regtype OPERATOR(pg_catalog.=) ANY (
								 p.proargtypes::pg_catalog.oid[]
								 OPERATOR(pg_catalog.||) p.prorettype
								 OPERATOR(pg_catalog.||) COALESCE(p.proallargtypes, '{}')))))
	UNION
	SELECT s.classid, s.objid, s.objsubid, w.fn, s.fix
	FROM walk AS w,
	LATERAL (
		-- what depends on a node: functions, indexes, generation
		-- expressions, view rules (a node with objsubid 0 is a whole
		-- object; otherwise a column, and only what uses that column)
		SELECT d.classid, d.objid, d.objsubid, w.fix
		FROM pg_catalog.pg_depend AS d
		WHERE d.refclassid OPERATOR(pg_catalog.=) w.classid
		  AND d.refobjid OPERATOR(pg_catalog.=) w.objid
		  AND (w.objsubid OPERATOR(pg_catalog.=) 0 OR d.refobjsubid OPERATOR(pg_catalog.=) w.objsubid)
		  AND d.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['n', 'a']::pg_catalog.char[])
		  AND d.classid OPERATOR(pg_catalog.=) ANY (ARRAY[
				'pg_catalog.pg_proc'::pg_catalog.regclass,
				'pg_catalog.pg_class'::pg_catalog.regclass,
				'pg_catalog.pg_attrdef'::pg_catalog.regclass,
				'pg_catalog.pg_rewrite'::pg_catalog.regclass]::pg_catalog.oid[])
		  AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
				   AND d.objsubid OPERATOR(pg_catalog.<>) 0)
		UNION ALL
		-- a view rule stands for its view or materialized view
		SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, c.oid, 0,
			CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'm'
				 THEN pg_catalog.format('REFRESH MATERIALIZED VIEW %s', c.oid::pg_catalog.regclass)
				 ELSE w.fix END
		FROM pg_catalog.pg_rewrite AS r
		JOIN pg_catalog.pg_class AS c ON c.oid OPERATOR(pg_catalog.=) r.ev_class
		WHERE w.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
		  AND r.oid OPERATOR(pg_catalog.=) w.objid
		  AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::pg_catalog.char[])
		UNION ALL
		-- a generation expression stands for its stored generated column
		SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, a.adrelid, a.adnum,
			pg_catalog.format('UPDATE %s SET %I = DEFAULT', a.adrelid::pg_catalog.regclass,
							  att.attname) COLLATE pg_catalog."default"
		FROM pg_catalog.pg_attrdef AS a
		JOIN pg_catalog.pg_attribute AS att
		  ON att.attrelid OPERATOR(pg_catalog.=) a.adrelid AND att.attnum OPERATOR(pg_catalog.=) a.adnum
		WHERE w.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass
		  AND a.oid OPERATOR(pg_catalog.=) w.objid
		  AND att.attgenerated OPERATOR(pg_catalog.=) 's'
	) AS s
)
SELECT DISTINCT w.objid::pg_catalog.regclass AS index_name,
	i.indrelid::pg_catalog.regclass AS table_name,
	w.fn::pg_catalog.regprocedure AS function_name,
	COALESCE(w.fix, pg_catalog.format('REINDEX INDEX %s', w.objid::pg_catalog.regclass)) AS rebuild
FROM walk AS w
JOIN pg_catalog.pg_index AS i ON i.indexrelid OPERATOR(pg_catalog.=) w.objid
WHERE w.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
  AND w.objsubid OPERATOR(pg_catalog.=) 0;

COMMENT ON VIEW follow_graph.handle_icu_indexes IS 'indexes built with ICU data (skeletons, script checks, casts to handle), directly or through SQL functions, generated columns and materialized views, with the command that rebuilds each after an ICU upgrade';

-- == hardening: idset ==
-- idset_eq and idset_ne can raise data-dependent errors (a stored value that
-- does not decode raises XX001; detoasting can fail), so they are not
-- leakproof.
ALTER FUNCTION follow_graph.idset_eq(follow_graph.idset, follow_graph.idset) NOT LEAKPROOF;
ALTER FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) NOT LEAKPROOF;

-- == hardening: pair serialisation ==
-- 0.1.0 serialised the writers of a pair with row locks held to commit on
-- 16,384 hashed slots (pair_lock); 0.2.0 uses a short critical section per
-- pair on the lock object pair_gate instead (see sql/install/10_core.sql).
-- A 0.2.0 library on a 0.1.0 catalog uses pair_lock as its lock object; wait
-- for the writers in flight (they hold ROW EXCLUSIVE on edge to commit) and
-- keep new ones out until this update commits, so that no two writers ever
-- use different lock objects.  Reads go on.
LOCK TABLE follow_graph.edge IN SHARE ROW EXCLUSIVE MODE;
DROP FUNCTION follow_graph.pair_slot(bigint, bigint);
DROP TABLE follow_graph.pair_lock;

CREATE TABLE follow_graph.pair_gate () WITH (autovacuum_enabled = false);
REVOKE ALL ON follow_graph.pair_gate FROM PUBLIC;
COMMENT ON TABLE follow_graph.pair_gate IS 'follow_graph storage: lock object only (no rows); its locks order the writes to each pair and keep bulk writers apart';

-- == hardening: import_edges ==
-- No catalog change: import_edges(regclass) keeps its signature, attributes,
-- privileges and comment.  The fix is in the C code (SHARE UPDATE EXCLUSIVE
-- on follow_graph.edge before anything else, so concurrent first loads do not
-- deadlock; the source is staged in tuplestores read as ephemeral relations,
-- so no owner-rights SQL reads a caller-owned temporary table).

-- == states: storage ==
-- Counter columns for pending requests (states) and items (home feed), and
-- the state tables (see sql/install/60_states.sql).
ALTER TABLE follow_graph.counter ADD COLUMN requests bigint NOT NULL DEFAULT 0,
	ADD COLUMN items bigint NOT NULL DEFAULT 0;
COMMENT ON TABLE follow_graph.counter IS 'follow_graph storage: striped follower, following, mutual, pending request and item counts';

CREATE SEQUENCE follow_graph.state_seq AS bigint CACHE 1;

CREATE TABLE follow_graph.account_state (
	account		bigint		NOT NULL,
	private		boolean		NOT NULL DEFAULT false,
	active		boolean		NOT NULL DEFAULT true,
	CONSTRAINT account_state_pkey PRIMARY KEY (account)
);

CREATE TABLE follow_graph.request (
	requester	bigint		NOT NULL,
	account		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	requested_at timestamptz NOT NULL,
	CONSTRAINT request_pkey PRIMARY KEY (requester, account),
	CONSTRAINT request_not_self CHECK (requester OPERATOR(pg_catalog.<>) account)
);
CREATE INDEX request_account_seq ON follow_graph.request (account, seq);

-- pending = false: a hidden edge (seq from edge_seq, followed_at);
-- pending = true: a hidden request from follower to followee (seq from
-- state_seq, followed_at = requested_at).
CREATE TABLE follow_graph.hidden_edge (
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	seq			bigint		NOT NULL,
	followed_at	timestamptz	NOT NULL,
	pending		boolean		NOT NULL,
	CONSTRAINT hidden_edge_pkey PRIMARY KEY (follower, followee),
	CONSTRAINT hidden_edge_not_self CHECK (follower OPERATOR(pg_catalog.<>) followee)
);
CREATE INDEX hidden_edge_followee_follower ON follow_graph.hidden_edge (followee, follower);

CREATE TABLE follow_graph.block (
	blocker		bigint		NOT NULL,
	blocked		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	blocked_at	timestamptz	NOT NULL,
	CONSTRAINT block_pkey PRIMARY KEY (blocker, blocked),
	CONSTRAINT block_not_self CHECK (blocker OPERATOR(pg_catalog.<>) blocked)
);
CREATE INDEX block_blocker_seq ON follow_graph.block (blocker, seq);
CREATE INDEX block_blocked_blocker ON follow_graph.block (blocked, blocker);

CREATE TABLE follow_graph.mute (
	muter		bigint		NOT NULL,
	muted		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	muted_at	timestamptz	NOT NULL,
	expires_at	timestamptz,
	CONSTRAINT mute_pkey PRIMARY KEY (muter, muted),
	CONSTRAINT mute_not_self CHECK (muter OPERATOR(pg_catalog.<>) muted)
);
CREATE INDEX mute_muter_seq ON follow_graph.mute (muter, seq);
CREATE INDEX mute_muted_muter ON follow_graph.mute (muted, muter);

REVOKE ALL ON follow_graph.account_state, follow_graph.request,
	follow_graph.hidden_edge, follow_graph.block, follow_graph.mute,
	follow_graph.state_seq FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('follow_graph.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.request', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.hidden_edge', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.block', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.mute', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.state_seq', '');

COMMENT ON TABLE follow_graph.account_state IS 'follow_graph storage: private and active flags of accounts that ever set one';
COMMENT ON TABLE follow_graph.request IS 'follow_graph storage: pending follow requests to private accounts';
COMMENT ON TABLE follow_graph.hidden_edge IS 'follow_graph storage: edges and requests hidden while one of their accounts is deactivated';
COMMENT ON TABLE follow_graph.block IS 'follow_graph storage: blocks';
COMMENT ON TABLE follow_graph.mute IS 'follow_graph storage: mutes';

-- == states: pair writers ==
-- follow() and unfollow() learn the states in the C code; their comments
-- change; the other pair writers are new (see sql/install/61_states_pair.sql).
CREATE FUNCTION follow_graph.remove_follower(account bigint, follower bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_remove_follower'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.block(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_block'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unblock(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unblock'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.accept_request(account bigint, requester bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_accept_request'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.reject_request(account bigint, requester bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_reject_request'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.remove_follower(bigint, bigint),
	follow_graph.block(bigint, bigint),
	follow_graph.unblock(bigint, bigint),
	follow_graph.accept_request(bigint, bigint),
	follow_graph.reject_request(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.follow(bigint, bigint) IS 'make follower follow followee, or ask to when followee is private; true if the edge or the pending request is new';
COMMENT ON FUNCTION follow_graph.unfollow(bigint, bigint) IS 'remove the edge follower -> followee, or cancel the pending request; true if there was one';
COMMENT ON FUNCTION follow_graph.remove_follower(bigint, bigint) IS 'account removes follower: the edge follower -> account or its pending request; true if there was one';
COMMENT ON FUNCTION follow_graph.block(bigint, bigint) IS 'blocker blocks blocked, removing the edges and pending requests between them; true if the block is new';
COMMENT ON FUNCTION follow_graph.unblock(bigint, bigint) IS 'remove the block blocker -> blocked; true if there was one; restores nothing';
COMMENT ON FUNCTION follow_graph.accept_request(bigint, bigint) IS 'turn the pending request requester -> account into an edge; false if none was pending';
COMMENT ON FUNCTION follow_graph.reject_request(bigint, bigint) IS 'drop the pending request requester -> account; false if none was pending';
-- == states: account writers ==
-- set_private, deactivate_account, reactivate_account, is_private and
-- is_active (see sql/install/62_states_account.sql).
CREATE FUNCTION follow_graph.set_private(account bigint, private boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_set_private'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.deactivate_account(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_deactivate_account'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.reactivate_account(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_reactivate_account'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.set_private(bigint, boolean),
	follow_graph.deactivate_account(bigint),
	follow_graph.reactivate_account(bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.is_private(account bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_private'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.is_active(account bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_active'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.set_private(bigint, boolean) IS 'set an account''s private flag; making it public accepts every pending request to it; returns the number of requests accepted';
COMMENT ON FUNCTION follow_graph.deactivate_account(bigint) IS 'hide every edge and pending request of an account until it is reactivated; returns the number of edges hidden';
COMMENT ON FUNCTION follow_graph.reactivate_account(bigint) IS 'bring back the hidden edges and requests of an account whose other account is active, with their times and cursors; returns the number of edges made visible';
COMMENT ON FUNCTION follow_graph.is_private(bigint) IS 'whether an account is private (false for unknown accounts)';
COMMENT ON FUNCTION follow_graph.is_active(bigint) IS 'whether an account is active (true for unknown accounts)';

-- remove_account() (40_bulk.sql) now deletes every row naming the account.
COMMENT ON FUNCTION follow_graph.remove_account(bigint) IS 'remove every edge (hidden ones included), pending request, block, mute and flag of an account and fix its counterparts'' counts; returns the number of edges removed';

-- == states: reads and mutes ==
-- relationships() gains the state columns and counts() the pending request
-- count: a function's result columns cannot change in place, so both are
-- dropped and created again (nothing in the extension depends on them; their
-- EXECUTE stays PUBLIC, as in 0.1.0).  relationship() keeps its signature
-- and answers the states too (new comment).  Then the mute writers and the
-- state reads (see sql/install/63_states_reads.sql).
DROP FUNCTION follow_graph.relationships(bigint, bigint[]);
DROP FUNCTION follow_graph.counts(bigint[]);

CREATE FUNCTION follow_graph.relationships(viewer bigint, targets bigint[])
RETURNS TABLE (target bigint, following boolean, followed_by boolean,
			   requested boolean, requested_by boolean, blocking boolean,
			   blocked_by boolean, muting boolean)
AS 'MODULE_PATHNAME', 'fg_relationships'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.counts(accounts bigint[])
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint, requests bigint)
AS 'MODULE_PATHNAME', 'fg_counts'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

COMMENT ON FUNCTION follow_graph.relationship(bigint, bigint) IS 'self, blocking, blocked_by, mutual, following, requested, followed_by or none (the first that holds), as seen by viewer';
COMMENT ON FUNCTION follow_graph.relationships(bigint, bigint[]) IS 'relationship flags of viewer with each distinct target (follows, pending requests, blocks, mutes), in one call';
COMMENT ON FUNCTION follow_graph.counts(bigint[]) IS 'the follower, following, mutual and pending request counts of each distinct account, in one call';

CREATE FUNCTION follow_graph.mute(muter bigint, muted bigint, expires_at timestamptz DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_mute'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unmute(muter bigint, muted bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unmute'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz),
	follow_graph.unmute(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.is_muting(muter bigint, muted bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_muting'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.mutes(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (muted bigint, muted_at timestamptz, expires_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_mutes'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.is_blocking(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_blocking'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.blocks(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (blocked bigint, blocked_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_blocks'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.follow_requests(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (requester bigint, requested_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_follow_requests'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.request_count(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_request_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz) IS 'mute muted for muter until expires_at (NULL: forever); true if no mute was in force, else the expiry is updated';
COMMENT ON FUNCTION follow_graph.unmute(bigint, bigint) IS 'remove the mute muter -> muted; true if one was in force';
COMMENT ON FUNCTION follow_graph.is_muting(bigint, bigint) IS 'true if muter mutes muted now (an expired mute is no mute)';
COMMENT ON FUNCTION follow_graph.mutes(bigint, integer, bigint) IS 'the mutes in force of an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.is_blocking(bigint, bigint) IS 'true if blocker blocks blocked';
COMMENT ON FUNCTION follow_graph.blocks(bigint, integer, bigint) IS 'accounts blocked by an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.follow_requests(bigint, integer, bigint) IS 'pending follow requests to an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.request_count(bigint) IS 'exact number of pending follow requests to an account, O(1)';

-- == home feed ==

--------------------------------------------------------------------------
-- HOME FEED
--
-- follow_graph keeps an index of the app's posts, never their content: one
-- row per (author, item), where item is the app's own time-ordered bigint id
-- (a snowflake id or a serial).  feed() merges the newest items of the
-- accounts a viewer follows inside the server, reading the two btrees below;
-- the app joins the ids it gets with its own posts table.
--   item_pkey         (item) INCLUDE (author): global uniqueness of ids, and
--                     the newest items of everyone, newest first
--   item_author_item  (author, item): one author's items, newest first
-- The count of each author's items is the counter column items.
--------------------------------------------------------------------------

CREATE TABLE follow_graph.item (
	author		bigint		NOT NULL,
	item		bigint		NOT NULL,
	CONSTRAINT item_pkey PRIMARY KEY (item) INCLUDE (author)
);
CREATE INDEX item_author_item ON follow_graph.item (author, item);

REVOKE ALL ON follow_graph.item FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item', '');
COMMENT ON TABLE follow_graph.item IS 'follow_graph storage: one row per published item (author, item id) of the home feed';

-- Writes (not executable by PUBLIC).
CREATE FUNCTION follow_graph.publish(author bigint, item bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_publish'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unpublish(author bigint, item bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unpublish'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.forget_items(older_than bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_forget_items'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.publish(bigint, bigint),
	follow_graph.unpublish(bigint, bigint),
	follow_graph.forget_items(bigint) FROM PUBLIC;

-- Reads (PUBLIC).  Pages are not STRICT: a NULL cursor means "first page";
-- a NULL account or page_size gives no rows.
CREATE FUNCTION follow_graph.feed(viewer bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (author bigint, item bigint)
AS 'MODULE_PATHNAME', 'fg_feed'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.author_items(author bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_author_items'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.item_count(author bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_item_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.publish(bigint, bigint) IS 'record that author published item (the app''s post id); true if new';
COMMENT ON FUNCTION follow_graph.unpublish(bigint, bigint) IS 'remove author''s item from every feed; true if it was there';
COMMENT ON FUNCTION follow_graph.forget_items(bigint) IS 'remove every item whose id is below older_than (retention window); returns how many';
COMMENT ON FUNCTION follow_graph.feed(bigint, integer, bigint) IS 'items of the accounts viewer follows and viewer''s own, highest id first, keyset-paged by the last item';
COMMENT ON FUNCTION follow_graph.author_items(bigint, integer, bigint) IS 'one author''s items, highest id first, keyset-paged by the last item';
COMMENT ON FUNCTION follow_graph.item_count(bigint) IS 'exact number of items of an author, O(1)';

-- == discovery ==
--------------------------------------------------------------------------
-- DISCOVERY (issue 14): follow suggestions, similar accounts, "followed by
-- N you follow" for a page of targets, fans and not-following-back lists.
-- The reads are PUBLIC C functions over the storage's indexes; the walks of
-- more than one hop read a bounded number of index entries, set by the
-- GUCs follow_graph.suggest_middles, follow_graph.suggest_fanout,
-- follow_graph.similar_sample and follow_graph.similar_fanout.
--------------------------------------------------------------------------

-- Suggestions an account dismissed: never suggested to it again.
-- remove_account() deletes the rows naming the account on either side.
CREATE TABLE follow_graph.dismissal (
	account		bigint		NOT NULL,
	candidate	bigint		NOT NULL,
	dismissed_at timestamptz NOT NULL,
	CONSTRAINT dismissal_pkey PRIMARY KEY (account, candidate),
	CONSTRAINT dismissal_not_self CHECK (account OPERATOR(pg_catalog.<>) candidate)
);
CREATE INDEX dismissal_candidate ON follow_graph.dismissal (candidate);

REVOKE ALL ON follow_graph.dismissal FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.dismissal', '');
COMMENT ON TABLE follow_graph.dismissal IS 'follow_graph storage: suggestions each account dismissed';

CREATE FUNCTION follow_graph.dismiss_suggestion(account bigint, candidate bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_dismiss_suggestion'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.dismiss_suggestion(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.suggest_follows(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, score float8, via bigint)
AS 'MODULE_PATHNAME', 'fg_suggest_follows'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION follow_graph.similar_accounts(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, jaccard float8)
AS 'MODULE_PATHNAME', 'fg_similar_accounts'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION follow_graph.known_followers_summary(viewer bigint, targets bigint[], sample integer DEFAULT 3)
RETURNS TABLE (target bigint, total bigint, sample bigint[])
AS 'MODULE_PATHNAME', 'fg_known_followers_summary'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

-- Pages are not STRICT because a NULL cursor means "first page"; a NULL
-- account or page_size gives no rows.
CREATE FUNCTION follow_graph.fans(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_fans'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.not_following_back(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_not_following_back'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

COMMENT ON FUNCTION follow_graph.dismiss_suggestion(bigint, bigint) IS 'never suggest candidate to account again; true if the dismissal is new';
COMMENT ON FUNCTION follow_graph.suggest_follows(bigint, integer) IS 'accounts followed by the accounts account follows, by Adamic-Adar score (bounded walk)';
COMMENT ON FUNCTION follow_graph.similar_accounts(bigint, integer) IS 'accounts whose followers overlap most with account''s, by Jaccard (bounded sample)';
COMMENT ON FUNCTION follow_graph.known_followers_summary(bigint, bigint[], integer) IS 'per target: how many accounts viewer follows follow it, and a sample of them';
COMMENT ON FUNCTION follow_graph.fans(bigint, integer, bigint) IS 'followers account does not follow back, ascending, keyset-paged';
COMMENT ON FUNCTION follow_graph.not_following_back(bigint, integer, bigint) IS 'accounts account follows that do not follow it back, ascending, keyset-paged';
