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
