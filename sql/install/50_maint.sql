
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
