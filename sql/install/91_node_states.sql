--------------------------------------------------------------------------
-- CLUSTER NODE: RELATIONSHIP STATES (internal; issue 16, docs/scale-out.md)
--
-- A pair (a, b) is stored on p(a)'s node A and on p(b)'s node B.  Each
-- piece of state has one authoritative node, and the other node holds a
-- replica brought up to date through the journal (node_state_journal,
-- versions from node_version_seq, applied newest-first per piece):
--   relation a -> b (none, request, edge)  A, the follower's node
--   block a -> b                           A, the blocker's node
--   private and active flags of a          A, sent to every other node
-- Writes acting on the other side of a relation (accept_request,
-- reject_request, remove_follower on b's node) change b's replica at once
-- and send A a command; A applies it and, like after any change a foreign
-- entry makes to a relation it is authoritative for, journals the
-- relation's new state back.  A replica never holds an edge next to a
-- block: an edge state that meets a block is refused, and the block's
-- owner re-sends the block so that the authoritative side drops the edge.
--------------------------------------------------------------------------

-- State changes of this node waiting for delivery to other nodes.
--   kind 'rel':     account -> other is now value (none, request, edge);
--                   at is its followed_at or requested_at
--   kind 'block':   account blocks other: value on / off
--   kind 'cmd':     value accept / reject / remove of the relation
--                   account -> other, made on other's node; at: the time
--                   of the accepted edge
--   kind 'private': account's private flag is value (true / false)
--   kind 'active':  account's active flag is value (true / false)
CREATE TABLE follow_graph.node_state_journal (
	version		bigint		NOT NULL,
	part		integer		NOT NULL,
	kind		text		NOT NULL,
	account		bigint		NOT NULL,
	other		bigint		NOT NULL,
	value		text		NOT NULL,
	at			timestamptz,
	changed_at	timestamptz	NOT NULL,
	CONSTRAINT node_state_journal_pkey PRIMARY KEY (version),
	CONSTRAINT node_state_journal_kind CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['rel', 'block', 'cmd', 'private', 'active']))
);

-- The newest version applied here for each piece of state (kind, account,
-- other; other = 0 for account flags).  Relations use node_applied.  Pruned
-- like node_applied (node_prune(), 92_node_route.sql), by the floor of the
-- partition of the entry's origin: the other account's for a command, the
-- account's for a block or a flag.
CREATE TABLE follow_graph.node_state_applied (
	kind		text		NOT NULL,
	account		bigint		NOT NULL,
	other		bigint		NOT NULL,
	version		bigint		NOT NULL,
	CONSTRAINT node_state_applied_pkey PRIMARY KEY (kind, account, other)
);

REVOKE ALL ON follow_graph.node_state_journal, follow_graph.node_state_applied FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_state_journal', '');
SELECT pg_catalog.pg_extension_config_dump('follow_graph.node_state_applied', '');

COMMENT ON TABLE follow_graph.node_state_journal IS 'follow_graph cluster node (internal): state changes (relations, blocks, commands, account flags) waiting for delivery to other nodes';
COMMENT ON TABLE follow_graph.node_state_applied IS 'follow_graph cluster node (internal): newest journal version applied per block, command and account flag';

-- The relation follower -> followee stored here: edge, request or none (a
-- hidden edge or request counts as an edge or a request), with its time.
CREATE FUNCTION follow_graph.node_rel_state(follower bigint, followee bigint,
	OUT state text, OUT at timestamptz)
RETURNS record
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT coalesce(s.state, 'none'), s.at
	FROM (SELECT 1) AS one LEFT JOIN (
		SELECT 'edge' AS state, e.followed_at AS at, 1 AS o FROM follow_graph.edge AS e
		WHERE e.follower = $1 AND e.followee = $2
		UNION ALL
		SELECT 'request', r.requested_at, 2 FROM follow_graph.request AS r
		WHERE r.requester = $1 AND r.account = $2
		UNION ALL
		SELECT CASE WHEN h.pending THEN 'request' ELSE 'edge' END, h.followed_at, 3
		FROM follow_graph.hidden_edge AS h
		WHERE h.follower = $1 AND h.followee = $2
		ORDER BY 3 LIMIT 1) AS s ON true
$fn$;

-- This node's configuration, or 55000 when it is not a cluster node.
CREATE FUNCTION follow_graph.node_config_row()
RETURNS follow_graph.node_config
LANGUAGE plpgsql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	RETURN cfg;
END
$fn$;

