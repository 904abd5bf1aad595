-- follow_graph 0.4.0 -> 0.5.0.  Editable until 0.5.0 is tagged; frozen after.
-- test/upgrade checks that this script (after the updates from 0.1.0 on
-- for an older catalog) turns a 0.4.0 catalog into exactly what
-- sql/install/*.sql builds for a fresh 0.5.0 install.  Each area appends
-- its own section, headed "-- == <area> ==", in the order of the install
-- fragments.  Every object is created once, in its final 0.5.0 form (no
-- CREATE OR REPLACE or DROP of an object created earlier in this script):
-- test/upgrade/run.sh checks it.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.5.0'" to load this file. \quit

-- == install guard ==
-- The same guard as a fresh install (sql/install/00_guard.sql), run first:
-- an upgrade is a privileged script like an install, and the schema may have
-- been given hostile objects, CREATE rights or default privileges since 0.4.0
-- was installed.  It creates nothing, so the catalog is unchanged.
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

