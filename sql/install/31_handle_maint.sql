--------------------------------------------------------------------------
-- HANDLE MAINTENANCE: ICU VERSION
--
-- (The handle maintenance objects are about the handles a database stores,
-- so they are kept apart from the type (30_handle.sql), which the router
-- follow_graph_proxy is built with and which stores none.)
--
-- The ICU and Unicode versions that the handle data of this database was
-- computed with: recorded at install (so a restore, which runs CREATE
-- EXTENSION, records the restoring server's), kept by pg_upgrade (the table's
-- file is carried over with the rest of the schema), not dumped (no
-- pg_extension_config_dump).  The first ICU computation of each backend
-- compares it with the library in use and warns on a mismatch.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- HANDLE MAINTENANCE: VALUES THE INPUT RULES NOW REJECT
--
-- Handles are dumped as text and read back through input at restore, so a
-- stored value that input rejects (one stored under the rules of 0.1.0,
-- which let default-ignorable letters and over-long keys through) would
-- stop a restore.  handle_check() (30_handle.sql) says why a value would
-- be rejected; handle_invalid_values() runs it over every handle column the
-- caller can read, with the caller's rights.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- HANDLE MAINTENANCE: ICU-DEPENDENT INDEXES
--
-- Indexes whose entries were computed by ICU: after an ICU upgrade that
-- changes icu_unicode_version() they must be rebuilt.  Found by walking
-- pg_depend from the functions that compute with ICU (handle_skeleton,
-- handle_is_suspicious, handle_prefix_pattern, handle_check) and from
-- expressions that convert to handle (a cast runs handle_in, which computes
-- the key), through functions with SQL-standard bodies (PostgreSQL records
-- no dependencies for string bodies), views, materialized views and stored
-- generated columns, to the indexes.  rebuild is the command that brings an
-- index up to date: REINDEX, REFRESH MATERIALIZED VIEW for an index of a
-- materialized view, or recomputing a generated column.  Indexes on handle
-- columns and on handle_key() read the key stored in each value and need
-- no rebuild.
--------------------------------------------------------------------------

CREATE VIEW follow_graph.handle_icu_indexes AS
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

GRANT SELECT ON follow_graph.handle_icu_indexes TO PUBLIC;

COMMENT ON VIEW follow_graph.handle_icu_indexes IS 'indexes built with ICU data (skeletons, script checks, casts to handle), directly or through SQL functions, generated columns and materialized views, with the command that rebuilds each after an ICU upgrade';
