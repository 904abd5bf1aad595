-- follow_graph 0.2.0 -> 0.3.0.  Editable until 0.3.0 is tagged; frozen after.
-- test/upgrade checks that this script (after 0.1.0 -> 0.2.0 for a 0.1.0
-- catalog) turns a 0.2.0 catalog into exactly what sql/install/*.sql builds
-- for a fresh 0.3.0 install.  Each area appends its own section, headed
-- "-- == <area> ==", in the order of the install fragments, just before the
-- last section (which stays last).  Every object is created once, in its
-- final 0.3.0 form (no CREATE OR REPLACE or DROP of an object created
-- earlier in this script): test/upgrade/run.sh checks it.

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

-- == idset: cardinality of an intersection (issue 15) ==
CREATE FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) RETURNS bigint
AS 'MODULE_PATHNAME', 'idset_intersect_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) IS 'number of elements of a & b, counted without building it; cardinality(a & b) is rewritten into this';

CREATE FUNCTION follow_graph.idset_cardinality_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_cardinality_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_cardinality_support(internal) IS 'planner support for cardinality(idset): turns cardinality(a & b) into idset_intersect_cardinality(a, b)';

ALTER FUNCTION follow_graph.cardinality(follow_graph.idset) SUPPORT follow_graph.idset_cardinality_support;

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
-- on, so the build (the long part) comes here and the swap at the very end.
CREATE INDEX edge_followee_seq_0_3_0 ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);
-- (the swap itself is the script's last step, at its end)

-- == cluster node (issue 16) ==
-- sql/install/90_node.sql as it is (the internal tables and functions of a
-- follow_graph_proxy data node, in their 0.3.0 form; nothing runs until the
-- router configures the node).  Nothing to migrate: 0.2.0 had no node.

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
-- another node (kept after an unfollow, as a tombstone, until node_prune()
-- drops it below its floor; see 92_node_route.sql).
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
-- not this node's.  version is NULL when no entry was written; journal says
-- which journal holds it: 'edge' (node_journal, delivered by node_apply) or
-- 'state' (a pending request: node_state_journal, node_state_apply); at is
-- the edge's or request's time, which the other side takes too.
CREATE FUNCTION follow_graph.node_write(follower bigint, followee bigint, present boolean,
	OUT changed boolean, OUT version bigint, OUT part integer, OUT journal text,
	OUT at timestamptz)
RETURNS record
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	s record;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	mask := cfg.partitions - 1;
	IF present IS NULL THEN
		RAISE EXCEPTION 'present must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
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
		s := follow_graph.node_rel_state(follower, followee);
		at := s.at;
		IF s.state = 'request' THEN
			-- A follow of a private account (as this node knows the flag).
			journal := 'state';
			version := follow_graph.node_state_put(part, 'rel', follower, followee, s.state, s.at);
		ELSE
			journal := 'edge';
			INSERT INTO follow_graph.node_journal AS j
				(version, part, follower, followee, present, changed_at)
			VALUES (nextval('follow_graph.node_version_seq'), part, follower, followee,
					present, CASE WHEN present THEN s.at ELSE clock_timestamp() END)
			RETURNING j.version INTO version;
		END IF;
	END IF;
END
$fn$;

-- Apply journal entries of other nodes (arrays of one length, any order):
-- each pair takes the entry of highest version, and only if it is newer
-- than the version applied here before (node_applied) and than the floor
-- of its follower's partition (node_applied_floor: every entry at or below
-- it was applied here before, see node_prune()).  changed_at: the edge's
-- followed_at on the follower's node, which the edge takes here too.
-- Set-based: one statement records the fresh versions, one applies them in
-- pair order through node_set_rel() (91_node_states.sql: a block or an
-- inactive account here decides how the relation is held).  Returns how
-- many entries changed a pair's version.
CREATE FUNCTION follow_graph.node_apply(follower bigint[], followee bigint[],
	present boolean[], version bigint[], changed_at timestamptz[])
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
	vs bigint[];
	ts timestamptz[];
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(follower) <> cardinality(followee) OR cardinality(follower) <> cardinality(present)
	   OR cardinality(follower) <> cardinality(version) OR cardinality(follower) <> cardinality(changed_at) THEN
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
		SELECT DISTINCT ON (u.f, u.e) u.f, u.e, u.p, u.v, u.t
		FROM unnest(follower, followee, present, version, changed_at) AS u (f, e, p, v, t)
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
		   array_agg(b.p ORDER BY b.f, b.e), array_agg(b.v ORDER BY b.f, b.e),
		   array_agg(b.t ORDER BY b.f, b.e)
	INTO fs, es, ps, vs, ts
	FROM fresh JOIN b ON b.f = fresh.follower AND b.e = fresh.followee;
	IF fs IS NULL THEN
		RETURN 0;
	END IF;
	-- One statement for the batch; the calls run after the sort, in pair
	-- order.  node_set_rel(), not follow(): an edge entry that meets a
	-- block here is refused instead of raising 42501 and stopping the drain.
	PERFORM count(s.r) FROM (
		SELECT follow_graph.node_set_rel(u.f, u.e, CASE WHEN u.p THEN 'edge' ELSE 'none' END,
										 u.v, CASE WHEN u.p THEN u.t END) AS r
		FROM unnest(fs, es, ps, vs, ts) WITH ORDINALITY AS u (f, e, p, v, t, i)
		ORDER BY u.i) AS s;
	RETURN cardinality(fs);
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

-- After a partition moved away: drop every row of which this node owns no
-- account (edges, requests, hidden edges, blocks; mutes, dismissals, items
-- and item bounds of accounts of other nodes; their versions), set-based,
-- and recount the accounts those rows named.  Account flags stay: every
-- node knows every account's.  Returns how many edges were dropped.
-- (node_recount() is in 93_node_move.sql, node_config_row() in
-- 91_node_states.sql.)
CREATE FUNCTION follow_graph.node_forget()
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	own constant integer[] := cfg.owned;
	n bigint;
	accs bigint[];
BEGIN
	LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.hidden_edge,
		follow_graph.block, follow_graph.mute, follow_graph.dismissal, follow_graph.item,
		follow_graph.item_bound, follow_graph.counter, follow_graph.mutual
		IN SHARE ROW EXCLUSIVE MODE;
	WITH e AS (
		DELETE FROM follow_graph.edge AS x
		WHERE NOT (hashint8(x.follower) & mask) = ANY (own)
		  AND NOT (hashint8(x.followee) & mask) = ANY (own)
		RETURNING x.follower, x.followee),
	r AS (
		DELETE FROM follow_graph.request AS x
		WHERE NOT (hashint8(x.requester) & mask) = ANY (own)
		  AND NOT (hashint8(x.account) & mask) = ANY (own)
		RETURNING x.requester, x.account),
	i AS (
		DELETE FROM follow_graph.item AS x
		WHERE NOT (hashint8(x.author) & mask) = ANY (own)
		RETURNING x.author)
	SELECT (SELECT count(*) FROM e),
		   ARRAY(SELECT e.follower FROM e UNION SELECT e.followee FROM e
				 UNION SELECT r.requester FROM r UNION SELECT r.account FROM r
				 UNION SELECT i.author FROM i)
	INTO n, accs;
	DELETE FROM follow_graph.hidden_edge AS x
	WHERE NOT (hashint8(x.follower) & mask) = ANY (own)
	  AND NOT (hashint8(x.followee) & mask) = ANY (own);
	DELETE FROM follow_graph.block AS x
	WHERE NOT (hashint8(x.blocker) & mask) = ANY (own)
	  AND NOT (hashint8(x.blocked) & mask) = ANY (own);
	DELETE FROM follow_graph.mute AS x WHERE NOT (hashint8(x.muter) & mask) = ANY (own);
	DELETE FROM follow_graph.dismissal AS x WHERE NOT (hashint8(x.account) & mask) = ANY (own);
	DELETE FROM follow_graph.item_bound AS x WHERE NOT (hashint8(x.author) & mask) = ANY (own);
	DELETE FROM follow_graph.node_applied AS a
	WHERE NOT (hashint8(a.follower) & mask) = ANY (own)
	  AND NOT (hashint8(a.followee) & mask) = ANY (own);
	DELETE FROM follow_graph.node_state_applied AS a
	WHERE a.kind IN ('block', 'cmd')
	  AND NOT (hashint8(a.account) & mask) = ANY (own)
	  AND NOT (hashint8(a.other) & mask) = ANY (own);
	PERFORM follow_graph.node_recount(accs);
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_configure(text, integer, integer[]),
	follow_graph.node_write(bigint, bigint, boolean),
	follow_graph.node_apply(bigint[], bigint[], boolean[], bigint[], timestamptz[]),
	follow_graph.node_journal(integer),
	follow_graph.node_ack(bigint[]),
	follow_graph.node_digest(),
	follow_graph.node_edges(integer[], integer[]),
	follow_graph.node_rejournal(bigint[], bigint[]),
	follow_graph.node_version_floor(bigint),
	follow_graph.node_forget() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_configure(text, integer, integer[]) IS 'internal (cluster node): make this database a cluster node owning the given partitions';
COMMENT ON FUNCTION follow_graph.node_write(bigint, bigint, boolean) IS 'internal (cluster node): follow or unfollow on the acting side, journaling the change for the other side''s node';
COMMENT ON FUNCTION follow_graph.node_apply(bigint[], bigint[], boolean[], bigint[], timestamptz[]) IS 'internal (cluster node): apply other nodes'' journal entries, newest version per pair, idempotently';
COMMENT ON FUNCTION follow_graph.node_journal(integer) IS 'internal (cluster node): oldest journal entries waiting for delivery';
COMMENT ON FUNCTION follow_graph.node_ack(bigint[]) IS 'internal (cluster node): drop delivered journal entries';
COMMENT ON FUNCTION follow_graph.node_digest() IS 'internal (cluster node): edge count and order-independent digest per partition pair';
COMMENT ON FUNCTION follow_graph.node_edges(integer[], integer[]) IS 'internal (cluster node): the edges of the given partition pairs';
COMMENT ON FUNCTION follow_graph.node_rejournal(bigint[], bigint[]) IS 'internal (cluster node): journal the current state of pairs again, with fresh versions';
COMMENT ON FUNCTION follow_graph.node_version_floor(bigint) IS 'internal (cluster node): make later journal versions of this node greater than the given one';
COMMENT ON FUNCTION follow_graph.node_forget() IS 'internal (cluster node): drop every row of which this node owns no account (after a partition moved away)';

-- == cluster node: routing and drain ==
-- sql/install/92_node_route.sql as it is (node_applied_floor,
-- node_horizon(), node_prune()).  Nothing to migrate: node_applied and
-- node_state_applied rows are pruned by the router's next drain().

--------------------------------------------------------------------------
-- CLUSTER NODE: PRUNING node_applied AND node_state_applied (internal;
-- issue 16, docs/scale-out.md)
--
-- node_applied keeps the newest version applied per pair, so that a late
-- or duplicated journal entry never undoes a newer one.  A row is needed
-- only while an older entry for its pair may still arrive.  The origin of
-- every entry for a pair (f, e) applied here, edge entries (node_journal)
-- and relation entries of the state journal (node_state_journal, kind
-- 'rel', 91_node_states.sql) alike, is the node owning p(f), and
-- that node's versions only grow (a partition move raises the new owner's
-- above every node's).  node_horizon() on an origin returns H such that
-- every entry it wrote with a version <= H has been delivered and applied
-- (no such entry is journaled, and no writer that could still commit one is
-- running); node_prune() on a target records H as the floor of the origin's
-- partitions and drops the rows at or below it; node_apply() ignores every
-- entry at or below its follower partition's floor, and so does
-- node_state_apply() for relation entries.  Blocks, commands and account
-- flags are versioned in node_state_applied, pruned by the same floors
-- keyed by the partition of each entry's origin: a block of a -> b and a
-- flag of a come from p(a)'s node, a command on the relation a -> b (made
-- by b: accept, reject, remove) from p(b)'s; node_state_apply() ignores
-- such an entry at or below that partition's floor, and node_set_rel()
-- takes a replicated block whose version was dropped as at or below the
-- floor of its blocker's partition.  An ignored entry is a
-- duplicate or older than one already applied, so pruning keeps
-- idempotence and commutativity under any reordering.
--------------------------------------------------------------------------

-- Per partition of other nodes (an entry's origin: its follower's
-- partition for a relation, see above for the other kinds): every entry at
-- or below this version was applied here before (see node_prune()).
CREATE TABLE follow_graph.node_applied_floor (
	part		integer		NOT NULL,
	version		bigint		NOT NULL,
	CONSTRAINT node_applied_floor_pkey PRIMARY KEY (part)
);

REVOKE ALL ON follow_graph.node_applied_floor FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_applied_floor', '');
COMMENT ON TABLE follow_graph.node_applied_floor IS 'follow_graph cluster node (internal): per partition of an origin node, the version at or below which every journal entry was applied here';

-- The highest version H such that every journal entry this node wrote with
-- a version <= H, in node_journal or node_state_journal, has been
-- acknowledged: taken as the sequence's last value,
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
	-- Both journals: relation entries of node_state_journal (requests and
	-- relations sent back, 91_node_states.sql) are recorded in node_applied
	-- under the same floors.
	SELECT least((SELECT min(j.version) FROM follow_graph.node_journal AS j),
				 (SELECT min(j.version) FROM follow_graph.node_state_journal AS j))
	INTO oldest;
	RETURN CASE WHEN oldest IS NULL THEN last ELSE least(last, oldest - 1) END;
END
$fn$;

-- Raise the floors of the given follower partitions to the given versions
-- (each an origin's node_horizon()) and drop every node_applied row at or
-- below its follower partition's floor, and every node_state_applied row at
-- or below the floor of its origin's partition.  Returns the number of
-- rows dropped.
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
	-- No node_apply() or node_state_apply() between reading a floor and
	-- recording its versions.
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
	WITH d AS (
		DELETE FROM follow_graph.node_state_applied AS a
		USING follow_graph.node_applied_floor AS fl
		WHERE fl.part = (hashint8(CASE WHEN a.kind = 'cmd' THEN a.other ELSE a.account END)
						 & (cfg.partitions - 1))
		  AND a.version <= fl.version
		RETURNING 1)
	SELECT n + count(*) INTO n FROM d;
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_horizon(integer),
	follow_graph.node_prune(integer[], bigint[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_horizon(integer) IS 'internal (cluster node): the version at or below which every journal entry of this node was delivered';
COMMENT ON FUNCTION follow_graph.node_prune(integer[], bigint[]) IS 'internal (cluster node): raise the floors of partitions and drop the node_applied and node_state_applied rows at or below them';

-- == cluster node: states ==
-- sql/install/91_node_states.sql as it is (relationship states replicated
-- between cluster nodes; node_status(), which counts their journal too).
-- It comes after routing and drain here: neither needs the other's objects
-- to be created (node_horizon() reads the state journal, and node_prune()
-- node_state_applied, only when they run).

--------------------------------------------------------------------------
-- CLUSTER NODE: RELATIONSHIP STATES (internal; issue 16, docs/scale-out.md)
--
-- A pair (a, b) is stored on p(a)'s node A and on p(b)'s node B.  Each
-- piece of state has one authoritative node, and the other node holds a
-- replica brought up to date through the journal (node_state_journal,
-- versions from node_version_seq, applied newest-first per piece):
--   relation a -> b (none, request, edge)  A, the follower's node
--   block a -> b                           A, the blocker's node
--   private and active flags of a          A, sent to every other node
-- Writes acting on the other side of a relation (accept_request,
-- reject_request, remove_follower on b's node) change b's replica at once
-- and send A a command; A applies it and, like after any change a foreign
-- entry makes to a relation it is authoritative for, journals the
-- relation's new state back.  A replica never holds an edge next to a
-- block: an edge state that meets a block is refused, and the block's
-- owner re-sends the block so that the authoritative side drops the edge.
--------------------------------------------------------------------------

-- State changes of this node waiting for delivery to other nodes.
--   kind 'rel':     account -> other is now value (none, request, edge);
--                   at is its followed_at or requested_at
--   kind 'block':   account blocks other: value on / off
--   kind 'cmd':     value accept / reject / remove of the relation
--                   account -> other, made on other's node; at: the time
--                   of the accepted edge
--   kind 'private': account's private flag is value (true / false)
--   kind 'active':  account's active flag is value (true / false)
CREATE TABLE follow_graph.node_state_journal (
	version		bigint		NOT NULL,
	part		integer		NOT NULL,
	kind		text		NOT NULL,
	account		bigint		NOT NULL,
	other		bigint		NOT NULL,
	value		text		NOT NULL,
	at			timestamptz,
	changed_at	timestamptz	NOT NULL,
	CONSTRAINT node_state_journal_pkey PRIMARY KEY (version),
	CONSTRAINT node_state_journal_kind CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['rel', 'block', 'cmd', 'private', 'active']))
);

-- The newest version applied here for each piece of state (kind, account,
-- other; other = 0 for account flags).  Relations use node_applied.  Pruned
-- like node_applied (node_prune(), 92_node_route.sql), by the floor of the
-- partition of the entry's origin: the other account's for a command, the
-- account's for a block or a flag.
CREATE TABLE follow_graph.node_state_applied (
	kind		text		NOT NULL,
	account		bigint		NOT NULL,
	other		bigint		NOT NULL,
	version		bigint		NOT NULL,
	CONSTRAINT node_state_applied_pkey PRIMARY KEY (kind, account, other)
);

REVOKE ALL ON follow_graph.node_state_journal, follow_graph.node_state_applied FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_state_journal', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_state_applied', '');

COMMENT ON TABLE follow_graph.node_state_journal IS 'follow_graph cluster node (internal): state changes (relations, blocks, commands, account flags) waiting for delivery to other nodes';
COMMENT ON TABLE follow_graph.node_state_applied IS 'follow_graph cluster node (internal): newest journal version applied per block, command and account flag';

-- The relation follower -> followee stored here: edge, request or none (a
-- hidden edge or request counts as an edge or a request), with its time.
CREATE FUNCTION follow_graph.node_rel_state(follower bigint, followee bigint,
	OUT state text, OUT at timestamptz)
RETURNS record
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT coalesce(s.state, 'none'), s.at
	FROM (SELECT 1) AS one LEFT JOIN (
		SELECT 'edge' AS state, e.followed_at AS at, 1 AS o FROM follow_graph.edge AS e
		WHERE e.follower = $1 AND e.followee = $2
		UNION ALL
		SELECT 'request', r.requested_at, 2 FROM follow_graph.request AS r
		WHERE r.requester = $1 AND r.account = $2
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'request' ELSE 'edge' END, h.followed_at, 3
		FROM follow_graph.hidden_edge AS h
		WHERE h.follower = $1 AND h.followee = $2
		ORDER BY 3 LIMIT 1) AS s ON true
$fn$;

-- This node's configuration, or 55000 when it is not a cluster node.
CREATE FUNCTION follow_graph.node_config_row()
RETURNS follow_graph.node_config
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	RETURN cfg;
END
$fn$;

-- Journal one state entry for partition part (the other side's); returns
-- its version.  The transaction's xid is taken before the version, as
-- node_horizon() (92_node_route.sql) requires of every journal writer (an
-- account flag entry may be the first write of its transaction).
CREATE FUNCTION follow_graph.node_state_put(part integer, kind text, account bigint,
	other bigint, value text, at timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	v bigint;
BEGIN
	PERFORM pg_current_xact_id();
	INSERT INTO follow_graph.node_state_journal AS j
		(version, part, kind, account, other, value, at, changed_at)
	VALUES (nextval('follow_graph.node_version_seq'), $1, $2, $3, $4, $5, $6, clock_timestamp())
	RETURNING j.version INTO v;
	RETURN v;
END
$fn$;

-- Journal the relation follower -> followee as this node holds it, for the
-- followee's node, when this node owns the follower and not the followee
-- (this node is authoritative for it).  Returns the version or NULL.
CREATE FUNCTION follow_graph.node_state_send_rel(follower bigint, followee bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask integer := cfg.partitions - 1;
	s record;
BEGIN
	IF NOT (hashint8(follower) & mask) = ANY (cfg.owned)
	   OR (hashint8(followee) & mask) = ANY (cfg.owned) THEN
		RETURN NULL;
	END IF;
	s := follow_graph.node_rel_state(follower, followee);
	RETURN follow_graph.node_state_put(hashint8(followee) & mask, 'rel', follower, followee, s.state, s.at);
END
$fn$;

-- Whether an account is active here (no flag row: active).
CREATE FUNCTION follow_graph.node_active(account bigint)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = $1), true)
$fn$;

-- Bring the replica of follower -> followee held here to state target
-- (none, request, edge), as the follower's node holds it at version.
-- Called for entries whose version is newer than the pair's applied one.
-- A block here wins: the edge or request is refused (and a block this node
-- owns is sent again, so that the follower's node drops its copy).  Returns
-- whether the relation changed here.
CREATE FUNCTION follow_graph.node_set_rel(follower bigint, followee bigint, target text,
	version bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	f constant bigint := follower;
	e constant bigint := followee;
	st record;
	cur record;
	was text;
	bv bigint;
	changed boolean;
	cfg follow_graph.node_config;
BEGIN
	IF target = 'none' THEN
		RETURN follow_graph.unfollow(f, e);
	END IF;
	IF target IS NULL OR target NOT IN ('edge', 'request') THEN
		RAISE EXCEPTION 'invalid relation state "%"', target USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- Everything the common case needs, in one statement.
	SELECT EXISTS (SELECT 1 FROM follow_graph.block AS b WHERE b.blocker = f AND b.blocked = e) AS fwd,
		   EXISTS (SELECT 1 FROM follow_graph.block AS b WHERE b.blocker = e AND b.blocked = f) AS rev,
		   coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = f), true)
		   AND coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = e), true) AS active,
		   coalesce((SELECT s.private FROM follow_graph.account_state AS s WHERE s.account = e), false) AS private
	INTO st;
	-- A replica of the follower's block: it is older than this state when
	-- its version is lower (the unblock is on its way), else this state is
	-- older than the block, which removed it on the follower's node too.
	-- A block whose version node_prune() dropped has a version at or below
	-- the floor of the follower's partition (both come from the follower's
	-- node), and this state is above that floor (older ones are ignored).
	IF st.fwd THEN
		SELECT a.version INTO bv FROM follow_graph.node_state_applied AS a
		WHERE a.kind = 'block' AND a.account = f AND a.other = e;
		IF bv IS NULL THEN
			SELECT fl.version INTO bv
			FROM follow_graph.node_config AS c, follow_graph.node_applied_floor AS fl
			WHERE fl.part = (hashint8(f) & (c.partitions - 1));
		END IF;
		IF bv IS NOT NULL AND bv < version THEN
			PERFORM follow_graph.unblock(f, e);
		ELSE
			RETURN false;
		END IF;
	END IF;
	-- The followee's block (owned here when the followee's partition is):
	-- refuse, and send it again.
	IF st.rev THEN
		cfg := follow_graph.node_config_row();
		IF (hashint8(e) & (cfg.partitions - 1)) = ANY (cfg.owned)
		   AND NOT (hashint8(f) & (cfg.partitions - 1)) = ANY (cfg.owned) THEN
			PERFORM follow_graph.node_state_put(hashint8(f) & (cfg.partitions - 1), 'block', e, f, 'on', NULL);
		END IF;
		RETURN false;
	END IF;
	IF target = 'edge' AND st.active THEN
		-- The common case: follow() makes the edge, or a request when the
		-- followee is private here (accepted at once: the follower's node
		-- saw the account public, so the edge came first).
		changed := follow_graph.follow(f, e);
		IF st.private AND EXISTS (SELECT 1 FROM follow_graph.request AS r
								  WHERE r.requester = f AND r.account = e) THEN
			changed := follow_graph.accept_request(e, f);
		END IF;
		-- The follower's node's time of the edge.
		IF at IS NOT NULL THEN
			UPDATE follow_graph.edge AS x SET followed_at = at
			WHERE x.follower = f AND x.followee = e AND x.followed_at <> at;
		END IF;
		RETURN changed;
	END IF;
	cur := follow_graph.node_rel_state(f, e);
	was := cur.state;
	IF NOT st.active THEN
		-- Hidden until both are active: no count changes.
		IF was = target THEN
			RETURN false;
		END IF;
		INSERT INTO follow_graph.hidden_edge AS h (follower, followee, seq, followed_at, pending)
		VALUES (f, e,
				CASE WHEN target = 'edge' THEN nextval('follow_graph.edge_seq') ELSE nextval('follow_graph.state_seq') END,
				coalesce(at, now()), target = 'request')
		ON CONFLICT ON CONSTRAINT hidden_edge_pkey DO UPDATE
			SET seq = EXCLUDED.seq, followed_at = EXCLUDED.followed_at, pending = EXCLUDED.pending;
		RETURN true;
	END IF;
	-- A request.
	IF was = 'edge' THEN
		-- The follower's node made a request: an edge here is older, unless
		-- the followee is public here (its flag, which is authoritative
		-- here, reaches the follower's node and accepts the request there).
		IF NOT st.private THEN
			RETURN false;
		END IF;
		PERFORM follow_graph.unfollow(f, e);
	END IF;
	IF was <> 'request' THEN
		PERFORM follow_graph.follow(f, e);
	END IF;
	IF at IS NOT NULL THEN
		UPDATE follow_graph.request AS x SET requested_at = at
		WHERE x.requester = f AND x.account = e AND x.requested_at <> at;
	END IF;
	RETURN (follow_graph.node_rel_state(f, e)).state <> was;
END
$fn$;

-- One state write of the acting account a (the blocker, the account that
-- accepts, rejects or removes, the muter, the account whose flag changes)
-- on its node, with the journal entries it makes: one row per entry
-- (version NULL: none), the first carrying the write's result.  targets:
-- a partition of every other node (account flags go to each of them).
CREATE FUNCTION follow_graph.node_state_write(op text, a bigint, b bigint, flag boolean,
	expires timestamptz, targets integer[])
RETURNS TABLE (result bigint, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	r bigint;
	bpart integer;
	foreign_b boolean;
	s record;
	v bigint;
BEGIN
	-- Bad arguments are left to the single-node functions, for their errors.
	IF a IS NOT NULL AND (b IS NULL OR a <> b) AND NOT (hashint8(a) & mask) = ANY (cfg.owned) THEN
		RAISE EXCEPTION 'account % is not stored on node %', a, cfg.node_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Its partition %s is not one of this node''s.', hashint8(a) & mask),
				  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
	END IF;
	bpart := hashint8(b) & mask;
	foreign_b := b IS NOT NULL AND NOT bpart = ANY (cfg.owned);
	CASE op
	WHEN 'block' THEN
		r := follow_graph.block(a, b)::integer;
		IF r = 1 AND foreign_b THEN
			v := follow_graph.node_state_put(bpart, 'block', a, b, 'on', NULL);
		END IF;
	WHEN 'unblock' THEN
		r := follow_graph.unblock(a, b)::integer;
		IF r = 1 AND foreign_b THEN
			v := follow_graph.node_state_put(bpart, 'block', a, b, 'off', NULL);
		END IF;
	WHEN 'accept', 'reject', 'remove' THEN
		-- a is the followee, b the follower (requester).
		IF op = 'accept' THEN
			r := follow_graph.accept_request(a, b)::integer;
		ELSIF op = 'reject' THEN
			r := follow_graph.reject_request(a, b)::integer;
		ELSE
			r := follow_graph.remove_follower(a, b)::integer;
		END IF;
		IF r = 1 AND foreign_b THEN
			s := follow_graph.node_rel_state(b, a);
			v := follow_graph.node_state_put(bpart, 'cmd', b, a, op, s.at);
		END IF;
	WHEN 'mute' THEN
		r := follow_graph.mute(a, b, expires)::integer;
	WHEN 'unmute' THEN
		r := follow_graph.unmute(a, b)::integer;
	WHEN 'private', 'deactivate', 'reactivate' THEN
		IF op = 'private' THEN
			r := follow_graph.set_private(a, flag);
		ELSIF op = 'deactivate' THEN
			r := follow_graph.deactivate_account(a);
		ELSE
			r := follow_graph.reactivate_account(a);
		END IF;
		-- Every other node learns the flag (its copies of a's edges and
		-- requests follow it there), even when it did not change here: a
		-- lost earlier entry is repaired by the next call.
		FOR result, version, part, kind, account, other, value, at IN
			SELECT r, follow_graph.node_state_put(t.p,
						CASE WHEN op = 'private' THEN 'private' ELSE 'active' END, a, 0,
						CASE op WHEN 'private' THEN flag::text WHEN 'deactivate' THEN 'false' ELSE 'true' END,
						NULL),
				   t.p, CASE WHEN op = 'private' THEN 'private' ELSE 'active' END, a, 0::bigint,
				   CASE op WHEN 'private' THEN flag::text WHEN 'deactivate' THEN 'false' ELSE 'true' END,
				   NULL::timestamptz
			FROM (SELECT DISTINCT u.p FROM unnest(targets) AS u (p)
				  WHERE u.p IS NOT NULL AND NOT (u.p & mask) = ANY (cfg.owned) ORDER BY 1) AS t
		LOOP
			RETURN NEXT;
		END LOOP;
		IF NOT FOUND THEN
			result := r;
			RETURN NEXT;
		END IF;
		RETURN;
	ELSE
		RAISE EXCEPTION 'unknown state operation "%"', op USING ERRCODE = 'invalid_parameter_value';
	END CASE;
	result := r;
	IF v IS NOT NULL THEN
		SELECT j.version, j.part, j.kind, j.account, j.other, j.value, j.at
		INTO version, part, kind, account, other, value, at
		FROM follow_graph.node_state_journal AS j WHERE j.version = v;
	END IF;
	RETURN NEXT;
END
$fn$;

-- Apply state entries of another node (arrays of one length), oldest
-- version first; each piece of state takes only entries newer than the one
-- applied before.  Returns how many entries changed something.
CREATE FUNCTION follow_graph.node_state_apply(version bigint[], kind text[], account bigint[],
	other bigint[], value text[], at timestamptz[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	e record;
	fresh boolean;
	before record;
	changed bigint := 0;
	movers bigint[];
	m bigint;
BEGIN
	IF cardinality(version) <> cardinality(kind) OR cardinality(version) <> cardinality(account)
	   OR cardinality(version) <> cardinality(other) OR cardinality(version) <> cardinality(value)
	   OR cardinality(version) <> cardinality(at) THEN
		RAISE EXCEPTION 'journal arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	-- node_prune() takes SHARE ROW EXCLUSIVE: the floors read below stay
	-- the ones in force until this transaction ends.
	LOCK TABLE follow_graph.node_applied IN ROW EXCLUSIVE MODE;
	FOR e IN
		SELECT u.v, u.k, u.a, u.o, u.val, u.t
		FROM unnest(version, kind, account, other, value, at) AS u (v, k, a, o, val, t)
		ORDER BY u.v
	LOOP
		IF e.v IS NULL OR e.k IS NULL OR e.a IS NULL OR e.o IS NULL OR e.val IS NULL THEN
			RAISE EXCEPTION 'invalid journal entry (%, %, %, %, %)', e.v, e.k, e.a, e.o, e.val
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		fresh := false;
		IF e.k = 'rel' THEN
			-- As in node_apply(): nothing at or below the floor of the
			-- follower's partition (92_node_route.sql; the origin of every
			-- relation entry for a pair is the follower's node).
			INSERT INTO follow_graph.node_applied AS x (follower, followee, version)
			SELECT e.a, e.o, e.v
			WHERE e.v > coalesce((SELECT fl.version FROM follow_graph.node_applied_floor AS fl
								  WHERE fl.part = (hashint8(e.a) & mask)), 0)
			ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
				WHERE x.version < EXCLUDED.version
			RETURNING true INTO fresh;
		ELSE
			-- Likewise nothing at or below the floor of the origin's
			-- partition: a command comes from the node of the account that
			-- acted (e.o, the followee), a block from the blocker's (e.a), an
			-- account flag from the account's (e.a).
			INSERT INTO follow_graph.node_state_applied AS x (kind, account, other, version)
			SELECT e.k, e.a, e.o, e.v
			WHERE e.v > coalesce((SELECT fl.version FROM follow_graph.node_applied_floor AS fl
								  WHERE fl.part = (hashint8(CASE WHEN e.k = 'cmd' THEN e.o ELSE e.a END) & mask)), 0)
			ON CONFLICT ON CONSTRAINT node_state_applied_pkey DO UPDATE SET version = EXCLUDED.version
				WHERE x.version < EXCLUDED.version
			RETURNING true INTO fresh;
		END IF;
		CONTINUE WHEN fresh IS NOT TRUE;
		CASE e.k
		WHEN 'rel' THEN
			IF follow_graph.node_set_rel(e.a, e.o, e.val, e.v, e.t) THEN
				changed := changed + 1;
			END IF;
		WHEN 'block' THEN
			-- e.a blocks e.o; this node is authoritative for e.o -> e.a.
			before := follow_graph.node_rel_state(e.o, e.a);
			IF e.val = 'on' THEN
				IF follow_graph.node_active(e.a) AND follow_graph.node_active(e.o) THEN
					PERFORM follow_graph.block(e.a, e.o);
				ELSE
					-- An inactive side: only hidden rows can name the pair.
					DELETE FROM follow_graph.hidden_edge AS h
					WHERE (h.follower, h.followee) IN ((e.a, e.o), (e.o, e.a));
					INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)
					VALUES (e.a, e.o, nextval('follow_graph.state_seq'), now())
					ON CONFLICT ON CONSTRAINT block_pkey DO NOTHING;
				END IF;
			ELSE
				PERFORM follow_graph.unblock(e.a, e.o);
			END IF;
			changed := changed + 1;
			IF (follow_graph.node_rel_state(e.o, e.a)).state <> before.state THEN
				PERFORM follow_graph.node_state_send_rel(e.o, e.a);
			END IF;
		WHEN 'cmd' THEN
			-- Made on e.o's node to the relation e.a -> e.o, which this node
			-- is authoritative for: apply it, and send the result back.
			before := follow_graph.node_rel_state(e.a, e.o);
			IF e.val = 'accept' THEN
				IF before.state = 'request' THEN
					IF follow_graph.node_active(e.a) AND follow_graph.node_active(e.o) THEN
						PERFORM follow_graph.accept_request(e.o, e.a);
						UPDATE follow_graph.edge AS x SET followed_at = e.t
						WHERE x.follower = e.a AND x.followee = e.o AND e.t IS NOT NULL;
					ELSE
						UPDATE follow_graph.hidden_edge AS h
						SET pending = false, seq = nextval('follow_graph.edge_seq'),
							followed_at = coalesce(e.t, now())
						WHERE h.follower = e.a AND h.followee = e.o AND h.pending;
					END IF;
				END IF;
			ELSIF e.val = 'reject' THEN
				PERFORM follow_graph.reject_request(e.o, e.a);
			ELSIF e.val = 'remove' THEN
				PERFORM follow_graph.remove_follower(e.o, e.a);
			END IF;
			IF (follow_graph.node_rel_state(e.a, e.o)).state <> before.state THEN
				changed := changed + 1;
				PERFORM follow_graph.node_state_send_rel(e.a, e.o);
			END IF;
		WHEN 'private' THEN
			IF e.val::boolean THEN
				PERFORM follow_graph.set_private(e.a, true);
			ELSE
				-- Requests to e.a whose requester this node owns become edges
				-- here: send their new state to e.a's node.
				movers := ARRAY(
					SELECT r.requester FROM follow_graph.request AS r
					WHERE r.account = e.a AND (hashint8(r.requester) & mask) = ANY (cfg.owned)
					UNION
					SELECT h.follower FROM follow_graph.hidden_edge AS h
					WHERE h.followee = e.a AND h.pending AND (hashint8(h.follower) & mask) = ANY (cfg.owned));
				PERFORM follow_graph.set_private(e.a, false);
				FOREACH m IN ARRAY movers LOOP
					PERFORM follow_graph.node_state_send_rel(m, e.a);
				END LOOP;
			END IF;
			changed := changed + 1;
		WHEN 'active' THEN
			IF e.val::boolean THEN
				PERFORM follow_graph.reactivate_account(e.a);
			ELSE
				PERFORM follow_graph.deactivate_account(e.a);
			END IF;
			changed := changed + 1;
		ELSE
			RAISE EXCEPTION 'invalid journal entry kind "%"', e.k USING ERRCODE = 'invalid_parameter_value';
		END CASE;
	END LOOP;
	RETURN changed;
END
$fn$;

-- Up to max_entries state entries, oldest first, with a partition of this
-- node (origin) for the router to address the acknowledgement to.
CREATE FUNCTION follow_graph.node_state_journal(max_entries integer)
RETURNS TABLE (origin integer, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.owned[1], j.version, j.part, j.kind, j.account, j.other, j.value, j.at
	FROM follow_graph.node_config AS c, follow_graph.node_state_journal AS j
	ORDER BY j.version
	LIMIT max_entries
$fn$;

-- Drop delivered state entries; returns how many were dropped.
CREATE FUNCTION follow_graph.node_state_ack(versions bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH d AS (DELETE FROM follow_graph.node_state_journal AS j
			   WHERE j.version = ANY (versions) RETURNING 1)
	SELECT count(*) FROM d
$fn$;

-- This node's membership, journal length (both journals: a partition move
-- refuses to run while edge or state entries wait) and last version (NULL
-- name: not a cluster node).
CREATE FUNCTION follow_graph.node_status()
RETURNS TABLE (node_name text, partitions integer, owned integer[], journal bigint, version bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.node_name, c.partitions, c.owned,
		   (SELECT count(*) FROM follow_graph.node_journal)
		   + (SELECT count(*) FROM follow_graph.node_state_journal),
		   (SELECT s.last_value FROM follow_graph.node_version_seq AS s)
	FROM (SELECT 1) AS one LEFT JOIN follow_graph.node_config AS c ON true
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_rel_state(bigint, bigint),
	follow_graph.node_config_row(),
	follow_graph.node_status(),
	follow_graph.node_state_put(integer, text, bigint, bigint, text, timestamptz),
	follow_graph.node_state_send_rel(bigint, bigint),
	follow_graph.node_active(bigint),
	follow_graph.node_set_rel(bigint, bigint, text, bigint, timestamptz),
	follow_graph.node_state_write(text, bigint, bigint, boolean, timestamptz, integer[]),
	follow_graph.node_state_apply(bigint[], text[], bigint[], bigint[], text[], timestamptz[]),
	follow_graph.node_state_journal(integer),
	follow_graph.node_state_ack(bigint[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_rel_state(bigint, bigint) IS 'internal (cluster node): the relation follower -> followee held here (edge, request or none) and its time';
COMMENT ON FUNCTION follow_graph.node_config_row() IS 'internal (cluster node): this node''s configuration (55000 when it is not a cluster node)';
COMMENT ON FUNCTION follow_graph.node_status() IS 'internal (cluster node): name, partitions, journal length and last version of this node';
COMMENT ON FUNCTION follow_graph.node_state_put(integer, text, bigint, bigint, text, timestamptz) IS 'internal (cluster node): journal one state entry';
COMMENT ON FUNCTION follow_graph.node_state_send_rel(bigint, bigint) IS 'internal (cluster node): journal the relation held here for the followee''s node, when this node is authoritative for it';
COMMENT ON FUNCTION follow_graph.node_active(bigint) IS 'internal (cluster node): whether an account is active here';
COMMENT ON FUNCTION follow_graph.node_set_rel(bigint, bigint, text, bigint, timestamptz) IS 'internal (cluster node): bring the replica of a relation to the follower''s node''s state';
COMMENT ON FUNCTION follow_graph.node_state_write(text, bigint, bigint, boolean, timestamptz, integer[]) IS 'internal (cluster node): a block, request, mute or account flag write of the acting account, journaling it for the other nodes';
COMMENT ON FUNCTION follow_graph.node_state_apply(bigint[], text[], bigint[], bigint[], text[], timestamptz[]) IS 'internal (cluster node): apply other nodes'' state entries, newest version per piece of state';
COMMENT ON FUNCTION follow_graph.node_state_journal(integer) IS 'internal (cluster node): oldest state entries waiting for delivery';
COMMENT ON FUNCTION follow_graph.node_state_ack(bigint[]) IS 'internal (cluster node): drop delivered state entries';

-- == cluster node: moves and verify of states ==
-- (sql/install/93_node_move.sql)
--------------------------------------------------------------------------
-- CLUSTER NODE: MOVING PARTITIONS AND VERIFYING STATES (internal; issue 16,
-- docs/scale-out.md)
--
-- A partition move (the router's cluster_move_partition()) takes from the
-- old node every row that names an account of the partition, not only the
-- edges: requests, hidden edges and requests, blocks (both sides as stored
-- there), the accounts' mutes, dismissals, items and item bounds, every
-- account flag the node knows, and the versions (node_applied,
-- node_state_applied, node_applied_floor) that keep late journal entries
-- from being applied twice.  node_move_in() writes them on the new node in
-- one transaction, with fresh cursors from its own sequences in the old
-- node's order, and recounts the accounts they name (node_recount());
-- node_release() then makes the old node drop the partition and every row
-- of which it owns no account (node_forget()).
--
-- cluster_verify() compares, besides the edges, a digest of every state
-- that both nodes of a pair hold (blocks, requests, hidden edges and hidden
-- requests) and of the account flags every node holds (node_state_digest(),
-- node_state_rows()), and looks for relations next to a block on any node
-- (node_block_neighbours()); cluster_repair() has the authoritative node
-- journal the current state again (node_state_resend()).
--------------------------------------------------------------------------

-- Make the counts and the mutual range of the given accounts exactly what
-- the rows stored here give (after rows were copied in or dropped around
-- the pair writers): one counter stripe per account with anything to
-- count, and both mutual rows of every mutual pair naming one of them.
-- Returns the number of accounts recounted.
CREATE FUNCTION follow_graph.node_recount(accounts bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	accs constant bigint[] := ARRAY(SELECT DISTINCT u.a FROM unnest(accounts) AS u (a)
									WHERE u.a IS NOT NULL ORDER BY 1);
BEGIN
	IF cardinality(accs) = 0 THEN
		RETURN 0;
	END IF;
	-- API writers take ROW EXCLUSIVE: keep them out (as rebuild_counts()).
	LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.item,
		follow_graph.counter, follow_graph.mutual IN SHARE ROW EXCLUSIVE MODE;
	DELETE FROM follow_graph.counter AS c WHERE c.account = ANY (accs);
	INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals, requests, items)
	SELECT x.a, 0, n.fr, n.fg, n.mu, n.rq, n.it
	FROM unnest(accs) AS x (a)
	CROSS JOIN LATERAL (
		SELECT (SELECT count(*) FROM follow_graph.edge AS e WHERE e.followee = x.a) AS fr,
			   (SELECT count(*) FROM follow_graph.edge AS e WHERE e.follower = x.a) AS fg,
			   (SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.edge AS r
				  ON r.follower = e.followee AND r.followee = e.follower
				WHERE e.follower = x.a) AS mu,
			   (SELECT count(*) FROM follow_graph.request AS r WHERE r.account = x.a) AS rq,
			   (SELECT count(*) FROM follow_graph.item AS i WHERE i.author = x.a) AS it) AS n
	WHERE n.fr + n.fg + n.mu + n.rq + n.it > 0;
	DELETE FROM follow_graph.mutual AS m WHERE m.account = ANY (accs) OR m.friend = ANY (accs);
	INSERT INTO follow_graph.mutual AS m (account, friend)
	SELECT e.follower, e.followee
	FROM follow_graph.edge AS e JOIN follow_graph.edge AS r
	  ON r.follower = e.followee AND r.followee = e.follower
	WHERE e.follower = ANY (accs) OR e.followee = ANY (accs)
	ON CONFLICT ON CONSTRAINT mutual_pkey DO NOTHING;
	RETURN cardinality(accs);
END
$fn$;

-- Every row of this node that names an account of partition part, for a
-- partition move (see node_move_in() for the kinds and columns); rows of
-- one kind come in their cursor order.  Also the versions this node keeps,
-- which the new node merges with its own, and the flags of the
-- partition's accounts (every_flag: of every account, for a new node,
-- which knows none yet; a member has them all already).
CREATE FUNCTION follow_graph.node_move_out(part integer, every_flag boolean)
RETURNS TABLE (kind text, a bigint, b bigint, n bigint, t timestamptz, t2 timestamptz,
			   f1 boolean, f2 boolean, sub text)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	p constant integer := part;
BEGIN
	IF p < 0 OR p > mask THEN
		RAISE EXCEPTION 'part must be between 0 and %', mask
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT 'edge', x.follower, x.followee, x.seq, x.followed_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.edge AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'request', x.requester, x.account, x.seq, x.requested_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.request AS x
	WHERE (hashint8(x.requester) & mask) = p OR (hashint8(x.account) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'hidden', x.follower, x.followee, x.seq, x.followed_at, NULL::timestamptz,
		   x.pending, NULL::boolean, NULL::text
	FROM follow_graph.hidden_edge AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'block', x.blocker, x.blocked, x.seq, x.blocked_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.block AS x
	WHERE (hashint8(x.blocker) & mask) = p OR (hashint8(x.blocked) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'mute', x.muter, x.muted, x.seq, x.muted_at, x.expires_at,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.mute AS x
	WHERE (hashint8(x.muter) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'dismissal', x.account, x.candidate, NULL::bigint, x.dismissed_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.dismissal AS x
	WHERE (hashint8(x.account) & mask) = p;
	RETURN QUERY
	SELECT 'item', x.author, x.item, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.item AS x
	WHERE (hashint8(x.author) & mask) = p;
	RETURN QUERY
	SELECT 'bound', x.author, NULL::bigint, x.newest, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.item_bound AS x
	WHERE (hashint8(x.author) & mask) = p;
	RETURN QUERY
	SELECT 'flag', x.account, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
		   x.private, x.active, NULL::text
	FROM follow_graph.account_state AS x
	WHERE every_flag OR (hashint8(x.account) & mask) = p;
	RETURN QUERY
	SELECT 'applied', x.follower, x.followee, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.node_applied AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p;
	RETURN QUERY
	SELECT 'state_applied', x.account, x.other, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, x.kind
	FROM follow_graph.node_state_applied AS x
	WHERE (every_flag AND x.kind NOT IN ('block', 'cmd'))
	   OR (hashint8(x.account) & mask) = p OR (x.kind IN ('block', 'cmd') AND (hashint8(x.other) & mask) = p);
	RETURN QUERY
	SELECT 'floor', x.part::bigint, NULL::bigint, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.node_applied_floor AS x;
END
$fn$;

-- Take partition part over from another node: in one transaction, make
-- this node a member owning part (node_name and partitions when it is not
-- one yet), raise its versions above min_version (its entries for the
-- partition's pairs must beat the old node's), and write the rows of
-- node_move_out() on the old node (arrays of one length):
--   edge        a -> b, n = seq, t = followed_at
--   request     a -> b, n = seq, t = requested_at
--   hidden      a -> b, n = seq, t = followed_at, f1 = pending
--   block       a blocks b, n = seq, t = blocked_at
--   mute        a mutes b, n = seq, t = muted_at, t2 = expires_at
--   dismissal   a dismissed b, t = dismissed_at
--   item        a published item b
--   bound       a's item bound n
--   flag        a's private (f1) and active (f2) flags
--   applied     node_applied (a, b, version n)
--   state_applied  node_state_applied (sub, a, b, version n)
--   floor       node_applied_floor (partition a, version n)
-- Rows this node holds already are kept; new ones take cursors from this
-- node's sequences in the old node's order.  The flags of the partition's
-- accounts are the old node's (it was authoritative for them); other flags
-- and the versions are merged (a missing flag is added, the higher version
-- wins).  The accounts named by copied edges, requests and items are
-- recounted.  Idempotent: a second run finds every row in place (and a run
-- after a failed move first drops the copy that run left, see below).
-- Returns the number of edges copied.
CREATE FUNCTION follow_graph.node_move_in(node_name text, partitions integer, part integer,
	min_version bigint, kinds text[], firsts bigint[], seconds bigint[], nums bigint[],
	times timestamptz[], times2 timestamptz[], flags1 boolean[], flags2 boolean[], subs text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	p constant integer := part;
	mask integer;
	bad record;
	copied bigint;
	n_states bigint;
	accs bigint[];
	len constant integer := cardinality(kinds);
BEGIN
	IF p IS NULL OR min_version IS NULL OR kinds IS NULL OR firsts IS NULL OR seconds IS NULL
	   OR nums IS NULL OR times IS NULL OR times2 IS NULL OR flags1 IS NULL OR flags2 IS NULL
	   OR subs IS NULL THEN
		RAISE EXCEPTION 'part, min_version and the row arrays must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(firsts) <> len OR cardinality(seconds) <> len OR cardinality(nums) <> len
	   OR cardinality(times) <> len OR cardinality(times2) <> len OR cardinality(flags1) <> len
	   OR cardinality(flags2) <> len OR cardinality(subs) <> len THEN
		RAISE EXCEPTION 'row arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF FOUND THEN
		IF partitions IS NOT NULL AND partitions <> cfg.partitions THEN
			RAISE EXCEPTION 'this node has % partitions, not %', cfg.partitions, partitions
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF p = ANY (cfg.owned) THEN
			-- An earlier move of the partition stopped after copying here:
			-- drop that copy (it may be stale), then copy again.
			PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, p));
			PERFORM follow_graph.node_forget();
		END IF;
		PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, p) || p);
	ELSE
		PERFORM follow_graph.node_configure(node_name, partitions, ARRAY[p]);
	END IF;
	cfg := follow_graph.node_config_row();
	mask := cfg.partitions - 1;
	IF p < 0 OR p > mask THEN
		RAISE EXCEPTION 'part must be between 0 and %', mask
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM follow_graph.node_version_floor(min_version);

	-- Every row must belong to the partition (the pair kinds by one of
	-- their accounts, the per-account kinds by their account).
	SELECT u.k, u.a, u.b INTO bad
	FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	WHERE u.k IS NULL OR u.a IS NULL
	   OR u.k NOT IN ('edge', 'request', 'hidden', 'block', 'mute', 'dismissal', 'item', 'bound',
					  'flag', 'applied', 'state_applied', 'floor')
	   OR (u.k IN ('edge', 'request', 'hidden', 'block')
		   AND (u.b IS NULL OR NOT ((hashint8(u.a) & mask) = p OR (hashint8(u.b) & mask) = p)))
	   OR (u.k IN ('mute', 'dismissal', 'item', 'bound') AND (hashint8(u.a) & mask) <> p)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'invalid row (%, %, %) for partition %', bad.k, bad.a, bad.b, p
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- publish() keeps item ids unique among one node's items.
	SELECT u.a, u.b, x.author INTO bad
	FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	JOIN follow_graph.item AS x ON x.item = u.b AND x.author <> u.a
	WHERE u.k = 'item'
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'item % of account % is already published on node % by account %',
			bad.b, bad.a, cfg.node_name, bad.author
			USING ERRCODE = 'unique_violation',
				  HINT = 'Item ids must be unique across the cluster (for example snowflake ids).';
	END IF;

	LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.hidden_edge,
		follow_graph.block, follow_graph.mute, follow_graph.dismissal, follow_graph.item,
		follow_graph.item_bound, follow_graph.counter, follow_graph.mutual,
		follow_graph.account_state IN SHARE ROW EXCLUSIVE MODE;

	-- Edges and hidden edges: cursors from edge_seq, in the old order.
	WITH r AS (
		SELECT u.k, u.a, u.b, u.n, u.t
		FROM unnest(kinds, firsts, seconds, nums, times, flags1) AS u (k, a, b, n, t, f1)
		WHERE (u.k = 'edge'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))
		   OR (u.k = 'hidden' AND NOT u.f1
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.hidden_edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))),
	s AS MATERIALIZED (
		SELECT o.k, o.a, o.b, o.t, nextval('follow_graph.edge_seq') AS seq
		FROM (SELECT r.* FROM r ORDER BY r.n, r.a, r.b) AS o),
	e AS (
		INSERT INTO follow_graph.edge AS x (follower, followee, seq, followed_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'edge'
		RETURNING 1),
	h AS (
		INSERT INTO follow_graph.hidden_edge AS x (follower, followee, seq, followed_at, pending)
		SELECT s.a, s.b, s.seq, s.t, false FROM s WHERE s.k = 'hidden'
		RETURNING 1)
	SELECT count(*) INTO copied FROM e;

	-- Requests, hidden requests, blocks and mutes: cursors from state_seq.
	WITH r AS (
		SELECT u.k, u.a, u.b, u.n, u.t, u.t2
		FROM unnest(kinds, firsts, seconds, nums, times, times2, flags1) AS u (k, a, b, n, t, t2, f1)
		WHERE (u.k = 'request'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.request AS x
							   WHERE x.requester = u.a AND x.account = u.b))
		   OR (u.k = 'hidden' AND u.f1
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.hidden_edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))
		   OR (u.k = 'block'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.block AS x
							   WHERE x.blocker = u.a AND x.blocked = u.b))
		   OR (u.k = 'mute'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.mute AS x
							   WHERE x.muter = u.a AND x.muted = u.b))),
	s AS MATERIALIZED (
		SELECT o.k, o.a, o.b, o.t, o.t2, nextval('follow_graph.state_seq') AS seq
		FROM (SELECT r.* FROM r ORDER BY r.n, r.a, r.b) AS o),
	rq AS (
		INSERT INTO follow_graph.request AS x (requester, account, seq, requested_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'request'
		RETURNING 1),
	hr AS (
		INSERT INTO follow_graph.hidden_edge AS x (follower, followee, seq, followed_at, pending)
		SELECT s.a, s.b, s.seq, s.t, true FROM s WHERE s.k = 'hidden'
		RETURNING 1),
	bl AS (
		INSERT INTO follow_graph.block AS x (blocker, blocked, seq, blocked_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'block'
		RETURNING 1),
	mu AS (
		INSERT INTO follow_graph.mute AS x (muter, muted, seq, muted_at, expires_at)
		SELECT s.a, s.b, s.seq, s.t, s.t2 FROM s WHERE s.k = 'mute'
		RETURNING 1)
	SELECT count(*) INTO n_states FROM s;

	INSERT INTO follow_graph.dismissal AS x (account, candidate, dismissed_at)
	SELECT u.a, u.b, u.t FROM unnest(kinds, firsts, seconds, times) AS u (k, a, b, t)
	WHERE u.k = 'dismissal'
	ON CONFLICT ON CONSTRAINT dismissal_pkey DO NOTHING;

	INSERT INTO follow_graph.item AS x (author, item)
	SELECT u.a, u.b FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	WHERE u.k = 'item'
	ON CONFLICT ON CONSTRAINT item_pkey DO NOTHING;

	INSERT INTO follow_graph.item_bound AS x (author, newest)
	SELECT DISTINCT u.a, u.n FROM unnest(kinds, firsts, nums) AS u (k, a, n)
	WHERE u.k = 'bound'
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.item_bound AS y
					  WHERE y.author = u.a AND y.newest = u.n);

	-- Flags: the partition's accounts take the old node's (authoritative);
	-- this node's own accounts keep theirs; others are added when missing.
	INSERT INTO follow_graph.account_state AS x (account, private, active)
	SELECT u.a, u.f1, u.f2 FROM unnest(kinds, firsts, flags1, flags2) AS u (k, a, f1, f2)
	WHERE u.k = 'flag'
	  AND ((hashint8(u.a) & mask) = p OR NOT (hashint8(u.a) & mask) = ANY (cfg.owned))
	ON CONFLICT ON CONSTRAINT account_state_pkey DO UPDATE
		SET private = EXCLUDED.private, active = EXCLUDED.active
		WHERE (hashint8(x.account) & mask) = p;

	-- Versions: the higher one wins.
	INSERT INTO follow_graph.node_applied AS x (follower, followee, version)
	SELECT u.a, u.b, max(u.n) FROM unnest(kinds, firsts, seconds, nums) AS u (k, a, b, n)
	WHERE u.k = 'applied'
	GROUP BY u.a, u.b
	ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;
	INSERT INTO follow_graph.node_state_applied AS x (kind, account, other, version)
	SELECT u.s, u.a, u.b, max(u.n) FROM unnest(kinds, firsts, seconds, nums, subs) AS u (k, a, b, n, s)
	WHERE u.k = 'state_applied'
	GROUP BY u.s, u.a, u.b
	ON CONFLICT ON CONSTRAINT node_state_applied_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;
	INSERT INTO follow_graph.node_applied_floor AS x (part, version)
	SELECT u.a::integer, max(u.n) FROM unnest(kinds, firsts, nums) AS u (k, a, n)
	WHERE u.k = 'floor' AND u.a >= 0 AND u.a <= mask
	GROUP BY u.a
	ON CONFLICT ON CONSTRAINT node_applied_floor_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;

	accs := ARRAY(SELECT u.a FROM unnest(kinds, firsts) AS u (k, a) WHERE u.k IN ('edge', 'request', 'item')
				  UNION
				  SELECT u.b FROM unnest(kinds, seconds) AS u (k, b) WHERE u.k IN ('edge', 'request'));
	PERFORM follow_graph.node_recount(accs);
	RETURN copied;
END
$fn$;

-- Give partition part up (after node_move_in() on its new node): drop it
-- from this node's partitions and every row of which this node owns no
-- account any more, in one transaction.  Returns how many edges were
-- dropped.
CREATE FUNCTION follow_graph.node_release(part integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
BEGIN
	PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, part));
	RETURN follow_graph.node_forget();
END
$fn$;

-- Order-independent digests of the states both nodes of a pair hold, per
-- partition pair (part_a, part_b) of the pair's accounts (a, b): 'block'
-- (a blocks b), 'request' (a asked to follow b), 'hidden edge' and 'hidden
-- request' (a -> b hidden by a deactivation); and of the account flags
-- every node holds, per partition of the account ('flag', part_b -1; only
-- accounts that are private or deactivated).  n rows, digest the sum of a
-- 64-bit hash of each modulo 2^64, as node_digest() for the edges.
CREATE FUNCTION follow_graph.node_state_digest()
RETURNS TABLE (kind text, part_a integer, part_b integer, n bigint, digest numeric)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT x.k, hashint8(x.a) & (c.partitions - 1),
		   CASE WHEN x.k = 'flag' THEN -1 ELSE hashint8(x.b) & (c.partitions - 1) END,
		   count(*),
		   mod(sum(hashint8extended(x.a, x.b)::numeric), 18446744073709551616::numeric)
	FROM follow_graph.node_config AS c, (
		SELECT 'block' AS k, b.blocker AS a, b.blocked AS b FROM follow_graph.block AS b
		UNION ALL
		SELECT 'request', r.requester, r.account FROM follow_graph.request AS r
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee
		FROM follow_graph.hidden_edge AS h
		UNION ALL
		SELECT 'flag', s.account, (s.private::integer * 2 + s.active::integer)::bigint
		FROM follow_graph.account_state AS s WHERE s.private OR NOT s.active) AS x
	GROUP BY 1, 2, 3
$fn$;

-- The state rows held here of the given (kind, part_a, part_b) triples of
-- node_state_digest(); private and active are set for 'flag' rows only
-- (b is NULL there).
CREATE FUNCTION follow_graph.node_state_rows(kinds text[], parts_a integer[], parts_b integer[])
RETURNS TABLE (kind text, a bigint, b bigint, private boolean, active boolean)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT x.k, x.a, x.b, x.p, x.ac
	FROM follow_graph.node_config AS c, (
		SELECT 'block' AS k, b.blocker AS a, b.blocked AS b, NULL::boolean AS p, NULL::boolean AS ac
		FROM follow_graph.block AS b
		UNION ALL
		SELECT 'request', r.requester, r.account, NULL, NULL FROM follow_graph.request AS r
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee,
			   NULL, NULL
		FROM follow_graph.hidden_edge AS h
		UNION ALL
		SELECT 'flag', s.account, NULL, s.private, s.active
		FROM follow_graph.account_state AS s WHERE s.private OR NOT s.active) AS x
	WHERE (x.k, hashint8(x.a) & (c.partitions - 1),
		   CASE WHEN x.k = 'flag' THEN -1 ELSE hashint8(x.b) & (c.partitions - 1) END)
		IN (SELECT * FROM unnest(kinds, parts_a, parts_b))
	ORDER BY 1, 2, 3
$fn$;

-- The relations held here (edge, request, hidden edge, hidden request)
-- next to a block: one held here, or one of the given pairs (blocker,
-- blocked) held on another node.  A drained cluster has none.
CREATE FUNCTION follow_graph.node_block_neighbours(blockers bigint[], blocked bigint[])
RETURNS TABLE (kind text, follower bigint, followee bigint, blocker bigint, blocked bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH bl AS (
		SELECT b.blocker AS x, b.blocked AS y FROM follow_graph.block AS b
		UNION
		SELECT u.x, u.y FROM unnest(blockers, blocked) AS u (x, y)
		WHERE u.x IS NOT NULL AND u.y IS NOT NULL)
	SELECT r.k, r.f, r.e, bl.x, bl.y
	FROM (SELECT 'edge' AS k, e.follower AS f, e.followee AS e FROM follow_graph.edge AS e
		  UNION ALL
		  SELECT 'request', q.requester, q.account FROM follow_graph.request AS q
		  UNION ALL
		  SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee
		  FROM follow_graph.hidden_edge AS h) AS r
	JOIN bl ON (bl.x = r.f AND bl.y = r.e) OR (bl.x = r.e AND bl.y = r.f)
	ORDER BY 2, 3, 4, 5
$fn$;

-- Journal again, with fresh versions, the current state of pieces of state
-- this node is authoritative for (cluster_repair()): 'block' a -> b (this
-- node owns the blocker a: on, after block() here removed whatever sits
-- next to it, or off), 'rel' a -> b (owns the follower a: the relation as
-- held here) and 'flag' a (owns a: its private and active flags, for a
-- partition of every other node, targets).  Returns how many entries were
-- written.
CREATE FUNCTION follow_graph.node_state_resend(kinds text[], firsts bigint[], seconds bigint[],
	targets integer[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	r record;
	st record;
	t integer;
	sent bigint := 0;
BEGIN
	IF cardinality(kinds) <> cardinality(firsts) OR cardinality(kinds) <> cardinality(seconds) THEN
		RAISE EXCEPTION 'kinds, firsts and seconds must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	-- An xid before the first version (see node_horizon()).
	PERFORM pg_current_xact_id();
	FOR r IN
		SELECT DISTINCT u.k, u.a, u.b FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
		WHERE u.a IS NOT NULL AND (hashint8(u.a) & mask) = ANY (cfg.owned)
		ORDER BY 1, 2, 3
	LOOP
		CASE r.k
		WHEN 'block' THEN
			CONTINUE WHEN r.b IS NULL OR r.b = r.a;
			IF EXISTS (SELECT 1 FROM follow_graph.block AS x WHERE x.blocker = r.a AND x.blocked = r.b) THEN
				IF follow_graph.node_active(r.a) AND follow_graph.node_active(r.b) THEN
					PERFORM follow_graph.block(r.a, r.b);
				ELSE
					DELETE FROM follow_graph.hidden_edge AS h
					WHERE (h.follower, h.followee) IN ((r.a, r.b), (r.b, r.a));
				END IF;
				IF NOT (hashint8(r.b) & mask) = ANY (cfg.owned) THEN
					PERFORM follow_graph.node_state_put(hashint8(r.b) & mask, 'block', r.a, r.b, 'on', NULL);
					sent := sent + 1;
				END IF;
			ELSIF NOT (hashint8(r.b) & mask) = ANY (cfg.owned) THEN
				PERFORM follow_graph.node_state_put(hashint8(r.b) & mask, 'block', r.a, r.b, 'off', NULL);
				sent := sent + 1;
			END IF;
		WHEN 'rel' THEN
			CONTINUE WHEN r.b IS NULL OR r.b = r.a;
			IF follow_graph.node_state_send_rel(r.a, r.b) IS NOT NULL THEN
				sent := sent + 1;
			END IF;
		WHEN 'flag' THEN
			SELECT coalesce((SELECT s.private FROM follow_graph.account_state AS s WHERE s.account = r.a), false) AS private,
				   follow_graph.node_active(r.a) AS active
			INTO st;
			FOR t IN SELECT DISTINCT u.p FROM unnest(targets) AS u (p)
					 WHERE u.p IS NOT NULL AND NOT (u.p & mask) = ANY (cfg.owned) ORDER BY 1 LOOP
				PERFORM follow_graph.node_state_put(t, 'private', r.a, 0, st.private::text, NULL);
				PERFORM follow_graph.node_state_put(t, 'active', r.a, 0, st.active::text, NULL);
				sent := sent + 2;
			END LOOP;
		ELSE
			RAISE EXCEPTION 'unknown state kind "%"', r.k USING ERRCODE = 'invalid_parameter_value';
		END CASE;
	END LOOP;
	RETURN sent;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_recount(bigint[]),
	follow_graph.node_move_out(integer, boolean),
	follow_graph.node_move_in(text, integer, integer, bigint, text[], bigint[], bigint[], bigint[],
		timestamptz[], timestamptz[], boolean[], boolean[], text[]),
	follow_graph.node_release(integer),
	follow_graph.node_state_digest(),
	follow_graph.node_state_rows(text[], integer[], integer[]),
	follow_graph.node_block_neighbours(bigint[], bigint[]),
	follow_graph.node_state_resend(text[], bigint[], bigint[], integer[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_recount(bigint[]) IS 'internal (cluster node): recompute the counts and mutual rows of the given accounts from the rows stored here';
COMMENT ON FUNCTION follow_graph.node_move_out(integer, boolean) IS 'internal (cluster node): every row naming an account of a partition, with the flags and versions, for a partition move';
COMMENT ON FUNCTION follow_graph.node_move_in(text, integer, integer, bigint, text[], bigint[], bigint[], bigint[], timestamptz[], timestamptz[], boolean[], boolean[], text[]) IS 'internal (cluster node): take a partition over with the rows node_move_out() gave on its old node';
COMMENT ON FUNCTION follow_graph.node_release(integer) IS 'internal (cluster node): give a partition up and drop the rows of which this node owns no account';
COMMENT ON FUNCTION follow_graph.node_state_digest() IS 'internal (cluster node): count and order-independent digest of the blocks, requests, hidden edges and account flags held here, per partition pair';
COMMENT ON FUNCTION follow_graph.node_state_rows(text[], integer[], integer[]) IS 'internal (cluster node): the state rows of the given kinds and partition pairs';
COMMENT ON FUNCTION follow_graph.node_block_neighbours(bigint[], bigint[]) IS 'internal (cluster node): relations held here next to a block held here or to one of the given pairs';
COMMENT ON FUNCTION follow_graph.node_state_resend(text[], bigint[], bigint[], integer[]) IS 'internal (cluster node): journal the current state of blocks, relations and account flags this node owns again, with fresh versions';

-- == cluster node: discovery and import ==
--------------------------------------------------------------------------
-- CLUSTER NODE: DISCOVERY AND IMPORT (internal; issue 16, docs/scale-out.md)
--
-- The node-side halves of the router's suggest_follows(), similar_accounts()
-- and import_edges().  Called by the router only, not executable by PUBLIC.
--
-- suggest_follows(a): a's node picks the middles (node_suggest_middles);
-- each middle's node reads the window of its followees the single node
-- reads, with the middle's weight and follower count, exact there
-- (node_suggest_expand); the router sums the weights per candidate in
-- middle id order, as the single node does; a's node says which of the
-- best candidates survive the exclusions (node_suggest_keep: it holds a's
-- follows, requests, blocks either way, mutes and dismissals, and every
-- account's active flag).  similar_accounts(a): a's node samples a's
-- followers (node_similar_sample); each sampled follower's node counts, per
-- candidate, the sampled followers whose window holds it
-- (node_similar_expand); the router scores them with the candidates'
-- follower counts from their nodes.  The bounds (suggest_middles, ...) are
-- the router session's settings, passed as arguments.
--
-- import_edges(source) on the router sends each node the rows whose
-- follower or followee it owns (node_import), which imports them with the
-- node's own import_edges(): both halves set-based, nothing journaled.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.node_suggest_middles(account bigint, max_middles integer,
	OUT following bigint, OUT middles bigint[])
RETURNS record
AS 'MODULE_PATHNAME', 'fg_node_suggest_middles'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION follow_graph.node_suggest_expand(account bigint, middles bigint[], fanout integer)
RETURNS TABLE (middle bigint, weight float8, followers bigint, candidates bigint[])
AS 'MODULE_PATHNAME', 'fg_node_suggest_expand'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION follow_graph.node_suggest_keep(account bigint, candidates bigint[])
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'fg_node_suggest_keep'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION follow_graph.node_similar_sample(account bigint, max_sample integer,
	OUT followers bigint, OUT sample bigint[])
RETURNS record
AS 'MODULE_PATHNAME', 'fg_node_similar_sample'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;

CREATE FUNCTION follow_graph.node_similar_expand(account bigint, sample bigint[], fanout integer)
RETURNS TABLE (candidate bigint, co bigint)
AS 'MODULE_PATHNAME', 'fg_node_similar_expand'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;

-- Import the rows of a router batch whose follower or followee this node
-- owns, with this node's import_edges() (counts, mutual pairs, blocked
-- pairs skipped, pairs with a deactivated account hidden, requests
-- dropped), nothing journaled.  Returns the new visible edges whose
-- follower this node owns, so that the router counts each edge once.
-- The rows are staged in a temporary table created (and dropped) here,
-- which import_edges() reads.
CREATE FUNCTION follow_graph.node_import(follower bigint[], followee bigint[], followed_at timestamptz[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask integer := cfg.partitions - 1;
	stray bigint;
	before bigint := 0;
	after bigint;
BEGIN
	IF follower IS NULL OR followee IS NULL OR followed_at IS NULL THEN
		RAISE EXCEPTION 'follower, followee and followed_at must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(follower) <> cardinality(followee)
	   OR cardinality(follower) <> cardinality(followed_at) THEN
		RAISE EXCEPTION 'follower, followee and followed_at must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	CREATE TEMPORARY TABLE fg_node_import_stage (follower bigint, followee bigint,
		followed_at timestamptz, mine boolean);
	INSERT INTO pg_temp.fg_node_import_stage
	SELECT u.f, u.e, u.t, (hashint8(u.f) & mask) = ANY (cfg.owned)
	FROM unnest(node_import.follower, node_import.followee, node_import.followed_at) AS u (f, e, t);
	SELECT s.follower INTO stray FROM pg_temp.fg_node_import_stage AS s
	WHERE NOT s.mine AND NOT (hashint8(s.followee) & mask) = ANY (cfg.owned)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'neither account of the pair (%, %) is stored on node %',
			stray, (SELECT s.followee FROM pg_temp.fg_node_import_stage AS s
					WHERE s.follower = stray AND NOT s.mine LIMIT 1), cfg.node_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
	END IF;
	ANALYZE pg_temp.fg_node_import_stage;
	IF EXISTS (SELECT 1 FROM follow_graph.edge) THEN
		SELECT count(*) INTO before
		FROM (SELECT DISTINCT s.follower, s.followee FROM pg_temp.fg_node_import_stage AS s
			  WHERE s.mine) AS p
		WHERE EXISTS (SELECT 1 FROM follow_graph.edge AS e
					  WHERE e.follower = p.follower AND e.followee = p.followee);
	END IF;
	PERFORM follow_graph.import_edges('pg_temp.fg_node_import_stage'::regclass);
	SELECT count(*) INTO after
	FROM (SELECT DISTINCT s.follower, s.followee FROM pg_temp.fg_node_import_stage AS s
		  WHERE s.mine) AS p
	WHERE EXISTS (SELECT 1 FROM follow_graph.edge AS e
				  WHERE e.follower = p.follower AND e.followee = p.followee);
	DROP TABLE pg_temp.fg_node_import_stage;
	RETURN after - before;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_suggest_middles(bigint, integer),
	follow_graph.node_suggest_expand(bigint, bigint[], integer),
	follow_graph.node_suggest_keep(bigint, bigint[]),
	follow_graph.node_similar_sample(bigint, integer),
	follow_graph.node_similar_expand(bigint, bigint[], integer),
	follow_graph.node_import(bigint[], bigint[], timestamptz[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_suggest_middles(bigint, integer) IS 'follow_graph cluster node (internal): an account''s following count and the middles of its suggestions';
COMMENT ON FUNCTION follow_graph.node_suggest_expand(bigint, bigint[], integer) IS 'follow_graph cluster node (internal): per middle of this node, its weight, follower count and window of followees';
COMMENT ON FUNCTION follow_graph.node_suggest_keep(bigint, bigint[]) IS 'follow_graph cluster node (internal): the candidates an account''s suggestions do not exclude';
COMMENT ON FUNCTION follow_graph.node_similar_sample(bigint, integer) IS 'follow_graph cluster node (internal): an account''s follower count and sampled followers';
COMMENT ON FUNCTION follow_graph.node_similar_expand(bigint, bigint[], integer) IS 'follow_graph cluster node (internal): per candidate, the sampled followers of this node whose window holds it';
COMMENT ON FUNCTION follow_graph.node_import(bigint[], bigint[], timestamptz[]) IS 'follow_graph cluster node (internal): import a router batch of edges; returns the new edges whose follower this node owns';

-- == last: swap in the covering followers index ==
-- (built in the "pages and the mutual range" section above) DROP INDEX
-- locks the edge table ACCESS EXCLUSIVE until the update commits, so it
-- comes after every other step: reads of the edges wait only from here.
DROP INDEX follow_graph.edge_followee_seq;
ALTER INDEX follow_graph.edge_followee_seq_0_3_0 RENAME TO edge_followee_seq;
