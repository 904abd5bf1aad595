-- follow_graph install script.  Built by concatenating sql/install/*.sql in
-- name order; each fragment owns one area of the extension.

\echo Use "CREATE EXTENSION follow_graph" to load this file. \quit

--------------------------------------------------------------------------
-- SCHEMA GUARD (first: nothing of ours exists yet when it looks)
--
-- CREATE EXTENSION uses a schema named follow_graph if one already exists,
-- whoever owns it.  A role that owns that schema, or may create objects in
-- it, could plant an overload such as follow_graph.follow(integer, integer)
-- that callers would run instead of ours, a text search configuration, a
-- collation or conversion our SQL might resolve, or default privileges that
-- hand it rights on the storage we are about to create.  Refuse to install
-- unless:
--   * the schema and every object in it that has an owner (relations and
--     sequences, functions and aggregates, types, operators, operator
--     classes and families, collations, conversions, text search
--     configurations and dictionaries, extended statistics, extensions
--     installed into it) belong to superusers;
--   * neither PUBLIC nor any role but a superuser may CREATE in it;
--   * no default privileges would grant anything on our new objects to
--     another role (default ACLs on the schema, or global ones of the
--     installing role).
-- Text search parsers and templates have no owner and only superusers can
-- make them, so they need no check.  The upgrade script runs the same guard.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- STORAGE
--
-- Every byte of graph data lives in ordinary WAL-logged tables of this
-- schema.  None of them is writable by anyone but the extension's owner: the
-- API functions that write run with the owner's rights and pin search_path.
--------------------------------------------------------------------------

-- Order of follows.  The value is the opaque page cursor; CACHE 1 keeps it in
-- commit-ish order across backends, so "newest first" means what it says.
CREATE SEQUENCE follow_graph.edge_seq AS bigint CACHE 1;

-- One row per edge.  Four btree orders serve every read:
--   (follower, followee)  is_following, following sets in id order
--   (followee, follower)  followers sets in id order
--   (followee, seq)       followers pages, newest first
--   (follower, seq)       following pages, newest first
CREATE TABLE follow_graph.edge (
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	seq			bigint		NOT NULL,
	followed_at	timestamptz	NOT NULL,
	CONSTRAINT edge_pkey PRIMARY KEY (follower, followee),
	CONSTRAINT edge_not_self CHECK (follower OPERATOR(pg_catalog.<>) followee)
);
CREATE INDEX edge_followee_follower ON follow_graph.edge (followee, follower);
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq);
CREATE INDEX edge_follower_seq ON follow_graph.edge (follower, seq);

-- Counters.  An account has one row in the common case and a few "stripes"
-- when many sessions change its counts at once: a writer takes any stripe
-- row nobody holds (SKIP LOCKED) or adds a new one, so a follow storm on one
-- account never queues on a single row.  A count is the sum of the stripes.
CREATE TABLE follow_graph.counter (
	account		bigint	NOT NULL,
	stripe		integer	NOT NULL,
	followers	bigint	NOT NULL DEFAULT 0,
	following	bigint	NOT NULL DEFAULT 0,
	mutuals		bigint	NOT NULL DEFAULT 0,
	requests	bigint	NOT NULL DEFAULT 0,
	items		bigint	NOT NULL DEFAULT 0,
	CONSTRAINT counter_pkey PRIMARY KEY (account, stripe)
) WITH (fillfactor = 70);

-- Pair serialisation.  follow(a,b), follow(b,a), unfollow(a,b) and
-- unfollow(b,a) agree on who counts the pair's mutual through a short
-- critical section per pair: a RowExclusiveLock on this empty table, then an
-- exclusive lock on a fake tuple of it named by a hash of the pair, held only
-- while the call changes the edge and reads the reverse edge with a dirty
-- snapshot (never to commit).  A writer that saw a concurrent transaction
-- change the reverse edge waits for that transaction's outcome after leaving
-- the section.  Bulk writers take ShareRowExclusiveLock on the table for the
-- set-based part of their work.  The table never holds a row.
CREATE TABLE follow_graph.pair_gate () WITH (autovacuum_enabled = false);

-- Everyone may use the schema (the read API is public); nobody but the owner
-- may touch the storage.
GRANT USAGE ON SCHEMA follow_graph TO PUBLIC;
REVOKE ALL ON follow_graph.edge, follow_graph.counter, follow_graph.pair_gate,
	follow_graph.edge_seq FROM PUBLIC;

-- pg_dump keeps the graph (pair_gate holds nothing).
SELECT pg_catalog.pg_extension_config_dump('follow_graph.edge', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.counter', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.edge_seq', '');

COMMENT ON TABLE follow_graph.edge IS 'follow_graph storage: one row per follow edge (write through the API only)';
COMMENT ON TABLE follow_graph.counter IS 'follow_graph storage: striped follower, following, mutual, pending request and item counts';
COMMENT ON TABLE follow_graph.pair_gate IS 'follow_graph storage: lock object only (no rows); its locks order the writes to each pair and keep bulk writers apart';

--------------------------------------------------------------------------
-- WRITES (not executable by PUBLIC; see README for the GRANT)
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.follow(follower bigint, followee bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_follow'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unfollow(follower bigint, followee bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unfollow'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.follow(bigint, bigint),
	follow_graph.unfollow(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.follow(bigint, bigint) IS 'make follower follow followee; true if the edge is new';
COMMENT ON FUNCTION follow_graph.unfollow(bigint, bigint) IS 'remove the edge follower -> followee; true if there was one';

--------------------------------------------------------------------------
-- READS (PUBLIC).  C functions that read the storage directly through its
-- indexes under the caller's snapshot.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.is_following(follower bigint, followee bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_following'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.relationship(viewer bigint, target bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'fg_relationship'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.relationships(viewer bigint, targets bigint[])
RETURNS TABLE (target bigint, following boolean, followed_by boolean,
			   requested boolean, requested_by boolean, blocking boolean,
			   blocked_by boolean, muting boolean)
AS 'MODULE_PATHNAME', 'fg_relationships'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.follower_count(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_follower_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.following_count(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_following_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.mutual_count(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_mutual_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.counts(accounts bigint[])
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint, requests bigint)
AS 'MODULE_PATHNAME', 'fg_counts'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

-- Pages are not STRICT because a NULL cursor means "first page"; a NULL
-- account or page_size gives no rows.
CREATE FUNCTION follow_graph.followers(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (follower bigint, followed_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_followers'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.following(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (followee bigint, followed_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_following'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.mutuals(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_mutuals'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.common_followers(a bigint, b bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_common_followers'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.common_following(a bigint, b bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_common_following'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.known_followers(viewer bigint, target bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_known_followers'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

-- A read-only window on the edges for ad-hoc SQL.  It reads the storage with
-- the owner's rights; only SELECT is granted.
CREATE VIEW follow_graph.edges AS
	SELECT e.follower, e.followee, e.followed_at FROM follow_graph.edge AS e;
REVOKE ALL ON follow_graph.edges FROM PUBLIC;
GRANT SELECT ON follow_graph.edges TO PUBLIC;

COMMENT ON FUNCTION follow_graph.is_following(bigint, bigint) IS 'true if follower follows followee';
COMMENT ON FUNCTION follow_graph.relationship(bigint, bigint) IS 'self, blocking, blocked_by, mutual, following, requested, followed_by or none (the first that holds), as seen by viewer';
COMMENT ON FUNCTION follow_graph.relationships(bigint, bigint[]) IS 'relationship flags of viewer with each distinct target (follows, pending requests, blocks, mutes), in one call';
COMMENT ON FUNCTION follow_graph.follower_count(bigint) IS 'exact number of followers, O(1)';
COMMENT ON FUNCTION follow_graph.following_count(bigint) IS 'exact number of accounts followed, O(1)';
COMMENT ON FUNCTION follow_graph.mutual_count(bigint) IS 'exact number of mutual follows (Friends), O(1)';
COMMENT ON FUNCTION follow_graph.counts(bigint[]) IS 'the follower, following, mutual and pending request counts of each distinct account, in one call';
COMMENT ON FUNCTION follow_graph.followers(bigint, integer, bigint) IS 'followers newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.following(bigint, integer, bigint) IS 'accounts followed, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.mutuals(bigint, integer, bigint) IS 'mutual follows (Friends) in ascending id order, keyset-paged';
COMMENT ON FUNCTION follow_graph.common_followers(bigint, bigint, integer, bigint) IS 'accounts that follow both a and b, ascending';
COMMENT ON FUNCTION follow_graph.common_following(bigint, bigint, integer, bigint) IS 'accounts that both a and b follow, ascending';
COMMENT ON FUNCTION follow_graph.known_followers(bigint, bigint, integer, bigint) IS 'accounts viewer follows that follow target, ascending';
COMMENT ON VIEW follow_graph.edges IS 'every follow edge (read-only)';
--------------------------------------------------------------------------
-- IDSET TYPE
--
-- A set of distinct bigint ids, kept sorted in a compact block/delta-varint
-- form.  Text form {3,17,42}; binary form for COPY BINARY and drivers.
-- STORAGE external: large values are stored out of line uncompressed (the
-- encoding is already compact), so cardinality() reads one TOAST chunk.
--------------------------------------------------------------------------

CREATE TYPE follow_graph.idset;

CREATE FUNCTION follow_graph.idset_in(cstring) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_out(follow_graph.idset) RETURNS cstring
AS 'MODULE_PATHNAME', 'idset_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_recv(internal) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_send(follow_graph.idset) RETURNS bytea
AS 'MODULE_PATHNAME', 'idset_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE follow_graph.idset (
	INPUT = follow_graph.idset_in,
	OUTPUT = follow_graph.idset_out,
	RECEIVE = follow_graph.idset_recv,
	SEND = follow_graph.idset_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = external
);

COMMENT ON TYPE follow_graph.idset IS 'set of distinct bigint ids, sorted and compactly encoded';
COMMENT ON FUNCTION follow_graph.idset_in(cstring) IS 'idset text input: {a,b,...} in any order, duplicates allowed';
COMMENT ON FUNCTION follow_graph.idset_out(follow_graph.idset) IS 'idset text output: ascending {a,b,...}';
COMMENT ON FUNCTION follow_graph.idset_recv(internal) IS 'idset binary input: version byte, int32 count, ascending int8 values';
COMMENT ON FUNCTION follow_graph.idset_send(follow_graph.idset) IS 'idset binary output';

--------------------------------------------------------------------------
-- IDSET CASTS AND FUNCTIONS
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset(bigint[]) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_to_array(follow_graph.idset) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'idset_to_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (bigint[] AS follow_graph.idset)
	WITH FUNCTION follow_graph.idset(bigint[]) AS ASSIGNMENT;
CREATE CAST (follow_graph.idset AS bigint[])
	WITH FUNCTION follow_graph.idset_to_array(follow_graph.idset);

CREATE FUNCTION follow_graph.cardinality(follow_graph.idset) RETURNS bigint
AS 'MODULE_PATHNAME', 'idset_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.unnest(follow_graph.idset) RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'idset_unnest' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 1000;

CREATE FUNCTION follow_graph.jaccard(follow_graph.idset, follow_graph.idset) RETURNS float8
AS 'MODULE_PATHNAME', 'idset_jaccard' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.idset(bigint[]) IS 'cast bigint[] to idset (sorts, removes duplicates; null elements are an error)';
COMMENT ON FUNCTION follow_graph.idset_to_array(follow_graph.idset) IS 'cast idset to bigint[], ascending';
COMMENT ON CAST (bigint[] AS follow_graph.idset) IS 'sorts and removes duplicates; null elements are an error';
COMMENT ON CAST (follow_graph.idset AS bigint[]) IS 'the elements in ascending order';
COMMENT ON FUNCTION follow_graph.cardinality(follow_graph.idset) IS 'number of elements, read from the header only';
COMMENT ON FUNCTION follow_graph.unnest(follow_graph.idset) IS 'the elements as rows, ascending';
COMMENT ON FUNCTION follow_graph.jaccard(follow_graph.idset, follow_graph.idset) IS 'Jaccard similarity |a & b| / |a | b| (1 for two empty sets)';

--------------------------------------------------------------------------
-- IDSET OPERATORS
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset_intersect(follow_graph.idset, follow_graph.idset) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_intersect' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union(follow_graph.idset, follow_graph.idset) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_union' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_minus(follow_graph.idset, follow_graph.idset) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_minus' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_add_elem(follow_graph.idset, bigint) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_add_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_remove_elem(follow_graph.idset, bigint) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_remove_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contains(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contained(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_overlaps(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_overlaps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contains_elem(follow_graph.idset, bigint) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_contains_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_eq(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_lt(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_le(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gt(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_ge(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_cmp(follow_graph.idset, follow_graph.idset) RETURNS integer
AS 'MODULE_PATHNAME', 'idset_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_hash(follow_graph.idset) RETURNS integer
AS 'MODULE_PATHNAME', 'idset_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_hash_extended(follow_graph.idset, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'idset_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR follow_graph.& (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_intersect, COMMUTATOR = OPERATOR(follow_graph.&)
);
CREATE OPERATOR follow_graph.| (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_union, COMMUTATOR = OPERATOR(follow_graph.|)
);
CREATE OPERATOR follow_graph.- (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_minus
);
CREATE OPERATOR follow_graph.+ (
	LEFTARG = follow_graph.idset, RIGHTARG = bigint,
	FUNCTION = follow_graph.idset_add_elem
);
CREATE OPERATOR follow_graph.- (
	LEFTARG = follow_graph.idset, RIGHTARG = bigint,
	FUNCTION = follow_graph.idset_remove_elem
);
CREATE OPERATOR follow_graph.@> (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_contains,
	COMMUTATOR = OPERATOR(follow_graph.<@),
	RESTRICT = pg_catalog.contsel, JOIN = pg_catalog.contjoinsel
);
CREATE OPERATOR follow_graph.<@ (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_contained,
	COMMUTATOR = OPERATOR(follow_graph.@>),
	RESTRICT = pg_catalog.contsel, JOIN = pg_catalog.contjoinsel
);
CREATE OPERATOR follow_graph.&& (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_overlaps,
	COMMUTATOR = OPERATOR(follow_graph.&&),
	RESTRICT = pg_catalog.contsel, JOIN = pg_catalog.contjoinsel
);
CREATE OPERATOR follow_graph.@> (
	LEFTARG = follow_graph.idset, RIGHTARG = bigint,
	FUNCTION = follow_graph.idset_contains_elem,
	RESTRICT = pg_catalog.contsel, JOIN = pg_catalog.contjoinsel
);
CREATE OPERATOR follow_graph.= (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_eq,
	COMMUTATOR = OPERATOR(follow_graph.=), NEGATOR = OPERATOR(follow_graph.<>),
	RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
	HASHES, MERGES
);
CREATE OPERATOR follow_graph.<> (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_ne,
	COMMUTATOR = OPERATOR(follow_graph.<>), NEGATOR = OPERATOR(follow_graph.=),
	RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR follow_graph.< (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_lt,
	COMMUTATOR = OPERATOR(follow_graph.>), NEGATOR = OPERATOR(follow_graph.>=),
	RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR follow_graph.<= (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_le,
	COMMUTATOR = OPERATOR(follow_graph.>=), NEGATOR = OPERATOR(follow_graph.>),
	RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR follow_graph.> (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_gt,
	COMMUTATOR = OPERATOR(follow_graph.<), NEGATOR = OPERATOR(follow_graph.<=),
	RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR follow_graph.>= (
	LEFTARG = follow_graph.idset, RIGHTARG = follow_graph.idset,
	FUNCTION = follow_graph.idset_ge,
	COMMUTATOR = OPERATOR(follow_graph.<=), NEGATOR = OPERATOR(follow_graph.<),
	RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON FUNCTION follow_graph.idset_intersect(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset & operator';
COMMENT ON FUNCTION follow_graph.idset_union(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset | operator';
COMMENT ON FUNCTION follow_graph.idset_minus(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset - idset operator';
COMMENT ON FUNCTION follow_graph.idset_add_elem(follow_graph.idset, bigint) IS 'implementation of the idset + bigint operator';
COMMENT ON FUNCTION follow_graph.idset_remove_elem(follow_graph.idset, bigint) IS 'implementation of the idset - bigint operator';
COMMENT ON FUNCTION follow_graph.idset_contains(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset @> idset operator';
COMMENT ON FUNCTION follow_graph.idset_contained(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset <@ idset operator';
COMMENT ON FUNCTION follow_graph.idset_overlaps(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset && operator';
COMMENT ON FUNCTION follow_graph.idset_contains_elem(follow_graph.idset, bigint) IS 'implementation of the idset @> bigint operator';
COMMENT ON FUNCTION follow_graph.idset_eq(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset = operator';
COMMENT ON FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset <> operator';
COMMENT ON FUNCTION follow_graph.idset_lt(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset < operator';
COMMENT ON FUNCTION follow_graph.idset_le(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset <= operator';
COMMENT ON FUNCTION follow_graph.idset_gt(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset > operator';
COMMENT ON FUNCTION follow_graph.idset_ge(follow_graph.idset, follow_graph.idset) IS 'implementation of the idset >= operator';
COMMENT ON FUNCTION follow_graph.idset_cmp(follow_graph.idset, follow_graph.idset) IS 'btree support: element-wise order, a proper prefix first';
COMMENT ON FUNCTION follow_graph.idset_hash(follow_graph.idset) IS 'hash support: hash of the canonical form';
COMMENT ON FUNCTION follow_graph.idset_hash_extended(follow_graph.idset, bigint) IS 'hash support: seeded 64-bit hash of the canonical form';
COMMENT ON OPERATOR follow_graph.& (follow_graph.idset, follow_graph.idset) IS 'intersection';
COMMENT ON OPERATOR follow_graph.| (follow_graph.idset, follow_graph.idset) IS 'union';
COMMENT ON OPERATOR follow_graph.- (follow_graph.idset, follow_graph.idset) IS 'difference';
COMMENT ON OPERATOR follow_graph.+ (follow_graph.idset, bigint) IS 'add an element';
COMMENT ON OPERATOR follow_graph.- (follow_graph.idset, bigint) IS 'remove an element';
COMMENT ON OPERATOR follow_graph.@> (follow_graph.idset, follow_graph.idset) IS 'contains';
COMMENT ON OPERATOR follow_graph.<@ (follow_graph.idset, follow_graph.idset) IS 'is contained by';
COMMENT ON OPERATOR follow_graph.&& (follow_graph.idset, follow_graph.idset) IS 'overlaps (have an element in common)';
COMMENT ON OPERATOR follow_graph.@> (follow_graph.idset, bigint) IS 'contains the element';
COMMENT ON OPERATOR follow_graph.= (follow_graph.idset, follow_graph.idset) IS 'same elements';
COMMENT ON OPERATOR follow_graph.<> (follow_graph.idset, follow_graph.idset) IS 'different elements';
COMMENT ON OPERATOR follow_graph.< (follow_graph.idset, follow_graph.idset) IS 'less than (element-wise order)';
COMMENT ON OPERATOR follow_graph.<= (follow_graph.idset, follow_graph.idset) IS 'less than or equal (element-wise order)';
COMMENT ON OPERATOR follow_graph.> (follow_graph.idset, follow_graph.idset) IS 'greater than (element-wise order)';
COMMENT ON OPERATOR follow_graph.>= (follow_graph.idset, follow_graph.idset) IS 'greater than or equal (element-wise order)';

--------------------------------------------------------------------------
-- IDSET AGGREGATES
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset_agg_add(internal, bigint) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_agg_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union_add(internal, follow_graph.idset) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_union_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_intersect_add(internal, follow_graph.idset) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_intersect_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_union_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_intersect_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_intersect_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_final(internal) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'idset_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE follow_graph.idset_agg(bigint) (
	SFUNC = follow_graph.idset_agg_add,
	STYPE = internal,
	FINALFUNC = follow_graph.idset_agg_final,
	COMBINEFUNC = follow_graph.idset_union_combine,
	SERIALFUNC = follow_graph.idset_agg_serialize,
	DESERIALFUNC = follow_graph.idset_agg_deserialize,
	PARALLEL = SAFE
);
CREATE AGGREGATE follow_graph.union_agg(follow_graph.idset) (
	SFUNC = follow_graph.idset_union_add,
	STYPE = internal,
	FINALFUNC = follow_graph.idset_agg_final,
	COMBINEFUNC = follow_graph.idset_union_combine,
	SERIALFUNC = follow_graph.idset_agg_serialize,
	DESERIALFUNC = follow_graph.idset_agg_deserialize,
	PARALLEL = SAFE
);
CREATE AGGREGATE follow_graph.intersect_agg(follow_graph.idset) (
	SFUNC = follow_graph.idset_intersect_add,
	STYPE = internal,
	FINALFUNC = follow_graph.idset_agg_final,
	COMBINEFUNC = follow_graph.idset_intersect_combine,
	SERIALFUNC = follow_graph.idset_agg_serialize,
	DESERIALFUNC = follow_graph.idset_agg_deserialize,
	PARALLEL = SAFE
);

COMMENT ON FUNCTION follow_graph.idset_agg_add(internal, bigint) IS 'idset_agg transition function';
COMMENT ON FUNCTION follow_graph.idset_union_add(internal, follow_graph.idset) IS 'union_agg transition function';
COMMENT ON FUNCTION follow_graph.idset_intersect_add(internal, follow_graph.idset) IS 'intersect_agg transition function';
COMMENT ON FUNCTION follow_graph.idset_union_combine(internal, internal) IS 'idset_agg and union_agg combine function';
COMMENT ON FUNCTION follow_graph.idset_intersect_combine(internal, internal) IS 'intersect_agg combine function';
COMMENT ON FUNCTION follow_graph.idset_agg_final(internal) IS 'final function of the idset aggregates';
COMMENT ON FUNCTION follow_graph.idset_agg_serialize(internal) IS 'serialise an idset aggregate state';
COMMENT ON FUNCTION follow_graph.idset_agg_deserialize(bytea, internal) IS 'deserialise an idset aggregate state';
COMMENT ON AGGREGATE follow_graph.idset_agg(bigint) IS 'the set of the non-null input ids';
COMMENT ON AGGREGATE follow_graph.union_agg(follow_graph.idset) IS 'union of the non-null input sets';
COMMENT ON AGGREGATE follow_graph.intersect_agg(follow_graph.idset) IS 'intersection of the non-null input sets';

--------------------------------------------------------------------------
-- IDSET GRAPH SETS
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.followers_set(account bigint) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_followers_set' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.following_set(account bigint) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_following_set' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.mutuals_set(account bigint) RETURNS follow_graph.idset
AS 'MODULE_PATHNAME', 'idset_mutuals_set' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.followers_set(bigint) IS 'every follower of account, as an idset';
COMMENT ON FUNCTION follow_graph.following_set(bigint) IS 'every account that account follows, as an idset';
COMMENT ON FUNCTION follow_graph.mutuals_set(bigint) IS 'mutual follows (Friends) of account, as an idset';

--------------------------------------------------------------------------
-- IDSET INDEXING
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset_gin_extract_value(follow_graph.idset, internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_gin_extract_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_extract_query(follow_graph.idset, internal, int2, internal, internal, internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_gin_extract_query' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_consistent(internal, int2, follow_graph.idset, int4, internal, internal, internal, internal) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_gin_consistent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_triconsistent(internal, int2, follow_graph.idset, int4, internal, internal, internal) RETURNS "char"
AS 'MODULE_PATHNAME', 'idset_gin_triconsistent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR CLASS follow_graph.idset_ops
DEFAULT FOR TYPE follow_graph.idset USING btree AS
	OPERATOR 1 follow_graph.< ,
	OPERATOR 2 follow_graph.<= ,
	OPERATOR 3 follow_graph.= ,
	OPERATOR 4 follow_graph.>= ,
	OPERATOR 5 follow_graph.> ,
	FUNCTION 1 follow_graph.idset_cmp(follow_graph.idset, follow_graph.idset);

CREATE OPERATOR CLASS follow_graph.idset_ops
DEFAULT FOR TYPE follow_graph.idset USING hash AS
	OPERATOR 1 follow_graph.= ,
	FUNCTION 1 follow_graph.idset_hash(follow_graph.idset),
	FUNCTION 2 follow_graph.idset_hash_extended(follow_graph.idset, bigint);

CREATE OPERATOR CLASS follow_graph.idset_ops
DEFAULT FOR TYPE follow_graph.idset USING gin AS
	OPERATOR 1 follow_graph.&& (follow_graph.idset, follow_graph.idset),
	OPERATOR 2 follow_graph.@> (follow_graph.idset, follow_graph.idset),
	OPERATOR 3 follow_graph.<@ (follow_graph.idset, follow_graph.idset),
	OPERATOR 4 follow_graph.= (follow_graph.idset, follow_graph.idset),
	OPERATOR 5 follow_graph.@> (follow_graph.idset, bigint),
	FUNCTION 1 pg_catalog.btint8cmp(bigint, bigint),
	FUNCTION 2 follow_graph.idset_gin_extract_value(follow_graph.idset, internal, internal),
	FUNCTION 3 follow_graph.idset_gin_extract_query(follow_graph.idset, internal, int2, internal, internal, internal, internal),
	FUNCTION 4 follow_graph.idset_gin_consistent(internal, int2, follow_graph.idset, int4, internal, internal, internal, internal),
	FUNCTION 6 follow_graph.idset_gin_triconsistent(internal, int2, follow_graph.idset, int4, internal, internal, internal),
	STORAGE bigint;

COMMENT ON FUNCTION follow_graph.idset_gin_extract_value(follow_graph.idset, internal, internal) IS 'GIN support: the elements as int8 keys';
COMMENT ON FUNCTION follow_graph.idset_gin_extract_query(follow_graph.idset, internal, int2, internal, internal, internal, internal) IS 'GIN support: query keys and search mode';
COMMENT ON FUNCTION follow_graph.idset_gin_consistent(internal, int2, follow_graph.idset, int4, internal, internal, internal, internal) IS 'GIN support: consistent';
COMMENT ON FUNCTION follow_graph.idset_gin_triconsistent(internal, int2, follow_graph.idset, int4, internal, internal, internal) IS 'GIN support: ternary consistent';
COMMENT ON OPERATOR CLASS follow_graph.idset_ops USING btree IS 'default btree opclass for idset (ORDER BY, DISTINCT, UNIQUE)';
COMMENT ON OPERATOR CLASS follow_graph.idset_ops USING hash IS 'default hash opclass for idset (hash joins, hash aggregation)';
COMMENT ON OPERATOR CLASS follow_graph.idset_ops USING gin IS 'default GIN opclass for idset: @> (set and element), <@, && and =';
--------------------------------------------------------------------------
-- HANDLE TYPE
--
-- An @handle: shown as typed (NFC), identified by its NFKC_Casefold key.
-- Equality, order and hash read the key stored inside the value, so they
-- never call ICU.  Keys and skeletons depend on ICU's Unicode data: indexes
-- on them must be rebuilt after an ICU upgrade (see README).
--------------------------------------------------------------------------

CREATE TYPE follow_graph.handle;

CREATE FUNCTION follow_graph.handle_in(cstring)
RETURNS follow_graph.handle
AS 'MODULE_PATHNAME', 'handle_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_out(follow_graph.handle)
RETURNS cstring
AS 'MODULE_PATHNAME', 'handle_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_recv(internal)
RETURNS follow_graph.handle
AS 'MODULE_PATHNAME', 'handle_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_send(follow_graph.handle)
RETURNS bytea
AS 'MODULE_PATHNAME', 'handle_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE follow_graph.handle (
	INPUT = follow_graph.handle_in,
	OUTPUT = follow_graph.handle_out,
	RECEIVE = follow_graph.handle_recv,
	SEND = follow_graph.handle_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = extended,
	CATEGORY = 'S'
);

COMMENT ON TYPE follow_graph.handle IS '@handle: displayed as typed (NFC), equal, ordered and hashed by its NFKC_Casefold key';
COMMENT ON FUNCTION follow_graph.handle_in(cstring) IS 'handle input: drops a leading @, NFC-normalises and validates';
COMMENT ON FUNCTION follow_graph.handle_out(follow_graph.handle) IS 'handle output: the display form';
COMMENT ON FUNCTION follow_graph.handle_recv(internal) IS 'handle binary input: the display form as text, validated again';
COMMENT ON FUNCTION follow_graph.handle_send(follow_graph.handle) IS 'handle binary output: the display form as text';

--------------------------------------------------------------------------
-- HANDLE FUNCTIONS
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.handle_key(follow_graph.handle)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_skeleton(follow_graph.handle)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_skeleton'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_is_suspicious(follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_is_suspicious'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_prefix_pattern(prefix text)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_prefix_pattern'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STABLE, not IMMUTABLE: it changes when the ICU library is upgraded.
CREATE FUNCTION follow_graph.icu_unicode_version()
RETURNS text
AS 'MODULE_PATHNAME', 'handle_icu_unicode_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.handle_key(follow_graph.handle) IS 'the NFKC_Casefold key that identifies a handle (for expression indexes and prefix search)';
COMMENT ON FUNCTION follow_graph.handle_skeleton(follow_graph.handle) IS 'case-folded UTS #39 confusable skeleton of the key: equal for lookalikes';
COMMENT ON FUNCTION follow_graph.handle_is_suspicious(follow_graph.handle) IS 'true if the handle mixes scripts beyond ICU''s highly restrictive level';
COMMENT ON FUNCTION follow_graph.handle_prefix_pattern(text) IS 'LIKE pattern for keys starting with the folded prefix (@-mention autocomplete)';
COMMENT ON FUNCTION follow_graph.icu_unicode_version() IS 'Unicode version of the ICU data that handle keys and skeletons depend on';

--------------------------------------------------------------------------
-- HANDLE OPERATORS
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.handle_eq(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_ne(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_lt(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_le(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_gt(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_ge(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS 'MODULE_PATHNAME', 'handle_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR follow_graph.= (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_eq,
	COMMUTATOR = OPERATOR(follow_graph.=), NEGATOR = OPERATOR(follow_graph.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);

CREATE OPERATOR follow_graph.<> (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_ne,
	COMMUTATOR = OPERATOR(follow_graph.<>), NEGATOR = OPERATOR(follow_graph.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR follow_graph.< (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_lt,
	COMMUTATOR = OPERATOR(follow_graph.>), NEGATOR = OPERATOR(follow_graph.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR follow_graph.<= (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_le,
	COMMUTATOR = OPERATOR(follow_graph.>=), NEGATOR = OPERATOR(follow_graph.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR follow_graph.> (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_gt,
	COMMUTATOR = OPERATOR(follow_graph.<), NEGATOR = OPERATOR(follow_graph.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR follow_graph.>= (
	LEFTARG = follow_graph.handle, RIGHTARG = follow_graph.handle,
	FUNCTION = follow_graph.handle_ge,
	COMMUTATOR = OPERATOR(follow_graph.<=), NEGATOR = OPERATOR(follow_graph.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON FUNCTION follow_graph.handle_eq(follow_graph.handle, follow_graph.handle) IS 'implementation of = for handle: same key';
COMMENT ON FUNCTION follow_graph.handle_ne(follow_graph.handle, follow_graph.handle) IS 'implementation of <> for handle';
COMMENT ON FUNCTION follow_graph.handle_lt(follow_graph.handle, follow_graph.handle) IS 'implementation of < for handle: key in code point order';
COMMENT ON FUNCTION follow_graph.handle_le(follow_graph.handle, follow_graph.handle) IS 'implementation of <= for handle';
COMMENT ON FUNCTION follow_graph.handle_gt(follow_graph.handle, follow_graph.handle) IS 'implementation of > for handle';
COMMENT ON FUNCTION follow_graph.handle_ge(follow_graph.handle, follow_graph.handle) IS 'implementation of >= for handle';
COMMENT ON OPERATOR follow_graph.= (follow_graph.handle, follow_graph.handle) IS 'same handle regardless of case and width';
COMMENT ON OPERATOR follow_graph.<> (follow_graph.handle, follow_graph.handle) IS 'different handles';
COMMENT ON OPERATOR follow_graph.< (follow_graph.handle, follow_graph.handle) IS 'key sorts before';
COMMENT ON OPERATOR follow_graph.<= (follow_graph.handle, follow_graph.handle) IS 'key sorts before or equal';
COMMENT ON OPERATOR follow_graph.> (follow_graph.handle, follow_graph.handle) IS 'key sorts after';
COMMENT ON OPERATOR follow_graph.>= (follow_graph.handle, follow_graph.handle) IS 'key sorts after or equal';

--------------------------------------------------------------------------
-- HANDLE CASTS
--
-- To text gives the display form.  Both directions are assignment casts, not
-- implicit, so that comparing a handle with a text column does not silently
-- fall back to case-sensitive text equality.
--------------------------------------------------------------------------

CREATE CAST (follow_graph.handle AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS follow_graph.handle) WITH INOUT AS ASSIGNMENT;
CREATE CAST (varchar AS follow_graph.handle) WITH INOUT AS ASSIGNMENT;

COMMENT ON CAST (follow_graph.handle AS text) IS 'the display form of a handle';
COMMENT ON CAST (text AS follow_graph.handle) IS 'parse and validate a handle';
COMMENT ON CAST (varchar AS follow_graph.handle) IS 'parse and validate a handle';

--------------------------------------------------------------------------
-- HANDLE INDEXING
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.handle_cmp(follow_graph.handle, follow_graph.handle)
RETURNS integer
AS 'MODULE_PATHNAME', 'handle_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_sortsupport(internal)
RETURNS void
AS 'MODULE_PATHNAME', 'handle_sortsupport'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_hash(follow_graph.handle)
RETURNS integer
AS 'MODULE_PATHNAME', 'handle_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_hash_extended(follow_graph.handle, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'handle_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

-- No btree support 4 (equalimage): equal handles may differ in display form,
-- so deduplication, which keeps one of them, stays off.
CREATE OPERATOR CLASS follow_graph.handle_ops
DEFAULT FOR TYPE follow_graph.handle USING btree AS
	OPERATOR 1 follow_graph.< ,
	OPERATOR 2 follow_graph.<= ,
	OPERATOR 3 follow_graph.= ,
	OPERATOR 4 follow_graph.>= ,
	OPERATOR 5 follow_graph.> ,
	FUNCTION 1 follow_graph.handle_cmp(follow_graph.handle, follow_graph.handle),
	FUNCTION 2 follow_graph.handle_sortsupport(internal);

CREATE OPERATOR CLASS follow_graph.handle_hash_ops
DEFAULT FOR TYPE follow_graph.handle USING hash AS
	OPERATOR 1 follow_graph.= ,
	FUNCTION 1 follow_graph.handle_hash(follow_graph.handle),
	FUNCTION 2 follow_graph.handle_hash_extended(follow_graph.handle, bigint);

COMMENT ON FUNCTION follow_graph.handle_cmp(follow_graph.handle, follow_graph.handle) IS 'btree support: three-way comparison of keys';
COMMENT ON FUNCTION follow_graph.handle_sortsupport(internal) IS 'btree support: memcmp comparator for sorts and index builds';
COMMENT ON FUNCTION follow_graph.handle_hash(follow_graph.handle) IS 'hash support: hash of the key';
COMMENT ON FUNCTION follow_graph.handle_hash_extended(follow_graph.handle, bigint) IS 'hash support: seeded 64-bit hash of the key';
COMMENT ON OPERATOR CLASS follow_graph.handle_ops USING btree IS 'default btree order of handles: key in code point order';
COMMENT ON OPERATOR CLASS follow_graph.handle_hash_ops USING hash IS 'default hash opclass of handles: hash of the key';

--------------------------------------------------------------------------
-- HANDLE MAINTENANCE: ICU VERSION
--
-- The ICU and Unicode versions that the handle data of this database was
-- computed with: recorded at install (so a restore, which runs CREATE
-- EXTENSION, records the restoring server's), kept by pg_upgrade (the table's
-- file is carried over with the rest of the schema), not dumped (no
-- pg_extension_config_dump).  The first ICU computation of each backend
-- compares it with the library in use and warns on a mismatch.
--------------------------------------------------------------------------

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

--------------------------------------------------------------------------
-- HANDLE MAINTENANCE: VALUES THE INPUT RULES NOW REJECT
--
-- Handles are dumped as text and read back through input at restore, so a
-- stored value that input rejects (one stored under the rules of 0.1.0,
-- which let default-ignorable letters and over-long keys through) would
-- stop a restore.  handle_check() says why a value would be rejected;
-- handle_invalid_values() runs it over every handle column the caller can
-- read, with the caller's rights.
--------------------------------------------------------------------------

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
--------------------------------------------------------------------------
-- BULK WRITES (not executable by PUBLIC; see README for the GRANT)
--
-- import_edges() loads a table or view of edges set-based; remove_account()
-- removes every edge of one account.  Both change the edges and read the
-- reverse edges while holding ShareRowExclusiveLock on pair_gate (follow()
-- and unfollow() wait only for that phase, not to commit), so they keep the
-- counts exact against concurrent follow() and unfollow().
--------------------------------------------------------------------------

-- Not SECURITY DEFINER: the source is read with the caller's rights (under
-- SECURITY_RESTRICTED_OPERATION) into memory of the backend, then the function
-- writes as the storage owner (it switches user internally), reading the
-- staged rows as ephemeral relations, never as objects the caller could alter.
CREATE FUNCTION follow_graph.import_edges(source regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_import_edges'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.remove_account(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_remove_account'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.import_edges(regclass),
	follow_graph.remove_account(bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.import_edges(regclass) IS 'load every (follower, followee[, followed_at]) row of a table or view; returns the number of new edges';
COMMENT ON FUNCTION follow_graph.remove_account(bigint) IS 'remove every edge to and from an account and fix its counterparts'' counts; returns the number of edges removed';

--------------------------------------------------------------------------
-- MAINTENANCE (not executable by PUBLIC)
--
-- verify() is a read-only consistency check in the spirit of amcheck: every
-- stored count against the edges, every storage index against its heap, the
-- edge sequence against the edges.  rebuild_counts() repairs the counts after
-- someone wrote around the API and merges the counter stripes that write
-- storms leave behind (stripes other transactions hold locked excepted), so
-- that reads of a count are one row again.  Both run with the owner's
-- rights so that a monitoring role can be granted them without any right on
-- the storage.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.verify()
RETURNS TABLE (account bigint, problem text)
AS 'MODULE_PATHNAME', 'fg_verify'
LANGUAGE C STABLE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.rebuild_counts()
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_rebuild_counts'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.verify(),
	follow_graph.rebuild_counts() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.verify() IS 'consistency check of counts, indexes and edge_seq against the edges; no rows means consistent';
COMMENT ON FUNCTION follow_graph.rebuild_counts() IS 'recompute every count that disagrees with the edges and merge each account''s counter stripes into one row; returns the number of accounts whose counts changed';
--------------------------------------------------------------------------
-- RELATIONSHIP STATES: STORAGE
--
-- follow_graph.edge keeps holding exactly the visible edges (both accounts
-- active, no block, never a pending request), so every count, list and set
-- of the core API honours the states without reading anything else.  The
-- other states live beside it:
--   account_state  one row per account whose flags were ever set
--   request        pending follow requests to private accounts (visible)
--   hidden_edge    edges and requests hidden by a deactivation, kept intact
--                  (same seq and time) until both accounts are active again
--   block          blocks (never hidden)
--   mute           mutes, private to the muter (never hidden)
-- Cursors of requests, blocks and mutes come from state_seq.
--------------------------------------------------------------------------

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
--------------------------------------------------------------------------
-- RELATIONSHIP STATES: PAIR WRITERS (not executable by PUBLIC)
--
-- follow() and unfollow() keep their signatures and learn the states:
-- follow() of a private account records a pending request, of a deactivated
-- account raises 55000, across a block 42501; unfollow() also cancels a
-- pending request and removes a hidden row.  Every call below changes one
-- pair inside the pair's critical section (see docs/states-design.md).
--------------------------------------------------------------------------

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
--------------------------------------------------------------------------
-- RELATIONSHIP STATES: ACCOUNT WRITERS
--
-- set_private() sets an account's private flag (making it public accepts
-- every pending request to it); deactivate_account() hides every edge and
-- request of an account, reactivate_account() brings them back intact.
-- Writes are not executable by PUBLIC (same recipe as follow()); the reads
-- is_private() and is_active() are.
--------------------------------------------------------------------------

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
--------------------------------------------------------------------------
-- RELATIONSHIP STATES: MUTES AND READS
--
-- Mutes are private to the muter: they change no edge and no count, and no
-- read answers the muted account about them.  An expires_at that is not
-- after now() makes the mute absent (NULL: forever).  Blocks and requests
-- are written by the pair writers (block, unblock, accept_request, ...);
-- here are their reads.  Lists are newest first, keyset-paged by cursor.
--------------------------------------------------------------------------

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
