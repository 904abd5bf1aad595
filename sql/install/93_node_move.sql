--------------------------------------------------------------------------
-- CLUSTER NODE: MOVING PARTITIONS AND VERIFYING STATES (internal; issue 16,
-- docs/scale-out.md)
--
-- A partition move (the router's cluster_move_partition()) takes from the
-- old node every row that names an account of the partition, not only the
-- edges: requests, hidden edges and requests, blocks (both sides as stored
-- there), the accounts' mutes, dismissals, items and item bounds, every
-- account flag the node knows, and the versions (node_applied,
-- node_state_applied, node_applied_floor) that keep late journal entries
-- from being applied twice.  node_move_in() writes them on the new node in
-- one transaction, with fresh cursors from its own sequences in the old
-- node's order, and recounts the accounts they name (node_recount());
-- node_release() then makes the old node drop the partition and every row
-- of which it owns no account (node_forget()).
--
-- cluster_verify() compares, besides the edges, a digest of every state
-- that both nodes of a pair hold (blocks, requests, hidden edges and hidden
-- requests) and of the account flags every node holds (node_state_digest(),
-- node_state_rows()), and looks for relations next to a block on any node
-- (node_block_neighbours()); cluster_repair() has the authoritative node
-- journal the current state again (node_state_resend()).
--------------------------------------------------------------------------

-- Make the counts and the mutual range of the given accounts exactly what
-- the rows stored here give (after rows were copied in or dropped around
-- the pair writers): one counter stripe per account with anything to
-- count, and both mutual rows of every mutual pair naming one of them.
-- Returns the number of accounts recounted.
CREATE FUNCTION follow_graph.node_recount(accounts bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	accs constant bigint[] := ARRAY(SELECT DISTINCT u.a FROM unnest(accounts) AS u (a)
									WHERE u.a IS NOT NULL ORDER BY 1);
BEGIN
	IF cardinality(accs) = 0 THEN
		RETURN 0;
	END IF;
	-- API writers take ROW EXCLUSIVE: keep them out (as rebuild_counts()).
	LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.item,
		follow_graph.counter, follow_graph.mutual IN SHARE ROW EXCLUSIVE MODE;
	DELETE FROM follow_graph.counter AS c WHERE c.account = ANY (accs);
	INSERT INTO follow_graph.counter AS c (account, stripe, followers, following, mutuals, requests, items)
	SELECT x.a, 0, n.fr, n.fg, n.mu, n.rq, n.it
	FROM unnest(accs) AS x (a)
	CROSS JOIN LATERAL (
		SELECT (SELECT count(*) FROM follow_graph.edge AS e WHERE e.followee = x.a) AS fr,
			   (SELECT count(*) FROM follow_graph.edge AS e WHERE e.follower = x.a) AS fg,
			   (SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.edge AS r
				  ON r.follower = e.followee AND r.followee = e.follower
				WHERE e.follower = x.a) AS mu,
			   (SELECT count(*) FROM follow_graph.request AS r WHERE r.account = x.a) AS rq,
			   (SELECT count(*) FROM follow_graph.item AS i WHERE i.author = x.a) AS it) AS n
	WHERE n.fr + n.fg + n.mu + n.rq + n.it > 0;
	DELETE FROM follow_graph.mutual AS m WHERE m.account = ANY (accs) OR m.friend = ANY (accs);
	INSERT INTO follow_graph.mutual AS m (account, friend)
	SELECT e.follower, e.followee
	FROM follow_graph.edge AS e JOIN follow_graph.edge AS r
	  ON r.follower = e.followee AND r.followee = e.follower
	WHERE e.follower = ANY (accs) OR e.followee = ANY (accs)
	ON CONFLICT ON CONSTRAINT mutual_pkey DO NOTHING;
	RETURN cardinality(accs);
END
$fn$;

-- Every row of this node that names an account of partition part, for a
-- partition move (see node_move_in() for the kinds and columns); rows of
-- one kind come in their cursor order.  Also the versions this node keeps,
-- which the new node merges with its own, and the flags of the
-- partition's accounts (every_flag: of every account, for a new node,
-- which knows none yet; a member has them all already).
CREATE FUNCTION follow_graph.node_move_out(part integer, every_flag boolean)
RETURNS TABLE (kind text, a bigint, b bigint, n bigint, t timestamptz, t2 timestamptz,
			   f1 boolean, f2 boolean, sub text)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	p constant integer := part;
BEGIN
	IF p < 0 OR p > mask THEN
		RAISE EXCEPTION 'part must be between 0 and %', mask
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT 'edge', x.follower, x.followee, x.seq, x.followed_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.edge AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'request', x.requester, x.account, x.seq, x.requested_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.request AS x
	WHERE (hashint8(x.requester) & mask) = p OR (hashint8(x.account) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'hidden', x.follower, x.followee, x.seq, x.followed_at, NULL::timestamptz,
		   x.pending, NULL::boolean, NULL::text
	FROM follow_graph.hidden_edge AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'block', x.blocker, x.blocked, x.seq, x.blocked_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.block AS x
	WHERE (hashint8(x.blocker) & mask) = p OR (hashint8(x.blocked) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'mute', x.muter, x.muted, x.seq, x.muted_at, x.expires_at,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.mute AS x
	WHERE (hashint8(x.muter) & mask) = p
	ORDER BY x.seq;
	RETURN QUERY
	SELECT 'dismissal', x.account, x.candidate, NULL::bigint, x.dismissed_at, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.dismissal AS x
	WHERE (hashint8(x.account) & mask) = p;
	RETURN QUERY
	SELECT 'item', x.author, x.item, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.item AS x
	WHERE (hashint8(x.author) & mask) = p;
	RETURN QUERY
	SELECT 'bound', x.author, NULL::bigint, x.newest, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.item_bound AS x
	WHERE (hashint8(x.author) & mask) = p;
	RETURN QUERY
	SELECT 'flag', x.account, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
		   x.private, x.active, NULL::text
	FROM follow_graph.account_state AS x
	WHERE every_flag OR (hashint8(x.account) & mask) = p;
	RETURN QUERY
	SELECT 'applied', x.follower, x.followee, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.node_applied AS x
	WHERE (hashint8(x.follower) & mask) = p OR (hashint8(x.followee) & mask) = p;
	RETURN QUERY
	SELECT 'state_applied', x.account, x.other, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, x.kind
	FROM follow_graph.node_state_applied AS x
	WHERE (every_flag AND x.kind NOT IN ('block', 'cmd'))
	   OR (hashint8(x.account) & mask) = p OR (x.kind IN ('block', 'cmd') AND (hashint8(x.other) & mask) = p);
	RETURN QUERY
	SELECT 'floor', x.part::bigint, NULL::bigint, x.version, NULL::timestamptz, NULL::timestamptz,
		   NULL::boolean, NULL::boolean, NULL::text
	FROM follow_graph.node_applied_floor AS x;
END
$fn$;

-- Take partition part over from another node: in one transaction, make
-- this node a member owning part (node_name and partitions when it is not
-- one yet), raise its versions above min_version (its entries for the
-- partition's pairs must beat the old node's), and write the rows of
-- node_move_out() on the old node (arrays of one length):
--   edge        a -> b, n = seq, t = followed_at
--   request     a -> b, n = seq, t = requested_at
--   hidden      a -> b, n = seq, t = followed_at, f1 = pending
--   block       a blocks b, n = seq, t = blocked_at
--   mute        a mutes b, n = seq, t = muted_at, t2 = expires_at
--   dismissal   a dismissed b, t = dismissed_at
--   item        a published item b
--   bound       a's item bound n
--   flag        a's private (f1) and active (f2) flags
--   applied     node_applied (a, b, version n)
--   state_applied  node_state_applied (sub, a, b, version n)
--   floor       node_applied_floor (partition a, version n)
-- Rows this node holds already are kept; new ones take cursors from this
-- node's sequences in the old node's order.  The flags of the partition's
-- accounts are the old node's (it was authoritative for them); other flags
-- and the versions are merged (a missing flag is added, the higher version
-- wins).  The accounts named by copied edges, requests and items are
-- recounted.  Idempotent: a second run finds every row in place (and a run
-- after a failed move first drops the copy that run left, see below).
-- Returns the number of edges copied.
CREATE FUNCTION follow_graph.node_move_in(node_name text, partitions integer, part integer,
	min_version bigint, kinds text[], firsts bigint[], seconds bigint[], nums bigint[],
	times timestamptz[], times2 timestamptz[], flags1 boolean[], flags2 boolean[], subs text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	p constant integer := part;
	mask integer;
	bad record;
	copied bigint;
	n_states bigint;
	accs bigint[];
	len constant integer := cardinality(kinds);
BEGIN
	IF p IS NULL OR min_version IS NULL OR kinds IS NULL OR firsts IS NULL OR seconds IS NULL
	   OR nums IS NULL OR times IS NULL OR times2 IS NULL OR flags1 IS NULL OR flags2 IS NULL
	   OR subs IS NULL THEN
		RAISE EXCEPTION 'part, min_version and the row arrays must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF cardinality(firsts) <> len OR cardinality(seconds) <> len OR cardinality(nums) <> len
	   OR cardinality(times) <> len OR cardinality(times2) <> len OR cardinality(flags1) <> len
	   OR cardinality(flags2) <> len OR cardinality(subs) <> len THEN
		RAISE EXCEPTION 'row arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF FOUND THEN
		IF partitions IS NOT NULL AND partitions <> cfg.partitions THEN
			RAISE EXCEPTION 'this node has % partitions, not %', cfg.partitions, partitions
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF p = ANY (cfg.owned) THEN
			-- An earlier move of the partition stopped after copying here:
			-- drop that copy (it may be stale), then copy again.
			PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, p));
			PERFORM follow_graph.node_forget();
		END IF;
		PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, p) || p);
	ELSE
		PERFORM follow_graph.node_configure(node_name, partitions, ARRAY[p]);
	END IF;
	cfg := follow_graph.node_config_row();
	mask := cfg.partitions - 1;
	IF p < 0 OR p > mask THEN
		RAISE EXCEPTION 'part must be between 0 and %', mask
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM follow_graph.node_version_floor(min_version);

	-- Every row must belong to the partition (the pair kinds by one of
	-- their accounts, the per-account kinds by their account).
	SELECT u.k, u.a, u.b INTO bad
	FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	WHERE u.k IS NULL OR u.a IS NULL
	   OR u.k NOT IN ('edge', 'request', 'hidden', 'block', 'mute', 'dismissal', 'item', 'bound',
					  'flag', 'applied', 'state_applied', 'floor')
	   OR (u.k IN ('edge', 'request', 'hidden', 'block')
		   AND (u.b IS NULL OR NOT ((hashint8(u.a) & mask) = p OR (hashint8(u.b) & mask) = p)))
	   OR (u.k IN ('mute', 'dismissal', 'item', 'bound') AND (hashint8(u.a) & mask) <> p)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'invalid row (%, %, %) for partition %', bad.k, bad.a, bad.b, p
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- publish() keeps item ids unique among one node's items.
	SELECT u.a, u.b, x.author INTO bad
	FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	JOIN follow_graph.item AS x ON x.item = u.b AND x.author <> u.a
	WHERE u.k = 'item'
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'item % of account % is already published on node % by account %',
			bad.b, bad.a, cfg.node_name, bad.author
			USING ERRCODE = 'unique_violation',
				  HINT = 'Item ids must be unique across the cluster (for example snowflake ids).';
	END IF;

	LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.hidden_edge,
		follow_graph.block, follow_graph.mute, follow_graph.dismissal, follow_graph.item,
		follow_graph.item_bound, follow_graph.counter, follow_graph.mutual,
		follow_graph.account_state IN SHARE ROW EXCLUSIVE MODE;

	-- Edges and hidden edges: cursors from edge_seq, in the old order.
	WITH r AS (
		SELECT u.k, u.a, u.b, u.n, u.t
		FROM unnest(kinds, firsts, seconds, nums, times, flags1) AS u (k, a, b, n, t, f1)
		WHERE (u.k = 'edge'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))
		   OR (u.k = 'hidden' AND NOT u.f1
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.hidden_edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))),
	s AS MATERIALIZED (
		SELECT o.k, o.a, o.b, o.t, nextval('follow_graph.edge_seq') AS seq
		FROM (SELECT r.* FROM r ORDER BY r.n, r.a, r.b) AS o),
	e AS (
		INSERT INTO follow_graph.edge AS x (follower, followee, seq, followed_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'edge'
		RETURNING 1),
	h AS (
		INSERT INTO follow_graph.hidden_edge AS x (follower, followee, seq, followed_at, pending)
		SELECT s.a, s.b, s.seq, s.t, false FROM s WHERE s.k = 'hidden'
		RETURNING 1)
	SELECT count(*) INTO copied FROM e;

	-- Requests, hidden requests, blocks and mutes: cursors from state_seq.
	WITH r AS (
		SELECT u.k, u.a, u.b, u.n, u.t, u.t2
		FROM unnest(kinds, firsts, seconds, nums, times, times2, flags1) AS u (k, a, b, n, t, t2, f1)
		WHERE (u.k = 'request'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.request AS x
							   WHERE x.requester = u.a AND x.account = u.b))
		   OR (u.k = 'hidden' AND u.f1
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.hidden_edge AS x
							   WHERE x.follower = u.a AND x.followee = u.b))
		   OR (u.k = 'block'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.block AS x
							   WHERE x.blocker = u.a AND x.blocked = u.b))
		   OR (u.k = 'mute'
			   AND NOT EXISTS (SELECT 1 FROM follow_graph.mute AS x
							   WHERE x.muter = u.a AND x.muted = u.b))),
	s AS MATERIALIZED (
		SELECT o.k, o.a, o.b, o.t, o.t2, nextval('follow_graph.state_seq') AS seq
		FROM (SELECT r.* FROM r ORDER BY r.n, r.a, r.b) AS o),
	rq AS (
		INSERT INTO follow_graph.request AS x (requester, account, seq, requested_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'request'
		RETURNING 1),
	hr AS (
		INSERT INTO follow_graph.hidden_edge AS x (follower, followee, seq, followed_at, pending)
		SELECT s.a, s.b, s.seq, s.t, true FROM s WHERE s.k = 'hidden'
		RETURNING 1),
	bl AS (
		INSERT INTO follow_graph.block AS x (blocker, blocked, seq, blocked_at)
		SELECT s.a, s.b, s.seq, s.t FROM s WHERE s.k = 'block'
		RETURNING 1),
	mu AS (
		INSERT INTO follow_graph.mute AS x (muter, muted, seq, muted_at, expires_at)
		SELECT s.a, s.b, s.seq, s.t, s.t2 FROM s WHERE s.k = 'mute'
		RETURNING 1)
	SELECT count(*) INTO n_states FROM s;

	INSERT INTO follow_graph.dismissal AS x (account, candidate, dismissed_at)
	SELECT u.a, u.b, u.t FROM unnest(kinds, firsts, seconds, times) AS u (k, a, b, t)
	WHERE u.k = 'dismissal'
	ON CONFLICT ON CONSTRAINT dismissal_pkey DO NOTHING;

	INSERT INTO follow_graph.item AS x (author, item)
	SELECT u.a, u.b FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
	WHERE u.k = 'item'
	ON CONFLICT ON CONSTRAINT item_pkey DO NOTHING;

	INSERT INTO follow_graph.item_bound AS x (author, newest)
	SELECT DISTINCT u.a, u.n FROM unnest(kinds, firsts, nums) AS u (k, a, n)
	WHERE u.k = 'bound'
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.item_bound AS y
					  WHERE y.author = u.a AND y.newest = u.n);

	-- Flags: the partition's accounts take the old node's (authoritative);
	-- this node's own accounts keep theirs; others are added when missing.
	INSERT INTO follow_graph.account_state AS x (account, private, active)
	SELECT u.a, u.f1, u.f2 FROM unnest(kinds, firsts, flags1, flags2) AS u (k, a, f1, f2)
	WHERE u.k = 'flag'
	  AND ((hashint8(u.a) & mask) = p OR NOT (hashint8(u.a) & mask) = ANY (cfg.owned))
	ON CONFLICT ON CONSTRAINT account_state_pkey DO UPDATE
		SET private = EXCLUDED.private, active = EXCLUDED.active
		WHERE (hashint8(x.account) & mask) = p;

	-- Versions: the higher one wins.
	INSERT INTO follow_graph.node_applied AS x (follower, followee, version)
	SELECT u.a, u.b, max(u.n) FROM unnest(kinds, firsts, seconds, nums) AS u (k, a, b, n)
	WHERE u.k = 'applied'
	GROUP BY u.a, u.b
	ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;
	INSERT INTO follow_graph.node_state_applied AS x (kind, account, other, version)
	SELECT u.s, u.a, u.b, max(u.n) FROM unnest(kinds, firsts, seconds, nums, subs) AS u (k, a, b, n, s)
	WHERE u.k = 'state_applied'
	GROUP BY u.s, u.a, u.b
	ON CONFLICT ON CONSTRAINT node_state_applied_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;
	INSERT INTO follow_graph.node_applied_floor AS x (part, version)
	SELECT u.a::integer, max(u.n) FROM unnest(kinds, firsts, nums) AS u (k, a, n)
	WHERE u.k = 'floor' AND u.a >= 0 AND u.a <= mask
	GROUP BY u.a
	ON CONFLICT ON CONSTRAINT node_applied_floor_pkey DO UPDATE SET version = EXCLUDED.version
		WHERE x.version < EXCLUDED.version;

	accs := ARRAY(SELECT u.a FROM unnest(kinds, firsts) AS u (k, a) WHERE u.k IN ('edge', 'request', 'item')
				  UNION
				  SELECT u.b FROM unnest(kinds, seconds) AS u (k, b) WHERE u.k IN ('edge', 'request'));
	PERFORM follow_graph.node_recount(accs);
	RETURN copied;
