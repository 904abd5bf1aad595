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
--   (followee, seq)       followers pages, newest first; it carries follower
--                         and followed_at too, so that a page is index-only
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
CREATE INDEX edge_followee_seq ON follow_graph.edge (followee, seq)
	INCLUDE (follower, followed_at);
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
-- IDSET: cardinality of an intersection without building it (0.3.0)
--
-- cardinality(a & b) is simplified by the planner (a support function on
-- cardinality(idset)) into idset_intersect_cardinality(a, b), which counts
-- the common elements where the codec can and never builds the result.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) RETURNS bigint
AS 'MODULE_PATHNAME', 'idset_intersect_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) IS 'number of elements of a & b, counted without building it; cardinality(a & b) is rewritten into this';

CREATE FUNCTION follow_graph.idset_cardinality_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'idset_cardinality_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_cardinality_support(internal) IS 'planner support for cardinality(idset): turns cardinality(a & b) into idset_intersect_cardinality(a, b)';

ALTER FUNCTION follow_graph.cardinality(follow_graph.idset) SUPPORT follow_graph.idset_cardinality_support;
--------------------------------------------------------------------------
-- IDSET GRAPH SETS
--
-- Sets read from this database's edges.  Kept apart from the pure type
-- (20_idset.sql, 21_idset_card.sql), which the router follow_graph_proxy is
-- built with: the router asks the account's node for these instead.
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
-- HANDLE: ICU LIBRARY VERSION AND INPUT CHECK
--
-- Functions of the library and of one value, storing nothing: the
-- maintenance objects of 31_handle_maint.sql use them, and the router
-- (follow_graph_proxy) has them too.
--------------------------------------------------------------------------

-- STABLE, not IMMUTABLE: it changes when the ICU library is upgraded.
CREATE FUNCTION follow_graph.icu_library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'handle_icu_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.icu_library_version() IS 'version of the ICU library that handle keys and skeletons are computed with';

CREATE FUNCTION follow_graph.handle_check(follow_graph.handle)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.handle_check(follow_graph.handle) IS 'NULL if the handle''s text would be accepted by input today; otherwise why it would be rejected (and a dump holding it would not restore)';
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
--------------------------------------------------------------------------
-- HOME FEED: AUTHOR RECENCY (0.3.0)
--
-- Per author who ever published, UPPER BOUNDS of the id of the author's
-- newest item: the highest of an author's rows is its bound.  The table is
-- append-only for publishers: publish() inserts a row (author, item) when
-- no committed row of the author covers the item, then deletes the
-- author's committed rows below it that no other transaction is changing
-- (never waiting), so no two publishers wait for each other.  unpublish()
-- and forget_items() never lower a bound (a bound that is too high only
-- costs feed() one needless look at the author's items); remove_account()
-- deletes the account's rows.  feed() walks the rows from the highest bound
-- down, looks only at the accounts the viewer sees, and stops at the first
-- bound below the page it has gathered: an account whose newest item is
-- older than the page costs no descent.  It reads the bounds from the two
-- indexes only (every version: a bound is a hint, the items are read under
-- the snapshot).
--   item_bound_author  (author, newest): one author's bounds
--   item_bound_newest  (newest) INCLUDE (author): the authors, newest first
--------------------------------------------------------------------------

CREATE TABLE follow_graph.item_bound (
	author		bigint		NOT NULL,
	newest		bigint		NOT NULL
);
CREATE INDEX item_bound_author ON follow_graph.item_bound (author, newest);
CREATE INDEX item_bound_newest ON follow_graph.item_bound (newest) INCLUDE (author);

REVOKE ALL ON follow_graph.item_bound FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item_bound', '');
COMMENT ON TABLE follow_graph.item_bound IS 'follow_graph storage: per author, upper bounds of its newest item id, the highest one counting (the home feed skips authors older than the page)';
--------------------------------------------------------------------------
-- THE MUTUAL RANGE (issue 15): the mutual follows (Friends) of every
-- account stored as their own btree range, so that mutuals() and
-- mutuals_set() read one range instead of intersecting two lists.
--
-- A pair {a,b} with both edges a -> b and b -> a has the two rows (a, b)
-- and (b, a); no other pair has any.  Every writer changes the rows exactly
-- where it changes the pair's mutual count, from the same decision: pair
-- writers inside the pair's critical section, account and bulk writers in
-- the statement that applies their mutual count deltas.  verify() checks
-- the range against the edges and rebuild_counts() repairs it.
--------------------------------------------------------------------------

CREATE TABLE follow_graph.mutual (
	account		bigint	NOT NULL,
	friend		bigint	NOT NULL,
	CONSTRAINT mutual_pkey PRIMARY KEY (account, friend)
);

REVOKE ALL ON follow_graph.mutual FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.mutual', '');
COMMENT ON TABLE follow_graph.mutual IS 'follow_graph storage: both rows (a, b) and (b, a) of every mutual pair, the Friends of each account in id order (write through the API only)';
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
