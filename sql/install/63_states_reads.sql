--------------------------------------------------------------------------
-- RELATIONSHIP STATES: MUTES AND READS
--
-- Mutes are private to the muter: they change no edge and no count, and no
-- read answers the muted account about them.  An expires_at that is not
-- after now() makes the mute absent (NULL: forever).  Blocks and requests
-- are written by the pair writers (block, unblock, accept_request, ...);
-- here are their reads.  Lists are newest first, keyset-paged by cursor.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.mute(muter bigint, muted bigint, expires_at timestamptz DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_mute'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unmute(muter bigint, muted bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unmute'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz),
	follow_graph.unmute(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.is_muting(muter bigint, muted bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_muting'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.mutes(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (muted bigint, muted_at timestamptz, expires_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_mutes'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.is_blocking(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_blocking'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.blocks(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (blocked bigint, blocked_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_blocks'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.follow_requests(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (requester bigint, requested_at timestamptz, cursor bigint)
AS 'MODULE_PATHNAME', 'fg_follow_requests'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.request_count(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_request_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz) IS 'mute muted for muter until expires_at (NULL: forever); true if no mute was in force, else the expiry is updated';
COMMENT ON FUNCTION follow_graph.unmute(bigint, bigint) IS 'remove the mute muter -> muted; true if one was in force';
COMMENT ON FUNCTION follow_graph.is_muting(bigint, bigint) IS 'true if muter mutes muted now (an expired mute is no mute)';
COMMENT ON FUNCTION follow_graph.mutes(bigint, integer, bigint) IS 'the mutes in force of an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.is_blocking(bigint, bigint) IS 'true if blocker blocks blocked';
COMMENT ON FUNCTION follow_graph.blocks(bigint, integer, bigint) IS 'accounts blocked by an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.follow_requests(bigint, integer, bigint) IS 'pending follow requests to an account, newest first, keyset-paged by cursor';
COMMENT ON FUNCTION follow_graph.request_count(bigint) IS 'exact number of pending follow requests to an account, O(1)';
