-- test/upgrade/catalog.sql: a text dump of everything the extension put in
-- the catalog, identified by name (never by OID), one object attribute set
-- per line, for diffing a database updated from an older release against a
-- fresh install.  Run with psql -AtX; works on PostgreSQL 15 to 18 (only
-- catalog columns present in all of them).
--
-- Privileges are shown owner-independently: the object owner is written as
-- "owner", PUBLIC as "PUBLIC", and a NULL acl as its default, so that an
-- explicit acl equal to the default compares equal.

SET search_path = pg_catalog;
SET client_min_messages = warning;

-- The objects to describe: every member of the extension and everything in
-- its schema (so a stray non-member object shows up too).
CREATE TEMP VIEW fg_ext AS
	SELECT e.oid, e.extnamespace AS nsp, e.extowner AS owner
	FROM pg_extension AS e WHERE e.extname = 'follow_graph';

CREATE FUNCTION pg_temp.acl(a aclitem[], owner oid, kind "char") RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg(x.s, ',' ORDER BY x.s COLLATE "C"), '')
	FROM (SELECT CASE WHEN e.grantee = owner THEN 'owner' WHEN e.grantee = 0 THEN 'PUBLIC'
				 ELSE e.grantee::regrole::text END
			|| '=' || e.privilege_type || CASE WHEN e.is_grantable THEN '*' ELSE '' END
			|| '/' || CASE WHEN e.grantor = owner THEN 'owner' ELSE e.grantor::regrole::text END AS s
		  FROM aclexplode(coalesce(a, acldefault(kind, owner))) AS e) AS x
