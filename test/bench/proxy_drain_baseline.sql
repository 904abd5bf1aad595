-- test/bench/proxy_drain_baseline.sql: node_apply() of the first slice
-- (one follow()/unfollow() and one INSERT ... ON CONFLICT per entry from a
-- plpgsql loop), for test/bench/proxy_drain.sh's before/after comparison.
-- Loaded over the installed one on the nodes; the script puts the installed
-- one back afterwards.  (It takes the changed_at[] argument of the states
-- slice, and ignores it.)
CREATE OR REPLACE FUNCTION follow_graph.node_apply(follower bigint[], followee bigint[],
	present boolean[], version bigint[], changed_at timestamptz[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	cfg follow_graph.node_config;
	mask integer;
	e record;
	fresh boolean;
	applied bigint := 0;
BEGIN
	SELECT * INTO cfg FROM follow_graph.node_config;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'this database is not a follow_graph cluster node'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Run follow_graph.cluster_configure() on the router.';
	END IF;
	IF cardinality(follower) <> cardinality(followee) OR cardinality(follower) <> cardinality(present)
	   OR cardinality(follower) <> cardinality(version) THEN
		RAISE EXCEPTION 'journal arrays must have the same length'
			USING ERRCODE = 'array_subscript_error';
	END IF;
	mask := cfg.partitions - 1;
	-- Newest entry per pair, pairs in one order so concurrent applies never
	-- wait on each other in a cycle.
	FOR e IN
		SELECT DISTINCT ON (u.f, u.e) u.f, u.e, u.p, u.v
		FROM unnest(follower, followee, present, version) AS u (f, e, p, v)
		ORDER BY u.f, u.e, u.v DESC
	LOOP
		IF e.f IS NULL OR e.e IS NULL OR e.p IS NULL OR e.v IS NULL OR e.f = e.e THEN
			RAISE EXCEPTION 'invalid journal entry (%, %, %, %)', e.f, e.e, e.p, e.v
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF NOT ((hashint8(e.e) & mask) = ANY (cfg.owned) OR (hashint8(e.f) & mask) = ANY (cfg.owned)) THEN
			RAISE EXCEPTION 'neither account of the pair (%, %) is stored on node %', e.f, e.e, cfg.node_name
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'The router''s partition map and the nodes'' disagree; see follow_graph.cluster_configure().';
		END IF;
		fresh := false;
		INSERT INTO follow_graph.node_applied AS a (follower, followee, version)
		VALUES (e.f, e.e, e.v)
		ON CONFLICT ON CONSTRAINT node_applied_pkey DO UPDATE SET version = EXCLUDED.version
			WHERE a.version < EXCLUDED.version
		RETURNING true INTO fresh;
		IF fresh THEN
			IF e.p THEN
				PERFORM follow_graph.follow(e.f, e.e);
			ELSE
				PERFORM follow_graph.unfollow(e.f, e.e);
			END IF;
			applied := applied + 1;
		END IF;
	END LOOP;
	RETURN applied;
END
$fn$;
