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
