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