$$;
-- A text value quoted on one line ('-' for NULL).
CREATE FUNCTION pg_temp.q(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(replace(quote_literal(t), E'\n', '\n'), '-') $$;
CREATE FUNCTION pg_temp.d(cls regclass, o oid, sub int DEFAULT 0) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT coalesce((SELECT pg_temp.q(description) FROM pg_description
	WHERE classoid = cls AND objoid = o AND objsubid = sub), '-') $$;
CREATE FUNCTION pg_temp.rp(p regproc) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT CASE WHEN p = 0 THEN '-' ELSE p::oid::regprocedure::text END $$;
CREATE FUNCTION pg_temp.ro(o oid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT CASE WHEN o = 0 THEN '-' ELSE o::regoperator::text END $$;
CREATE FUNCTION pg_temp.rt(t oid) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT CASE WHEN t = 0 THEN '-' ELSE t::regtype::text END $$;

-- extension
SELECT format('extension %s version=%s relocatable=%s schema=%s config=%s',
	e.extname, e.extversion, e.extrelocatable, e.extnamespace::regnamespace,
	-- config tables with their dump conditions, by name: the order of the
	-- list only records the order the scripts registered them in
	(SELECT coalesce(string_agg(format('%s[%s]', c::regclass, coalesce(w, '<null>')), ','
							   ORDER BY c::regclass::text), '-')
	 FROM unnest(e.extconfig, e.extcondition) AS u(c, w)))
FROM pg_extension AS e WHERE e.extname = 'follow_graph';

-- schema
SELECT format('schema %s acl=%s comment=%s', n.nspname,
	pg_temp.acl(n.nspacl, n.nspowner, 'n'), pg_temp.d('pg_namespace', n.oid))
FROM pg_namespace AS n JOIN fg_ext ON n.oid = fg_ext.nsp;

-- members of the extension
SELECT x.line FROM (
	SELECT format('member %s %s', i.type, i.identity) AS line
	FROM pg_depend AS d, fg_ext, pg_identify_object(d.classid, d.objid, d.objsubid) AS i
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = fg_ext.oid AND d.deptype = 'e'
) AS x ORDER BY x.line COLLATE "C";

-- initial privileges recorded for pg_dump (pg_init_privs); "owner" is the
-- extension's owner
SELECT x.line FROM (
	SELECT format('init_privs %s %s %s', i.type, i.identity,
		(SELECT coalesce(string_agg(s, ',' ORDER BY s COLLATE "C"), '')
		 FROM (SELECT CASE WHEN e.grantee = 0 THEN 'PUBLIC' WHEN e.grantee = fg_ext.owner THEN 'owner'
						 ELSE e.grantee::regrole::text END
					|| '=' || e.privilege_type || CASE WHEN e.is_grantable THEN '*' ELSE '' END AS s
			   FROM aclexplode(p.initprivs) AS e) AS y)) AS line
	FROM pg_init_privs AS p, fg_ext, pg_identify_object(p.classoid, p.objoid, p.objsubid) AS i
	WHERE p.privtype = 'e'
	  AND (i.schema = 'follow_graph' OR EXISTS (SELECT FROM pg_depend AS d
			WHERE d.classid = p.classoid AND d.objid = p.objoid AND d.deptype = 'e'
			  AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = fg_ext.oid))
) AS x ORDER BY x.line COLLATE "C";

-- functions, procedures and aggregates
SELECT x.line FROM (
	SELECT format('function %s kind=%s args=(%s) result=%s lang=%s volatile=%s strict=%s secdef=%s'
			' parallel=%s leakproof=%s config=%s cost=%s rows=%s support=%s retset=%s'
			' argmodes=%s alltypes=%s src=%s bin=%s sqlbody=%s acl=%s comment=%s',
		p.oid::regprocedure, p.prokind, pg_get_function_arguments(p.oid),
		pg_get_function_result(p.oid), l.lanname, p.provolatile, p.proisstrict, p.prosecdef,
		p.proparallel, p.proleakproof, coalesce(array_to_string(p.proconfig, ','), '-'),
		p.procost, p.prorows, pg_temp.rp(p.prosupport), p.proretset,
		coalesce(array_to_string(p.proargmodes, ','), '-'),
		coalesce((SELECT string_agg(t::regtype::text, ',' ORDER BY ord)
				  FROM unnest(p.proallargtypes) WITH ORDINALITY AS u(t, ord)), '-'),
		pg_temp.q(p.prosrc), coalesce(p.probin, '-'), pg_temp.q(pg_get_function_sqlbody(p.oid)),
		pg_temp.acl(p.proacl, p.proowner, 'f'), pg_temp.d('pg_proc', p.oid)) AS line
	FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang, fg_ext
	WHERE p.pronamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

SELECT x.line FROM (
	SELECT format('aggregate %s kind=%s ndirect=%s trans=%s final=%s combine=%s serial=%s deserial=%s'
			' mtrans=%s minvtrans=%s mfinal=%s finalextra=%s mfinalextra=%s finalmodify=%s'
			' mfinalmodify=%s sortop=%s transtype=%s transspace=%s mtranstype=%s mtransspace=%s'
			' initval=%s minitval=%s',
		a.aggfnoid::regprocedure, a.aggkind, a.aggnumdirectargs, pg_temp.rp(a.aggtransfn),
		pg_temp.rp(a.aggfinalfn), pg_temp.rp(a.aggcombinefn), pg_temp.rp(a.aggserialfn),
		pg_temp.rp(a.aggdeserialfn), pg_temp.rp(a.aggmtransfn), pg_temp.rp(a.aggminvtransfn),
		pg_temp.rp(a.aggmfinalfn), a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify,
		a.aggmfinalmodify, pg_temp.ro(a.aggsortop), pg_temp.rt(a.aggtranstype), a.aggtransspace,
		pg_temp.rt(a.aggmtranstype), a.aggmtransspace, pg_temp.q(a.agginitval),
		pg_temp.q(a.aggminitval)) AS line
	FROM pg_aggregate AS a JOIN pg_proc AS p ON p.oid = a.aggfnoid, fg_ext
	WHERE p.pronamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- operators
SELECT x.line FROM (
	SELECT format('operator %s kind=%s result=%s code=%s commutator=%s negator=%s restrict=%s'
			' join=%s hashes=%s merges=%s comment=%s',
		o.oid::regoperator, o.oprkind, pg_temp.rt(o.oprresult), pg_temp.rp(o.oprcode),
		pg_temp.ro(o.oprcom), pg_temp.ro(o.oprnegate), pg_temp.rp(o.oprrest),
		pg_temp.rp(o.oprjoin), o.oprcanhash, o.oprcanmerge, pg_temp.d('pg_operator', o.oid)) AS line
	FROM pg_operator AS o, fg_ext WHERE o.oprnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- operator families and classes, with their members
SELECT x.line FROM (
	SELECT format('opfamily %s comment=%s', pg_describe_object('pg_opfamily'::regclass, f.oid, 0),
		pg_temp.d('pg_opfamily', f.oid)) AS line
	FROM pg_opfamily AS f, fg_ext WHERE f.opfnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

SELECT x.line FROM (
	SELECT format('opclass %s family=%s type=%s default=%s keytype=%s comment=%s',
		pg_describe_object('pg_opclass'::regclass, c.oid, 0),
		pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0),
		pg_temp.rt(c.opcintype), c.opcdefault, pg_temp.rt(c.opckeytype),
		pg_temp.d('pg_opclass', c.oid)) AS line
	FROM pg_opclass AS c, fg_ext WHERE c.opcnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

SELECT x.line FROM (
	SELECT format('amop %s strategy=%s types=%s,%s purpose=%s op=%s sortfamily=%s',
		pg_describe_object('pg_opfamily'::regclass, a.amopfamily, 0), a.amopstrategy,
		pg_temp.rt(a.amoplefttype), pg_temp.rt(a.amoprighttype), a.amoppurpose,
		pg_temp.ro(a.amopopr),
		CASE WHEN a.amopsortfamily = 0 THEN '-'
			 ELSE pg_describe_object('pg_opfamily'::regclass, a.amopsortfamily, 0) END) AS line
	FROM pg_amop AS a JOIN pg_opfamily AS f ON f.oid = a.amopfamily, fg_ext
	WHERE f.opfnamespace = fg_ext.nsp
	UNION ALL
	SELECT format('amproc %s number=%s types=%s,%s proc=%s',
		pg_describe_object('pg_opfamily'::regclass, a.amprocfamily, 0), a.amprocnum,
		pg_temp.rt(a.amproclefttype), pg_temp.rt(a.amprocrighttype), pg_temp.rp(a.amproc))
	FROM pg_amproc AS a JOIN pg_opfamily AS f ON f.oid = a.amprocfamily, fg_ext
	WHERE f.opfnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- casts from or to a type of the schema, or belonging to the extension
SELECT x.line FROM (
	SELECT format('cast (%s AS %s) func=%s context=%s method=%s comment=%s',
		c.castsource::regtype, c.casttarget::regtype, pg_temp.rp(c.castfunc), c.castcontext,
		c.castmethod, pg_temp.d('pg_cast', c.oid)) AS line
	FROM pg_cast AS c, fg_ext
	WHERE EXISTS (SELECT FROM pg_type AS t WHERE t.oid IN (c.castsource, c.casttarget)
				  AND t.typnamespace = fg_ext.nsp)
	   OR EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_cast'::regclass
				  AND d.objid = c.oid AND d.deptype = 'e' AND d.refobjid = fg_ext.oid)
) AS x ORDER BY x.line COLLATE "C";

-- types (base, composite row types of the tables, arrays, domains)
SELECT x.line FROM (
	SELECT format('type %s type=%s len=%s byval=%s category=%s preferred=%s delim=%s relation=%s'
			' elem=%s array=%s in=%s out=%s recv=%s send=%s modin=%s modout=%s analyze=%s'
			' subscript=%s align=%s storage=%s notnull=%s base=%s typmod=%s ndims=%s'
			' collation=%s default=%s acl=%s comment=%s',
		t.oid::regtype, t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred,
		t.typdelim, CASE WHEN t.typrelid = 0 THEN '-' ELSE t.typrelid::regclass::text END,
		pg_temp.rt(t.typelem), pg_temp.rt(t.typarray), pg_temp.rp(t.typinput),
		pg_temp.rp(t.typoutput), pg_temp.rp(t.typreceive), pg_temp.rp(t.typsend),
		pg_temp.rp(t.typmodin), pg_temp.rp(t.typmodout), pg_temp.rp(t.typanalyze),
		pg_temp.rp(t.typsubscript), t.typalign, t.typstorage, t.typnotnull,
		pg_temp.rt(t.typbasetype), t.typtypmod, t.typndims,
		CASE WHEN t.typcollation = 0 THEN '-' ELSE t.typcollation::regcollation::text END,
		pg_temp.q(t.typdefault), pg_temp.acl(t.typacl, t.typowner, 'T'),
		pg_temp.d('pg_type', t.oid)) AS line
	FROM pg_type AS t, fg_ext WHERE t.typnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- relations: tables, views, sequences, indexes, ...
SELECT x.line FROM (
	SELECT format('relation %s kind=%s persistence=%s options=%s acl=%s rls=%s forcerls=%s'
			' replident=%s partition=%s am=%s comment=%s',
		c.oid::regclass, c.relkind, c.relpersistence,
		coalesce(array_to_string(c.reloptions, ','), '-'),
		pg_temp.acl(c.relacl, c.relowner, CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char"),
		c.relrowsecurity, c.relforcerowsecurity, c.relreplident, c.relispartition,
		coalesce((SELECT amname FROM pg_am WHERE oid = c.relam), '-'),
		pg_temp.d('pg_class', c.oid)) AS line
	FROM pg_class AS c, fg_ext WHERE c.relnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- columns, in their physical order (dropped columns skipped)
SELECT x.line FROM (
	SELECT format('column %s #%s %s type=%s notnull=%s default=%s identity=%s generated=%s'
			' collation=%s storage=%s compression=%s acl=%s comment=%s',
		c.oid::regclass, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
		format_type(a.atttypid, a.atttypmod), a.attnotnull,
		coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-'), a.attidentity, a.attgenerated,
		CASE WHEN a.attcollation = 0 THEN '-' ELSE a.attcollation::regcollation::text END,
		a.attstorage, a.attcompression,
		CASE WHEN a.attacl IS NULL THEN '-' ELSE pg_temp.acl(a.attacl, c.relowner, 'c') END,
		pg_temp.d('pg_class', c.oid, a.attnum)) AS line
	FROM pg_class AS c JOIN pg_attribute AS a ON a.attrelid = c.oid
	LEFT JOIN pg_attrdef AS ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum, fg_ext
	WHERE c.relnamespace = fg_ext.nsp AND a.attnum > 0 AND NOT a.attisdropped
	  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
) AS x ORDER BY x.line COLLATE "C";

-- constraints (of tables and domains)
SELECT x.line FROM (
	SELECT format('constraint %s on %s type=%s def=%s deferrable=%s deferred=%s comment=%s',
		co.conname,
		CASE WHEN co.conrelid <> 0 THEN co.conrelid::regclass::text ELSE co.contypid::regtype::text END,
		co.contype, pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred,
		pg_temp.d('pg_constraint', co.oid)) AS line
	FROM pg_constraint AS co, fg_ext WHERE co.connamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- indexes
SELECT x.line FROM (
	SELECT format('index %s clustered=%s replident=%s', pg_get_indexdef(i.indexrelid),
		i.indisclustered, i.indisreplident) AS line
	FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid, fg_ext
	WHERE c.relnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- sequences
SELECT x.line FROM (
	SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
		s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin,
		s.seqmax, s.seqcache, s.seqcycle,
		coalesce((SELECT d.refobjid::regclass || '.' || a.attname FROM pg_depend AS d
				  JOIN pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
				  WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
					AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-')) AS line
	FROM pg_sequence AS s JOIN pg_class AS c ON c.oid = s.seqrelid, fg_ext
	WHERE c.relnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";

-- views
SELECT x.line FROM (
	SELECT format('view %s def=%s', c.oid::regclass, pg_temp.q(pg_get_viewdef(c.oid, true))) AS line
	FROM pg_class AS c, fg_ext WHERE c.relnamespace = fg_ext.nsp AND c.relkind IN ('v', 'm')
) AS x ORDER BY x.line COLLATE "C";

-- triggers, rules and policies on the schema's tables
SELECT x.line FROM (
	SELECT format('trigger %s enabled=%s comment=%s', pg_get_triggerdef(t.oid), t.tgenabled,
		pg_temp.d('pg_trigger', t.oid)) AS line
	FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid, fg_ext
	WHERE c.relnamespace = fg_ext.nsp AND NOT t.tgisinternal
	UNION ALL
	SELECT format('rule %s', pg_get_ruledef(r.oid))
	FROM pg_rewrite AS r JOIN pg_class AS c ON c.oid = r.ev_class, fg_ext
	WHERE c.relnamespace = fg_ext.nsp AND r.rulename <> '_RETURN'
	UNION ALL
	SELECT format('policy %s on %s cmd=%s permissive=%s roles=%s using=%s check=%s',
		p.polname, p.polrelid::regclass, p.polcmd, p.polpermissive,
		(SELECT string_agg(y.n, ',' ORDER BY y.n COLLATE "C")
		 FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END AS n
			   FROM unnest(p.polroles) AS r) AS y),
		coalesce(pg_get_expr(p.polqual, p.polrelid), '-'),
		coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
	FROM pg_policy AS p JOIN pg_class AS c ON c.oid = p.polrelid, fg_ext
	WHERE c.relnamespace = fg_ext.nsp
) AS x ORDER BY x.line COLLATE "C";
