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
-- HANDLE: ICU LIBRARY VERSION AND INPUT CHECK
--
-- Functions of the library and of one value, storing nothing: the
-- maintenance objects of 31_handle_maint.sql use them, and the router
-- (follow_graph_proxy) has them too.
--------------------------------------------------------------------------

-- STABLE, not IMMUTABLE: it changes when the ICU library is upgraded.
CREATE FUNCTION follow_graph.icu_library_version()
RETURNS text
AS 'MODULE_PATHNAME', 'handle_icu_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.icu_library_version() IS 'version of the ICU library that handle keys and skeletons are computed with';

CREATE FUNCTION follow_graph.handle_check(follow_graph.handle)
RETURNS text
AS 'MODULE_PATHNAME', 'handle_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.handle_check(follow_graph.handle) IS 'NULL if the handle''s text would be accepted by input today; otherwise why it would be rejected (and a dump holding it would not restore)';
