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
