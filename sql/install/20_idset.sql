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
