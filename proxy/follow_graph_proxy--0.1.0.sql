-- follow_graph_proxy: the router of a follow_graph cluster on PL/Proxy.
-- Installed on a router database that holds no graph; the data nodes run
-- follow_graph (0.3.0 or later).  The design, the consistency contract and
-- the list of routed and not yet routed functions are in docs/scale-out.md.
-- The source of the install script: the Makefile builds
-- follow_graph_proxy--VERSION.sql from it and the --@include lines below.

\echo Use "CREATE EXTENSION follow_graph_proxy" to load this file. \quit

--------------------------------------------------------------------------
-- GUARD
--
-- The router exposes follow_graph's API under the same names in the same
-- schema, so the two extensions never share a database: the names would
-- clash, and a router holds no graph.
--------------------------------------------------------------------------

DO $guard$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension AS e
			   WHERE e.extname OPERATOR(pg_catalog.=) 'follow_graph') THEN
		RAISE EXCEPTION 'extension follow_graph is installed in this database'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'follow_graph_proxy defines follow_graph''s functions in the same schema; a router database holds no graph.',
				  HINT = 'Install follow_graph_proxy in a database of its own and follow_graph on the data nodes.';
	END IF;
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc AS p
			   WHERE p.pronamespace OPERATOR(pg_catalog.=) 'follow_graph'::pg_catalog.regnamespace) THEN
		RAISE EXCEPTION 'schema follow_graph already holds functions'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Install follow_graph_proxy into a database without a schema follow_graph.';
	END IF;
END
$guard$;

GRANT USAGE ON SCHEMA follow_graph TO PUBLIC;

