--------------------------------------------------------------------------
-- RELATIONSHIP STATES: PAIR WRITERS (not executable by PUBLIC)
--
-- follow() and unfollow() keep their signatures and learn the states:
-- follow() of a private account records a pending request, of a deactivated
-- account raises 55000, across a block 42501; unfollow() also cancels a
-- pending request and removes a hidden row.  Every call below changes one
-- pair inside the pair's critical section (see docs/states-design.md).
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.remove_follower(account bigint, follower bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_remove_follower'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.block(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_block'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unblock(blocker bigint, blocked bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unblock'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.accept_request(account bigint, requester bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_accept_request'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.reject_request(account bigint, requester bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_reject_request'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.remove_follower(bigint, bigint),
	follow_graph.block(bigint, bigint),
	follow_graph.unblock(bigint, bigint),
	follow_graph.accept_request(bigint, bigint),
	follow_graph.reject_request(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.follow(bigint, bigint) IS 'make follower follow followee, or ask to when followee is private; true if the edge or the pending request is new';
COMMENT ON FUNCTION follow_graph.unfollow(bigint, bigint) IS 'remove the edge follower -> followee, or cancel the pending request; true if there was one';
COMMENT ON FUNCTION follow_graph.remove_follower(bigint, bigint) IS 'account removes follower: the edge follower -> account or its pending request; true if there was one';
COMMENT ON FUNCTION follow_graph.block(bigint, bigint) IS 'blocker blocks blocked, removing the edges and pending requests between them; true if the block is new';
COMMENT ON FUNCTION follow_graph.unblock(bigint, bigint) IS 'remove the block blocker -> blocked; true if there was one; restores nothing';
COMMENT ON FUNCTION follow_graph.accept_request(bigint, bigint) IS 'turn the pending request requester -> account into an edge; false if none was pending';
COMMENT ON FUNCTION follow_graph.reject_request(bigint, bigint) IS 'drop the pending request requester -> account; false if none was pending';
