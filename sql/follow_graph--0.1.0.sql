-- follow_graph install script.  Built by concatenating sql/install/*.sql in
-- name order; each fragment owns one area of the extension.

\echo Use "CREATE EXTENSION follow_graph" to load this file. \quit

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
	CONSTRAINT counter_pkey PRIMARY KEY (account, stripe)
) WITH (fillfactor = 70);

-- Pair serialisation.  follow(a,b), follow(b,a), unfollow(a,b) and
-- unfollow(b,a) each update the slot of the unordered pair {a,b} before they
-- look for the reverse edge, so exactly one of two racing calls sees the
-- other's edge and counts the mutual.  The lock is a row lock held to commit
-- (no lock-table memory), and the update makes REPEATABLE READ and
-- SERIALIZABLE callers fail with 40001 instead of miscounting.
CREATE TABLE follow_graph.pair_lock (
	slot	integer	NOT NULL,
	n		bigint	NOT NULL DEFAULT 0,
	CONSTRAINT pair_lock_pkey PRIMARY KEY (slot)
) WITH (fillfactor = 50);
INSERT INTO follow_graph.pair_lock (slot)
	SELECT g FROM pg_catalog.generate_series(0, 16383) AS g;

-- Everyone may use the schema (the read API is public); nobody but the owner
-- may touch the storage.
GRANT USAGE ON SCHEMA follow_graph TO PUBLIC;
REVOKE ALL ON follow_graph.edge, follow_graph.counter, follow_graph.pair_lock,
	follow_graph.edge_seq FROM PUBLIC;

-- pg_dump keeps the graph (pair_lock is recreated by CREATE EXTENSION).
SELECT pg_catalog.pg_extension_config_dump('follow_graph.edge', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.counter', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.edge_seq', '');

COMMENT ON TABLE follow_graph.edge IS 'follow_graph storage: one row per follow edge (write through the API only)';
COMMENT ON TABLE follow_graph.counter IS 'follow_graph storage: striped follower, following and mutual counts';
COMMENT ON TABLE follow_graph.pair_lock IS 'follow_graph storage: row locks that serialise the two directions of a pair';

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
RETURNS TABLE (target bigint, following boolean, followed_by boolean)
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
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint)
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
COMMENT ON FUNCTION follow_graph.relationship(bigint, bigint) IS 'self, none, following, followed_by or mutual, as seen by viewer';
COMMENT ON FUNCTION follow_graph.relationships(bigint, bigint[]) IS 'relationship flags of viewer with each distinct target, in one call';
COMMENT ON FUNCTION follow_graph.follower_count(bigint) IS 'exact number of followers, O(1)';
COMMENT ON FUNCTION follow_graph.following_count(bigint) IS 'exact number of accounts followed, O(1)';
COMMENT ON FUNCTION follow_graph.mutual_count(bigint) IS 'exact number of mutual follows (Friends), O(1)';
COMMENT ON FUNCTION follow_graph.counts(bigint[]) IS 'the three counts of each distinct account, in one call';
COMMENT ON FUNCTION follow_graph.followers(bigint, integer, bigint) IS 'followers newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.following(bigint, integer, bigint) IS 'accounts followed, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.mutuals(bigint, integer, bigint) IS 'mutual follows (Friends) in ascending id order, keyset-paged';
COMMENT ON FUNCTION follow_graph.common_followers(bigint, bigint, integer, bigint) IS 'accounts that follow both a and b, ascending';
COMMENT ON FUNCTION follow_graph.common_following(bigint, bigint, integer, bigint) IS 'accounts that both a and b follow, ascending';
COMMENT ON FUNCTION follow_graph.known_followers(bigint, bigint, integer, bigint) IS 'accounts viewer follows that follow target, ascending';
COMMENT ON VIEW follow_graph.edges IS 'every follow edge (read-only)';

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
AS 'MODULE_PATHNAME', 'idset_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS 'MODULE_PATHNAME', 'idset_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
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
-- HANDLE MAINTENANCE
--
-- Indexes whose entries were computed by ICU (through handle_skeleton,
-- handle_is_suspicious or handle_prefix_pattern in an expression or
-- predicate): after an ICU upgrade that changes icu_unicode_version() they
-- must be rebuilt.  Indexes on handle columns and on handle_key() read the
-- key stored in each value and need no rebuild.
--------------------------------------------------------------------------

CREATE VIEW follow_graph.handle_icu_indexes AS
	SELECT DISTINCT d.objid::pg_catalog.regclass AS index_name,
		i.indrelid::pg_catalog.regclass AS table_name,
		d.refobjid::pg_catalog.regprocedure AS function_name
	FROM pg_catalog.pg_depend AS d
	JOIN pg_catalog.pg_index AS i ON i.indexrelid OPERATOR(pg_catalog.=) d.objid
	WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
	  AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
	  AND d.refobjid OPERATOR(pg_catalog.=) ANY (ARRAY[
			'follow_graph.handle_skeleton(follow_graph.handle)'::pg_catalog.regprocedure,
			'follow_graph.handle_is_suspicious(follow_graph.handle)'::pg_catalog.regprocedure,
			'follow_graph.handle_prefix_pattern(text)'::pg_catalog.regprocedure]::pg_catalog.oid[]);

GRANT SELECT ON follow_graph.handle_icu_indexes TO PUBLIC;

COMMENT ON VIEW follow_graph.handle_icu_indexes IS 'indexes built with ICU data (skeletons, script checks): REINDEX them after an ICU upgrade';
--------------------------------------------------------------------------
-- BULK WRITES (not executable by PUBLIC; see README for the GRANT)
--
-- import_edges() loads a table or view of edges set-based; remove_account()
-- removes every edge of one account.  Both lock the pair_lock slots of the
-- pairs they change, in slot order, so they keep the counts exact against
-- concurrent follow() and unfollow().
--------------------------------------------------------------------------

-- The pair_lock slot of the unordered pair {a,b}; the bulk writers lock
-- slots set-based with it.  Harmless to read, so left executable by PUBLIC.
CREATE FUNCTION follow_graph.pair_slot(a bigint, b bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'fg_pair_slot'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Not SECURITY DEFINER: the source is read with the caller's rights, then the
-- function writes as the storage owner (it switches user internally).
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

COMMENT ON FUNCTION follow_graph.pair_slot(bigint, bigint) IS 'internal: the pair_lock slot that serialises writes to the pair {a,b}';
COMMENT ON FUNCTION follow_graph.import_edges(regclass) IS 'load every (follower, followee[, followed_at]) row of a table or view; returns the number of new edges';
COMMENT ON FUNCTION follow_graph.remove_account(bigint) IS 'remove every edge to and from an account and fix its counterparts'' counts; returns the number of edges removed';

--------------------------------------------------------------------------
-- MAINTENANCE (not executable by PUBLIC)
--
-- verify() is a read-only consistency check in the spirit of amcheck: every
-- stored count against the edges, every storage index against its heap, the
-- edge sequence against the edges.  rebuild_counts() repairs the counts after
-- someone wrote around the API.  Both run with the owner's rights so that a
-- monitoring role can be granted them without any right on the storage.
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
COMMENT ON FUNCTION follow_graph.rebuild_counts() IS 'recompute every count that disagrees with the edges; returns the number of accounts changed';
