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
