--------------------------------------------------------------------------
-- DISCOVERY (issue 14): follow suggestions, similar accounts, "followed by
-- N you follow" for a page of targets, fans and not-following-back lists.
-- The reads are PUBLIC C functions over the storage's indexes; the walks of
-- more than one hop read a bounded number of index entries, set by the
-- GUCs follow_graph.suggest_middles, follow_graph.suggest_fanout,
-- follow_graph.similar_sample and follow_graph.similar_fanout.
--------------------------------------------------------------------------

-- Suggestions an account dismissed: never suggested to it again.
-- remove_account() deletes the rows naming the account on either side.
CREATE TABLE follow_graph.dismissal (
	account		bigint		NOT NULL,
	candidate	bigint		NOT NULL,
	dismissed_at timestamptz NOT NULL,
	CONSTRAINT dismissal_pkey PRIMARY KEY (account, candidate),
	CONSTRAINT dismissal_not_self CHECK (account OPERATOR(pg_catalog.<>) candidate)
);
CREATE INDEX dismissal_candidate ON follow_graph.dismissal (candidate);

REVOKE ALL ON follow_graph.dismissal FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.dismissal', '');
COMMENT ON TABLE follow_graph.dismissal IS 'follow_graph storage: suggestions each account dismissed';

CREATE FUNCTION follow_graph.dismiss_suggestion(account bigint, candidate bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_dismiss_suggestion'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.dismiss_suggestion(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION follow_graph.suggest_follows(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, score float8, via bigint)
AS 'MODULE_PATHNAME', 'fg_suggest_follows'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION follow_graph.similar_accounts(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, jaccard float8)
AS 'MODULE_PATHNAME', 'fg_similar_accounts'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;

CREATE FUNCTION follow_graph.known_followers_summary(viewer bigint, targets bigint[], sample integer DEFAULT 3)
RETURNS TABLE (target bigint, total bigint, sample bigint[])
AS 'MODULE_PATHNAME', 'fg_known_followers_summary'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 50;

-- Pages are not STRICT because a NULL cursor means "first page"; a NULL
-- account or page_size gives no rows.
CREATE FUNCTION follow_graph.fans(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_fans'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.not_following_back(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_not_following_back'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

COMMENT ON FUNCTION follow_graph.dismiss_suggestion(bigint, bigint) IS 'never suggest candidate to account again; true if the dismissal is new';
COMMENT ON FUNCTION follow_graph.suggest_follows(bigint, integer) IS 'accounts followed by the accounts account follows, by Adamic-Adar score (bounded walk)';
COMMENT ON FUNCTION follow_graph.similar_accounts(bigint, integer) IS 'accounts whose followers overlap most with account''s, by Jaccard (bounded sample)';
COMMENT ON FUNCTION follow_graph.known_followers_summary(bigint, bigint[], integer) IS 'per target: how many accounts viewer follows follow it, and a sample of them';
COMMENT ON FUNCTION follow_graph.fans(bigint, integer, bigint) IS 'followers account does not follow back, ascending, keyset-paged';
COMMENT ON FUNCTION follow_graph.not_following_back(bigint, integer, bigint) IS 'accounts account follows that do not follow it back, ascending, keyset-paged';
