--------------------------------------------------------------------------
-- RELATIONSHIP STATES: ACCOUNT WRITERS
--
-- set_private() sets an account's private flag (making it public accepts
-- every pending request to it); deactivate_account() hides every edge and
-- request of an account, reactivate_account() brings them back intact.
-- Writes are not executable by PUBLIC (same recipe as follow()); the reads
-- is_private() and is_active() are.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.set_private(account bigint, private boolean)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_set_private'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.deactivate_account(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_deactivate_account'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.reactivate_account(account bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_reactivate_account'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.set_private(bigint, boolean),
	follow_graph.deactivate_account(bigint),
	follow_graph.reactivate_account(bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.is_private(account bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_private'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.is_active(account bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_is_active'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.set_private(bigint, boolean) IS 'set an account''s private flag; making it public accepts every pending request to it; returns the number of requests accepted';
COMMENT ON FUNCTION follow_graph.deactivate_account(bigint) IS 'hide every edge and pending request of an account until it is reactivated; returns the number of edges hidden';
COMMENT ON FUNCTION follow_graph.reactivate_account(bigint) IS 'bring back the hidden edges and requests of an account whose other account is active, with their times and cursors; returns the number of edges made visible';
COMMENT ON FUNCTION follow_graph.is_private(bigint) IS 'whether an account is private (false for unknown accounts)';
COMMENT ON FUNCTION follow_graph.is_active(bigint) IS 'whether an account is active (true for unknown accounts)';

-- remove_account() (40_bulk.sql) now deletes every row naming the account.
COMMENT ON FUNCTION follow_graph.remove_account(bigint) IS 'remove every edge (hidden ones included), pending request, block, mute and flag of an account and fix its counterparts'' counts; returns the number of edges removed';
