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
