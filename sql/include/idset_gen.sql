-- Set generators of the idset tests (pulled in with \i; the test sets its
-- own setseed() before).  The bounds are numeric so that any bigint range
-- (and steps of 2^40 and more) can be written; each value is cast to bigint.
-- n ids from lo with step s.
CREATE FUNCTION pg_temp.run(lo numeric, n int, s numeric) RETURNS idset
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(idset(array_agg((lo + g * s)::bigint)), '{}')
	FROM generate_series(0, n - 1) g
$$;
-- n random ids in [lo, lo + span).
CREATE FUNCTION pg_temp.rnd(lo numeric, n int, span numeric) RETURNS idset
LANGUAGE sql VOLATILE AS $$
	SELECT coalesce(idset(array_agg((lo + floor(random() * span))::bigint)), '{}')
	FROM generate_series(1, n)
$$;