--------------------------------------------------------------------------
-- PLACEMENT
--
-- The cluster is the SQL/MED server follow_graph_cluster of PL/Proxy's
-- foreign data wrapper: options p0 .. p(P-1) hold the connection string of
-- the node owning each partition (P a power of two; a node appears under
-- every partition it owns, and PL/Proxy keeps one connection per distinct
-- string).  An account's partition is hashint8(account) & (P - 1), which is
-- what PL/Proxy computes for RUN ON partition_hash(account).
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.partition_hash(account bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$ SELECT COALESCE(pg_catalog.hashint8(account), 0) $fn$;

COMMENT ON FUNCTION follow_graph.partition_hash(bigint) IS 'the hash PL/Proxy maps onto a partition (NULL: partition 0)';

-- The partition map: every partition with its node's connection string and
-- the lowest partition of that node (how the router addresses a node).
CREATE FUNCTION follow_graph.cluster_map()
RETURNS TABLE (part integer, node_part integer, connstr text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
	WITH m AS (
		SELECT substr(o.option_name, 2)::integer AS part, o.option_value AS connstr
		FROM pg_foreign_server AS s, pg_options_to_table(s.srvoptions) AS o
		WHERE s.srvname = 'follow_graph_cluster' AND o.option_name ~ '^p[0-9]+$')
	SELECT m.part, min(m.part) OVER (PARTITION BY m.connstr), m.connstr
	FROM m ORDER BY m.part
$fn$;

REVOKE ALL ON FUNCTION follow_graph.cluster_map() FROM PUBLIC;
COMMENT ON FUNCTION follow_graph.cluster_map() IS 'every partition of the cluster with its node (lowest partition) and connection string';

--------------------------------------------------------------------------
-- INTERNAL PL/PROXY CALLS (not executable by PUBLIC)
--
-- Each runs one node function on the node(s) its RUN ON names; PL/Proxy
-- runs it in autocommit there.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.proxy_node_configure(node_part integer, node_name text,
	partitions integer, owned integer[])
RETURNS SETOF integer
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT 1 FROM follow_graph.node_configure(node_name, partitions, owned) AS c;
$fn$;

CREATE FUNCTION follow_graph.proxy_write(follower bigint, followee bigint, present boolean,
	OUT changed boolean, OUT version bigint, OUT part integer, OUT journal text,
	OUT at timestamptz)
RETURNS SETOF record
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(follower);
	SELECT w.changed, w.version, w.part, w.journal, w.at FROM follow_graph.node_write(follower, followee, present) AS w;
$fn$;

CREATE FUNCTION follow_graph.proxy_apply(part integer[], follower bigint[], followee bigint[],
	present boolean[], version bigint[], changed_at timestamptz[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT part, follower, followee, present, version, changed_at;
	RUN ON part;
	SELECT follow_graph.node_apply(follower, followee, present, version, changed_at);
$fn$;

CREATE FUNCTION follow_graph.proxy_journal(node_part integer, max_entries integer)
RETURNS TABLE (origin integer, version bigint, part integer, follower bigint,
			   followee bigint, present boolean, changed_at timestamptz)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT j.origin, j.version, j.part, j.follower, j.followee, j.present, j.changed_at
	FROM follow_graph.node_journal(max_entries) AS j;
$fn$;

CREATE FUNCTION follow_graph.proxy_ack(node_part integer, versions bigint[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_ack(versions);
$fn$;

CREATE FUNCTION follow_graph.proxy_digest(node_part integer)
RETURNS TABLE (follower_part integer, followee_part integer, edges bigint, digest numeric)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT d.follower_part, d.followee_part, d.edges, d.digest FROM follow_graph.node_digest() AS d;
$fn$;

CREATE FUNCTION follow_graph.proxy_edges(node_part integer, follower_parts integer[], followee_parts integer[])
RETURNS TABLE (follower bigint, followee bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT x.follower, x.followee FROM follow_graph.node_edges(follower_parts, followee_parts) AS x;
$fn$;

CREATE FUNCTION follow_graph.proxy_rejournal(node_part integer, follower bigint[], followee bigint[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_rejournal(follower, followee);
$fn$;

CREATE FUNCTION follow_graph.proxy_state_digest(node_part integer)
RETURNS TABLE (kind text, part_a integer, part_b integer, n bigint, digest numeric)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT d.kind, d.part_a, d.part_b, d.n, d.digest FROM follow_graph.node_state_digest() AS d;
$fn$;

CREATE FUNCTION follow_graph.proxy_state_rows(node_part integer, kinds text[], parts_a integer[], parts_b integer[])
RETURNS TABLE (kind text, a bigint, b bigint, private boolean, active boolean)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT x.kind, x.a, x.b, x.private, x.active FROM follow_graph.node_state_rows(kinds, parts_a, parts_b) AS x;
$fn$;

CREATE FUNCTION follow_graph.proxy_block_neighbours(node_part integer, blockers bigint[], blocked bigint[])
RETURNS TABLE (kind text, follower bigint, followee bigint, blocker bigint, blocked bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT x.kind, x.follower, x.followee, x.blocker, x.blocked
	FROM follow_graph.node_block_neighbours(blockers, blocked) AS x;
$fn$;

CREATE FUNCTION follow_graph.proxy_state_resend(node_part integer, kinds text[], firsts bigint[],
	seconds bigint[], targets integer[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_state_resend(kinds, firsts, seconds, targets);
$fn$;

CREATE FUNCTION follow_graph.proxy_counts(accounts bigint[])
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint, requests bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT accounts;
	RUN ON follow_graph.partition_hash(accounts);
	SELECT c.account, c.followers, c.following, c.mutuals, c.requests
	FROM follow_graph.counts(accounts) AS c;
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_node_configure(integer, text, integer, integer[]),
	follow_graph.proxy_write(bigint, bigint, boolean),
	follow_graph.proxy_apply(integer[], bigint[], bigint[], boolean[], bigint[], timestamptz[]),
	follow_graph.proxy_journal(integer, integer),
	follow_graph.proxy_ack(integer, bigint[]),
	follow_graph.proxy_digest(integer),
	follow_graph.proxy_edges(integer, integer[], integer[]),
	follow_graph.proxy_rejournal(integer, bigint[], bigint[]),
	follow_graph.proxy_state_digest(integer),
	follow_graph.proxy_state_rows(integer, text[], integer[], integer[]),
	follow_graph.proxy_block_neighbours(integer, bigint[], bigint[]),
	follow_graph.proxy_state_resend(integer, text[], bigint[], bigint[], integer[]) FROM PUBLIC;
-- proxy_counts() stays PUBLIC: the PUBLIC counts() calls it with the
-- caller's rights, as the other reads run.

-- Re-raise an error of a node without PL/Proxy's prefixes, so that the
-- router's errors read as a single node's.  PL/Proxy's own connection
-- errors (XX000) become 08006 when the node could not be reached (nothing
-- was written) and 08007 when the connection broke or timed out during the
-- call (the write may or may not have committed there; retrying is safe).
CREATE FUNCTION follow_graph.proxy_raise(sqlstate text, message text, detail text,
	hint text, account bigint)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	remote_prefix constant text := '^\S+\(\d+\): \[[^]]*\] REMOTE [A-Z]+: ';
BEGIN
	IF message ~ '\] (PQconnectStart|PQconnectPoll): |connect timeout to: ' THEN
		RAISE EXCEPTION 'the node of account % is unavailable', account
			USING ERRCODE = 'connection_failure',
				  DETAIL = message,
				  HINT = 'Nothing was written.  Writes whose own side is on that node fail until it is back.';
	END IF;
	IF message ~ '\] (PQsendQuery|PQsendQueryParams|PQflush|PQconsumeInput): |query timeout|Unfinished connection|Lost result' THEN
		RAISE EXCEPTION 'the connection to the node of account % was lost during the call', account
			USING ERRCODE = 'transaction_resolution_unknown',
				  DETAIL = message,
				  HINT = 'The write may or may not have been applied; follow() and unfollow() can be retried.';
	END IF;
	IF message ~ remote_prefix THEN
		message := regexp_replace(message, remote_prefix, '');
		detail := regexp_replace(coalesce(detail, ''), '^Remote detail: ', '');
		hint := regexp_replace(coalesce(hint, ''), '^Remote hint: ', '');
	END IF;
	detail := coalesce(detail, '');
	hint := coalesce(hint, '');
	IF detail <> '' AND hint <> '' THEN
		RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, DETAIL = detail, HINT = hint;
	ELSIF detail <> '' THEN
		RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, DETAIL = detail;
	ELSIF hint <> '' THEN
		RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, HINT = hint;
	ELSE
		RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message;
	END IF;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_raise(text, text, text, text, bigint) FROM PUBLIC;

--------------------------------------------------------------------------
-- CLUSTER SET-UP AND MAINTENANCE (not executable by PUBLIC)
--------------------------------------------------------------------------

-- Create the cluster: partition i goes to node (i mod N), every node is told
-- the partitions it owns.  node_user: the role the router connects to the
-- nodes as (NULL: the calling role's name); passwords belong in ~/.pgpass of
-- the router's server or in a user mapping option.  Timeouts: PL/Proxy
-- connects without blocking, which libpq's connect_timeout does not cover,
-- and PL/Proxy 2.10 checks its own timeouts only when a socket event
-- arrives; the bound of a call is the router's statement_timeout (see
-- docs/scale-out.md, Failure handling).
CREATE FUNCTION follow_graph.cluster_configure(nodes text[], partitions integer DEFAULT 256,
	node_user text DEFAULT NULL)
RETURNS TABLE (node text, node_part integer, owned integer)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	n integer := cardinality(nodes);
	conn text[];
	opts text;
BEGIN
	IF nodes IS NULL OR n IS NULL OR n < 1 OR array_position(nodes, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'nodes must be a non-empty array of connection strings'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF partitions IS NULL OR partitions < n OR partitions > 65536 OR (partitions & (partitions - 1)) <> 0 THEN
		RAISE EXCEPTION 'partitions must be a power of two between the number of nodes and 65536'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF (SELECT count(DISTINCT x) FROM unnest(nodes) AS x) <> n THEN
		RAISE EXCEPTION 'nodes must be distinct'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	conn := nodes;
	SELECT string_agg(format('p%s %L', p, conn[p % n + 1]), ', ' ORDER BY p)
	INTO opts FROM generate_series(0, partitions - 1) AS p;
	IF EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = 'follow_graph_cluster') THEN
		DROP SERVER follow_graph_cluster CASCADE;
	END IF;
	EXECUTE format('CREATE SERVER follow_graph_cluster FOREIGN DATA WRAPPER plproxy OPTIONS (%s)', opts);
	IF node_user IS NULL THEN
		CREATE USER MAPPING FOR PUBLIC SERVER follow_graph_cluster;
	ELSE
		EXECUTE format('CREATE USER MAPPING FOR PUBLIC SERVER follow_graph_cluster OPTIONS (user %L)', node_user);
	END IF;
	GRANT USAGE ON FOREIGN SERVER follow_graph_cluster TO PUBLIC;
	FOR i IN 0 .. n - 1 LOOP
		PERFORM follow_graph.proxy_node_configure(i, 'node' || (i + 1), partitions,
			ARRAY(SELECT p FROM generate_series(i, partitions - 1, n) AS p));
		node := nodes[i + 1];
		node_part := i;
		owned := (partitions - i + n - 1) / n;
		RETURN NEXT;
	END LOOP;
END
$fn$;

-- Deliver every journal entry the nodes hold to the other side's node, in
-- rounds of at most batch entries per node, until the journals are empty
-- or a round delivers nothing.  A node that cannot be reached is skipped
-- with a WARNING (its entries, and the entries for it, stay journaled).
-- Returns the number of entries delivered and acknowledged.
CREATE FUNCTION follow_graph.drain(batch integer DEFAULT 1000)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	origin record;
	target record;
	parts integer[];
	fs bigint[];
	es bigint[];
	ps boolean[];
	vs bigint[];
	ts timestamptz[];
	acked bigint[];
	delivered bigint := 0;
	round bigint;
	full_batch boolean;
	msg text;
BEGIN
	IF batch IS NULL OR batch < 1 THEN
		RAISE EXCEPTION 'batch must be positive' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	LOOP
		round := 0;
		full_batch := false;
		FOR origin IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
			BEGIN
				SELECT array_agg(j.part ORDER BY j.version), array_agg(j.follower ORDER BY j.version),
					   array_agg(j.followee ORDER BY j.version), array_agg(j.present ORDER BY j.version),
					   array_agg(j.version ORDER BY j.version), array_agg(j.changed_at ORDER BY j.version)
				INTO parts, fs, es, ps, vs, ts
				FROM follow_graph.proxy_journal(origin.node_part, batch) AS j;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
				RAISE WARNING 'journal of the node of partition % not read: %', origin.node_part, msg;
				CONTINUE;
			END;
			CONTINUE WHEN parts IS NULL;
			full_batch := full_batch OR cardinality(parts) >= batch;
			acked := '{}';
			FOR target IN
				SELECT m.node_part, array_agg(u.i) AS idx
				FROM unnest(parts) WITH ORDINALITY AS u (part, i)
				JOIN follow_graph.cluster_map() AS m ON m.part = u.part
				GROUP BY m.node_part ORDER BY m.node_part
			LOOP
				BEGIN
					PERFORM follow_graph.proxy_apply(
						ARRAY(SELECT parts[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT fs[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT es[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT ps[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT vs[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT ts[i] FROM unnest(target.idx) AS i));
					acked := acked || ARRAY(SELECT vs[i] FROM unnest(target.idx) AS i);
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
					RAISE WARNING 'journal entries for the node of partition % not delivered: %',
						target.node_part, msg;
				END;
			END LOOP;
			IF cardinality(acked) > 0 THEN
				BEGIN
					PERFORM follow_graph.proxy_ack(origin.node_part, acked);
					delivered := delivered + cardinality(acked);
					round := round + cardinality(acked);
				EXCEPTION WHEN OTHERS THEN
					-- Applied but not acknowledged: the next drain re-sends
					-- them and the other node ignores them (same version).
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
					RAISE WARNING 'journal of the node of partition % not acknowledged: %', origin.node_part, msg;
				END;
			END IF;
		END LOOP;
		EXIT WHEN round = 0 OR NOT full_batch;
	END LOOP;
	-- Relationship states (blocks, requests, account flags): see drain_states().
	delivered := delivered + follow_graph.drain_states(batch);
	-- Versions no late entry can need any more (see cluster_prune()).
	PERFORM follow_graph.cluster_prune();
	RETURN delivered;
END
$fn$;

-- Compare, per partition pair, the edges the follower's node and the
-- followee's node hold (count and digest); for each pair that differs,
-- name the edges missing on one side.  The same for the states both nodes
-- of a pair hold (blocks, requests, hidden edges and hidden requests), and
-- for the account flags every node holds (each node against the account's
-- own); and name every relation that sits next to a block on any node.
-- Run drain() first: journaled entries not yet delivered show up here as
-- missing halves.
CREATE FUNCTION follow_graph.cluster_verify()
RETURNS TABLE (follower_part integer, followee_part integer, follower bigint,
			   followee bigint, problem text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	node record;
	mask integer;
	d_node integer[] := '{}';
	d_fp integer[] := '{}';
	d_ep integer[] := '{}';
	d_n bigint[] := '{}';
	d_dg numeric[] := '{}';
	x_node integer[] := '{}';
	x_f bigint[] := '{}';
	x_e bigint[] := '{}';
	bad_fp integer[];
	bad_ep integer[];
	s_node integer[] := '{}';
	s_kind text[] := '{}';
	s_pa integer[] := '{}';
	s_pb integer[] := '{}';
	s_n bigint[] := '{}';
	s_dg numeric[] := '{}';
	bad_kind text[];
	bad_pa integer[];
	bad_pb integer[];
	r_node integer[] := '{}';
	r_kind text[] := '{}';
	r_a bigint[] := '{}';
	r_b bigint[] := '{}';
	r_priv boolean[] := '{}';
	r_act boolean[] := '{}';
	bl_a bigint[];
	bl_b bigint[];
	n_node integer[] := '{}';
	n_kind text[] := '{}';
	n_f bigint[] := '{}';
	n_e bigint[] := '{}';
	n_x bigint[] := '{}';
	n_y bigint[] := '{}';
BEGIN
	SELECT count(*)::integer - 1 INTO mask FROM follow_graph.cluster_map();
	FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
		SELECT d_node || array_agg(node.node_part), d_fp || array_agg(d.follower_part),
			   d_ep || array_agg(d.followee_part), d_n || array_agg(d.edges), d_dg || array_agg(d.digest)
		INTO d_node, d_fp, d_ep, d_n, d_dg
		FROM follow_graph.proxy_digest(node.node_part) AS d;
		d_node := coalesce(d_node, '{}'); d_fp := coalesce(d_fp, '{}'); d_ep := coalesce(d_ep, '{}');
		d_n := coalesce(d_n, '{}'); d_dg := coalesce(d_dg, '{}');
		SELECT s_node || array_agg(node.node_part), s_kind || array_agg(d.kind), s_pa || array_agg(d.part_a),
			   s_pb || array_agg(d.part_b), s_n || array_agg(d.n), s_dg || array_agg(d.digest)
		INTO s_node, s_kind, s_pa, s_pb, s_n, s_dg
		FROM follow_graph.proxy_state_digest(node.node_part) AS d;
		s_node := coalesce(s_node, '{}'); s_kind := coalesce(s_kind, '{}'); s_pa := coalesce(s_pa, '{}');
		s_pb := coalesce(s_pb, '{}'); s_n := coalesce(s_n, '{}'); s_dg := coalesce(s_dg, '{}');
	END LOOP;

	-- Partition pairs whose two holders disagree, or held by a node that
	-- owns neither partition.
	WITH d AS (SELECT * FROM unnest(d_node, d_fp, d_ep, d_n, d_dg) AS d (node, fp, ep, n, dg)),
	m AS (SELECT c.part, c.node_part FROM follow_graph.cluster_map() AS c),
	pairs AS (SELECT DISTINCT d.fp, d.ep FROM d),
	bad AS (
		SELECT p.fp, p.ep
		FROM pairs AS p
		JOIN m AS mf ON mf.part = p.fp
		JOIN m AS me ON me.part = p.ep
		LEFT JOIN d AS df ON df.fp = p.fp AND df.ep = p.ep AND df.node = mf.node_part
		LEFT JOIN d AS de ON de.fp = p.fp AND de.ep = p.ep AND de.node = me.node_part
		WHERE (mf.node_part <> me.node_part
			   AND (df.n, df.dg) IS DISTINCT FROM (de.n, de.dg))
		   OR EXISTS (SELECT 1 FROM d AS o WHERE o.fp = p.fp AND o.ep = p.ep
					  AND o.node <> mf.node_part AND o.node <> me.node_part))
	SELECT array_agg(b.fp), array_agg(b.ep) INTO bad_fp, bad_ep FROM bad AS b;

	IF bad_fp IS NOT NULL THEN
		FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
			SELECT x_node || array_agg(node.node_part), x_f || array_agg(x.follower), x_e || array_agg(x.followee)
			INTO x_node, x_f, x_e
			FROM follow_graph.proxy_edges(node.node_part, bad_fp, bad_ep) AS x;
			x_node := coalesce(x_node, '{}'); x_f := coalesce(x_f, '{}'); x_e := coalesce(x_e, '{}');
		END LOOP;

		RETURN QUERY
		WITH x AS (SELECT * FROM unnest(x_node, x_f, x_e) AS x (node, f, e)),
		m AS (SELECT c.part, c.node_part FROM follow_graph.cluster_map() AS c),
		e AS (
			SELECT x.node, x.f, x.e,
				   follow_graph.partition_hash(x.f) & mask AS fp,
				   follow_graph.partition_hash(x.e) & mask AS ep
			FROM x),
		o AS (
			SELECT e.*, mf.node_part AS fnode, me.node_part AS enode
			FROM e JOIN m AS mf ON mf.part = e.fp JOIN m AS me ON me.part = e.ep)
		SELECT o.fp, o.ep, o.f, o.e,
			   CASE WHEN o.node <> o.fnode AND o.node <> o.enode
					THEN format('stored on the node of partition %s, which owns neither account', o.node)
					WHEN o.node = o.fnode
					THEN 'missing on the followee''s node'
					ELSE 'missing on the follower''s node' END
		FROM o
		WHERE (o.node <> o.fnode AND o.node <> o.enode)
		   OR (o.fnode <> o.enode
			   AND NOT EXISTS (SELECT 1 FROM x AS y
							   WHERE y.f = o.f AND y.e = o.e
								 AND y.node = CASE WHEN o.node = o.fnode THEN o.enode ELSE o.fnode END))
		ORDER BY 1, 2, 3, 4;
	END IF;

	-- States: pair kinds as the edges; flags of the accounts of a partition
	-- on every node against the account's own node.
	WITH d AS (SELECT * FROM unnest(s_node, s_kind, s_pa, s_pb, s_n, s_dg) AS d (node, k, pa, pb, n, dg)),
	m AS (SELECT c.part, c.node_part FROM follow_graph.cluster_map() AS c),
	nodes AS (SELECT DISTINCT m.node_part FROM m),
	keys AS (SELECT DISTINCT d.k, d.pa, d.pb FROM d),
	bad AS (
		SELECT k.k, k.pa, k.pb
		FROM keys AS k
		JOIN m AS ma ON ma.part = k.pa
		LEFT JOIN m AS mb ON mb.part = k.pb
		LEFT JOIN d AS da ON da.k = k.k AND da.pa = k.pa AND da.pb = k.pb AND da.node = ma.node_part
		LEFT JOIN d AS db ON db.k = k.k AND db.pa = k.pa AND db.pb = k.pb AND db.node = mb.node_part
		WHERE (k.k <> 'flag'
			   AND ((ma.node_part <> mb.node_part AND (da.n, da.dg) IS DISTINCT FROM (db.n, db.dg))
					OR EXISTS (SELECT 1 FROM d AS o WHERE o.k = k.k AND o.pa = k.pa AND o.pb = k.pb
							   AND o.node <> ma.node_part AND o.node <> mb.node_part)))
		   OR (k.k = 'flag'
			   AND EXISTS (SELECT 1 FROM nodes AS nd
						   LEFT JOIN d AS o ON o.k = k.k AND o.pa = k.pa AND o.pb = k.pb AND o.node = nd.node_part
						   WHERE (o.n, o.dg) IS DISTINCT FROM (da.n, da.dg))))
	SELECT array_agg(b.k), array_agg(b.pa), array_agg(b.pb) INTO bad_kind, bad_pa, bad_pb FROM bad AS b;

	IF bad_kind IS NOT NULL THEN
		FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
			SELECT r_node || array_agg(node.node_part), r_kind || array_agg(x.kind), r_a || array_agg(x.a),
				   r_b || array_agg(x.b), r_priv || array_agg(x.private), r_act || array_agg(x.active)
			INTO r_node, r_kind, r_a, r_b, r_priv, r_act
			FROM follow_graph.proxy_state_rows(node.node_part, bad_kind, bad_pa, bad_pb) AS x;
			r_node := coalesce(r_node, '{}'); r_kind := coalesce(r_kind, '{}'); r_a := coalesce(r_a, '{}');
			r_b := coalesce(r_b, '{}'); r_priv := coalesce(r_priv, '{}'); r_act := coalesce(r_act, '{}');
		END LOOP;

		RETURN QUERY
		WITH x AS (SELECT * FROM unnest(r_node, r_kind, r_a, r_b) AS x (node, k, a, b) WHERE x.k <> 'flag'),
		m AS (SELECT c.part, c.node_part FROM follow_graph.cluster_map() AS c),
		o AS (
			SELECT x.*, follow_graph.partition_hash(x.a) & mask AS pa, follow_graph.partition_hash(x.b) & mask AS pb,
				   ma.node_part AS anode, mb.node_part AS bnode
			FROM x
			JOIN m AS ma ON ma.part = follow_graph.partition_hash(x.a) & mask
			JOIN m AS mb ON mb.part = follow_graph.partition_hash(x.b) & mask)
		SELECT DISTINCT o.pa, o.pb, o.a, o.b,
			   CASE WHEN o.node <> o.anode AND o.node <> o.bnode
					THEN format('%s stored on the node of partition %s, which owns neither account', o.k, o.node)
					ELSE format('%s missing on the %s node', o.k,
								CASE WHEN o.node = o.anode
									 THEN CASE o.k WHEN 'block' THEN 'blocked account''s'
												   WHEN 'request' THEN 'requested account''s'
												   ELSE 'followee''s' END
									 ELSE CASE o.k WHEN 'block' THEN 'blocker''s'
												   WHEN 'request' THEN 'requester''s'
												   ELSE 'follower''s' END END) END
		FROM o
		WHERE (o.node <> o.anode AND o.node <> o.bnode)
		   OR (o.anode <> o.bnode
			   AND NOT EXISTS (SELECT 1 FROM x AS y
							   WHERE y.k = o.k AND y.a = o.a AND y.b = o.b
								 AND y.node = CASE WHEN o.node = o.anode THEN o.bnode ELSE o.anode END))
		ORDER BY 1, 2, 3, 4, 5;

		RETURN QUERY
		WITH x AS (SELECT * FROM unnest(r_node, r_kind, r_a, r_priv, r_act) AS x (node, k, a, p, ac) WHERE x.k = 'flag'),
		m AS (SELECT c.part, c.node_part FROM follow_graph.cluster_map() AS c),
		nodes AS (SELECT DISTINCT m.node_part FROM m),
		acc AS (SELECT DISTINCT x.a, follow_graph.partition_hash(x.a) & mask AS pa FROM x),
		v AS (
			SELECT acc.a, acc.pa, nd.node_part AS node, own.node_part AS own_node,
				   coalesce(h.p, false) AS p, coalesce(h.ac, true) AS ac,
				   coalesce(oh.p, false) AS own_p, coalesce(oh.ac, true) AS own_ac
			FROM acc
			JOIN m AS own ON own.part = acc.pa
			CROSS JOIN nodes AS nd
			LEFT JOIN x AS h ON h.a = acc.a AND h.node = nd.node_part
			LEFT JOIN x AS oh ON oh.a = acc.a AND oh.node = own.node_part)
		SELECT v.pa, NULL::integer, v.a, NULL::bigint,
			   format('flags differ on the node of partition %s: private %s, active %s there, private %s, active %s on the account''s node',
					  v.node, v.p::text, v.ac::text, v.own_p::text, v.own_ac::text)
		FROM v
		WHERE v.node <> v.own_node AND (v.p, v.ac) IS DISTINCT FROM (v.own_p, v.own_ac)
		ORDER BY 1, 3, 5;
	END IF;

	-- Relations next to a block: each node's own, and next to the blocks
	-- of mismatching pairs, wherever those are held.
	SELECT array_agg(x.a ORDER BY x.a, x.b), array_agg(x.b ORDER BY x.a, x.b) INTO bl_a, bl_b
	FROM (SELECT DISTINCT u.a, u.b FROM unnest(r_kind, r_a, r_b) AS u (k, a, b) WHERE u.k = 'block') AS x;
	FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
		SELECT n_node || array_agg(node.node_part), n_kind || array_agg(x.kind), n_f || array_agg(x.follower),
			   n_e || array_agg(x.followee), n_x || array_agg(x.blocker), n_y || array_agg(x.blocked)
		INTO n_node, n_kind, n_f, n_e, n_x, n_y
		FROM follow_graph.proxy_block_neighbours(node.node_part, coalesce(bl_a, '{}'), coalesce(bl_b, '{}')) AS x;
		n_node := coalesce(n_node, '{}'); n_kind := coalesce(n_kind, '{}'); n_f := coalesce(n_f, '{}');
		n_e := coalesce(n_e, '{}'); n_x := coalesce(n_x, '{}'); n_y := coalesce(n_y, '{}');
	END LOOP;
	RETURN QUERY
	SELECT follow_graph.partition_hash(x.f) & mask, follow_graph.partition_hash(x.e) & mask, x.f, x.e,
		   format('%s next to the block %s -> %s on the node of partition %s', x.k, x.x, x.y, x.node)
	FROM unnest(n_node, n_kind, n_f, n_e, n_x, n_y) AS x (node, k, f, e, x, y)
	ORDER BY 1, 2, 3, 4, 5;
END
$fn$;

-- Re-send what cluster_verify() finds missing or in conflict, from the node
-- authoritative for it, with fresh versions, and drain() delivers it: the
-- follower's node journals an edge's or a request's (or hidden relation's)
-- current state again, the blocker's node a block's (after block() there
-- removed whatever sat next to it), the account's node its flags (to every
-- other node).  A relation next to a block has both possible blocks
-- re-sent.  Returns the number of pairs and entries re-sent.
CREATE FUNCTION follow_graph.cluster_repair()
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	grp record;
	sent bigint := 0;
	targets integer[];
	v_fp integer[];
	v_ep integer[];
	v_f bigint[];
	v_e bigint[];
	v_pr text[];
BEGIN
	-- No write through this router while pairs are re-journaled: a write in
	-- flight on a follower's node could commit after node_rejournal() read
	-- the pair, under an older version than the re-sent (stale) state.
	PERFORM pg_advisory_xact_lock(7378474836284716121);
	PERFORM follow_graph.drain();
	targets := ARRAY(SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1);
	SELECT coalesce(array_agg(v.follower_part), '{}'), coalesce(array_agg(v.followee_part), '{}'),
		   coalesce(array_agg(v.follower), '{}'), coalesce(array_agg(v.followee), '{}'),
		   coalesce(array_agg(v.problem), '{}')
	INTO v_fp, v_ep, v_f, v_e, v_pr
	FROM follow_graph.cluster_verify() AS v;
	FOR grp IN
		SELECT m.node_part, array_agg(v.follower) AS fs, array_agg(v.followee) AS es
		FROM unnest(v_fp, v_ep, v_f, v_e, v_pr) AS v (follower_part, followee_part, follower, followee, problem)
		JOIN follow_graph.cluster_map() AS m ON m.part = v.follower_part
		WHERE v.follower IS NOT NULL AND v.problem LIKE 'missing%'
		GROUP BY m.node_part
	LOOP
		sent := sent + (SELECT sum(r) FROM follow_graph.proxy_rejournal(grp.node_part, grp.fs, grp.es) AS r);
	END LOOP;
	FOR grp IN
		SELECT m.node_part, array_agg(x.k) AS ks, array_agg(x.a) AS fs, array_agg(x.b) AS es
		FROM (SELECT CASE WHEN v.problem LIKE 'block missing%' THEN 'block'
						  WHEN v.problem LIKE 'flags differ%' THEN 'flag'
						  ELSE 'rel' END AS k,
					 v.follower AS a, v.followee AS b, v.follower_part AS pa
			  FROM unnest(v_fp, v_ep, v_f, v_e, v_pr) AS v (follower_part, followee_part, follower, followee, problem)
			  WHERE v.problem ~ '^(block|request|hidden edge|hidden request) missing' OR v.problem LIKE 'flags differ%'
			  UNION ALL
			  SELECT 'block', v.follower, v.followee, v.follower_part
			  FROM unnest(v_fp, v_ep, v_f, v_e, v_pr) AS v (follower_part, followee_part, follower, followee, problem) WHERE v.problem LIKE '% next to the block %'
			  UNION ALL
			  SELECT 'block', v.followee, v.follower, v.followee_part
			  FROM unnest(v_fp, v_ep, v_f, v_e, v_pr) AS v (follower_part, followee_part, follower, followee, problem) WHERE v.problem LIKE '% next to the block %') AS x
		JOIN follow_graph.cluster_map() AS m ON m.part = x.pa
		GROUP BY m.node_part
	LOOP
		sent := sent + (SELECT sum(r) FROM follow_graph.proxy_state_resend(grp.node_part, grp.ks, grp.fs,
																		   grp.es, targets) AS r);
	END LOOP;
	PERFORM follow_graph.drain();
	RETURN sent;
END
$fn$;

-- Calls to one node by connection string (CONNECT mode: the node need not
-- be in the map yet), for partition moves.
CREATE FUNCTION follow_graph.proxy_at_status(connstr text)
RETURNS TABLE (node_name text, partitions integer, owned integer[], journal bigint, version bigint)
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT s.node_name, s.partitions, s.owned, s.journal, s.version FROM follow_graph.node_status() AS s;
$fn$;

CREATE FUNCTION follow_graph.proxy_at_move_out(connstr text, part integer, every_flag boolean)
RETURNS TABLE (kind text, a bigint, b bigint, n bigint, t timestamptz, t2 timestamptz,
			   f1 boolean, f2 boolean, sub text)
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT x.kind, x.a, x.b, x.n, x.t, x.t2, x.f1, x.f2, x.sub FROM follow_graph.node_move_out(part, every_flag) AS x;
$fn$;

CREATE FUNCTION follow_graph.proxy_at_move_in(connstr text, node_name text, partitions integer,
	part integer, min_version bigint, kinds text[], firsts bigint[], seconds bigint[], nums bigint[],
	times timestamptz[], times2 timestamptz[], flags1 boolean[], flags2 boolean[], subs text[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT follow_graph.node_move_in(node_name, partitions, part, min_version, kinds, firsts,
		seconds, nums, times, times2, flags1, flags2, subs);
$fn$;

CREATE FUNCTION follow_graph.proxy_at_release(connstr text, part integer)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT follow_graph.node_release(part);
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_at_status(text),
	follow_graph.proxy_at_move_out(text, integer, boolean),
	follow_graph.proxy_at_move_in(text, text, integer, integer, bigint, text[], bigint[], bigint[],
		bigint[], timestamptz[], timestamptz[], boolean[], boolean[], text[]),
	follow_graph.proxy_at_release(text, integer) FROM PUBLIC;

-- Move one partition to the node at connstr (a node of the cluster or a new
-- one with follow_graph installed).  Router writes and drain() wait while
-- it runs (an advisory lock; writes through another router must be stopped
-- by hand).  Steps: drain every journal; read from the old node every row
-- naming an account of the partition (edges, requests, hidden edges,
-- blocks, mutes, dismissals, items, flags and versions: node_move_out);
-- on the new node, in one transaction, take the partition, raise its
-- versions above every node's and write those rows (node_move_in); on the
-- old node, in one transaction, give the partition up and drop the rows it
-- no longer owns an account of (node_release); switch the map.  If the old
-- node cannot give the partition up, the new node gives it back.  A run
-- after a failure is safe: the new node replaces a copy left by an earlier
-- run, and when the old node already gave the partition up only the map
-- is switched.  Returns the number of edges copied.
CREATE FUNCTION follow_graph.cluster_move_partition(part integer, connstr text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	nparts integer;
	old_conn text;
	target text := connstr;
	target_status record;
	old_status record;
	max_version bigint;
	pending bigint;
	r record;
	copied bigint := 0;
	usr text;
	map_user text;
	msg text;
BEGIN
	PERFORM pg_advisory_xact_lock(7378474836284716121);
	SELECT count(*) INTO nparts FROM follow_graph.cluster_map();
	IF nparts = 0 THEN
		RAISE EXCEPTION 'the cluster is not configured'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() first.';
	END IF;
	IF part IS NULL OR part < 0 OR part >= nparts THEN
		RAISE EXCEPTION 'part must be between 0 and %', nparts - 1
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF target IS NULL THEN
		RAISE EXCEPTION 'connstr must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT m.connstr INTO old_conn FROM follow_graph.cluster_map() AS m WHERE m.part = cluster_move_partition.part;
	IF target = old_conn THEN
		RETURN 0;
	END IF;

	-- CONNECT-mode calls carry the user of the cluster's user mapping.
	SELECT o.option_value INTO map_user
	FROM pg_user_mappings AS um, pg_options_to_table(um.umoptions) AS o
	WHERE um.srvname = 'follow_graph_cluster' AND um.umuser = 0 AND o.option_name = 'user';
	usr := CASE WHEN map_user IS NULL THEN '' ELSE format(' user=%s', map_user) END;

	PERFORM follow_graph.drain();
	SELECT sum(s.journal), max(s.version) INTO pending, max_version
	FROM (SELECT DISTINCT m.connstr FROM follow_graph.cluster_map() AS m) AS n,
		 follow_graph.proxy_at_status(n.connstr || usr) AS s;
	IF pending > 0 THEN
		RAISE EXCEPTION 'the journals hold % entries that could not be delivered', pending
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bring every node up and run follow_graph.drain() first.';
	END IF;

	SELECT * INTO target_status FROM follow_graph.proxy_at_status(target || usr);
	SELECT * INTO old_status FROM follow_graph.proxy_at_status(old_conn || usr);
	IF NOT part = ANY (coalesce(old_status.owned, '{}')) AND part = ANY (coalesce(target_status.owned, '{}')) THEN
		-- An earlier run moved the rows and the old node gave the partition
		-- up; only the map was left to switch.
		NULL;
	ELSE
		SELECT array_agg(x.kind) AS kinds, array_agg(x.a) AS firsts, array_agg(x.b) AS seconds,
			   array_agg(x.n) AS nums, array_agg(x.t) AS times, array_agg(x.t2) AS times2,
			   array_agg(x.f1) AS flags1, array_agg(x.f2) AS flags2, array_agg(x.sub) AS subs
		INTO r
		FROM follow_graph.proxy_at_move_out(old_conn || usr, part, target_status.node_name IS NULL) AS x;
		SELECT coalesce(sum(c), 0) INTO copied
		FROM follow_graph.proxy_at_move_in(target || usr,
			coalesce(target_status.node_name,
					 'node' || ((SELECT count(DISTINCT m.connstr) FROM follow_graph.cluster_map() AS m) + 1)),
			nparts, part, coalesce(max_version, 1),
			coalesce(r.kinds, '{}'), coalesce(r.firsts, '{}'), coalesce(r.seconds, '{}'),
			coalesce(r.nums, '{}'), coalesce(r.times, '{}'), coalesce(r.times2, '{}'),
			coalesce(r.flags1, '{}'), coalesce(r.flags2, '{}'), coalesce(r.subs, '{}')) AS c;
		BEGIN
			PERFORM follow_graph.proxy_at_release(old_conn || usr, part);
		EXCEPTION WHEN OTHERS THEN
			-- Two owners would each take the partition's pairs for their own
			-- and journal nothing for the other: the new node gives it back.
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			BEGIN
				PERFORM follow_graph.proxy_at_release(target || usr, part);
			EXCEPTION WHEN OTHERS THEN
				RAISE EXCEPTION 'partition % was copied to the new node but neither node gave it up', part
					USING ERRCODE = 'object_not_in_prerequisite_state',
						  DETAIL = msg,
						  HINT = 'Both nodes own the partition: run follow_graph.cluster_move_partition() again before any write.';
			END;
			RAISE EXCEPTION 'the old node of partition % did not give it up', part
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = msg,
					  HINT = 'Nothing moved; the new node gave the partition back.';
		END;
	END IF;

	EXECUTE format('ALTER SERVER follow_graph_cluster OPTIONS (SET %I %L)', 'p' || part, target);
	RETURN copied;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.cluster_configure(text[], integer, text),
	follow_graph.cluster_move_partition(integer, text),
	follow_graph.drain(integer),
	follow_graph.cluster_verify(),
	follow_graph.cluster_repair() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.cluster_configure(text[], integer, text) IS 'create the cluster: partitions round-robin over the nodes (connection strings), each node told the partitions it owns';
COMMENT ON FUNCTION follow_graph.cluster_move_partition(integer, text) IS 'move a partition, with every row its accounts own (edges, states, items), to the node at connstr (router writes wait meanwhile); returns the number of edges copied';
COMMENT ON FUNCTION follow_graph.drain(integer) IS 'deliver every journaled edge change to the other side''s node; returns the number delivered';
COMMENT ON FUNCTION follow_graph.cluster_verify() IS 'per partition pair, the edges and states (blocks, requests, hidden relations) one holder has and the other lacks, account flags that differ from the account''s node, relations next to a block; no rows means consistent (after drain())';
COMMENT ON FUNCTION follow_graph.cluster_repair() IS 're-send what cluster_verify() reports from the authoritative node (edges and relations from the follower''s, blocks from the blocker''s, flags from the account''s); returns the number re-sent';

--------------------------------------------------------------------------
-- WRITES (not executable by PUBLIC; same recipe as follow_graph's)
--
-- The acting side's node commits the change and, when the other side lives
-- on another node, a journal entry; the router then delivers the entry right
-- away.  If the other node cannot be reached the call still succeeds and
-- drain() delivers the entry later.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.proxy_pair_write(follower bigint, followee bigint, present boolean)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	w record;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	-- cluster_move_partition() takes this lock exclusively: no write runs
	-- while partitions move.
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	BEGIN
		SELECT * INTO STRICT w FROM follow_graph.proxy_write(follower, followee, present);
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, follower);
	END;
	IF w.version IS NOT NULL THEN
		BEGIN
			IF w.journal = 'state' THEN
				-- A pending request (the followee is private): a state entry.
				PERFORM follow_graph.proxy_state_apply(ARRAY[w.part], ARRAY[w.version], ARRAY['rel'],
					ARRAY[follower], ARRAY[followee], ARRAY['request'], ARRAY[w.at]);
			ELSE
				PERFORM follow_graph.proxy_apply(ARRAY[w.part], ARRAY[follower], ARRAY[followee],
					ARRAY[present], ARRAY[w.version], ARRAY[w.at]);
			END IF;
		EXCEPTION WHEN OTHERS THEN
			NULL;	-- stays journaled on the acting node; drain() delivers it
		END;
	END IF;
	RETURN w.changed;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_pair_write(bigint, bigint, boolean) FROM PUBLIC;

CREATE FUNCTION follow_graph.follow(follower bigint, followee bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_pair_write(follower, followee, true) $fn$;

CREATE FUNCTION follow_graph.unfollow(follower bigint, followee bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_pair_write(follower, followee, false) $fn$;

REVOKE ALL ON FUNCTION follow_graph.follow(bigint, bigint),
	follow_graph.unfollow(bigint, bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.follow(bigint, bigint) IS 'make follower follow followee (on the follower''s node; the followee''s node through the journal); true if the edge is new';
COMMENT ON FUNCTION follow_graph.unfollow(bigint, bigint) IS 'remove the edge follower -> followee (on the follower''s node; the followee''s node through the journal); true if there was one';

--------------------------------------------------------------------------
-- READS (PUBLIC): each on the node of the account it is about, one call.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.is_following(follower bigint, followee bigint)
RETURNS boolean
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(follower);
	SELECT follow_graph.is_following(follower, followee);
$fn$;

CREATE FUNCTION follow_graph.follower_count(account bigint)
RETURNS bigint
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.follower_count(account);
$fn$;

CREATE FUNCTION follow_graph.following_count(account bigint)
RETURNS bigint
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.following_count(account);
$fn$;

CREATE FUNCTION follow_graph.mutual_count(account bigint)
RETURNS bigint
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.mutual_count(account);
$fn$;

-- The node of each account answers for it (one call per node, SPLIT);
-- the answer comes back in input order, as on a single node.
CREATE FUNCTION follow_graph.counts(accounts bigint[])
RETURNS TABLE (account bigint, followers bigint, following bigint, mutuals bigint, requests bigint)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	-- The node's checks, made here for the whole array before it is split.
	IF array_ndims(accounts) > 1 THEN
		RAISE EXCEPTION 'accounts must be a one-dimensional array'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	IF cardinality(accounts) > 1000000 THEN
		RAISE EXCEPTION 'accounts has too many elements'
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = format('The array has %s elements; the limit is %s.', cardinality(accounts), 1000000),
				  HINT = 'Split the array into smaller calls.';
	END IF;
	IF array_position(accounts, NULL) IS NOT NULL THEN
		accounts := array_remove(accounts, NULL);
	END IF;
	IF cardinality(accounts) = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
	SELECT c.account, c.followers, c.following, c.mutuals, c.requests
	FROM follow_graph.proxy_counts(accounts) AS c
	JOIN (SELECT u.a, min(u.i) AS i FROM unnest(accounts) WITH ORDINALITY AS u (a, i)
		  GROUP BY u.a) AS o ON o.a = c.account
	ORDER BY o.i;
END
$fn$;

-- Pages are not STRICT: a NULL account (sent to partition 0) gives no rows,
-- and the node checks page_size as a single node does.
CREATE FUNCTION follow_graph.followers(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (follower bigint, followed_at timestamptz, cursor bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.follower, r.followed_at, r.cursor FROM follow_graph.followers(account, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.following(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (followee bigint, followed_at timestamptz, cursor bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.followee, r.followed_at, r.cursor FROM follow_graph.following(account, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.mutuals(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r FROM follow_graph.mutuals(account, page_size, after) AS r;
$fn$;

-- Every edge of the viewer, in both directions, is on the viewer's node:
-- one call for the whole page of targets.
CREATE FUNCTION follow_graph.relationships(viewer bigint, targets bigint[])
RETURNS TABLE (target bigint, following boolean, followed_by boolean,
			   requested boolean, requested_by boolean, blocking boolean,
			   blocked_by boolean, muting boolean)
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(viewer);
	SELECT r.target, r.following, r.followed_by, r.requested, r.requested_by, r.blocking,
		   r.blocked_by, r.muting
	FROM follow_graph.relationships(viewer, targets) AS r;
$fn$;

COMMENT ON FUNCTION follow_graph.is_following(bigint, bigint) IS 'true if follower follows followee (asked of the follower''s node)';
COMMENT ON FUNCTION follow_graph.follower_count(bigint) IS 'exact number of followers, O(1) (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.following_count(bigint) IS 'exact number of accounts followed, O(1) (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.mutual_count(bigint) IS 'exact number of mutual follows (Friends), O(1) (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.counts(bigint[]) IS 'the follower, following, mutual and pending request counts of each distinct account (one call per node involved)';
COMMENT ON FUNCTION follow_graph.followers(bigint, integer, bigint) IS 'followers newest first, keyset-paged by cursor (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.following(bigint, integer, bigint) IS 'accounts followed, newest first, keyset-paged by cursor (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.mutuals(bigint, integer, bigint) IS 'mutual follows (Friends) in ascending id order, keyset-paged (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.relationships(bigint, bigint[]) IS 'relationship flags of viewer with each distinct target (asked of the viewer''s node, one call)';
-- == routing ==
--------------------------------------------------------------------------
-- ROUTING OF THE REST OF THE API (issue 16, second slice)
--
-- Every function of follow_graph has here a form of the same name and
-- signature, or is listed in docs/scale-out.md as node-local with why.
-- Single-account functions run on the account's node (one call); two-account
-- reads fetch one side's id set from its node and intersect it on the other
-- side's node (two calls, one when both accounts share a node); the feed and
-- the batch reads SPLIT their arrays by account (one call per node
-- involved).  The remote SQL of the internal proxy_r_* reads uses only
-- follow_graph's PUBLIC reads and idset functions, so the nodes need nothing
-- new for them.
--------------------------------------------------------------------------

-- The node of an account: the lowest partition of the node owning its
-- partition (how the router addresses a node).
CREATE FUNCTION follow_graph.proxy_node_of(account bigint)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT m.node_part FROM follow_graph.cluster_map() AS m
	WHERE m.part = (follow_graph.partition_hash(account)
					& ((SELECT count(*)::integer FROM follow_graph.cluster_map()) - 1))
$fn$;

-- A page size checked as a single node checks it (FgCheckPageSize).
CREATE FUNCTION follow_graph.proxy_check_page_size(page_size integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF page_size <= 0 THEN
		RAISE EXCEPTION 'page_size must be positive'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The page_size given was %s.', page_size);
	END IF;
	IF page_size > 100000000 THEN
		RAISE EXCEPTION 'page_size must be at most %', 100000000
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = format('The page_size given was %s.', page_size);
	END IF;
END
$fn$;

-- An id array checked as a single node checks its batch arguments.
CREATE FUNCTION follow_graph.proxy_check_ids(ids bigint[], what text)
RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF array_ndims(ids) > 1 THEN
		RAISE EXCEPTION '% must be a one-dimensional array', what
			USING ERRCODE = 'array_subscript_error';
	END IF;
	IF cardinality(ids) > 1000000 THEN
		RAISE EXCEPTION '% has too many elements', what
			USING ERRCODE = 'program_limit_exceeded',
				  DETAIL = format('The array has %s elements; the limit is %s.', cardinality(ids), 1000000),
				  HINT = 'Split the array into smaller calls.';
	END IF;
	RETURN array_remove(ids, NULL);
END
$fn$;

-- Run a write on the node of account, translating its errors (see
-- proxy_raise).  The writes below are single-node: their state lives on
-- the acting account's node only, so nothing is journaled.
CREATE FUNCTION follow_graph.proxy_w_publish(author bigint, item bigint, present boolean)
RETURNS SETOF boolean
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(author);
	SELECT CASE WHEN present THEN follow_graph.publish(author, item)
				ELSE follow_graph.unpublish(author, item) END;
$fn$;

CREATE FUNCTION follow_graph.proxy_w_mute(muter bigint, muted bigint, expires_at timestamptz, present boolean)
RETURNS SETOF boolean
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(muter);
	SELECT CASE WHEN present THEN follow_graph.mute(muter, muted, expires_at)
				ELSE follow_graph.unmute(muter, muted) END;
$fn$;

CREATE FUNCTION follow_graph.proxy_w_dismiss(account bigint, candidate bigint)
RETURNS SETOF boolean
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.dismiss_suggestion(account, candidate);
$fn$;

CREATE FUNCTION follow_graph.proxy_w_forget_items(older_than bigint)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON ALL;
	SELECT follow_graph.forget_items(older_than);
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_w_publish(bigint, bigint, boolean),
	follow_graph.proxy_w_mute(bigint, bigint, timestamptz, boolean),
	follow_graph.proxy_w_dismiss(bigint, bigint),
	follow_graph.proxy_w_forget_items(bigint) FROM PUBLIC;

-- One routed single-node write: its answer, or the node's error as a single
-- node raises it.
CREATE FUNCTION follow_graph.proxy_one_write(kind text, a bigint, b bigint, t timestamptz)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	r boolean;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	BEGIN
		CASE kind
		WHEN 'publish' THEN SELECT * INTO STRICT r FROM follow_graph.proxy_w_publish(a, b, true);
		WHEN 'unpublish' THEN SELECT * INTO STRICT r FROM follow_graph.proxy_w_publish(a, b, false);
		WHEN 'mute' THEN SELECT * INTO STRICT r FROM follow_graph.proxy_w_mute(a, b, t, true);
		WHEN 'unmute' THEN SELECT * INTO STRICT r FROM follow_graph.proxy_w_mute(a, b, t, false);
		WHEN 'dismiss' THEN SELECT * INTO STRICT r FROM follow_graph.proxy_w_dismiss(a, b);
		END CASE;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, a);
	END;
	RETURN r;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_one_write(text, bigint, bigint, timestamptz) FROM PUBLIC;

CREATE FUNCTION follow_graph.publish(author bigint, item bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_one_write('publish', author, item, NULL) $fn$;

CREATE FUNCTION follow_graph.unpublish(author bigint, item bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_one_write('unpublish', author, item, NULL) $fn$;

CREATE FUNCTION follow_graph.mute(muter bigint, muted bigint, expires_at timestamptz DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_one_write('mute', muter, muted, expires_at) $fn$;

CREATE FUNCTION follow_graph.unmute(muter bigint, muted bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_one_write('unmute', muter, muted, NULL) $fn$;

CREATE FUNCTION follow_graph.dismiss_suggestion(account bigint, candidate bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_one_write('dismiss', account, candidate, NULL) $fn$;

-- Every node drops its own items below the bound; the sum of their answers.
CREATE FUNCTION follow_graph.forget_items(older_than bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	n bigint;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	BEGIN
		SELECT sum(f) INTO n FROM follow_graph.proxy_w_forget_items(older_than) AS f;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, NULL);
	END;
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.publish(bigint, bigint),
	follow_graph.unpublish(bigint, bigint),
	follow_graph.mute(bigint, bigint, timestamptz),
	follow_graph.unmute(bigint, bigint),
	follow_graph.dismiss_suggestion(bigint, bigint),
	follow_graph.forget_items(bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.publish(bigint, bigint) IS 'record that author published item (on the author''s node); true if new';
COMMENT ON FUNCTION follow_graph.unpublish(bigint, bigint) IS 'remove the author''s item (on the author''s node); true if it was there';
COMMENT ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz) IS 'mute until expires_at (on the muter''s node); true if no mute was in force';
COMMENT ON FUNCTION follow_graph.unmute(bigint, bigint) IS 'remove the mute (on the muter''s node); true if one was in force';
COMMENT ON FUNCTION follow_graph.dismiss_suggestion(bigint, bigint) IS 'never suggest candidate to account again (on the account''s node); true if new';
COMMENT ON FUNCTION follow_graph.forget_items(bigint) IS 'drop every item id below the bound on every node; returns how many';

--------------------------------------------------------------------------
-- SINGLE-ACCOUNT READS: the node of the account the answer is about.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.relationship(viewer bigint, target bigint)
RETURNS text
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(viewer);
	SELECT follow_graph.relationship(viewer, target);
$fn$;

CREATE FUNCTION follow_graph.request_count(account bigint)
RETURNS bigint
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.request_count(account);
$fn$;

CREATE FUNCTION follow_graph.is_private(account bigint)
RETURNS boolean
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.is_private(account);
$fn$;

CREATE FUNCTION follow_graph.is_active(account bigint)
RETURNS boolean
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.is_active(account);
$fn$;

CREATE FUNCTION follow_graph.is_blocking(blocker bigint, blocked bigint)
RETURNS boolean
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(blocker);
	SELECT follow_graph.is_blocking(blocker, blocked);
$fn$;

CREATE FUNCTION follow_graph.is_muting(muter bigint, muted bigint)
RETURNS boolean
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(muter);
	SELECT follow_graph.is_muting(muter, muted);
$fn$;

CREATE FUNCTION follow_graph.follow_requests(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (requester bigint, requested_at timestamptz, cursor bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.requester, r.requested_at, r.cursor FROM follow_graph.follow_requests(account, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.blocks(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (blocked bigint, blocked_at timestamptz, cursor bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.blocked, r.blocked_at, r.cursor FROM follow_graph.blocks(account, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.mutes(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (muted bigint, muted_at timestamptz, expires_at timestamptz, cursor bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.muted, r.muted_at, r.expires_at, r.cursor FROM follow_graph.mutes(account, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.author_items(author bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(author);
	SELECT r FROM follow_graph.author_items(author, page_size, before) AS r;
$fn$;

CREATE FUNCTION follow_graph.item_count(author bigint)
RETURNS bigint
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(author);
	SELECT follow_graph.item_count(author);
$fn$;

CREATE FUNCTION follow_graph.fans(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r FROM follow_graph.fans(account, page_size, after) AS r;
$fn$;

CREATE FUNCTION follow_graph.not_following_back(account bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r FROM follow_graph.not_following_back(account, page_size, after) AS r;
$fn$;

COMMENT ON FUNCTION follow_graph.relationship(bigint, bigint) IS 'the relationship of viewer with target (asked of the viewer''s node)';
COMMENT ON FUNCTION follow_graph.request_count(bigint) IS 'exact number of pending incoming follow requests (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.is_private(bigint) IS 'is the account private (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.is_active(bigint) IS 'is the account active (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.is_blocking(bigint, bigint) IS 'does blocker block blocked (asked of the blocker''s node)';
COMMENT ON FUNCTION follow_graph.is_muting(bigint, bigint) IS 'does muter mute muted now (asked of the muter''s node)';
COMMENT ON FUNCTION follow_graph.follow_requests(bigint, integer, bigint) IS 'pending incoming requests, newest first, keyset-paged (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.blocks(bigint, integer, bigint) IS 'accounts blocked by account, newest first, keyset-paged (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.mutes(bigint, integer, bigint) IS 'the account''s mutes in force, newest first, keyset-paged (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.author_items(bigint, integer, bigint) IS 'one author''s items, highest id first (asked of the author''s node)';
COMMENT ON FUNCTION follow_graph.item_count(bigint) IS 'exact number of the author''s items (asked of the author''s node)';
COMMENT ON FUNCTION follow_graph.fans(bigint, integer, bigint) IS 'followers account does not follow back, ascending (asked of the account''s node)';
COMMENT ON FUNCTION follow_graph.not_following_back(bigint, integer, bigint) IS 'accounts account follows that do not follow it back, ascending (asked of the account''s node)';

--------------------------------------------------------------------------
-- THE TYPES ON THE ROUTER
--
-- idset and handle are defined here in schema follow_graph with
-- follow_graph's own shared library (installed with follow_graph on the
-- router's host; loading it defines GUCs and callbacks only, no storage), so
-- that their names and binary forms are the nodes' and PL/Proxy moves them
-- in binary.  Names cannot clash: follow_graph itself is never installed in
-- a router database (the guard above).  The Makefile builds the install
-- script follow_graph_proxy--VERSION.sql from this file, putting in place
-- of each "--@include FILE" line below that install fragment of
-- follow_graph, with MODULE_PATHNAME spelled '$libdir/follow_graph': the
-- pure type parts, 20_idset.sql (all but its graph sets, 22_idset_graph.sql,
-- routed below), 21_idset_card.sql (cardinality(a & b) without building it)
-- and 30_handle.sql (type, functions, operators, casts, opclasses,
-- icu_library_version, handle_check).  The handle maintenance objects
-- (31_handle_maint.sql: the recorded ICU version, handle_invalid_values,
-- handle_icu_indexes) are node-local: they are about the handles a database
-- stores, and a router stores none.  test/t/042_proxy_routing.pl checks
-- that the router and a node define the same type objects.
--------------------------------------------------------------------------

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
AS '$libdir/follow_graph', 'idset_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_out(follow_graph.idset) RETURNS cstring
AS '$libdir/follow_graph', 'idset_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_recv(internal) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_send(follow_graph.idset) RETURNS bytea
AS '$libdir/follow_graph', 'idset_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
AS '$libdir/follow_graph', 'idset_from_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.idset_to_array(follow_graph.idset) RETURNS bigint[]
AS '$libdir/follow_graph', 'idset_to_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (bigint[] AS follow_graph.idset)
	WITH FUNCTION follow_graph.idset(bigint[]) AS ASSIGNMENT;
CREATE CAST (follow_graph.idset AS bigint[])
	WITH FUNCTION follow_graph.idset_to_array(follow_graph.idset);

CREATE FUNCTION follow_graph.cardinality(follow_graph.idset) RETURNS bigint
AS '$libdir/follow_graph', 'idset_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.unnest(follow_graph.idset) RETURNS SETOF bigint
AS '$libdir/follow_graph', 'idset_unnest' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 1000;

CREATE FUNCTION follow_graph.jaccard(follow_graph.idset, follow_graph.idset) RETURNS float8
AS '$libdir/follow_graph', 'idset_jaccard' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
AS '$libdir/follow_graph', 'idset_intersect' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union(follow_graph.idset, follow_graph.idset) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_union' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_minus(follow_graph.idset, follow_graph.idset) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_minus' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_add_elem(follow_graph.idset, bigint) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_add_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_remove_elem(follow_graph.idset, bigint) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_remove_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contains(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contained(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_overlaps(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_overlaps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_contains_elem(follow_graph.idset, bigint) RETURNS boolean
AS '$libdir/follow_graph', 'idset_contains_elem' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_eq(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_lt(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_le(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gt(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_ge(follow_graph.idset, follow_graph.idset) RETURNS boolean
AS '$libdir/follow_graph', 'idset_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_cmp(follow_graph.idset, follow_graph.idset) RETURNS integer
AS '$libdir/follow_graph', 'idset_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_hash(follow_graph.idset) RETURNS integer
AS '$libdir/follow_graph', 'idset_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_hash_extended(follow_graph.idset, bigint) RETURNS bigint
AS '$libdir/follow_graph', 'idset_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
AS '$libdir/follow_graph', 'idset_agg_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union_add(internal, follow_graph.idset) RETURNS internal
AS '$libdir/follow_graph', 'idset_union_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_intersect_add(internal, follow_graph.idset) RETURNS internal
AS '$libdir/follow_graph', 'idset_intersect_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_union_combine(internal, internal) RETURNS internal
AS '$libdir/follow_graph', 'idset_union_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_intersect_combine(internal, internal) RETURNS internal
AS '$libdir/follow_graph', 'idset_intersect_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_final(internal) RETURNS follow_graph.idset
AS '$libdir/follow_graph', 'idset_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_serialize(internal) RETURNS bytea
AS '$libdir/follow_graph', 'idset_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_agg_deserialize(bytea, internal) RETURNS internal
AS '$libdir/follow_graph', 'idset_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
AS '$libdir/follow_graph', 'idset_gin_extract_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_extract_query(follow_graph.idset, internal, int2, internal, internal, internal, internal) RETURNS internal
AS '$libdir/follow_graph', 'idset_gin_extract_query' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_consistent(internal, int2, follow_graph.idset, int4, internal, internal, internal, internal) RETURNS boolean
AS '$libdir/follow_graph', 'idset_gin_consistent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION follow_graph.idset_gin_triconsistent(internal, int2, follow_graph.idset, int4, internal, internal, internal) RETURNS "char"
AS '$libdir/follow_graph', 'idset_gin_triconsistent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
--------------------------------------------------------------------------
-- IDSET: cardinality of an intersection without building it (0.3.0)
--
-- cardinality(a & b) is simplified by the planner (a support function on
-- cardinality(idset)) into idset_intersect_cardinality(a, b), which counts
-- the common elements where the codec can and never builds the result.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) RETURNS bigint
AS '$libdir/follow_graph', 'idset_intersect_cardinality' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_intersect_cardinality(follow_graph.idset, follow_graph.idset) IS 'number of elements of a & b, counted without building it; cardinality(a & b) is rewritten into this';

CREATE FUNCTION follow_graph.idset_cardinality_support(internal) RETURNS internal
AS '$libdir/follow_graph', 'idset_cardinality_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION follow_graph.idset_cardinality_support(internal) IS 'planner support for cardinality(idset): turns cardinality(a & b) into idset_intersect_cardinality(a, b)';

ALTER FUNCTION follow_graph.cardinality(follow_graph.idset) SUPPORT follow_graph.idset_cardinality_support;
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
AS '$libdir/follow_graph', 'handle_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_out(follow_graph.handle)
RETURNS cstring
AS '$libdir/follow_graph', 'handle_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_recv(internal)
RETURNS follow_graph.handle
AS '$libdir/follow_graph', 'handle_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_send(follow_graph.handle)
RETURNS bytea
AS '$libdir/follow_graph', 'handle_send'
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
AS '$libdir/follow_graph', 'handle_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_skeleton(follow_graph.handle)
RETURNS text
AS '$libdir/follow_graph', 'handle_skeleton'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_is_suspicious(follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_is_suspicious'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_prefix_pattern(prefix text)
RETURNS text
AS '$libdir/follow_graph', 'handle_prefix_pattern'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STABLE, not IMMUTABLE: it changes when the ICU library is upgraded.
CREATE FUNCTION follow_graph.icu_unicode_version()
RETURNS text
AS '$libdir/follow_graph', 'handle_icu_unicode_version'
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
AS '$libdir/follow_graph', 'handle_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_ne(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_lt(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_le(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_gt(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_ge(follow_graph.handle, follow_graph.handle)
RETURNS boolean
AS '$libdir/follow_graph', 'handle_ge'
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
AS '$libdir/follow_graph', 'handle_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_sortsupport(internal)
RETURNS void
AS '$libdir/follow_graph', 'handle_sortsupport'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION follow_graph.handle_hash(follow_graph.handle)
RETURNS integer
AS '$libdir/follow_graph', 'handle_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION follow_graph.handle_hash_extended(follow_graph.handle, bigint)
RETURNS bigint
AS '$libdir/follow_graph', 'handle_hash_extended'
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
AS '$libdir/follow_graph', 'handle_icu_library_version'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.icu_library_version() IS 'version of the ICU library that handle keys and skeletons are computed with';

CREATE FUNCTION follow_graph.handle_check(follow_graph.handle)
RETURNS text
AS '$libdir/follow_graph', 'handle_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.handle_check(follow_graph.handle) IS 'NULL if the handle''s text would be accepted by input today; otherwise why it would be rejected (and a dump holding it would not restore)';


-- The id sets of one account: its node.
CREATE FUNCTION follow_graph.followers_set(account bigint)
RETURNS follow_graph.idset
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.followers_set(account);
$fn$;

CREATE FUNCTION follow_graph.following_set(account bigint)
RETURNS follow_graph.idset
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.following_set(account);
$fn$;

CREATE FUNCTION follow_graph.mutuals_set(account bigint)
RETURNS follow_graph.idset
LANGUAGE plproxy STRICT AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.mutuals_set(account);
$fn$;

COMMENT ON FUNCTION follow_graph.followers_set(bigint) IS 'the account''s followers as an idset (asked of its node)';
COMMENT ON FUNCTION follow_graph.following_set(bigint) IS 'the accounts followed as an idset (asked of its node)';
COMMENT ON FUNCTION follow_graph.mutuals_set(bigint) IS 'the account''s Friends as an idset (asked of its node)';

--------------------------------------------------------------------------
-- TWO-ACCOUNT READS
--
-- One side's ids past the cursor come from its node in one call, ascending;
-- the other side's node keeps those it also has, walking them in order and
-- stopping at the page (one probe of its edge index each).  When the two
-- accounts share a node, that node answers alone.
--------------------------------------------------------------------------

-- The ids of one side of account (its followers, or the accounts it
-- follows) above after, ascending.
CREATE FUNCTION follow_graph.proxy_r_side(account bigint, followers boolean, after bigint)
RETURNS bigint[]
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT ARRAY(SELECT x FROM pg_catalog.unnest(follow_graph.idset_to_array(
					CASE WHEN followers THEN follow_graph.followers_set(account)
						 ELSE follow_graph.following_set(account) END)) AS x
				 WHERE after IS NULL OR x OPERATOR(pg_catalog.>) after
				 ORDER BY x);
$fn$;

-- Of the ascending ids, the first page_size that are on the given side of
-- account, in order.
CREATE FUNCTION follow_graph.proxy_r_keep(account bigint, followers boolean, ids bigint[], page_size integer)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT x FROM pg_catalog.unnest(ids) AS x
	WHERE CASE WHEN followers THEN follow_graph.is_following(x, account)
			   ELSE follow_graph.is_following(account, x) END
	LIMIT page_size;
$fn$;

-- The node's own answer when both accounts are on it (known_followers:
-- a is the target, b the viewer).
CREATE FUNCTION follow_graph.proxy_r_pair(kind text, a bigint, b bigint, page_size integer, after bigint)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(a);
	SELECT r FROM follow_graph.common_followers(a, b, page_size, after) AS r WHERE kind = 'common_followers'
	UNION ALL
	SELECT r FROM follow_graph.common_following(a, b, page_size, after) AS r WHERE kind = 'common_following'
	UNION ALL
	SELECT r FROM follow_graph.known_followers(b, a, page_size, after) AS r WHERE kind = 'known_followers';
$fn$;

-- side_a(a) ∩ side_b(b), one page ascending past after.
CREATE FUNCTION follow_graph.proxy_pair_page(kind text, a bigint, a_followers boolean,
	b bigint, b_followers boolean, page_size integer, after bigint)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	ids bigint[];
BEGIN
	IF a IS NULL OR b IS NULL OR page_size IS NULL THEN
		RETURN;
	END IF;
	PERFORM follow_graph.proxy_check_page_size(page_size);
	IF follow_graph.proxy_node_of(a) = follow_graph.proxy_node_of(b) THEN
		RETURN QUERY SELECT r FROM follow_graph.proxy_r_pair(kind, a, b, page_size, after) AS r;
		RETURN;
	END IF;
	ids := follow_graph.proxy_r_side(b, b_followers, after);
	IF cardinality(ids) > 0 THEN
		RETURN QUERY SELECT r FROM follow_graph.proxy_r_keep(a, a_followers, ids, page_size) AS r;
	END IF;
END
$fn$;

CREATE FUNCTION follow_graph.common_followers(a bigint, b bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50
AS $fn$ SELECT follow_graph.proxy_pair_page('common_followers', a, true, b, true, page_size, after) $fn$;

CREATE FUNCTION follow_graph.common_following(a bigint, b bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50
AS $fn$ SELECT follow_graph.proxy_pair_page('common_following', a, false, b, false, page_size, after) $fn$;

-- following(viewer) ∩ followers(target): the viewer's followees go to the
-- target's node (usually the smaller side: a viewer follows hundreds, a
-- target may have millions of followers).
CREATE FUNCTION follow_graph.known_followers(viewer bigint, target bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50
AS $fn$ SELECT follow_graph.proxy_pair_page('known_followers', target, true, viewer, false, page_size, after) $fn$;

COMMENT ON FUNCTION follow_graph.common_followers(bigint, bigint, integer, bigint) IS 'accounts that follow both a and b, ascending (b''s followers from its node, kept on a''s node: 2 calls, 1 when they share a node)';
COMMENT ON FUNCTION follow_graph.common_following(bigint, bigint, integer, bigint) IS 'accounts both a and b follow, ascending (2 calls, 1 when they share a node)';
COMMENT ON FUNCTION follow_graph.known_followers(bigint, bigint, integer, bigint) IS 'accounts viewer follows that follow target, ascending (the viewer''s followees kept on the target''s node: 2 calls, 1 when they share a node)';

-- For each target (one call per node of the targets, SPLIT), the given
-- ids that follow it, ascending.
CREATE FUNCTION follow_graph.proxy_r_known(targets bigint[], ids bigint[])
RETURNS TABLE (target bigint, members bigint[])
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT targets;
	RUN ON follow_graph.partition_hash(targets);
	SELECT t AS target,
		   ARRAY(SELECT x FROM pg_catalog.unnest(ids) AS x
				 WHERE follow_graph.is_following(x, t)) AS members
	FROM pg_catalog.unnest(targets) AS t;
$fn$;

-- The viewer's followees from its node; per target, which of them follow
-- it from the target's node; their follower counts from their nodes.
CREATE FUNCTION follow_graph.proxy_known_summary(viewer bigint, targets bigint[], n_sample integer)
RETURNS TABLE (target bigint, total bigint, sample bigint[])
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 50
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
	ids bigint[];
	ts bigint[];
BEGIN
	IF n_sample <= 0 THEN
		RAISE EXCEPTION 'sample must be positive'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The sample given was %s.', n_sample);
	END IF;
	ts := follow_graph.proxy_check_ids(targets, 'targets');
	ts := ARRAY(SELECT u.t FROM unnest(ts) WITH ORDINALITY AS u (t, i)
				GROUP BY u.t ORDER BY min(u.i));
	IF cardinality(ts) = 0 THEN
		RETURN;
	END IF;
	ids := follow_graph.proxy_r_side(viewer, false, NULL);
	IF cardinality(ids) = 0 THEN
		RETURN QUERY SELECT u.t, 0::bigint, '{}'::bigint[] FROM unnest(ts) WITH ORDINALITY AS u (t, i) ORDER BY u.i;
		RETURN;
	END IF;
	RETURN QUERY
	WITH k AS (SELECT * FROM follow_graph.proxy_r_known(ts, ids)),
	m AS (SELECT DISTINCT x FROM k, unnest(k.members) AS x),
	c AS (SELECT c.account, c.followers
		  FROM follow_graph.proxy_counts(ARRAY(SELECT x FROM m)) AS c
		  WHERE EXISTS (SELECT 1 FROM m))
	SELECT u.t, coalesce(cardinality(k.members), 0)::bigint,
		   coalesce(ARRAY(SELECT x FROM unnest(k.members) AS x
						  LEFT JOIN c ON c.account = x
						  ORDER BY coalesce(c.followers, 0) DESC, x
						  LIMIT n_sample), '{}')
	FROM unnest(ts) WITH ORDINALITY AS u (t, i)
	LEFT JOIN k ON k.target = u.t
	ORDER BY u.i;
END
$fn$;

GRANT EXECUTE ON FUNCTION follow_graph.proxy_known_summary(bigint, bigint[], integer) TO PUBLIC;

CREATE FUNCTION follow_graph.known_followers_summary(viewer bigint, targets bigint[], sample integer DEFAULT 3)
RETURNS TABLE (target bigint, total bigint, sample bigint[])
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 50
AS $fn$ SELECT * FROM follow_graph.proxy_known_summary($1, $2, $3) $fn$;

COMMENT ON FUNCTION follow_graph.known_followers_summary(bigint, bigint[], integer) IS 'per target: how many accounts viewer follows follow it, and a sample of them, most followed first (1 + nodes of the targets + nodes of the members calls)';

--------------------------------------------------------------------------
-- HOME FEED
--
-- The viewer's node knows whom the viewer follows and mutes; each author's
-- node holds the author's items and knows whether the author is active.
-- feed() asks the viewer's node for the authors (one call), then each node
-- holding some of them for its newest page_size items of those authors
-- below the cursor (SPLIT: one call per node involved), and merges the
-- pages newest first.  item ids are the app's, unique by construction
-- (snowflakes): each node checks uniqueness among its own authors' items.
--------------------------------------------------------------------------

-- The authors of the viewer's feed: the accounts it follows that it does
-- not mute, and itself.
CREATE FUNCTION follow_graph.proxy_r_feed_authors(viewer bigint)
RETURNS bigint[]
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(viewer);
	SELECT ARRAY(SELECT x FROM pg_catalog.unnest(follow_graph.idset_to_array(follow_graph.following_set(viewer))) AS x
				 WHERE NOT follow_graph.is_muting(viewer, x)
				 UNION SELECT viewer);
$fn$;

-- Per node: the newest page_size items below before of its active authors.
CREATE FUNCTION follow_graph.proxy_r_feed_items(authors bigint[], page_size integer, before bigint)
RETURNS TABLE (author bigint, item bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT authors;
	RUN ON follow_graph.partition_hash(authors);
	SELECT a AS author, i AS item
	FROM pg_catalog.unnest(authors) AS a,
		 LATERAL follow_graph.author_items(a, page_size, before) AS i
	WHERE follow_graph.is_active(a)
	ORDER BY i DESC
	LIMIT page_size;
$fn$;

CREATE FUNCTION follow_graph.feed(viewer bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (author bigint, item bigint)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	authors bigint[];
BEGIN
	IF viewer IS NULL OR page_size IS NULL THEN
		RETURN;
	END IF;
	PERFORM follow_graph.proxy_check_page_size(page_size);
	authors := follow_graph.proxy_r_feed_authors(viewer);
	RETURN QUERY
	SELECT f.author, f.item FROM follow_graph.proxy_r_feed_items(authors, page_size, before) AS f
	ORDER BY f.item DESC
	LIMIT page_size;
END
$fn$;

COMMENT ON FUNCTION follow_graph.feed(bigint, integer, bigint) IS 'items of the accounts the viewer follows and its own, highest id first (the viewer''s node, then one call per node holding followed authors)';

GRANT EXECUTE ON FUNCTION follow_graph.proxy_r_side(bigint, boolean, bigint),
	follow_graph.proxy_r_keep(bigint, boolean, bigint[], integer),
	follow_graph.proxy_r_pair(text, bigint, bigint, integer, bigint),
	follow_graph.proxy_r_known(bigint[], bigint[]),
	follow_graph.proxy_r_feed_authors(bigint),
	follow_graph.proxy_r_feed_items(bigint[], integer, bigint) TO PUBLIC;
-- (the proxy_r_* reads stay PUBLIC, as proxy_counts(): the PUBLIC reads
-- call them with the caller's rights.)

--------------------------------------------------------------------------
-- PRUNING node_applied AND node_state_applied (run by drain(); see
-- sql/install/92_node_route.sql)
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.proxy_horizon(node_part integer)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_horizon();
$fn$;

CREATE FUNCTION follow_graph.proxy_prune(node_part integer, parts integer[], horizons bigint[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_prune(parts, horizons);
$fn$;

-- Ask every node for its horizon (the version at or below which all its
-- journal entries were delivered), then have every node drop the
-- node_applied and node_state_applied rows whose entries come from the
-- partitions of an origin, at or below that origin's horizon.  A node that cannot be reached, or whose horizon is not
-- settled yet, is skipped.  Returns the number of rows dropped.
CREATE FUNCTION follow_graph.cluster_prune()
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	node record;
	h bigint;
	ps integer[] := '{}';
	hs bigint[] := '{}';
	n bigint := 0;
	msg text;
BEGIN
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	FOR node IN SELECT m.node_part, array_agg(m.part ORDER BY m.part) AS parts
				FROM follow_graph.cluster_map() AS m GROUP BY m.node_part ORDER BY 1 LOOP
		BEGIN
			SELECT x INTO h FROM follow_graph.proxy_horizon(node.node_part) AS x;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			RAISE WARNING 'horizon of the node of partition % not read: %', node.node_part, msg;
			CONTINUE;
		END;
		CONTINUE WHEN h IS NULL;
		ps := ps || node.parts;
		hs := hs || array_fill(h, ARRAY[cardinality(node.parts)]);
	END LOOP;
	IF cardinality(ps) = 0 THEN
		RETURN 0;
	END IF;
	FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
		BEGIN
			n := n + (SELECT sum(x) FROM follow_graph.proxy_prune(node.node_part, ps, hs) AS x);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			RAISE WARNING 'versions of the node of partition % not pruned: %', node.node_part, msg;
		END;
	END LOOP;
	RETURN n;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_horizon(integer),
	follow_graph.proxy_prune(integer, integer[], bigint[]),
	follow_graph.cluster_prune() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.cluster_prune() IS 'drop the node_applied and node_state_applied versions no late journal entry can need any more (run by drain()); returns how many';

--------------------------------------------------------------------------
-- REMOVING AN ACCOUNT
--
-- Every node runs follow_graph's remove_account() for the account: its own
-- node removes all of its edges (both directions are stored there) and the
-- rest of its rows; every other node removes the halves it holds of the
-- account's edges, fixing its own accounts' counts.  Journal entries about
-- the account still undelivered would bring halves back afterwards, so the
-- journals are drained first, with router writes held (the exclusive lock
-- cluster_move_partition() takes).
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.proxy_remove_account(account bigint,
	OUT own boolean, OUT removed bigint)
RETURNS SETOF record
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON ALL;
	SELECT (hashint8(account) & (c.partitions - 1)) = ANY (c.owned) AS own,
		   follow_graph.remove_account(account) AS removed
	FROM follow_graph.node_config AS c;
$fn$;

-- The number of journal entries of each node.
CREATE FUNCTION follow_graph.proxy_journal_all()
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON ALL;
	SELECT s.journal FROM follow_graph.node_status() AS s;
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_remove_account(bigint),
	follow_graph.proxy_journal_all() FROM PUBLIC;

CREATE FUNCTION follow_graph.remove_account(account bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	n bigint;
	pending bigint;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	IF account IS NULL THEN
		RAISE EXCEPTION 'account must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM pg_advisory_xact_lock(7378474836284716121);
	PERFORM follow_graph.drain();
	SELECT sum(j) INTO pending FROM follow_graph.proxy_journal_all() AS j;
	IF pending > 0 THEN
		RAISE EXCEPTION 'the journals hold % entries that could not be delivered', pending
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Bring every node up and run follow_graph.drain() first.';
	END IF;
	BEGIN
		SELECT sum(r.removed) FILTER (WHERE r.own) INTO n FROM follow_graph.proxy_remove_account(account) AS r;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, account);
	END;
	RETURN coalesce(n, 0);
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.remove_account(bigint) FROM PUBLIC;
COMMENT ON FUNCTION follow_graph.remove_account(bigint) IS 'remove every edge and row of an account on every node (journals drained first, router writes held); returns the edges removed';

-- == states ==
--------------------------------------------------------------------------
-- RELATIONSHIP STATES (docs/scale-out.md, "Relationship states")
--
-- Each state write runs on the node of the acting account (the blocker,
-- the account that accepts, rejects or removes, the muter, the account
-- whose flag changes), which commits it with its journal entries; the
-- router then delivers the entries right away (one call per other node
-- involved), and drain() delivers what could not be.  The node functions
-- are in follow_graph's sql/install/91_node_states.sql.
--------------------------------------------------------------------------

CREATE FUNCTION follow_graph.proxy_state_write(op text, a bigint, b bigint, flag boolean,
	expires timestamptz, targets integer[])
RETURNS TABLE (result bigint, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(a);
	SELECT w.result, w.version, w.part, w.kind, w.account, w.other, w.value, w.at
	FROM follow_graph.node_state_write(op, a, b, flag, expires, targets) AS w;
$fn$;

CREATE FUNCTION follow_graph.proxy_state_apply(part integer[], version bigint[], kind text[],
	account bigint[], other bigint[], value text[], at timestamptz[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT part, version, kind, account, other, value, at;
	RUN ON part;
	SELECT follow_graph.node_state_apply(version, kind, account, other, value, at);
$fn$;

CREATE FUNCTION follow_graph.proxy_state_journal(node_part integer, max_entries integer)
RETURNS TABLE (origin integer, version bigint, part integer, kind text, account bigint,
			   other bigint, value text, at timestamptz)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT j.origin, j.version, j.part, j.kind, j.account, j.other, j.value, j.at
	FROM follow_graph.node_state_journal(max_entries) AS j;
$fn$;

CREATE FUNCTION follow_graph.proxy_state_ack(node_part integer, versions bigint[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON node_part;
	SELECT follow_graph.node_state_ack(versions);
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_state_write(text, bigint, bigint, boolean, timestamptz, integer[]),
	follow_graph.proxy_state_apply(integer[], bigint[], text[], bigint[], bigint[], text[], timestamptz[]),
	follow_graph.proxy_state_journal(integer, integer),
	follow_graph.proxy_state_ack(integer, bigint[]) FROM PUBLIC;

-- One state write through the router: the acting node's call (errors as a
-- single node's), then the immediate delivery of its journal entries (a
-- node that cannot be reached gets them from drain()).  Returns the
-- write's result.
CREATE FUNCTION follow_graph.proxy_state_call(op text, a bigint, b bigint, flag boolean,
	expires timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	targets integer[];
	r bigint;
	parts integer[];
	vs bigint[];
	ks text[];
	acs bigint[];
	os bigint[];
	vals text[];
	ats timestamptz[];
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	IF op IN ('private', 'deactivate', 'reactivate') THEN
		targets := ARRAY(SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1);
	END IF;
	BEGIN
		SELECT min(w.result), array_agg(w.part ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.version ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.kind ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.account ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.other ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.value ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL),
			   array_agg(w.at ORDER BY w.version) FILTER (WHERE w.version IS NOT NULL)
		INTO r, parts, vs, ks, acs, os, vals, ats
		FROM follow_graph.proxy_state_write(op, a, b, flag, expires, targets) AS w;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, a);
	END;
	IF parts IS NOT NULL THEN
		BEGIN
			PERFORM follow_graph.proxy_state_apply(parts, vs, ks, acs, os, vals, ats);
		EXCEPTION WHEN OTHERS THEN
			NULL;	-- stays journaled on the acting node; drain() delivers it
		END;
	END IF;
	RETURN r;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_state_call(text, bigint, bigint, boolean, timestamptz) FROM PUBLIC;

-- Deliver every state entry the nodes hold, oldest first per node, like
-- drain() for edges (called by drain()).  Returns the number delivered.
CREATE FUNCTION follow_graph.drain_states(batch integer DEFAULT 1000)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	origin record;
	target record;
	j record;
	acked bigint[];
	delivered bigint := 0;
	round bigint;
	full_batch boolean;
	msg text;
BEGIN
	IF batch IS NULL OR batch < 1 THEN
		RAISE EXCEPTION 'batch must be positive' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);
	LOOP
		round := 0;
		full_batch := false;
		FOR origin IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
			BEGIN
				SELECT array_agg(x.part ORDER BY x.version) AS parts, array_agg(x.version ORDER BY x.version) AS vs,
					   array_agg(x.kind ORDER BY x.version) AS ks, array_agg(x.account ORDER BY x.version) AS acs,
					   array_agg(x.other ORDER BY x.version) AS os, array_agg(x.value ORDER BY x.version) AS vals,
					   array_agg(x.at ORDER BY x.version) AS ats
				INTO j
				FROM follow_graph.proxy_state_journal(origin.node_part, batch) AS x;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
				RAISE WARNING 'state journal of the node of partition % not read: %', origin.node_part, msg;
				CONTINUE;
			END;
			CONTINUE WHEN j.parts IS NULL;
			full_batch := full_batch OR cardinality(j.parts) >= batch;
			acked := '{}';
			FOR target IN
				SELECT m.node_part, array_agg(u.i ORDER BY u.i) AS idx
				FROM unnest(j.parts) WITH ORDINALITY AS u (part, i)
				JOIN follow_graph.cluster_map() AS m ON m.part = u.part
				GROUP BY m.node_part ORDER BY m.node_part
			LOOP
				BEGIN
					PERFORM follow_graph.proxy_state_apply(
						ARRAY(SELECT j.parts[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.vs[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.ks[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.acs[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.os[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.vals[i] FROM unnest(target.idx) AS i),
						ARRAY(SELECT j.ats[i] FROM unnest(target.idx) AS i));
					acked := acked || ARRAY(SELECT j.vs[i] FROM unnest(target.idx) AS i);
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
					RAISE WARNING 'state entries for the node of partition % not delivered: %',
						target.node_part, msg;
				END;
			END LOOP;
			IF cardinality(acked) > 0 THEN
				BEGIN
					PERFORM follow_graph.proxy_state_ack(origin.node_part, acked);
					delivered := delivered + cardinality(acked);
					round := round + cardinality(acked);
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
					RAISE WARNING 'state journal of the node of partition % not acknowledged: %', origin.node_part, msg;
				END;
			END IF;
		END LOOP;
		-- Applying entries can journal new ones (relations sent back, blocks
		-- sent again): keep going while a round delivers anything.
		EXIT WHEN round = 0;
	END LOOP;
	RETURN delivered;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.drain_states(integer) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.drain_states(integer) IS 'deliver every journaled state change (relations, blocks, commands, account flags) to the other nodes; returns the number delivered (drain() calls it)';

-- The state writes, same names and signatures as on a node (not PUBLIC).
CREATE FUNCTION follow_graph.block(blocker bigint, blocked bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('block', blocker, blocked, NULL, NULL) = 1 $fn$;

CREATE FUNCTION follow_graph.unblock(blocker bigint, blocked bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('unblock', blocker, blocked, NULL, NULL) = 1 $fn$;

CREATE FUNCTION follow_graph.accept_request(account bigint, requester bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('accept', account, requester, NULL, NULL) = 1 $fn$;

CREATE FUNCTION follow_graph.reject_request(account bigint, requester bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('reject', account, requester, NULL, NULL) = 1 $fn$;

CREATE FUNCTION follow_graph.remove_follower(account bigint, follower bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('remove', account, follower, NULL, NULL) = 1 $fn$;

CREATE FUNCTION follow_graph.set_private(account bigint, private boolean)
RETURNS bigint
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('private', account, NULL, private, NULL) $fn$;

CREATE FUNCTION follow_graph.deactivate_account(account bigint)
RETURNS bigint
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('deactivate', account, NULL, NULL, NULL) $fn$;

CREATE FUNCTION follow_graph.reactivate_account(account bigint)
RETURNS bigint
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('reactivate', account, NULL, NULL, NULL) $fn$;

REVOKE ALL ON FUNCTION follow_graph.block(bigint, bigint),
	follow_graph.unblock(bigint, bigint),
	follow_graph.accept_request(bigint, bigint),
	follow_graph.reject_request(bigint, bigint),
	follow_graph.remove_follower(bigint, bigint),
	follow_graph.set_private(bigint, boolean),
	follow_graph.deactivate_account(bigint),
	follow_graph.reactivate_account(bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.block(bigint, bigint) IS 'blocker blocks blocked, removing the edges and pending requests between them (on the blocker''s node; the blocked account''s node through the journal); true if the block is new';
COMMENT ON FUNCTION follow_graph.unblock(bigint, bigint) IS 'remove the block blocker -> blocked (on the blocker''s node; the other node through the journal); true if there was one';
COMMENT ON FUNCTION follow_graph.accept_request(bigint, bigint) IS 'turn the pending request requester -> account into an edge (on the account''s node; the requester''s node through the journal); false if none was pending';
COMMENT ON FUNCTION follow_graph.reject_request(bigint, bigint) IS 'drop the pending request requester -> account (on the account''s node; the requester''s node through the journal); false if none was pending';
COMMENT ON FUNCTION follow_graph.remove_follower(bigint, bigint) IS 'account removes follower (on the account''s node; the follower''s node through the journal); true if there was an edge or request';
COMMENT ON FUNCTION follow_graph.set_private(bigint, boolean) IS 'set an account''s private flag (on its node, then every other node through the journal); returns the number of requests accepted on its node';
COMMENT ON FUNCTION follow_graph.deactivate_account(bigint) IS 'hide every edge and request of an account (on its node, then every other node through the journal); returns the number of edges hidden on its node';
COMMENT ON FUNCTION follow_graph.reactivate_account(bigint) IS 'bring back the hidden edges and requests of an account (on its node, then every other node through the journal); returns the number made visible on its node';
-- == discovery and import ==
--------------------------------------------------------------------------
-- SUGGESTIONS, SIMILAR ACCOUNTS AND IMPORT (issue 16)
--
-- suggest_follows() and similar_accounts() are merged on the router from
-- node-side halves (sql/install/94_node_discovery.sql of follow_graph) in
-- the single node's order, so that with the same edges they give the single
-- node's answer (docs/scale-out.md, Function by function):
--   suggest_follows(a): the middles from a's node (1 call); per middle, its
--   weight, follower count and window of followees from its node (SPLIT:
--   one call per node of the middles); weights summed per candidate in
--   middle id order; the best candidates filtered by a's node (1 call, one
--   more per doubling of the batch when most of a batch is excluded); the
--   follower counts of the kept ones from their nodes when a tie needs them
--   (one call per node involved).
--   similar_accounts(a): a's follower count and sample from a's node (1);
--   per candidate, the sampled followers holding it, from the sampled
--   followers' nodes (SPLIT); the candidates' follower counts from their
--   nodes, best first in batches (one call per node involved per batch).
-- The bounds are the router session's follow_graph.suggest_middles,
-- suggest_fanout, similar_sample and similar_fanout (the defaults when
-- unset), passed to the nodes.
-- import_edges(source) reads the source with the caller's rights, groups it
-- by pair as a single node does, and sends each node, in batches, the rows
-- whose follower or followee it owns (SPLIT: one call per node per batch);
-- each node imports them with its own import_edges(), nothing journaled.
--------------------------------------------------------------------------

-- A discovery bound: the router session's setting of the GUC, or its
-- default when it is not set.
CREATE FUNCTION follow_graph.proxy_bound(name text, fallback integer)
RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
	SELECT COALESCE(NULLIF(current_setting('follow_graph.' OPERATOR(pg_catalog.||) name, true), '')::integer,
					fallback)
$fn$;

CREATE FUNCTION follow_graph.proxy_r_suggest_middles(account bigint, max_middles integer)
RETURNS TABLE (following bigint, middles bigint[])
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.following, r.middles FROM follow_graph.node_suggest_middles(account, max_middles) AS r;
$fn$;

CREATE FUNCTION follow_graph.proxy_r_suggest_expand(account bigint, middles bigint[], fanout integer)
RETURNS TABLE (middle bigint, weight float8, followers bigint, candidates bigint[])
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT middles;
	RUN ON follow_graph.partition_hash(middles);
	SELECT r.middle, r.weight, r.followers, r.candidates
	FROM follow_graph.node_suggest_expand(account, middles, fanout) AS r;
$fn$;

CREATE FUNCTION follow_graph.proxy_r_suggest_keep(account bigint, candidates bigint[])
RETURNS bigint[]
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT follow_graph.node_suggest_keep(account, candidates);
$fn$;

CREATE FUNCTION follow_graph.proxy_r_similar_sample(account bigint, max_sample integer)
RETURNS TABLE (followers bigint, sample bigint[])
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	RUN ON follow_graph.partition_hash(account);
	SELECT r.followers, r.sample FROM follow_graph.node_similar_sample(account, max_sample) AS r;
$fn$;

CREATE FUNCTION follow_graph.proxy_r_similar_expand(account bigint, sample bigint[], fanout integer)
RETURNS TABLE (candidate bigint, co bigint)
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT sample;
	RUN ON follow_graph.partition_hash(sample);
	SELECT r.candidate, r.co FROM follow_graph.node_similar_expand(account, sample, fanout) AS r;
$fn$;

-- max_results checked as a single node checks it.
CREATE FUNCTION follow_graph.proxy_check_max_results(max_results integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
	IF max_results <= 0 THEN
		RAISE EXCEPTION 'max_results must be positive'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('The max_results given was %s.', max_results);
	END IF;
END
$fn$;

-- The final order of ranked candidates (ids, scores best first and ids
-- ascending within a score): runs of scores each within 1e-9 of the
-- previous one are ties, ordered by follower_count descending, then id.
-- followers: their follower counts, or NULL to ask the candidates' nodes
-- for them, only when a tie among the first max_results needs them.
-- Returns positions into ids.
CREATE FUNCTION follow_graph.proxy_rank(ids bigint[], scores float8[], followers bigint[],
	max_results integer)
RETURNS SETOF integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	eps constant float8 := 1e-9;
	n integer := cardinality(ids);
	grp integer[] := ARRAY[0];
	tied boolean := false;
BEGIN
	FOR i IN 2 .. n LOOP
		IF scores[i - 1] - scores[i] > eps THEN
			grp := grp || (grp[i - 1] + 1);
		ELSE
			grp := grp || grp[i - 1];
			-- A run of ties starting among the first max_results needs the
			-- counts (it starts at or before i - 1).
			tied := tied OR i - 1 <= max_results;
		END IF;
	END LOOP;
	IF NOT tied THEN
		RETURN QUERY SELECT g::integer FROM generate_series(1, least(n, max_results)) AS g;
		RETURN;
	END IF;
	IF followers IS NULL THEN
		followers := ARRAY(SELECT COALESCE(c.followers, 0)
						   FROM unnest(ids) WITH ORDINALITY AS u (id, i)
						   LEFT JOIN follow_graph.proxy_counts(ids) AS c ON c.account = u.id
						   ORDER BY u.i);
	END IF;
	RETURN QUERY
	SELECT u.i::integer
	FROM unnest(ids, grp, followers) WITH ORDINALITY AS u (id, g, f, i)
	ORDER BY u.g, u.f DESC, u.id
	LIMIT max_results;
END
$fn$;

CREATE FUNCTION follow_graph.proxy_suggest(account bigint, max_results integer)
RETURNS TABLE (candidate bigint, score float8, via bigint)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 10
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
	eps constant float8 := 1e-9;
	hop record;
	cands bigint[];
	scores float8[];
	vias bigint[];
	kept bigint[];
	acc_id bigint[] := '{}';
	acc_score float8[] := '{}';
	acc_via bigint[] := '{}';
	nacc integer := 0;
	n integer;
	pos integer := 0;
	chunk integer;
	i integer;
	stop boolean := false;
BEGIN
	PERFORM follow_graph.proxy_check_max_results(max_results);
	SELECT * INTO STRICT hop
	FROM follow_graph.proxy_r_suggest_middles(account, follow_graph.proxy_bound('suggest_middles', 1000));
	IF cardinality(hop.middles) = 0 THEN
		RETURN;
	END IF;

	-- Each candidate's score: the weights of its middles summed in middle id
	-- order (floating-point addition as the single node does it); via: the
	-- middle with the most followers, the lowest id among equals.
	SELECT array_agg(g.c ORDER BY g.s DESC, g.c), array_agg(g.s ORDER BY g.s DESC, g.c),
		   array_agg(g.v ORDER BY g.s DESC, g.c)
	INTO cands, scores, vias
	FROM (SELECT x.c, sum(x.weight ORDER BY x.middle) AS s,
				 (array_agg(x.middle ORDER BY x.followers DESC, x.middle))[1] AS v
		  FROM (SELECT e.middle, e.weight, e.followers, u.c
				FROM follow_graph.proxy_r_suggest_expand(account, hop.middles,
						follow_graph.proxy_bound('suggest_fanout', 100)) AS e,
					 unnest(e.candidates) AS u (c)) AS x
		  GROUP BY x.c) AS g;
	n := COALESCE(cardinality(cands), 0);

	-- Best first, the excluded dropped (asked of the account's node a batch
	-- at a time: most exclusions are accounts it follows), until max_results
	-- are kept and the next score is below the last kept one by more than
	-- the tie margin.
	-- (The stop test is made at the kept candidates only: at an excluded
	-- one it holds exactly when it holds at the next kept one, the scores
	-- falling and the kept ones unchanged in between.)
	chunk := least(2::bigint * max_results + hop.following + 64, 1000000);
	WHILE pos < n AND NOT stop LOOP
		IF nacc >= max_results AND acc_score[nacc] - scores[pos + 1] > eps THEN
			EXIT;
		END IF;
		kept := follow_graph.proxy_r_suggest_keep(account, cands[pos + 1 : pos + chunk]);
		FOR i IN SELECT pos + u.i
				 FROM unnest(cands[pos + 1 : pos + chunk]) WITH ORDINALITY AS u (c, i)
				 JOIN unnest(kept) AS k (c) ON k.c = u.c
				 ORDER BY u.i LOOP
			IF nacc >= max_results AND acc_score[nacc] - scores[i] > eps THEN
				stop := true;
				EXIT;
			END IF;
			nacc := nacc + 1;
			acc_id[nacc] := cands[i];
			acc_score[nacc] := scores[i];
			acc_via[nacc] := vias[i];
		END LOOP;
		pos := pos + chunk;
		chunk := least(chunk * 2, 1000000);
	END LOOP;
	IF nacc = 0 THEN
		RETURN;
	END IF;
	RETURN QUERY
	SELECT acc_id[r], acc_score[r], acc_via[r]
	FROM follow_graph.proxy_rank(acc_id, acc_score, NULL, max_results) WITH ORDINALITY AS o (r, k)
	ORDER BY o.k;
END
$fn$;

CREATE FUNCTION follow_graph.proxy_similar(account bigint, max_results integer)
RETURNS TABLE (candidate bigint, jaccard float8)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 10
SET search_path = pg_catalog, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
	eps constant float8 := 1e-9;
	hop record;
	cands bigint[];
	cos bigint[];
	fols bigint[] := '{}';
	top float8[] := '{}';
	done_id bigint[] := '{}';
	done_score float8[] := '{}';
	done_fol bigint[] := '{}';
	ndone integer := 0;
	ntop integer := 0;
	n integer;
	k integer;
	fa bigint;
	nsample integer;
	scale float8;
	overlap float8;
	denominator float8;
	score float8;
	chunk integer;
	fetched integer := 0;
BEGIN
	PERFORM follow_graph.proxy_check_max_results(max_results);
	SELECT * INTO STRICT hop
	FROM follow_graph.proxy_r_similar_sample(account, follow_graph.proxy_bound('similar_sample', 1000));
	fa := hop.followers;
	nsample := cardinality(hop.sample);
	IF nsample = 0 THEN
		RETURN;
	END IF;
	SELECT array_agg(g.c ORDER BY g.co DESC, g.c), array_agg(g.co ORDER BY g.co DESC, g.c)
	INTO cands, cos
	FROM (SELECT x.candidate AS c, sum(x.co)::bigint AS co
		  FROM follow_graph.proxy_r_similar_expand(account, hop.sample,
				follow_graph.proxy_bound('similar_fanout', 100)) AS x
		  GROUP BY x.candidate) AS g;
	n := COALESCE(cardinality(cands), 0);
	IF n = 0 THEN
		RETURN;
	END IF;

	-- As on a single node: the overlap is estimated as co * fa / sample
	-- size; overlap / fa bounds the Jaccard from above and falls with co, so
	-- the walk stops once it is below the max_results-th best by more than
	-- the tie margin.  Follower counts come from the candidates' nodes a
	-- batch at a time, best first.
	scale := CASE WHEN fa > nsample THEN fa::float8 / nsample::float8 ELSE 1.0 END;
	k := least(max_results, n);
	chunk := least(greatest(256, 8::bigint * max_results), 1000000);
	FOR i IN 1 .. n LOOP
		overlap := cos[i]::float8 * scale;
		IF ntop = k AND fa > 0 AND top[1] - overlap / fa::float8 > eps THEN
			EXIT;
		END IF;
		IF i > fetched THEN
			fols := fols || ARRAY(
				SELECT COALESCE(c.followers, 0)
				FROM unnest(cands[fetched + 1 : fetched + chunk]) WITH ORDINALITY AS u (id, o)
				LEFT JOIN follow_graph.proxy_counts(cands[fetched + 1 : fetched + chunk]) AS c
					   ON c.account = u.id
				ORDER BY u.o);
			fetched := least(fetched + chunk, n);
			chunk := least(chunk * 2, 1000000);
		END IF;
		overlap := least(overlap, least(fa, fols[i])::float8);
		denominator := fa::float8 + fols[i]::float8 - overlap;
		score := CASE WHEN denominator > 0 THEN overlap / denominator ELSE 0.0 END;
		IF ntop < k THEN
			top := ARRAY(SELECT t FROM unnest(top || score) AS t ORDER BY t);
			ntop := ntop + 1;
		ELSIF score > top[1] THEN
			top := ARRAY(SELECT t FROM unnest(top[2:] || score) AS t ORDER BY t);
		END IF;
		ndone := ndone + 1;
		done_id[ndone] := cands[i];
		done_score[ndone] := score;
		done_fol[ndone] := fols[i];
	END LOOP;
	SELECT array_agg(u.id ORDER BY u.s DESC, u.id), array_agg(u.s ORDER BY u.s DESC, u.id),
		   array_agg(u.f ORDER BY u.s DESC, u.id)
	INTO done_id, done_score, done_fol
	FROM unnest(done_id, done_score, done_fol) AS u (id, s, f);
	RETURN QUERY
	SELECT done_id[r], done_score[r]
	FROM follow_graph.proxy_rank(done_id, done_score, done_fol, max_results) WITH ORDINALITY AS o (r, q)
	ORDER BY o.q;
END
$fn$;

CREATE FUNCTION follow_graph.suggest_follows(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, score float8, via bigint)
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 10
AS $fn$ SELECT * FROM follow_graph.proxy_suggest($1, $2) $fn$;

CREATE FUNCTION follow_graph.similar_accounts(account bigint, max_results integer DEFAULT 10)
RETURNS TABLE (candidate bigint, jaccard float8)
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 10
AS $fn$ SELECT * FROM follow_graph.proxy_similar($1, $2) $fn$;

GRANT EXECUTE ON FUNCTION follow_graph.proxy_r_suggest_middles(bigint, integer),
	follow_graph.proxy_r_suggest_expand(bigint, bigint[], integer),
	follow_graph.proxy_r_suggest_keep(bigint, bigint[]),
	follow_graph.proxy_r_similar_sample(bigint, integer),
	follow_graph.proxy_r_similar_expand(bigint, bigint[], integer) TO PUBLIC;
-- (PUBLIC, as the other proxy_r_* reads: the PUBLIC reads call them with
-- the caller's rights; the nodes run them as the router's node_user.)

COMMENT ON FUNCTION follow_graph.suggest_follows(bigint, integer) IS 'accounts followed by the accounts account follows, by Adamic-Adar score (its node picks the middles, theirs read them, its node applies the exclusions)';
COMMENT ON FUNCTION follow_graph.similar_accounts(bigint, integer) IS 'accounts whose followers overlap most with account''s, by Jaccard (its node samples its followers, theirs read their followees, the candidates'' nodes their counts)';

-- A batch of import rows to the nodes, in one call to each node involved:
-- node_parts[i] addresses a node (its lowest partition) and follower[i],
-- followee[i], followed_at[i] are the text of the arrays it gets (one
-- SPLIT element per node: PL/Proxy splits an array element by element, too
-- slowly for a million rows).  Each node answers the new edges whose
-- follower it owns.
CREATE FUNCTION follow_graph.proxy_import(node_parts integer[], follower text[], followee text[],
	followed_at text[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CLUSTER 'follow_graph_cluster';
	SPLIT node_parts, follower, followee, followed_at;
	RUN ON node_parts;
	SELECT follow_graph.node_import(pg_catalog.array_to_string(follower, '')::bigint[],
		pg_catalog.array_to_string(followee, '')::bigint[],
		pg_catalog.array_to_string(followed_at, '')::timestamptz[]);
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_import(integer[], text[], text[], text[]) FROM PUBLIC;

-- Send one batch: each row to its follower's node and, when that is another
-- node, to its followee's node (SECURITY DEFINER: proxy_import is not
-- PUBLIC).  Only a session whose login role may run import_edges() gets
-- through; the caller's own rights were used to read the source.
CREATE FUNCTION follow_graph.proxy_import_batch(follower bigint[], followee bigint[],
	followed_at timestamptz[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	nodes integer[];
	mask integer;
	np integer[];
	fs text[];
	es text[];
	ts text[];
	added bigint;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	IF NOT has_function_privilege(session_user, 'follow_graph.import_edges(regclass)', 'EXECUTE') THEN
		RAISE EXCEPTION 'permission denied for function import_edges'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT array_agg(m.node_part ORDER BY m.part), count(*)::integer - 1 INTO nodes, mask
	FROM follow_graph.cluster_map() AS m;
	IF nodes IS NULL THEN
		RAISE EXCEPTION 'this router has no cluster'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() first.';
	END IF;
	WITH r AS (SELECT nodes[(follow_graph.partition_hash(u.f) & mask) + 1] AS nf,
					  nodes[(follow_graph.partition_hash(u.e) & mask) + 1] AS ne, u.f, u.e, u.t
			   FROM unnest(follower, followee, followed_at) AS u (f, e, t)),
	x AS (SELECT r.nf AS n, r.f, r.e, r.t FROM r
		  UNION ALL
		  SELECT r.ne, r.f, r.e, r.t FROM r WHERE r.ne <> r.nf),
	g AS (SELECT x.n, array_agg(x.f)::text AS fa, array_agg(x.e)::text AS ea,
				 array_agg(x.t)::text AS ta
		  FROM x GROUP BY x.n)
	SELECT array_agg(g.n), array_agg(g.fa), array_agg(g.ea), array_agg(g.ta) INTO np, fs, es, ts
	FROM g;
	IF np IS NULL THEN
		RETURN 0;
	END IF;
	BEGIN
		SELECT sum(x)::bigint INTO added FROM follow_graph.proxy_import(np, fs, es, ts) AS x;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
			det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
		-- PL/Proxy's connection errors (see proxy_raise), about no account.
		IF msg ~ '\] (PQconnectStart|PQconnectPoll): |connect timeout to: ' THEN
			RAISE EXCEPTION 'a node of the cluster is unavailable'
				USING ERRCODE = 'connection_failure', DETAIL = msg,
					  HINT = 'The batches sent before this one are imported, and this one on the nodes that were reached.  Run import_edges() again once the node is back: edges that exist are skipped.';
		END IF;
		IF msg ~ '\] (PQsendQuery|PQsendQueryParams|PQflush|PQconsumeInput): |query timeout|Unfinished connection|Lost result' THEN
			RAISE EXCEPTION 'the connection to a node of the cluster was lost during the import'
				USING ERRCODE = 'transaction_resolution_unknown', DETAIL = msg,
					  HINT = 'Run import_edges() again once the node is back: edges that exist are skipped.';
		END IF;
		PERFORM follow_graph.proxy_raise(st, msg, det, hnt, NULL);
	END;
	RETURN COALESCE(added, 0);
END
$fn$;

GRANT EXECUTE ON FUNCTION follow_graph.proxy_import_batch(bigint[], bigint[], timestamptz[]) TO PUBLIC;

-- import_edges(source): as on a single node, the source's distinct pairs
-- (earliest followed_at, now() when NULL or absent) in followed_at order,
-- self-follows skipped, a NULL id an error before anything is written.
-- Sent in batches of 1,000,000 pairs in that order (a first load into empty
-- nodes then takes their rebuild plan in one batch); each batch commits on
-- each node as it goes (a failed import can be run again: edges that exist
-- are skipped).  Returns the number of new edges.
CREATE FUNCTION follow_graph.import_edges(source regclass)
RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	batch constant integer := 1000000;
	rel record;
	src text;
	has_at boolean;
	att record;
	bad record;
	b record;
	added bigint := 0;
	rows_read bigint := 0;
	pairs bigint := 0;
	self_rows bigint := 0;
BEGIN
	IF source IS NULL THEN
		RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT c.relname, c.relkind, n.nspname INTO rel
	FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
	WHERE c.oid = source;
	IF rel.relkind NOT IN ('r', 'v', 'm', 'f', 'p') THEN
		RAISE EXCEPTION 'cannot import from relation "%"', rel.relname
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = format('This operation is not supported for %s.',
								  CASE rel.relkind WHEN 'i' THEN 'indexes' WHEN 'I' THEN 'partitioned indexes'
									   WHEN 'S' THEN 'sequences' WHEN 'c' THEN 'composite types'
									   WHEN 't' THEN 'TOAST tables' ELSE 'this kind of relation' END);
	END IF;
	FOR att IN SELECT w.name, w.want, a.atttypid FROM
			(VALUES ('follower', 'bigint'::regtype), ('followee', 'bigint'::regtype),
					('followed_at', 'timestamptz'::regtype)) AS w (name, want)
			LEFT JOIN pg_attribute AS a ON a.attrelid = source AND a.attname = w.name
				AND a.attnum > 0 AND NOT a.attisdropped LOOP
		IF att.atttypid IS NULL AND att.name <> 'followed_at' THEN
			RAISE EXCEPTION 'source "%" has no column "%"', rel.relname, att.name
				USING ERRCODE = 'undefined_column',
					  DETAIL = 'import_edges reads the columns follower bigint, followee bigint and, optionally, followed_at timestamptz.';
		END IF;
		IF att.atttypid IS NOT NULL AND att.atttypid <> att.want THEN
			RAISE EXCEPTION 'column "%" of source "%" is of type %, not %', att.name, rel.relname,
				format_type(att.atttypid, NULL), format_type(att.want, NULL)
				USING ERRCODE = 'datatype_mismatch', HINT = 'Cast it in a view and import the view.';
		END IF;
		IF att.name = 'followed_at' THEN
			has_at := att.atttypid IS NOT NULL;
		END IF;
	END LOOP;
	src := format('%I.%I', rel.nspname, rel.relname);

	-- cluster_move_partition() takes this lock exclusively: no partition
	-- moves while an import runs.
	PERFORM pg_advisory_xact_lock_shared(7378474836284716121);

	-- A NULL id is reported before anything is written, as on a single node.
	EXECUTE format('SELECT x.n, x.follower IS NULL AS f FROM'
				   ' (SELECT row_number() OVER () AS n, s.follower, s.followee FROM %s AS s) AS x'
				   ' WHERE x.follower IS NULL OR x.followee IS NULL LIMIT 1', src) INTO bad;
	IF bad.n IS NOT NULL THEN
		RAISE EXCEPTION 'row % of source % has a null %', bad.n, src,
			CASE WHEN bad.f THEN 'follower' ELSE 'followee' END
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'Rows are numbered in the order a scan of the source returns them. Nothing was imported.';
	END IF;

	-- The distinct pairs ranked as a single node ranks them (its future
	-- seq order), cut into batches of consecutive ranks.
	FOR b IN EXECUTE format(
		'SELECT array_agg(g.f) FILTER (WHERE g.f <> g.e) AS fs,'
		'       array_agg(g.e) FILTER (WHERE g.f <> g.e) AS es,'
		'       array_agg(g.t) FILTER (WHERE g.f <> g.e) AS ts,'
		'       sum(g.n)::bigint AS n, COALESCE(sum(g.n) FILTER (WHERE g.f = g.e), 0)::bigint AS self,'
		'       count(*) FILTER (WHERE g.f <> g.e) AS pairs'
		' FROM (SELECT s.follower AS f, s.followee AS e, min(%1$s) AS t, count(*) AS n,'
		'              row_number() OVER (ORDER BY %3$s s.follower, s.followee) AS rn'
		'       FROM %2$s AS s GROUP BY s.follower, s.followee) AS g'
		' GROUP BY (g.rn - 1) / %4$s ORDER BY (g.rn - 1) / %4$s',
		CASE WHEN has_at THEN 'COALESCE(s.followed_at, now())' ELSE 'now()' END, src,
		CASE WHEN has_at THEN 'min(COALESCE(s.followed_at, now())),' ELSE '' END, batch) LOOP
		rows_read := rows_read + b.n;
		self_rows := self_rows + b.self;
		pairs := pairs + b.pairs;
		IF b.pairs > 0 THEN
			added := added + follow_graph.proxy_import_batch(b.fs, b.es, b.ts);
		END IF;
	END LOOP;
	RAISE NOTICE 'imported % new edges from % source rows', added, rows_read
		USING DETAIL = format('Skipped %s duplicate and %s self-follow rows, and %s pairs that existed, were blocked or have a deactivated account (stored hidden).',
							  rows_read - pairs - self_rows, self_rows, pairs - added);
	RETURN added;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.import_edges(regclass) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.import_edges(regclass) IS 'load every (follower, followee[, followed_at]) row of a table or view into the nodes owning either side; returns the number of new edges';
