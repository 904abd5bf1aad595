
--------------------------------------------------------------------------
-- SCHEMA GUARD
--
-- CREATE EXTENSION uses a schema named follow_graph if one already exists,
-- whoever owns it.  A role that owns that schema, or may create objects in
-- it, could plant an overload such as follow_graph.follow(integer, integer)
-- that callers would run instead of ours.  Refuse to install into a schema
-- where any role other than a superuser owns an object or may create one.
--------------------------------------------------------------------------

DO $guard$
DECLARE
	nsp oid := 'follow_graph'::pg_catalog.regnamespace;
	culprit text;
BEGIN
	SELECT r.rolname INTO culprit
	FROM pg_catalog.pg_roles AS r
	WHERE NOT r.rolsuper
	  AND (pg_catalog.has_schema_privilege(r.oid, nsp, 'CREATE')
		   OR EXISTS (SELECT FROM pg_catalog.pg_class AS c
					  WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
						AND c.relowner OPERATOR(pg_catalog.=) r.oid)
		   OR EXISTS (SELECT FROM pg_catalog.pg_proc AS p
					  WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
						AND p.proowner OPERATOR(pg_catalog.=) r.oid)
		   OR EXISTS (SELECT FROM pg_catalog.pg_type AS t
					  WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp
						AND t.typowner OPERATOR(pg_catalog.=) r.oid)
		   OR EXISTS (SELECT FROM pg_catalog.pg_operator AS o
					  WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp
						AND o.oprowner OPERATOR(pg_catalog.=) r.oid))
	ORDER BY r.rolname
	LIMIT 1;
	IF culprit IS NOT NULL THEN
		RAISE EXCEPTION USING
			ERRCODE = 'insufficient_privilege',
			MESSAGE = 'schema follow_graph is not safe to install into',
			DETAIL = pg_catalog.format('Role %s, which is not a superuser, owns an object in schema follow_graph or may create one.', culprit),
			HINT = 'Drop or rename that schema (it may hold hostile objects), or have a superuser own it and revoke CREATE on it, then retry.';
	END IF;
END
$guard$;
