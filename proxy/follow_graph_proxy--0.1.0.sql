-- follow_graph_proxy: the router of a follow_graph cluster on PL/Proxy.
-- Installed on a router database that holds no graph; the data nodes run
-- follow_graph (0.3.0 or later).  The design, the consistency contract and
-- the list of routed and not yet routed functions are in docs/scale-out.md.

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
	follow_graph.proxy_rejournal(integer, bigint[], bigint[]) FROM PUBLIC;
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
	RETURN delivered + follow_graph.drain_states(batch);
END
$fn$;

-- Compare, per partition pair, the edges the follower's node and the
-- followee's node hold (count and digest); for each pair that differs,
-- name the edges missing on one side.  Run drain() first: journaled
-- entries not yet delivered show up here as missing halves.
CREATE FUNCTION follow_graph.cluster_verify()
RETURNS TABLE (follower_part integer, followee_part integer, follower bigint,
			   followee bigint, problem text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	node record;
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
BEGIN
	FOR node IN SELECT DISTINCT m.node_part FROM follow_graph.cluster_map() AS m ORDER BY 1 LOOP
		SELECT d_node || array_agg(node.node_part), d_fp || array_agg(d.follower_part),
			   d_ep || array_agg(d.followee_part), d_n || array_agg(d.edges), d_dg || array_agg(d.digest)
		INTO d_node, d_fp, d_ep, d_n, d_dg
		FROM follow_graph.proxy_digest(node.node_part) AS d;
		d_node := coalesce(d_node, '{}'); d_fp := coalesce(d_fp, '{}'); d_ep := coalesce(d_ep, '{}');
		d_n := coalesce(d_n, '{}'); d_dg := coalesce(d_dg, '{}');
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
	IF bad_fp IS NULL THEN
		RETURN;
	END IF;

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
			   follow_graph.partition_hash(x.f) & (SELECT count(*)::integer - 1 FROM m) AS fp,
			   follow_graph.partition_hash(x.e) & (SELECT count(*)::integer - 1 FROM m) AS ep
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
END
$fn$;

-- Re-send the halves cluster_verify() finds missing: the follower's node is
-- authoritative for follow() and unfollow(), so it journals the pair's
-- current state again with a fresh version, and drain() delivers it.
-- Returns the number of pairs re-sent.
CREATE FUNCTION follow_graph.cluster_repair()
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	grp record;
	sent bigint := 0;
BEGIN
	-- No write through this router while pairs are re-journaled: a write in
	-- flight on a follower's node could commit after node_rejournal() read
	-- the pair, under an older version than the re-sent (stale) state.
	PERFORM pg_advisory_xact_lock(7378474836284716121);
	PERFORM follow_graph.drain();
	FOR grp IN
		SELECT m.node_part, array_agg(v.follower) AS fs, array_agg(v.followee) AS es
		FROM follow_graph.cluster_verify() AS v
		JOIN follow_graph.cluster_map() AS m ON m.part = v.follower_part
		WHERE v.follower IS NOT NULL AND v.problem LIKE 'missing%'
		GROUP BY m.node_part
	LOOP
		sent := sent + (SELECT sum(r) FROM follow_graph.proxy_rejournal(grp.node_part, grp.fs, grp.es) AS r);
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

CREATE FUNCTION follow_graph.proxy_at_configure(connstr text, node_name text, partitions integer, owned integer[])
RETURNS SETOF integer
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT 1 FROM follow_graph.node_configure(node_name, partitions, owned) AS c;
$fn$;

CREATE FUNCTION follow_graph.proxy_at_version_floor(connstr text, min_version bigint)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT follow_graph.node_version_floor(min_version);
$fn$;

CREATE FUNCTION follow_graph.proxy_at_edges(connstr text, follower_parts integer[], followee_parts integer[])
RETURNS TABLE (follower bigint, followee bigint)
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT x.follower, x.followee FROM follow_graph.node_edges(follower_parts, followee_parts) AS x;
$fn$;

CREATE FUNCTION follow_graph.proxy_at_copy_in(connstr text, follower bigint[], followee bigint[])
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT follow_graph.node_copy_in(follower, followee);
$fn$;

CREATE FUNCTION follow_graph.proxy_at_forget(connstr text)
RETURNS SETOF bigint
LANGUAGE plproxy AS $fn$
	CONNECT connstr;
	SELECT follow_graph.node_forget();
$fn$;

REVOKE ALL ON FUNCTION follow_graph.proxy_at_status(text),
	follow_graph.proxy_at_configure(text, text, integer, integer[]),
	follow_graph.proxy_at_version_floor(text, bigint),
	follow_graph.proxy_at_edges(text, integer[], integer[]),
	follow_graph.proxy_at_copy_in(text, bigint[], bigint[]),
	follow_graph.proxy_at_forget(text) FROM PUBLIC;

-- Move one partition to the node at connstr (a node of the cluster or a new
-- one with follow_graph installed).  Router writes and drain() wait while
-- it runs (an advisory lock; writes through another router must be stopped
-- by hand).  Steps: drain every journal, raise the target's versions above
-- every node's, give it the partition, copy the partition's edges in (in
-- the old node's order), switch the map, take the partition from the old
-- node and drop there the edges it no longer owns a side of.  Returns the
-- number of edges copied.
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
	fs bigint[];
	es bigint[];
	copied bigint;
	usr text;
	map_user text;
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
	PERFORM follow_graph.proxy_at_version_floor(target || usr, coalesce(max_version, 1));
	PERFORM follow_graph.proxy_at_configure(target || usr,
		coalesce(target_status.node_name,
				 'node' || ((SELECT count(DISTINCT m.connstr) FROM follow_graph.cluster_map() AS m) + 1)),
		nparts,
		ARRAY(SELECT DISTINCT p FROM unnest(coalesce(target_status.owned, '{}') || part) AS u (p) ORDER BY p));

	SELECT array_agg(x.follower), array_agg(x.followee) INTO fs, es
	FROM follow_graph.proxy_at_edges(old_conn || usr,
		array_fill(part, ARRAY[nparts]) || ARRAY(SELECT generate_series(0, nparts - 1)),
		ARRAY(SELECT generate_series(0, nparts - 1)) || array_fill(part, ARRAY[nparts])) AS x;
	SELECT coalesce(sum(c), 0) INTO copied
	FROM follow_graph.proxy_at_copy_in(target || usr, coalesce(fs, '{}'), coalesce(es, '{}')) AS c;

	EXECUTE format('ALTER SERVER follow_graph_cluster OPTIONS (SET %I %L)', 'p' || part, target);

	PERFORM follow_graph.proxy_at_configure(old_conn || usr, old_status.node_name, nparts,
		array_remove(old_status.owned, part));
	PERFORM follow_graph.proxy_at_forget(old_conn || usr);
	RETURN copied;
END
$fn$;

REVOKE ALL ON FUNCTION follow_graph.cluster_configure(text[], integer, text),
	follow_graph.cluster_move_partition(integer, text),
	follow_graph.drain(integer),
	follow_graph.cluster_verify(),
	follow_graph.cluster_repair() FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.cluster_configure(text[], integer, text) IS 'create the cluster: partitions round-robin over the nodes (connection strings), each node told the partitions it owns';
COMMENT ON FUNCTION follow_graph.cluster_move_partition(integer, text) IS 'move a partition to the node at connstr (router writes wait meanwhile); returns the number of edges copied';
COMMENT ON FUNCTION follow_graph.drain(integer) IS 'deliver every journaled edge change to the other side''s node; returns the number delivered';
COMMENT ON FUNCTION follow_graph.cluster_verify() IS 'per partition pair, the edges one holder has and the other lacks; no rows means consistent (after drain())';
COMMENT ON FUNCTION follow_graph.cluster_repair() IS 're-send the missing halves cluster_verify() reports from the follower''s node; returns the number of pairs re-sent';

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

CREATE FUNCTION follow_graph.mute(muter bigint, muted bigint, expires_at timestamptz DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('mute', muter, muted, NULL, expires_at) = 1 $fn$;

CREATE FUNCTION follow_graph.unmute(muter bigint, muted bigint)
RETURNS boolean
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$ SELECT follow_graph.proxy_state_call('unmute', muter, muted, NULL, NULL) = 1 $fn$;

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
	follow_graph.mute(bigint, bigint, timestamptz),
	follow_graph.unmute(bigint, bigint),
	follow_graph.set_private(bigint, boolean),
	follow_graph.deactivate_account(bigint),
	follow_graph.reactivate_account(bigint) FROM PUBLIC;

COMMENT ON FUNCTION follow_graph.block(bigint, bigint) IS 'blocker blocks blocked, removing the edges and pending requests between them (on the blocker''s node; the blocked account''s node through the journal); true if the block is new';
COMMENT ON FUNCTION follow_graph.unblock(bigint, bigint) IS 'remove the block blocker -> blocked (on the blocker''s node; the other node through the journal); true if there was one';
COMMENT ON FUNCTION follow_graph.accept_request(bigint, bigint) IS 'turn the pending request requester -> account into an edge (on the account''s node; the requester''s node through the journal); false if none was pending';
COMMENT ON FUNCTION follow_graph.reject_request(bigint, bigint) IS 'drop the pending request requester -> account (on the account''s node; the requester''s node through the journal); false if none was pending';
COMMENT ON FUNCTION follow_graph.remove_follower(bigint, bigint) IS 'account removes follower (on the account''s node; the follower''s node through the journal); true if there was an edge or request';
COMMENT ON FUNCTION follow_graph.mute(bigint, bigint, timestamptz) IS 'mute muted for muter until expires_at (on the muter''s node only: mutes are private to the muter)';
COMMENT ON FUNCTION follow_graph.unmute(bigint, bigint) IS 'remove the mute muter -> muted (on the muter''s node)';
COMMENT ON FUNCTION follow_graph.set_private(bigint, boolean) IS 'set an account''s private flag (on its node, then every other node through the journal); returns the number of requests accepted on its node';
COMMENT ON FUNCTION follow_graph.deactivate_account(bigint) IS 'hide every edge and request of an account (on its node, then every other node through the journal); returns the number of edges hidden on its node';
COMMENT ON FUNCTION follow_graph.reactivate_account(bigint) IS 'bring back the hidden edges and requests of an account (on its node, then every other node through the journal); returns the number made visible on its node';
