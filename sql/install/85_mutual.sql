--------------------------------------------------------------------------
-- THE MUTUAL RANGE (issue 15): the mutual follows (Friends) of every
-- account stored as their own btree range, so that mutuals() and
-- mutuals_set() read one range instead of intersecting two lists.
--
-- A pair {a,b} with both edges a -> b and b -> a has the two rows (a, b)
-- and (b, a); no other pair has any.  Every writer changes the rows exactly
-- where it changes the pair's mutual count, from the same decision: pair
-- writers inside the pair's critical section, account and bulk writers in
-- the statement that applies their mutual count deltas.  verify() checks
-- the range against the edges and rebuild_counts() repairs it.
--------------------------------------------------------------------------

CREATE TABLE follow_graph.mutual (
	account		bigint	NOT NULL,
	friend		bigint	NOT NULL,
	CONSTRAINT mutual_pkey PRIMARY KEY (account, friend)
);

REVOKE ALL ON follow_graph.mutual FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.mutual', '');
COMMENT ON TABLE follow_graph.mutual IS 'follow_graph storage: both rows (a, b) and (b, a) of every mutual pair, the Friends of each account in id order (write through the API only)';