-- Journal one state entry for partition part (the other side's); returns
-- its version.  The transaction's xid is taken before the version, as
-- node_horizon() (92_node_route.sql) requires of every journal writer (an
-- account flag entry may be the first write of its transaction).
CREATE FUNCTION follow_graph.node_state_put(part integer, kind text, account bigint,
	other bigint, value text, at timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	v bigint;
BEGIN
	PERFORM pg_current_xact_id();
	INSERT INTO follow_graph.node_state_journal AS j
		(version, part, kind, account, other, value, at, changed_at)
	VALUES (nextval('follow_graph.node_version_seq'), $1, $2, $3, $4, $5, $6, clock_timestamp())
	RETURNING j.version INTO v;
	RETURN v;
END
$fn$;

-- Journal the relation follower -> followee as this node holds it, for the
-- followee's node, when this node owns the follower and not the followee
-- (this node is authoritative for it).  Returns the version or NULL.
CREATE FUNCTION follow_graph.node_state_send_rel(follower bigint, followee bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask integer := cfg.partitions - 1;
	s record;
BEGIN
	IF NOT (hashint8(follower) & mask) = ANY (cfg.owned)
	   OR (hashint8(followee) & mask) = ANY (cfg.owned) THEN
		RETURN NULL;
	END IF;
	s := follow_graph.node_rel_state(follower, followee);
	RETURN follow_graph.node_state_put(hashint8(followee) & mask, 'rel', follower, followee, s.state, s.at);
END
$fn$;

-- Whether an account is active here (no flag row: active).
CREATE FUNCTION follow_graph.node_active(account bigint)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = $1), true)
$fn$;

-- Bring the replica of follower -> followee held here to state target
-- (none, request, edge), as the follower's node holds it at version.
-- Called for entries whose version is newer than the pair's applied one.
-- A block here wins: the edge or request is refused (and a block this node
-- owns is sent again, so that the follower's node drops its copy).  Returns
-- whether the relation changed here.
CREATE FUNCTION follow_graph.node_set_rel(follower bigint, followee bigint, target text,
	version bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	f constant bigint := follower;
	e constant bigint := followee;
	st record;
	cur record;
	was text;
	bv bigint;
	changed boolean;
	cfg follow_graph.node_config;
BEGIN
	IF target = 'none' THEN
		RETURN follow_graph.unfollow(f, e);
	END IF;
	IF target IS NULL OR target NOT IN ('edge', 'request') THEN
		RAISE EXCEPTION 'invalid relation state "%"', target USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- Everything the common case needs, in one statement.
	SELECT EXISTS (SELECT 1 FROM follow_graph.block AS b WHERE b.blocker = f AND b.blocked = e) AS fwd,
		   EXISTS (SELECT 1 FROM follow_graph.block AS b WHERE b.blocker = e AND b.blocked = f) AS rev,
		   coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = f), true)
		   AND coalesce((SELECT s.active FROM follow_graph.account_state AS s WHERE s.account = e), true) AS active,
		   coalesce((SELECT s.private FROM follow_graph.account_state AS s WHERE s.account = e), false) AS private
	INTO st;
	-- A replica of the follower's block: it is older than this state when
	-- its version is lower (the unblock is on its way), else this state is
	-- older than the block, which removed it on the follower's node too.
	-- A block whose version node_prune() dropped has a version at or below
	-- the floor of the follower's partition (both come from the follower's
	-- node), and this state is above that floor (older ones are ignored).
	IF st.fwd THEN
		SELECT a.version INTO bv FROM follow_graph.node_state_applied AS a
		WHERE a.kind = 'block' AND a.account = f AND a.other = e;
		IF bv IS NULL THEN
			SELECT fl.version INTO bv
			FROM follow_graph.node_config AS c, follow_graph.node_applied_floor AS fl
			WHERE fl.part = (hashint8(f) & (c.partitions - 1));
		END IF;
		IF bv IS NOT NULL AND bv < version THEN
			PERFORM follow_graph.unblock(f, e);
		ELSE
			RETURN false;
		END IF;
	END IF;
	-- The followee's block (owned here when the followee's partition is):
	-- refuse, and send it again.
	IF st.rev THEN
		cfg := follow_graph.node_config_row();
		IF (hashint8(e) & (cfg.partitions - 1)) = ANY (cfg.owned)
		   AND NOT (hashint8(f) & (cfg.partitions - 1)) = ANY (cfg.owned) THEN
			PERFORM follow_graph.node_state_put(hashint8(f) & (cfg.partitions - 1), 'block', e, f, 'on', NULL);
		END IF;
		RETURN false;
	END IF;
	IF target = 'edge' AND st.active THEN
		-- The common case: follow() makes the edge, or a request when the
		-- followee is private here (accepted at once: the follower's node
		-- saw the account public, so the edge came first).
		changed := follow_graph.follow(f, e);
		IF st.private AND EXISTS (SELECT 1 FROM follow_graph.request AS r
								  WHERE r.requester = f AND r.account = e) THEN
			changed := follow_graph.accept_request(e, f);
		END IF;
		-- The follower's node's time of the edge.
		IF at IS NOT NULL THEN
			UPDATE follow_graph.edge AS x SET followed_at = at
			WHERE x.follower = f AND x.followee = e AND x.followed_at <> at;
		END IF;
		RETURN changed;
	END IF;
	cur := follow_graph.node_rel_state(f, e);
	was := cur.state;
	IF NOT st.active THEN
		-- Hidden until both are active: no count changes.
		IF was = target THEN
			RETURN false;
		END IF;
		INSERT INTO follow_graph.hidden_edge AS h (follower, followee, seq, followed_at, pending)
		VALUES (f, e,
				CASE WHEN target = 'edge' THEN nextval('follow_graph.edge_seq') ELSE nextval('follow_graph.state_seq') END,
				coalesce(at, now()), target = 'request')
		ON CONFLICT ON CONSTRAINT hidden_edge_pkey DO UPDATE
			SET seq = EXCLUDED.seq, followed_at = EXCLUDED.followed_at, pending = EXCLUDED.pending;
		RETURN true;
	END IF;
	-- A request.
	IF was = 'edge' THEN
		-- The follower's node made a request: an edge here is older, unless
		-- the followee is public here (its flag, which is authoritative
		-- here, reaches the follower's node and accepts the request there).
		IF NOT st.private THEN
			RETURN false;
		END IF;
		PERFORM follow_graph.unfollow(f, e);
	END IF;
	IF was <> 'request' THEN
		PERFORM follow_graph.follow(f, e);
	END IF;
	IF at IS NOT NULL THEN
		UPDATE follow_graph.request AS x SET requested_at = at
		WHERE x.requester = f AND x.account = e AND x.requested_at <> at;
	END IF;
	RETURN (follow_graph.node_rel_state(f, e)).state <> was;
END
$fn$;

-- One state write of the acting account a (the blocker, the account that
-- accepts, rejects or removes, the muter, the account whose flag changes)
-- on its node, with the journal entries it makes: one row per entry
-- (version NULL: none), the first carrying the write's result.  targets:
-- a partition of every other node (account flags go to each of them).
CREATE FUNCTION follow_graph.node_state_write(op text, a bigint, b bigint, flag boolean,
	expires timestamptz, targets integer[])
RETURNS TABLE (result bigint, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	r bigint;
	bpart integer;
	foreign_b boolean;
	s record;
	v bigint;
BEGIN
	-- Bad arguments are left to the single-node functions, for their errors.
	IF a IS NOT NULL AND (b IS NULL OR a <> b) AND NOT (hashint8(a) & mask) = ANY (cfg.owned) THEN
		RAISE EXCEPTION 'account % is not stored on node %', a, cfg.node_name
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('Its partition %s is not one of this node''s.', hashint8(a) & mask),
				  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
	END IF;
	bpart := hashint8(b) & mask;
	foreign_b := b IS NOT NULL AND NOT bpart = ANY (cfg.owned);
	CASE op
	WHEN 'block' THEN
		r := follow_graph.block(a, b)::integer;
		IF r = 1 AND foreign_b THEN
			v := follow_graph.node_state_put(bpart, 'block', a, b, 'on', NULL);
		END IF;
	WHEN 'unblock' THEN
		r := follow_graph.unblock(a, b)::integer;
		IF r = 1 AND foreign_b THEN
			v := follow_graph.node_state_put(bpart, 'block', a, b, 'off', NULL);
		END IF;
	WHEN 'accept', 'reject', 'remove' THEN
		-- a is the followee, b the follower (requester).
		IF op = 'accept' THEN
			r := follow_graph.accept_request(a, b)::integer;
		ELSIF op = 'reject' THEN
			r := follow_graph.reject_request(a, b)::integer;
		ELSE
			r := follow_graph.remove_follower(a, b)::integer;
		END IF;
		IF r = 1 AND foreign_b THEN
			s := follow_graph.node_rel_state(b, a);
			v := follow_graph.node_state_put(bpart, 'cmd', b, a, op, s.at);
		END IF;
	WHEN 'mute' THEN
		r := follow_graph.mute(a, b, expires)::integer;
	WHEN 'unmute' THEN
		r := follow_graph.unmute(a, b)::integer;
	WHEN 'private', 'deactivate', 'reactivate' THEN
		IF op = 'private' THEN
			r := follow_graph.set_private(a, flag);
		ELSIF op = 'deactivate' THEN
			r := follow_graph.deactivate_account(a);
		ELSE
			r := follow_graph.reactivate_account(a);
		END IF;
		-- Every other node learns the flag (its copies of a's edges and
		-- requests follow it there), even when it did not change here: a
		-- lost earlier entry is repaired by the next call.
		FOR result, version, part, kind, account, other, value, at IN
			SELECT r, follow_graph.node_state_put(t.p,
						CASE WHEN op = 'private' THEN 'private' ELSE 'active' END, a, 0,
						CASE op WHEN 'private' THEN flag::text WHEN 'deactivate' THEN 'false' ELSE 'true' END,
						NULL),
				   t.p, CASE WHEN op = 'private' THEN 'private' ELSE 'active' END, a, 0::bigint,
				   CASE op WHEN 'private' THEN flag::text WHEN 'deactivate' THEN 'false' ELSE 'true' END,
				   NULL::timestamptz
			FROM (SELECT DISTINCT u.p FROM unnest(targets) AS u (p)
				  WHERE u.p IS NOT NULL AND NOT (u.p & mask) = ANY (cfg.owned) ORDER BY 1) AS t
		LOOP
			RETURN NEXT;
		END LOOP;
		IF NOT FOUND THEN
			result := r;
			RETURN NEXT;
		END IF;
		RETURN;
	ELSE
		RAISE EXCEPTION 'unknown state operation "%"', op USING ERRCODE = 'invalid_parameter_value';
	END CASE;
	result := r;
	IF v IS NOT NULL THEN
		SELECT j.version, j.part, j.kind, j.account, j.other, j.value, j.at
		INTO version, part, kind, account, other, value, at
		FROM follow_graph.node_state_journal AS j WHERE j.version = v;
	END IF;
	RETURN NEXT;
END
$fn$;

-- Apply state entries of another node (arrays of one length), oldest
-- version first; each piece of state takes only entries newer than the one
-- applied before.  Returns how many entries changed something.
CREATE FUNCTION follow_graph.node_state_apply(version bigint[], kind text[], account bigint[],
	other bigint[], value text[], at timestamptz[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config := follow_graph.node_config_row();
	mask constant integer := cfg.partitions - 1;
	e record;
	fresh boolean;
	before record;
	changed bigint := 0;
	movers bigint[];
	m bigint;
BEGIN
	IF cardinality(version) <> cardinality(kind) OR cardinality(version) <> cardinality(account)
	   OR cardinality(version) <> cardinality(other) OR cardinality(version) <> cardinality(value)
	   OR cardinality(version) <> cardinality(at) THEN
		RAISE EXCEPTION 'journal arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	-- node_prune() takes SHARE ROW EXCLUSIVE: the floors read below stay
	-- the ones in force until this transaction ends.
	LOCK TABLE follow_graph.node_applied IN ROW EXCLUSIVE MODE;
	FOR e IN
		SELECT u.v, u.k, u.a, u.o, u.val, u.t
		FROM unnest(version, kind, account, other, value, at) AS u (v, k, a, o, val, t)
		ORDER BY u.v
	LOOP
		IF e.v IS NULL OR e.k IS NULL OR e.a IS NULL OR e.o IS NULL OR e.val IS NULL THEN
			RAISE EXCEPTION 'invalid journal entry (%, %, %, %, %)', e.v, e.k, e.a, e.o, e.val
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		fresh := false;
		IF e.k = 'rel' THEN
			-- As in node_apply(): nothing at or below the floor of the
			-- follower's partition (92_node_route.sql; the origin of every
			-- relation entry for a pair is the follower's node).
			INSERT INTO follow_graph.node_applied AS x (follower, followee, version)
			SELECT e.a, e.o, e.v
			WHERE e.v > coalesce((SELECT fl.version FROM follow_graph.node_applied_floor AS fl
								  WHERE fl.part = (hashint8(e.a) & mask)), 0)
			ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
				WHERE x.version < EXCLUDED.version
			RETURNING true INTO fresh;
		ELSE
			-- Likewise nothing at or below the floor of the origin's
			-- partition: a command comes from the node of the account that
			-- acted (e.o, the followee), a block from the blocker's (e.a), an
			-- account flag from the account's (e.a).
			INSERT INTO follow_graph.node_state_applied AS x (kind, account, other, version)
			SELECT e.k, e.a, e.o, e.v
			WHERE e.v > coalesce((SELECT fl.version FROM follow_graph.node_applied_floor AS fl
								  WHERE fl.part = (hashint8(CASE WHEN e.k = 'cmd' THEN e.o ELSE e.a END) & mask)), 0)
			ON CONFLICT ON CONSTRAINT node_state_applied_pkey DO UPDATE SET version = EXCLUDED.version
				WHERE x.version < EXCLUDED.version
			RETURNING true INTO fresh;
		END IF;
		CONTINUE WHEN fresh IS NOT TRUE;
		CASE e.k
		WHEN 'rel' THEN
			IF follow_graph.node_set_rel(e.a, e.o, e.val, e.v, e.t) THEN
				changed := changed + 1;
			END IF;
		WHEN 'block' THEN
			-- e.a blocks e.o; this node is authoritative for e.o -> e.a.
			before := follow_graph.node_rel_state(e.o, e.a);
			IF e.val = 'on' THEN
				IF follow_graph.node_active(e.a) AND follow_graph.node_active(e.o) THEN
					PERFORM follow_graph.block(e.a, e.o);
				ELSE
					-- An inactive side: only hidden rows can name the pair.
					DELETE FROM follow_graph.hidden_edge AS h
					WHERE (h.follower, h.followee) IN ((e.a, e.o), (e.o, e.a));
					INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)
					VALUES (e.a, e.o, nextval('follow_graph.state_seq'), now())
					ON CONFLICT ON CONSTRAINT block_pkey DO NOTHING;
				END IF;
			ELSE
				PERFORM follow_graph.unblock(e.a, e.o);
			END IF;
			changed := changed + 1;
			IF (follow_graph.node_rel_state(e.o, e.a)).state <> before.state THEN
				PERFORM follow_graph.node_state_send_rel(e.o, e.a);
			END IF;
		WHEN 'cmd' THEN
			-- Made on e.o's node to the relation e.a -> e.o, which this node
			-- is authoritative for: apply it, and send the result back.
			before := follow_graph.node_rel_state(e.a, e.o);
			IF e.val = 'accept' THEN
				IF before.state = 'request' THEN
					IF follow_graph.node_active(e.a) AND follow_graph.node_active(e.o) THEN
						PERFORM follow_graph.accept_request(e.o, e.a);
						UPDATE follow_graph.edge AS x SET followed_at = e.t
						WHERE x.follower = e.a AND x.followee = e.o AND e.t IS NOT NULL;
					ELSE
						UPDATE follow_graph.hidden_edge AS h
						SET pending = false, seq = nextval('follow_graph.edge_seq'),
							followed_at = coalesce(e.t, now())
						WHERE h.follower = e.a AND h.followee = e.o AND h.pending;
					END IF;
				END IF;
			ELSIF e.val = 'reject' THEN
				PERFORM follow_graph.reject_request(e.o, e.a);
			ELSIF e.val = 'remove' THEN
				PERFORM follow_graph.remove_follower(e.o, e.a);
			END IF;
			IF (follow_graph.node_rel_state(e.a, e.o)).state <> before.state THEN
				changed := changed + 1;
				PERFORM follow_graph.node_state_send_rel(e.a, e.o);
			END IF;
		WHEN 'private' THEN
			IF e.val::boolean THEN
				PERFORM follow_graph.set_private(e.a, true);
			ELSE
				-- Requests to e.a whose requester this node owns become edges
				-- here: send their new state to e.a's node.
				movers := ARRAY(
					SELECT r.requester FROM follow_graph.request AS r
					WHERE r.account = e.a AND (hashint8(r.requester) & mask) = ANY (cfg.owned)
					UNION
					SELECT h.follower FROM follow_graph.hidden_edge AS h
					WHERE h.followee = e.a AND h.pending AND (hashint8(h.follower) & mask) = ANY (cfg.owned));
				PERFORM follow_graph.set_private(e.a, false);
				FOREACH m IN ARRAY movers LOOP
					PERFORM follow_graph.node_state_send_rel(m, e.a);
				END LOOP;
			END IF;
			changed := changed + 1;
		WHEN 'active' THEN
			IF e.val::boolean THEN
				PERFORM follow_graph.reactivate_account(e.a);
			ELSE
				PERFORM follow_graph.deactivate_account(e.a);
			END IF;
			changed := changed + 1;
		ELSE
			RAISE EXCEPTION 'invalid journal entry kind "%"', e.k USING ERRCODE = 'invalid_parameter_value';
		END CASE;
	END LOOP;
	RETURN changed;
END
$fn$;

-- Up to max_entries state entries, oldest first, with a partition of this
-- node (origin) for the router to address the acknowledgement to.
CREATE FUNCTION follow_graph.node_state_journal(max_entries integer)
RETURNS TABLE (origin integer, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.owned[1], j.version, j.part, j.kind, j.account, j.other, j.value, j.at
	FROM follow_graph.node_config AS c, follow_graph.node_state_journal AS j
	ORDER BY j.version
	LIMIT max_entries
$fn$;

-- Drop delivered state entries; returns how many were dropped.
CREATE FUNCTION follow_graph.node_state_ack(versions bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH d AS (DELETE FROM follow_graph.node_state_journal AS j
			   WHERE j.version = ANY (versions) RETURNING 1)
	SELECT count(*) FROM d
$fn$;

-- This node's membership, journal length (both journals: a partition move
-- refuses to run while edge or state entries wait) and last version (NULL
-- name: not a cluster node).
CREATE FUNCTION follow_graph.node_status()
RETURNS TABLE (node_name text, partitions integer, owned integer[], journal bigint, version bigint)
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT c.node_name, c.partitions, c.owned,
		   (SELECT count(*) FROM follow_graph.node_journal)
		   + (SELECT count(*) FROM follow_graph.node_state_journal),
		   (SELECT s.last_value FROM follow_graph.node_version_seq AS s)
	FROM (SELECT 1) AS one LEFT JOIN follow_graph.node_config AS c ON true
$fn$;

REVOKE ALL ON FUNCTION follow_graph.node_rel_state(bigint, bigint),
	follow_graph.node_config_row(),
	follow_graph.node_status(),
	follow_graph.node_state_put(integer, text, bigint, bigint, text, timestamptz),
	follow_graph.node_state_send_rel(bigint, bigint),
	follow_graph.node_active(bigint),
	follow_graph.node_set_rel(bigint, bigint, text, bigint, timestamptz),
	follow_graph.node_state_write(text, bigint, bigint, boolean, timestamptz, integer[]),
	follow_graph.node_state_apply(bigint[], text[], bigint[], bigint[], text[], timestamptz[]),
	follow_graph.node_state_journal(integer),
	follow_graph.node_state_ack(bigint[]) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.node_rel_state(bigint, bigint) IS 'internal (cluster node): the relation follower -> followee held here (edge, request or none) and its time';
COMMENT ON FUNCTION follow_graph.node_config_row() IS 'internal (cluster node): this node''s configuration (55000 when it is not a cluster node)';
COMMENT ON FUNCTION follow_graph.node_status() IS 'internal (cluster node): name, partitions, journal length and last version of this node';
COMMENT ON FUNCTION follow_graph.node_state_put(integer, text, bigint, bigint, text, timestamptz) IS 'internal (cluster node): journal one state entry';
COMMENT ON FUNCTION follow_graph.node_state_send_rel(bigint, bigint) IS 'internal (cluster node): journal the relation held here for the followee''s node, when this node is authoritative for it';
COMMENT ON FUNCTION follow_graph.node_active(bigint) IS 'internal (cluster node): whether an account is active here';
COMMENT ON FUNCTION follow_graph.node_set_rel(bigint, bigint, text, bigint, timestamptz) IS 'internal (cluster node): bring the replica of a relation to the follower''s node''s state';
COMMENT ON FUNCTION follow_graph.node_state_write(text, bigint, bigint, boolean, timestamptz, integer[]) IS 'internal (cluster node): a block, request, mute or account flag write of the acting account, journaling it for the other nodes';
COMMENT ON FUNCTION follow_graph.node_state_apply(bigint[], text[], bigint[], bigint[], text[], timestamptz[]) IS 'internal (cluster node): apply other nodes'' state entries, newest version per piece of state';
COMMENT ON FUNCTION follow_graph.node_state_journal(integer) IS 'internal (cluster node): oldest state entries waiting for delivery';
COMMENT ON FUNCTION follow_graph.node_state_ack(bigint[]) IS 'internal (cluster node): drop delivered state entries';
