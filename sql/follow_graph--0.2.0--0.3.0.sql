-- follow_graph 0.2.0 -> 0.3.0.  Editable until 0.3.0 is tagged; frozen after.
-- test/upgrade checks that this script (after 0.1.0 -> 0.2.0 for a 0.1.0
-- catalog) turns a 0.2.0 catalog into exactly what sql/install/*.sql builds
-- for a fresh 0.3.0 install.  Each area appends its own section, headed
-- "-- == <area> ==", in the order of the install fragments.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.3.0'" to load this file. \quit

-- == install guard ==
-- The same guard as a fresh install (sql/install/00_guard.sql), run first:
-- an upgrade is a privileged script like an install, and the schema may have
-- been given hostile objects, CREATE rights or default privileges since 0.2.0
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

-- == home feed: author recency ==
-- sql/install/85_feed_bound.sql (after discovery, so that the extension's
-- config-table list matches an upgraded catalog): upper bounds of each
-- author's newest item (append-only for publishers), filled from the items already published (the exact newest id, which is an
-- upper bound).  Until this runs, the 0.3.0 library reads a 0.2.0 catalog
-- with the 0.2.0 plans of feed().
CREATE TABLE follow_graph.item_bound (
	author		bigint		NOT NULL,
	newest		bigint		NOT NULL
);
CREATE INDEX item_bound_author ON follow_graph.item_bound (author, newest);
CREATE INDEX item_bound_newest ON follow_graph.item_bound (newest) INCLUDE (author);

REVOKE ALL ON follow_graph.item_bound FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item_bound', '');
COMMENT ON TABLE follow_graph.item_bound IS 'follow_graph storage: per author, upper bounds of its newest item id, the highest one counting (the home feed skips authors older than the page)';

-- Publishers of the 0.3.0 library keep no bound until this commits: wait
-- for those in flight (their items are then seen by the fill below, which
-- runs under a new snapshot in READ COMMITTED) and hold later ones until
-- commit (they then see item_bound and raise their bound themselves).
LOCK TABLE follow_graph.item IN SHARE MODE;
INSERT INTO follow_graph.item_bound (author, newest)
SELECT i.author, pg_catalog.max(i.item) FROM follow_graph.item AS i GROUP BY i.author;

-- == cluster node (issue 16) ==
-- The same objects as sql/install/90_node.sql (internal functions and tables
-- of a follow_graph_proxy data node; nothing runs until the router configures
-- the node).

--------------------------------------------------------------------------
-- CLUSTER NODE (internal; issue 16, docs/scale-out.md)
--
-- What a data node of a follow_graph_proxy cluster needs.  Everything here
-- is internal: called by the router (extension follow_graph_proxy) through
-- PL/Proxy, never by applications, and not executable by PUBLIC.  A node
-- that was never configured by the router (no row in node_config) writes no
-- journal row and behaves exactly as a single node: nothing below runs
-- unless a node_* function is called, and those refuse to run on a node
-- that is not a cluster member.
--
-- Placement: partition p(x) = hashint8(x) & (partitions - 1), the mapping
-- PL/Proxy applies to RUN ON hashint8(x).  An edge a -> b is stored on the
-- node owning p(a) and on the node owning p(b); each node's counts are exact
-- for the accounts it owns.  The write of the acting side commits on its
-- node together with a journal entry for the other side's partition; the
-- router delivers the entry to the other node (node_apply), which applies it
-- only if its version is newer than the last one it applied for the pair
-- (node_applied), so duplicates, retries and reordering converge.
--------------------------------------------------------------------------

-- Cluster membership, written by the router's cluster_configure(): this
-- node's name, the number of partitions and the partitions it owns.
CREATE TABLE follow_graph.node_config (
	one			boolean		NOT NULL DEFAULT true,
	node_name	text		NOT NULL,
	partitions	integer		NOT NULL,
	owned		integer[]	NOT NULL,
	CONSTRAINT node_config_pkey PRIMARY KEY (one),
	CONSTRAINT node_config_one CHECK (one),
	CONSTRAINT node_config_partitions CHECK (partitions OPERATOR(pg_catalog.>) 0
		AND partitions OPERATOR(pg_catalog.<=) 65536
		AND (partitions OPERATOR(pg_catalog.&) (partitions OPERATOR(pg_catalog.-) 1)) OPERATOR(pg_catalog.=) 0)
);

-- Versions of journal entries: one sequence per node, so the entries one
-- node writes for a pair are ordered as its writes to the pair committed.
CREATE SEQUENCE follow_graph.node_version_seq AS bigint;

-- Changes this node made to edges whose other side lives on another node,
-- waiting for delivery (deleted once the other node applied them).
CREATE TABLE follow_graph.node_journal (
	version		bigint		NOT NULL,
	part		integer		NOT NULL,
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	present		boolean		NOT NULL,
	changed_at	timestamptz	NOT NULL,
	CONSTRAINT node_journal_pkey PRIMARY KEY (version)
);

-- The newest version applied here for each pair whose other side lives on
-- another node (kept after an unfollow, as a tombstone).
CREATE TABLE follow_graph.node_applied (
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	version		bigint		NOT NULL,
	CONSTRAINT node_applied_pkey PRIMARY KEY (follower, followee)
);

REVOKE ALL ON follow_graph.node_config, follow_graph.node_journal,
	follow_graph.node_applied, follow_graph.node_version_seq FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_config', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_journal', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_applied', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_version_seq', '');

COMMENT ON TABLE follow_graph.node_config IS 'follow_graph cluster node (internal): this node''s name, partition count and owned partitions, written by the router';
COMMENT ON TABLE follow_graph.node_journal IS 'follow_graph cluster node (internal): edge changes waiting for delivery to the other side''s node';
COMMENT ON TABLE follow_graph.node_applied IS 'follow_graph cluster node (internal): newest journal version applied per pair';

-- Make this node a cluster member owning the given partitions (called by
-- the router's cluster_configure(), and again when partitions move).
CREATE FUNCTION follow_graph.node_configure(node_name text, partitions integer, owned integer[])
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF node_name IS NULL OR partitions IS NULL OR owned IS NULL THEN
		RAISE EXCEPTION 'node_name, partitions and owned must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF partitions < 1 OR partitions > 65536 OR (partitions & (partitions - 1)) <> 0 THEN
		RAISE EXCEPTION 'partitions must be a power of two between 1 and 65536'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT 1 FROM unnest(owned) AS o (p) WHERE p IS NULL OR p < 0 OR p >= partitions) THEN
		RAISE EXCEPTION 'owned partitions must be between 0 and %', partitions - 1
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	INSERT INTO follow_graph.node_config AS c (one, node_name, partitions, owned)
	VALUES (true, node_name, partitions,
			ARRAY(SELECT DISTINCT p FROM unnest(owned) AS o (p) ORDER BY p))
	ON CONFLICT (one) DO UPDATE
		SET node_name = EXCLUDED.node_name, partitions = EXCLUDED.partitions,
			owned = EXCLUDED.owned;
END
$fn$;

-- One pair write of the acting side: follow() or unfollow() here, plus a
-- journal entry when the edge changed and the other side's partition is
-- not this node's.  version is NULL when no entry was written.
CREATE FUNCTION follow_graph.node_write(follower bigint, followee bigint, present boolean,
	OUT changed boolean, OUT version bigint, OUT part integer)
RETURNS record
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	mask := cfg.partitions - 1;
	-- Bad arguments are left to follow() and unfollow(), for their errors.
	IF follower IS NOT NULL AND followee IS NOT NULL AND follower <> followee THEN
		IF NOT (hashint8(follower) & mask) = ANY (cfg.owned) THEN
			RAISE EXCEPTION 'account % is not stored on node %', follower, cfg.node_name
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = format('Its partition %s is not one of this node''s.', hashint8(follower) & mask),
					  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
		END IF;
	END IF;
	IF present THEN
		changed := follow_graph.follow(follower, followee);
	ELSE
		changed := follow_graph.unfollow(follower, followee);
	END IF;
	part := hashint8(followee) & mask;
	IF changed AND NOT part = ANY (cfg.owned) THEN
		INSERT INTO follow_graph.node_journal AS j
			(version, part, follower, followee, present, changed_at)
		VALUES (nextval('follow_graph.node_version_seq'), part, follower, followee,
				present, clock_timestamp())
		RETURNING j.version INTO version;
	END IF;
END
$fn$;

-- Apply journal entries of other nodes (arrays of one length, any order):
-- each pair takes the entry of highest version, and only if it is newer
-- than the version applied here before.  Returns how many changed a pair.
CREATE FUNCTION follow_graph.node_apply(follower bigint[], followee bigint[],
	present boolean[], version bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	e record;
	fresh boolean;
	applied bigint := 0;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(follower) <> cardinality(followee) OR cardinality(follower) <> cardinality(present)
	   OR cardinality(follower) <> cardinality(version) THEN
		RAISE EXCEPTION 'journal arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	mask := cfg.partitions - 1;
	-- Newest entry per pair, pairs in one order so concurrent applies never
	-- wait on each other in a cycle.
	FOR e IN
		SELECT DISTINCT ON (u.f, u.e) u.f, u.e, u.p, u.v
		FROM unnest(follower, followee, present, version) AS u (f, e, p, v)
		ORDER BY u.f, u.e, u.v DESC
	LOOP
		IF e.f IS NULL OR e.e IS NULL OR e.p IS NULL OR e.v IS NULL OR e.f = e.e THEN
			RAISE EXCEPTION 'invalid journal entry (%, %, %, %)', e.f, e.e, e.p, e.v
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT ((hashint8(e.e) & mask) = ANY (cfg.owned) OR (hashint8(e.f) & mask) = ANY (cfg.owned)) THEN
			RAISE EXCEPTION 'neither account of the pair (%, %) is stored on node %', e.f, e.e, cfg.node_name
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
		END IF;
		fresh := false;
		INSERT INTO follow_graph.node_applied AS a (follower, followee, version)
		VALUES (e.f, e.e, e.v)
		ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
			WHERE a.version < EXCLUDED.version
		RETURNING true INTO fresh;
		IF fresh THEN
			IF e.p THEN
				PERFORM follow_graph.follow(e.f, e.e);
			ELSE
				PERFORM follow_graph.unfollow(e.f, e.e);
			END IF;
			applied := applied + 1;
		END IF;
	END LOOP;
	RETURN applied;
END
$fn$;

-- Up to max_entries journal entries, oldest first, with a partition of
-- this node (origin) for the router to address the acknowledgement to.
CREATE FUNCTION follow_graph.node_journal(max_entries integer)
RETURNS TABLE (origin integer, version bigint, part integer, follower bigint,
			   followee bigint, present boolean, changed_at timestamptz)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.owned[1], j.version, j.part, j.follower, j.followee, j.present, j.changed_at
	FROM follow_graph.node_config AS c, follow_graph.node_journal AS j
	ORDER BY j.version
	LIMIT max_entries
$fn$;

-- Drop delivered journal entries; returns how many were dropped.
CREATE FUNCTION follow_graph.node_ack(versions bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH d AS (DELETE FROM follow_graph.node_journal AS j
			   WHERE j.version = ANY (versions) RETURNING 1)
	SELECT count(*) FROM d
$fn$;

-- Order-independent digest of the edges stored here, per partition pair:
-- the number of edges and the sum of a 64-bit hash of each (follower,
-- followee), modulo 2^64.  Two nodes holding the same edges of a partition
-- pair give the same row.
CREATE FUNCTION follow_graph.node_digest()
RETURNS TABLE (follower_part integer, followee_part integer, edges bigint, digest numeric)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT hashint8(e.follower) & (c.partitions - 1),
		   hashint8(e.followee) & (c.partitions - 1),
		   count(*),
		   mod(sum(hashint8extended(e.follower, e.followee)::numeric), 18446744073709551616::numeric)
	FROM follow_graph.node_config AS c, follow_graph.edge AS e
	GROUP BY 1, 2
$fn$;

-- The edges stored here of the given partition pairs, oldest first (for
-- verify, repair and partition moves).
CREATE FUNCTION follow_graph.node_edges(follower_parts integer[], followee_parts integer[])
RETURNS TABLE (follower bigint, followee bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT e.follower, e.followee
	FROM follow_graph.node_config AS c, follow_graph.edge AS e
	WHERE (hashint8(e.follower) & (c.partitions - 1), hashint8(e.followee) & (c.partitions - 1))
		IN (SELECT * FROM unnest(follower_parts, followee_parts))
	ORDER BY e.seq
$fn$;

-- Journal the current state of pairs whose follower this node owns, with a
-- fresh version (cluster_repair() re-sends the missing halves this way).
-- Returns how many entries were written.
CREATE FUNCTION follow_graph.node_rejournal(follower bigint[], followee bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	n bigint;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	WITH pairs AS (
		SELECT DISTINCT u.f, u.e, hashint8(u.e) & (cfg.partitions - 1) AS part
		FROM unnest(follower, followee) AS u (f, e)
		WHERE (hashint8(u.f) & (cfg.partitions - 1)) = ANY (cfg.owned)
		  AND NOT (hashint8(u.e) & (cfg.partitions - 1)) = ANY (cfg.owned)
		ORDER BY u.f, u.e),
	ins AS (
		INSERT INTO follow_graph.node_journal (version, part, follower, followee, present, changed_at)
		SELECT nextval('follow_graph.node_version_seq'), p.part, p.f, p.e,
			   EXISTS (SELECT 1 FROM follow_graph.edge AS x
					   WHERE x.follower = p.f AND x.followee = p.e),
			   clock_timestamp()
		FROM pairs AS p
		RETURNING 1)
	SELECT count(*) INTO n FROM ins;
	RETURN n;
END
$fn$;

-- This node's membership, journal length and last version (NULL name: not
-- a cluster node).
CREATE FUNCTION follow_graph.node_status()
RETURNS TABLE (node_name text, partitions integer, owned integer[], journal bigint, version bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.node_name, c.partitions, c.owned,
		   (SELECT count(*) FROM follow_graph.node_journal),
		   (SELECT s.last_value FROM follow_graph.node_version_seq AS s)
	FROM (SELECT 1) AS one LEFT JOIN follow_graph.node_config AS c ON true
$fn$;

-- Make every later version of this node greater than min_version (a partition
-- move hands an account's writes to this node: its versions must beat the
-- ones the old node gave the same pairs).  Returns the last version.
CREATE FUNCTION follow_graph.node_version_floor(min_version bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	last bigint;
BEGIN
	SELECT s.last_value INTO last FROM follow_graph.node_version_seq AS s;
	IF last < min_version THEN
		last := setval('follow_graph.node_version_seq', min_version);
	END IF;
	RETURN last;
END
$fn$;

-- Copy edges in (a partition move), in array order, through follow(): the
-- edges already here are skipped.  One side of each must be this node's.
-- Returns how many were new.
CREATE FUNCTION follow_graph.node_copy_in(follower bigint[], followee bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	n bigint := 0;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(follower) <> cardinality(followee) THEN
		RAISE EXCEPTION 'follower and followee must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	mask := cfg.partitions - 1;
	FOR i IN 1 .. coalesce(cardinality(follower), 0) LOOP
		IF NOT ((hashint8(follower[i]) & mask) = ANY (cfg.owned)
				OR (hashint8(followee[i]) & mask) = ANY (cfg.owned)) THEN
			RAISE EXCEPTION 'neither account of the pair (%, %) is stored on node %',
				follower[i], followee[i], cfg.node_name
				USING ERRCODE = 'object_not_in_prerequisite_state';
		END IF;
		IF follow_graph.follow(follower[i], followee[i]) THEN
			n := n + 1;
		END IF;
	END LOOP;
	RETURN n;
END
$fn$;

-- After a partition moved away: remove, through unfollow(), every edge of
-- which this node owns neither side, and the versions of such pairs.
-- Returns how many edges were removed.
CREATE FUNCTION follow_graph.node_forget()
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	e record;
	n bigint := 0;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	mask := cfg.partitions - 1;
	FOR e IN
		SELECT x.follower, x.followee FROM follow_graph.edge AS x
		WHERE NOT (hashint8(x.follower) & mask) = ANY (cfg.owned)
		  AND NOT (hashint8(x.followee) & mask) = ANY (cfg.owned)
		ORDER BY x.follower, x.followee
	LOOP
		IF follow_graph.unfollow(e.follower, e.followee) THEN
			n := n + 1;
		END IF;
	END LOOP;
	DELETE FROM follow_graph.node_applied AS a
	WHERE NOT (hashint8(a.follower) & mask) = ANY (cfg.owned)
	  AND NOT (hashint8(a.followee) & mask) = ANY (cfg.owned);
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_configure(text, integer, integer[]),
	follow_graph.node_write(bigint, bigint, boolean),
	follow_graph.node_apply(bigint[], bigint[], boolean[], bigint[]),
	follow_graph.node_journal(integer),
	follow_graph.node_ack(bigint[]),
	follow_graph.node_digest(),
	follow_graph.node_edges(integer[], integer[]),
	follow_graph.node_rejournal(bigint[], bigint[]),
	follow_graph.node_status(),
	follow_graph.node_version_floor(bigint),
	follow_graph.node_copy_in(bigint[], bigint[]),
	follow_graph.node_forget() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_configure(text, integer, integer[]) IS 'internal (cluster node): make this database a cluster node owning the given partitions';
COMMENT ON FUNCTION follow_graph.node_write(bigint, bigint, boolean) IS 'internal (cluster node): follow or unfollow on the acting side, journaling the change for the other side''s node';
COMMENT ON FUNCTION follow_graph.node_apply(bigint[], bigint[], boolean[], bigint[]) IS 'internal (cluster node): apply other nodes'' journal entries, newest version per pair, idempotently';
COMMENT ON FUNCTION follow_graph.node_journal(integer) IS 'internal (cluster node): oldest journal entries waiting for delivery';
COMMENT ON FUNCTION follow_graph.node_ack(bigint[]) IS 'internal (cluster node): drop delivered journal entries';
COMMENT ON FUNCTION follow_graph.node_digest() IS 'internal (cluster node): edge count and order-independent digest per partition pair';
COMMENT ON FUNCTION follow_graph.node_edges(integer[], integer[]) IS 'internal (cluster node): the edges of the given partition pairs';
COMMENT ON FUNCTION follow_graph.node_rejournal(bigint[], bigint[]) IS 'internal (cluster node): journal the current state of pairs again, with fresh versions';
COMMENT ON FUNCTION follow_graph.node_status() IS 'internal (cluster node): name, partitions, journal length and last version of this node';
COMMENT ON FUNCTION follow_graph.node_version_floor(bigint) IS 'internal (cluster node): make later journal versions of this node greater than the given one';
COMMENT ON FUNCTION follow_graph.node_copy_in(bigint[], bigint[]) IS 'internal (cluster node): copy edges in, in order (partition moves)';
COMMENT ON FUNCTION follow_graph.node_forget() IS 'internal (cluster node): remove the edges of which this node owns neither account (after a partition moved away)';

-- == pages and the mutual range (issue 15) ==
-- The table of sql/install/85_mutual.sql, filled from the edges.  The edge
-- table is locked in SHARE mode first: that waits for every writer in
-- flight (they hold ROW EXCLUSIVE on it to commit) and keeps new ones out
-- until the update commits, so no edge changes between the fill and the
-- first writer that maintains the range.  The key is added after the fill
-- (one sort instead of row-by-row inserts); the catalog is the same.
LOCK TABLE follow_graph.edge IN SHARE MODE;
CREATE TABLE follow_graph.mutual (
	account		bigint	NOT NULL,
	friend		bigint	NOT NULL
);
INSERT INTO follow_graph.mutual (account, friend)
SELECT e.follower, e.followee
FROM follow_graph.edge AS e
JOIN follow_graph.edge AS r
  ON r.follower OPERATOR(pg_catalog.=) e.followee
 AND r.followee OPERATOR(pg_catalog.=) e.follower
ORDER BY e.follower, e.followee;
ALTER TABLE follow_graph.mutual ADD CONSTRAINT mutual_pkey PRIMARY KEY (account, friend);

REVOKE ALL ON follow_graph.mutual FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.mutual', '');
COMMENT ON TABLE follow_graph.mutual IS 'follow_graph storage: both rows (a, b) and (b, a) of every mutual pair, the Friends of each account in id order (write through the API only)';

-- followers() pages index-only (src/fg_pages.c): the (followee, seq) index
-- carries follower and followed_at, built again under the SHARE lock taken
-- above.  Cursors are unchanged (seq stays), so a client's cursor taken
-- before the update pages on after it.  The new index is built under a
-- temporary name first: DROP INDEX locks the edge table ACCESS EXCLUSIVE
-- until the update commits, and every read of the edges waits from then
-- on, so the build (the long part) must come before it, and this step last.
CREATE INDEX edge_followee_seq_0_3_0 ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);
DROP INDEX follow_graph.edge_followee_seq;
ALTER INDEX follow_graph.edge_followee_seq_0_3_0 RENAME TO edge_followee_seq;

-- == cluster node: routing and drain ==
-- node_apply() set-based (one statement records the fresh versions, one
-- applies them) and ignoring entries at or below their partition's floor;
-- node_rejournal() takes its xid before its first version; then the
-- objects of sql/install/92_node_route.sql (node_applied_floor,
-- node_horizon(), node_prune()).  No data to migrate: node_applied rows
-- are pruned by the router's next drain().

-- Apply journal entries of other nodes (arrays of one length, any order):
-- each pair takes the entry of highest version, and only if it is newer
-- than the version applied here before (node_applied) and than the floor
-- of its follower's partition (node_applied_floor: every entry at or below
-- it was applied here before, see node_prune()).  Set-based: one statement
-- records the fresh versions, one applies them in pair order.  Returns how
-- many entries changed a pair's version.
CREATE OR REPLACE FUNCTION follow_graph.node_apply(follower bigint[], followee bigint[],
	present boolean[], version bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	bad record;
	fs bigint[];
	es bigint[];
	ps boolean[];
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(follower) <> cardinality(followee) OR cardinality(follower) <> cardinality(present)
	   OR cardinality(follower) <> cardinality(version) THEN
		RAISE EXCEPTION 'journal arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	mask := cfg.partitions - 1;
	SELECT u.f, u.e, u.p, u.v,
		   (u.f IS NULL OR u.e IS NULL OR u.p IS NULL OR u.v IS NULL OR u.f = u.e) AS invalid
	INTO bad
	FROM unnest(follower, followee, present, version) AS u (f, e, p, v)
	WHERE u.f IS NULL OR u.e IS NULL OR u.p IS NULL OR u.v IS NULL OR u.f = u.e
	   OR NOT ((hashint8(u.e) & mask) = ANY (cfg.owned) OR (hashint8(u.f) & mask) = ANY (cfg.owned))
	ORDER BY 5 DESC
	LIMIT 1;
	IF FOUND THEN
		IF bad.invalid THEN
			RAISE EXCEPTION 'invalid journal entry (%, %, %, %)', bad.f, bad.e, bad.p, bad.v
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		RAISE EXCEPTION 'neither account of the pair (%, %) is stored on node %', bad.f, bad.e, cfg.node_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
	END IF;
	-- node_prune() takes SHARE ROW EXCLUSIVE: the floors read below stay
	-- the ones in force until this transaction ends.
	LOCK TABLE follow_graph.node_applied IN ROW EXCLUSIVE MODE;
	-- The newest entry per pair above its floor, recorded in pair order so
	-- that concurrent applies never wait on each other in a cycle.
	WITH b AS (
		SELECT DISTINCT ON (u.f, u.e) u.f, u.e, u.p, u.v
		FROM unnest(follower, followee, present, version) AS u (f, e, p, v)
		ORDER BY u.f, u.e, u.v DESC),
	fresh AS (
		INSERT INTO follow_graph.node_applied AS a (follower, followee, version)
		SELECT b.f, b.e, b.v FROM b
		WHERE b.v > coalesce((SELECT fl.version FROM follow_graph.node_applied_floor AS fl
							  WHERE fl.part = (hashint8(b.f) & mask)), 0)
		ORDER BY b.f, b.e
		ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
			WHERE a.version < EXCLUDED.version
		RETURNING a.follower, a.followee, a.version)
	SELECT array_agg(b.f ORDER BY b.f, b.e), array_agg(b.e ORDER BY b.f, b.e),
		   array_agg(b.p ORDER BY b.f, b.e)
	INTO fs, es, ps
	FROM fresh JOIN b ON b.f = fresh.follower AND b.e = fresh.followee;
	IF fs IS NULL THEN
		RETURN 0;
	END IF;
	-- One statement for the batch; the calls run after the sort, in pair
	-- order.
	PERFORM count(s.r) FROM (
		SELECT CASE WHEN u.p THEN follow_graph.follow(u.f, u.e)
					ELSE follow_graph.unfollow(u.f, u.e) END AS r
		FROM unnest(fs, es, ps) WITH ORDINALITY AS u (f, e, p, i)
		ORDER BY u.i) AS s;
	RETURN cardinality(fs);
END
$fn$;

-- Journal the current state of pairs whose follower this node owns, with a
-- fresh version (cluster_repair() re-sends the missing halves this way).
-- Returns how many entries were written.
CREATE OR REPLACE FUNCTION follow_graph.node_rejournal(follower bigint[], followee bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	n bigint;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	-- An xid before the first version is taken: node_horizon() waits for
	-- the transactions that may commit a version it has counted.
	PERFORM pg_current_xact_id();
	WITH pairs AS (
		SELECT DISTINCT u.f, u.e, hashint8(u.e) & (cfg.partitions - 1) AS part
		FROM unnest(follower, followee) AS u (f, e)
		WHERE (hashint8(u.f) & (cfg.partitions - 1)) = ANY (cfg.owned)
		  AND NOT (hashint8(u.e) & (cfg.partitions - 1)) = ANY (cfg.owned)
		ORDER BY u.f, u.e),
	ins AS (
		INSERT INTO follow_graph.node_journal (version, part, follower, followee, present, changed_at)
		SELECT nextval('follow_graph.node_version_seq'), p.part, p.f, p.e,
			   EXISTS (SELECT 1 FROM follow_graph.edge AS x
					   WHERE x.follower = p.f AND x.followee = p.e),
			   clock_timestamp()
		FROM pairs AS p
		RETURNING 1)
	SELECT count(*) INTO n FROM ins;
	RETURN n;
END
$fn$;

--------------------------------------------------------------------------
-- CLUSTER NODE: PRUNING node_applied (internal; issue 16, docs/scale-out.md)
--
-- node_applied keeps the newest version applied per pair, so that a late
-- or duplicated journal entry never undoes a newer one.  A row is needed
-- only while an older entry for its pair may still arrive.  The origin of
-- every entry for a pair (f, e) applied here is the node owning p(f), and
-- that node's versions only grow (a partition move raises the new owner's
-- above every node's).  node_horizon() on an origin returns H such that
-- every entry it wrote with a version <= H has been delivered and applied
-- (no such entry is journaled, and no writer that could still commit one is
-- running); node_prune() on a target records H as the floor of the origin's
-- partitions and drops the rows at or below it; node_apply() ignores every
-- entry at or below its follower partition's floor.  An ignored entry is a
-- duplicate or older than one already applied, so pruning keeps
-- idempotence and commutativity under any reordering.
--------------------------------------------------------------------------

-- Per partition of followers on other nodes: every entry at or below this
-- version was applied here before (see node_prune()).
CREATE TABLE follow_graph.node_applied_floor (
	part		integer		NOT NULL,
	version		bigint		NOT NULL,
	CONSTRAINT node_applied_floor_pkey PRIMARY KEY (part)
);

REVOKE ALL ON follow_graph.node_applied_floor FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_applied_floor', '');
COMMENT ON TABLE follow_graph.node_applied_floor IS 'follow_graph cluster node (internal): per follower partition, the version at or below which every journal entry was applied here';

-- The highest version H such that every journal entry this node wrote with
-- a version <= H has been acknowledged: taken as the sequence's last value,
-- once every transaction that had an xid when it was read has ended (a
-- writer may hold a smaller version it has not committed yet), lowered below the
-- oldest entry still journaled.  NULL when such a transaction is still
-- running after wait_ms (prune nothing this time).
CREATE FUNCTION follow_graph.node_horizon(wait_ms integer DEFAULT 200)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	last bigint;
	called boolean;
	own_xid xid8;
	oldest bigint;
	deadline timestamptz := clock_timestamp() + make_interval(secs => wait_ms / 1000.0);
BEGIN
	IF NOT EXISTS (SELECT 1 FROM follow_graph.node_config) THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	SELECT s.last_value, s.is_called INTO last, called FROM follow_graph.node_version_seq AS s;
	IF NOT called THEN
		last := last - 1;
	END IF;
	-- An xid of our own, after every xid a writer holding a version <= last
	-- took (a writer takes its xid before its version); they have all ended
	-- when no xid older than ours runs.  Each statement of this VOLATILE
	-- function takes a new snapshot.
	own_xid := pg_current_xact_id();
	WHILE pg_snapshot_xmin(pg_current_snapshot()) < own_xid LOOP
		IF clock_timestamp() > deadline THEN
			RETURN NULL;
		END IF;
		PERFORM pg_sleep(0.005);
	END LOOP;
	SELECT min(j.version) INTO oldest FROM follow_graph.node_journal AS j;
	RETURN CASE WHEN oldest IS NULL THEN last ELSE least(last, oldest - 1) END;
END
$fn$;

-- Raise the floors of the given follower partitions to the given versions
-- (each an origin's node_horizon()) and drop every node_applied row at or
-- below its partition's floor.  Returns the number of rows dropped.
CREATE FUNCTION follow_graph.node_prune(parts integer[], horizons bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	n bigint;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(parts) <> cardinality(horizons) THEN
		RAISE EXCEPTION 'parts and horizons must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	IF EXISTS (SELECT 1 FROM unnest(parts, horizons) AS u (p, h)
			   WHERE u.p IS NULL OR u.p < 0 OR u.p >= cfg.partitions) THEN
		RAISE EXCEPTION 'parts must be between 0 and %', cfg.partitions - 1
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- No node_apply() between reading a floor and recording its versions.
	LOCK TABLE follow_graph.node_applied IN SHARE ROW EXCLUSIVE MODE;
	INSERT INTO follow_graph.node_applied_floor AS fl (part, version)
	SELECT u.p, max(u.h) FROM unnest(parts, horizons) AS u (p, h)
	WHERE u.h IS NOT NULL
	GROUP BY u.p
	ON CONFLICT ON CONSTRAINT node_applied_floor_pkey DO UPDATE
		SET version = EXCLUDED.version WHERE fl.version < EXCLUDED.version;
	WITH d AS (
		DELETE FROM follow_graph.node_applied AS a
		USING follow_graph.node_applied_floor AS fl
		WHERE fl.part = (hashint8(a.follower) & (cfg.partitions - 1))
		  AND a.version <= fl.version
		RETURNING 1)
	SELECT count(*) INTO n FROM d;
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_horizon(integer),
	follow_graph.node_prune(integer[], bigint[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_horizon(integer) IS 'internal (cluster node): the version at or below which every journal entry of this node was delivered';
COMMENT ON FUNCTION follow_graph.node_prune(integer[], bigint[]) IS 'internal (cluster node): raise the floors of follower partitions and drop the node_applied rows at or below them';

-- == idset: cardinality of an intersection (issue 15) ==
CREATE FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) RETURNS bigint
AS 'MODULE_PATHNAME', 'idset_intersect_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) IS 'number of elements of a & b, counted without building it; cardinality(a & b) is rewritten into this';

CREATE FUNCTION follow_graph.idset_cardinality_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_cardinality_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_cardinality_support(internal) IS 'planner support for cardinality(idset): turns cardinality(a & b) into idset_intersect_cardinality(a, b)';

ALTER FUNCTION follow_graph.cardinality(follow_graph.idset) SUPPORT follow_graph.idset_cardinality_support;
