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