END
$fn$;

-- Give partition part up (after node_move_in() on its new node): drop it
-- from this node's partitions and every row of which this node owns no
-- account any more, in one transaction.  Returns how many edges were
-- dropped.
CREATE FUNCTION follow_graph.node_release(part integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
BEGIN
	PERFORM follow_graph.node_configure(cfg.node_name, cfg.partitions, array_remove(cfg.owned, part));
	RETURN follow_graph.node_forget();
END
$fn$;

-- Order-independent digests of the states both nodes of a pair hold, per
-- partition pair (part_a, part_b) of the pair's accounts (a, b): 'block'
-- (a blocks b), 'request' (a asked to follow b), 'hidden edge' and 'hidden
-- request' (a -> b hidden by a deactivation); and of the account flags
-- every node holds, per partition of the account ('flag', part_b -1; only
-- accounts that are private or deactivated).  n rows, digest the sum of a
-- 64-bit hash of each modulo 2^64, as node_digest() for the edges.
CREATE FUNCTION follow_graph.node_state_digest()
RETURNS TABLE (kind text, part_a integer, part_b integer, n bigint, digest numeric)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT x.k, hashint8(x.a) & (c.partitions - 1),
		   CASE WHEN x.k = 'flag' THEN -1 ELSE hashint8(x.b) & (c.partitions - 1) END,
		   count(*),
		   mod(sum(hashint8extended(x.a, x.b)::numeric), 18446744073709551616::numeric)
	FROM follow_graph.node_config AS c, (
		SELECT 'block' AS k, b.blocker AS a, b.blocked AS b FROM follow_graph.block AS b
		UNION ALL
		SELECT 'request', r.requester, r.account FROM follow_graph.request AS r
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee
		FROM follow_graph.hidden_edge AS h
		UNION ALL
		SELECT 'flag', s.account, (s.private::integer * 2 + s.active::integer)::bigint
		FROM follow_graph.account_state AS s WHERE s.private OR NOT s.active) AS x
	GROUP BY 1, 2, 3
$fn$;

-- The state rows held here of the given (kind, part_a, part_b) triples of
-- node_state_digest(); private and active are set for 'flag' rows only
-- (b is NULL there).
CREATE FUNCTION follow_graph.node_state_rows(kinds text[], parts_a integer[], parts_b integer[])
RETURNS TABLE (kind text, a bigint, b bigint, private boolean, active boolean)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT x.k, x.a, x.b, x.p, x.ac
	FROM follow_graph.node_config AS c, (
		SELECT 'block' AS k, b.blocker AS a, b.blocked AS b, NULL::boolean AS p, NULL::boolean AS ac
		FROM follow_graph.block AS b
		UNION ALL
		SELECT 'request', r.requester, r.account, NULL, NULL FROM follow_graph.request AS r
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee,
			   NULL, NULL
		FROM follow_graph.hidden_edge AS h
		UNION ALL
		SELECT 'flag', s.account, NULL, s.private, s.active
		FROM follow_graph.account_state AS s WHERE s.private OR NOT s.active) AS x
	WHERE (x.k, hashint8(x.a) & (c.partitions - 1),
		   CASE WHEN x.k = 'flag' THEN -1 ELSE hashint8(x.b) & (c.partitions - 1) END)
		IN (SELECT * FROM unnest(kinds, parts_a, parts_b))
	ORDER BY 1, 2, 3
$fn$;

-- The relations held here (edge, request, hidden edge, hidden request)
-- next to a block: one held here, or one of the given pairs (blocker,
-- blocked) held on another node.  A drained cluster has none.
CREATE FUNCTION follow_graph.node_block_neighbours(blockers bigint[], blocked bigint[])
RETURNS TABLE (kind text, follower bigint, followee bigint, blocker bigint, blocked bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH bl AS (
		SELECT b.blocker AS x, b.blocked AS y FROM follow_graph.block AS b
		UNION
		SELECT u.x, u.y FROM unnest(blockers, blocked) AS u (x, y)
		WHERE u.x IS NOT NULL AND u.y IS NOT NULL)
	SELECT r.k, r.f, r.e, bl.x, bl.y
	FROM (SELECT 'edge' AS k, e.follower AS f, e.followee AS e FROM follow_graph.edge AS e
		  UNION ALL
		  SELECT 'request', q.requester, q.account FROM follow_graph.request AS q
		  UNION ALL
		  SELECT CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END, h.follower, h.followee
		  FROM follow_graph.hidden_edge AS h) AS r
	JOIN bl ON (bl.x = r.f AND bl.y = r.e) OR (bl.x = r.e AND bl.y = r.f)
	ORDER BY 2, 3, 4, 5
$fn$;

-- Journal again, with fresh versions, the current state of pieces of state
-- this node is authoritative for (cluster_repair()): 'block' a -> b (this
-- node owns the blocker a: on, after block() here removed whatever sits
-- next to it, or off), 'rel' a -> b (owns the follower a: the relation as
-- held here) and 'flag' a (owns a: its private and active flags, for a
-- partition of every other node, targets).  Returns how many entries were
-- written.
CREATE FUNCTION follow_graph.node_state_resend(kinds text[], firsts bigint[], seconds bigint[],
	targets integer[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	r record;
	st record;
	t integer;
	sent bigint := 0;
BEGIN
	IF cardinality(kinds) <> cardinality(firsts) OR cardinality(kinds) <> cardinality(seconds) THEN
		RAISE EXCEPTION 'kinds, firsts and seconds must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	-- An xid before the first version (see node_horizon()).
	PERFORM pg_current_xact_id();
	FOR r IN
		SELECT DISTINCT u.k, u.a, u.b FROM unnest(kinds, firsts, seconds) AS u (k, a, b)
		WHERE u.a IS NOT NULL AND (hashint8(u.a) & mask) = ANY (cfg.owned)
		ORDER BY 1, 2, 3
	LOOP
		CASE r.k
		WHEN 'block' THEN
			CONTINUE WHEN r.b IS NULL OR r.b = r.a;
			IF EXISTS (SELECT 1 FROM follow_graph.block AS x WHERE x.blocker = r.a AND x.blocked = r.b) THEN
				IF follow_graph.node_active(r.a) AND follow_graph.node_active(r.b) THEN
					PERFORM follow_graph.block(r.a, r.b);
				ELSE
					DELETE FROM follow_graph.hidden_edge AS h
					WHERE (h.follower, h.followee) IN ((r.a, r.b), (r.b, r.a));
				END IF;
				IF NOT (hashint8(r.b) & mask) = ANY (cfg.owned) THEN
					PERFORM follow_graph.node_state_put(hashint8(r.b) & mask, 'block', r.a, r.b, 'on', NULL);
					sent := sent + 1;
				END IF;
			ELSIF NOT (hashint8(r.b) & mask) = ANY (cfg.owned) THEN
				PERFORM follow_graph.node_state_put(hashint8(r.b) & mask, 'block', r.a, r.b, 'off', NULL);
				sent := sent + 1;
			END IF;
		WHEN 'rel' THEN
			CONTINUE WHEN r.b IS NULL OR r.b = r.a;
			IF follow_graph.node_state_send_rel(r.a, r.b) IS NOT NULL THEN
				sent := sent + 1;
			END IF;
		WHEN 'flag' THEN
			SELECT coalesce((SELECT s.private FROM follow_graph.account_state AS s WHERE s.account = r.a), false) AS private,
				   follow_graph.node_active(r.a) AS active
			INTO st;
			FOR t IN SELECT DISTINCT u.p FROM unnest(targets) AS u (p)
					 WHERE u.p IS NOT NULL AND NOT (u.p & mask) = ANY (cfg.owned) ORDER BY 1 LOOP
				PERFORM follow_graph.node_state_put(t, 'private', r.a, 0, st.private::text, NULL);
				PERFORM follow_graph.node_state_put(t, 'active', r.a, 0, st.active::text, NULL);
				sent := sent + 2;
			END LOOP;
		ELSE
			RAISE EXCEPTION 'unknown state kind "%"', r.k USING ERRCODE = 'invalid_parameter_value';
		END CASE;
	END LOOP;
	RETURN sent;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_recount(bigint[]),
	follow_graph.node_move_out(integer, boolean),
	follow_graph.node_move_in(text, integer, integer, bigint, text[], bigint[], bigint[], bigint[],
		timestamptz[], timestamptz[], boolean[], boolean[], text[]),
	follow_graph.node_release(integer),
	follow_graph.node_state_digest(),
	follow_graph.node_state_rows(text[], integer[], integer[]),
	follow_graph.node_block_neighbours(bigint[], bigint[]),
	follow_graph.node_state_resend(text[], bigint[], bigint[], integer[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_recount(bigint[]) IS 'internal (cluster node): recompute the counts and mutual rows of the given accounts from the rows stored here';
COMMENT ON FUNCTION follow_graph.node_move_out(integer, boolean) IS 'internal (cluster node): every row naming an account of a partition, with the flags and versions, for a partition move';
COMMENT ON FUNCTION follow_graph.node_move_in(text, integer, integer, bigint, text[], bigint[], bigint[], bigint[], timestamptz[], timestamptz[], boolean[], boolean[], text[]) IS 'internal (cluster node): take a partition over with the rows node_move_out() gave on its old node';
COMMENT ON FUNCTION follow_graph.node_release(integer) IS 'internal (cluster node): give a partition up and drop the rows of which this node owns no account';
COMMENT ON FUNCTION follow_graph.node_state_digest() IS 'internal (cluster node): count and order-independent digest of the blocks, requests, hidden edges and account flags held here, per partition pair';
COMMENT ON FUNCTION follow_graph.node_state_rows(text[], integer[], integer[]) IS 'internal (cluster node): the state rows of the given kinds and partition pairs';
COMMENT ON FUNCTION follow_graph.node_block_neighbours(bigint[], bigint[]) IS 'internal (cluster node): relations held here next to a block held here or to one of the given pairs';
COMMENT ON FUNCTION follow_graph.node_state_resend(text[], bigint[], bigint[], integer[]) IS 'internal (cluster node): journal the current state of blocks, relations and account flags this node owns again, with fresh versions';
