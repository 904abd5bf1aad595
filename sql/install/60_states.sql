--------------------------------------------------------------------------
-- RELATIONSHIP STATES: STORAGE
--
-- follow_graph.edge keeps holding exactly the visible edges (both accounts
-- active, no block, never a pending request), so every count, list and set
-- of the core API honours the states without reading anything else.  The
-- other states live beside it:
--   account_state  one row per account whose flags were ever set
--   request        pending follow requests to private accounts (visible)
--   hidden_edge    edges and requests hidden by a deactivation, kept intact
--                  (same seq and time) until both accounts are active again
--   block          blocks (never hidden)
--   mute           mutes, private to the muter (never hidden)
-- Cursors of requests, blocks and mutes come from state_seq.
--------------------------------------------------------------------------

CREATE SEQUENCE follow_graph.state_seq AS bigint CACHE 1;

CREATE TABLE follow_graph.account_state (
	account		bigint		NOT NULL,
	private		boolean		NOT NULL DEFAULT false,
	active		boolean		NOT NULL DEFAULT true,
	CONSTRAINT account_state_pkey PRIMARY KEY (account)
);

CREATE TABLE follow_graph.request (
	requester	bigint		NOT NULL,
	account		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	requested_at timestamptz NOT NULL,
	CONSTRAINT request_pkey PRIMARY KEY (requester, account),
	CONSTRAINT request_not_self CHECK (requester OPERATOR(pg_catalog.<>) account)
);
CREATE INDEX request_account_seq ON follow_graph.request (account, seq);

-- pending = false: a hidden edge (seq from edge_seq, followed_at);
-- pending = true: a hidden request from follower to followee (seq from
-- state_seq, followed_at = requested_at).
CREATE TABLE follow_graph.hidden_edge (
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	seq			bigint		NOT NULL,
	followed_at	timestamptz	NOT NULL,
	pending		boolean		NOT NULL,
	CONSTRAINT hidden_edge_pkey PRIMARY KEY (follower, followee),
	CONSTRAINT hidden_edge_not_self CHECK (follower OPERATOR(pg_catalog.<>) followee)
);
CREATE INDEX hidden_edge_followee_follower ON follow_graph.hidden_edge (followee, follower);

CREATE TABLE follow_graph.block (
	blocker		bigint		NOT NULL,
	blocked		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	blocked_at	timestamptz	NOT NULL,
	CONSTRAINT block_pkey PRIMARY KEY (blocker, blocked),
	CONSTRAINT block_not_self CHECK (blocker OPERATOR(pg_catalog.<>) blocked)
);
CREATE INDEX block_blocker_seq ON follow_graph.block (blocker, seq);
CREATE INDEX block_blocked_blocker ON follow_graph.block (blocked, blocker);

CREATE TABLE follow_graph.mute (
	muter		bigint		NOT NULL,
	muted		bigint		NOT NULL,
	seq			bigint		NOT NULL,
	muted_at	timestamptz	NOT NULL,
	expires_at	timestamptz,
	CONSTRAINT mute_pkey PRIMARY KEY (muter, muted),
	CONSTRAINT mute_not_self CHECK (muter OPERATOR(pg_catalog.<>) muted)
);
CREATE INDEX mute_muter_seq ON follow_graph.mute (muter, seq);
CREATE INDEX mute_muted_muter ON follow_graph.mute (muted, muter);

REVOKE ALL ON follow_graph.account_state, follow_graph.request,
	follow_graph.hidden_edge, follow_graph.block, follow_graph.mute,
	follow_graph.state_seq FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('follow_graph.account_state', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.request', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.hidden_edge', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.block', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.mute', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.state_seq', '');

COMMENT ON TABLE follow_graph.account_state IS 'follow_graph storage: private and active flags of accounts that ever set one';
COMMENT ON TABLE follow_graph.request IS 'follow_graph storage: pending follow requests to private accounts';
COMMENT ON TABLE follow_graph.hidden_edge IS 'follow_graph storage: edges and requests hidden while one of their accounts is deactivated';
COMMENT ON TABLE follow_graph.block IS 'follow_graph storage: blocks';
COMMENT ON TABLE follow_graph.mute IS 'follow_graph storage: mutes';
