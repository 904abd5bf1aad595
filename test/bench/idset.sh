#!/bin/bash
# test/bench/idset.sh: measure the idset targets in one run.
#
#   bash test/bench/idset.sh            (psql connection from PGHOST, PGPORT,
#                                         PGUSER, ... as usual)
#
# Works in its own database (IDSET_BENCH_DB, default idset_bench, created if
# missing and dropped at the end unless IDSET_BENCH_KEEP=1) because it writes
# a million edges straight into follow_graph.edge.  Needs follow_graph and
# intarray (postgresql-contrib) installed, and a role that may create
# databases and extensions.  IDSET_BENCH_N (default 1000000) scales the sets;
# IDSET_BENCH_REPS (default 7) is the number of timed repetitions, of which
# the median is reported.  Results also go to test/bench/out/idset.txt.
#
# When the server has pg_roaringbitmap (extension roaringbitmap, built from
# its repository: it is not packaged for Debian), the same sets are also
# stored as roaringbitmap and compared in the same run, alternately, with
# rb_and / rb_and_cardinality, plus 1M sparse 62-bit ids against
# roaringbitmap64; without it those rows are skipped.  IDSET_BENCH_QUICK=1
# runs only the intersection comparisons (no INTERSECT, no edge load).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
db=${IDSET_BENCH_DB:-idset_bench}
n=${IDSET_BENCH_N:-1000000}
reps=${IDSET_BENCH_REPS:-7}
quick=${IDSET_BENCH_QUICK:-0}
mkdir -p "$here/out"
out=$here/out/idset.txt

if ! psql -X -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
	psql -X -d postgres -qc "CREATE DATABASE $db"
fi

psql -X -d "$db" -v ON_ERROR_STOP=1 -v n="$n" -v reps="$reps" -v quick="$quick" -q <<'SQL' 2>&1 | tee "$out"
\pset footer off
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.bench_sets;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
DROP EXTENSION IF EXISTS intarray CASCADE;
DROP EXTENSION IF EXISTS roaringbitmap CASCADE;
DROP SCHEMA IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
CREATE EXTENSION intarray;
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'roaringbitmap') AS have_rb \gset
\if :have_rb
CREATE EXTENSION roaringbitmap;
SELECT extversion AS rb_version FROM pg_extension WHERE extname = 'roaringbitmap' \gset
\echo == pg_roaringbitmap :rb_version found: comparing with it
\else
\echo == pg_roaringbitmap not installed: its rows are skipped
\endif
RESET client_min_messages;
SET search_path = follow_graph, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;

-- Median wall time in ms of reps executions of q (after one warm-up run).
CREATE FUNCTION pg_temp.bench(q text, reps int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times float8[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END $$;

-- Medians in ms of q1 and q2 run alternately reps times each (after a
-- warm-up of both), so that load on the machine hits both alike.
CREATE FUNCTION pg_temp.bench2(q1 text, q2 text, reps int) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t1 float8[] := '{}';
	t2 float8[] := '{}';
BEGIN
	EXECUTE q1;
	EXECUTE q2;
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE q1;
		t1 := t1 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
		t0 := clock_timestamp();
		EXECUTE q2;
		t2 := t2 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RETURN ARRAY[(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t1) x),
				 (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t2) x)];
END $$;

CREATE TEMP TABLE results (target text, measure text, value numeric, unit text);

\echo == data: two sets of :n distinct ids drawn uniformly from [1, 10^8]
SELECT setseed(0.1);
CREATE TABLE public.bench_sets (name text PRIMARY KEY, s idset, a8 bigint[], a4 int4[], a4_sorted int4[]);
ALTER TABLE bench_sets ALTER COLUMN a8 SET STORAGE external, ALTER COLUMN a4 SET STORAGE external,
	ALTER COLUMN a4_sorted SET STORAGE external;
INSERT INTO bench_sets
SELECT name, idset(arr), arr, arr::int4[], (SELECT array_agg(x ORDER BY x) FROM unnest(arr::int4[]) x)
FROM (SELECT 'a' AS name, array(SELECT DISTINCT ON (x) x FROM (SELECT 1 + (random() * 99999999)::bigint AS x
		FROM generate_series(1, :n * 101 / 100)) r LIMIT :n) AS arr
	  UNION ALL
	  SELECT 'b', array(SELECT DISTINCT ON (x) x FROM (SELECT 1 + (random() * 99999999)::bigint AS x
		FROM generate_series(1, :n * 101 / 100)) r LIMIT :n)) d;
-- Keep the generation order in a4 (as an application would store it): shuffle.
UPDATE bench_sets SET a8 = array(SELECT x FROM unnest(a8) x ORDER BY random()),
	a4 = array(SELECT x FROM unnest(a4) x ORDER BY random());
-- Skewed pair: 100 ids against 10 * n ids.
INSERT INTO bench_sets (name, s)
SELECT 'small', idset(array(SELECT 1 + (random() * 999999999)::bigint FROM generate_series(1, 100)));
INSERT INTO bench_sets (name, s)
SELECT 'huge', idset(array(SELECT g * 100 + (random() * 99)::bigint FROM generate_series(1, :n * 10) g));
-- Worst cases for storage.
INSERT INTO bench_sets (name, s) VALUES
	('dense', idset(array(SELECT generate_series(1, :n)::bigint))),
	('full_range', idset(array(SELECT (random() * 1.8e19 - 9e18)::bigint FROM generate_series(1, :n)))),
	('pair_extremes', '{-9223372036854775808,9223372036854775807}'),
	('one', '{42}');
VACUUM ANALYZE bench_sets;
SELECT name, cardinality(s), pg_column_size(s) AS bytes,
	round(pg_column_size(s)::numeric / greatest(cardinality(s), 1), 3) AS bytes_per_id
FROM bench_sets ORDER BY name;

\echo == storage
INSERT INTO results
SELECT 'storage <= 2 B/id (1M uniform in [1,1e8])', 'pg_column_size / cardinality',
	round(pg_column_size(s)::numeric / cardinality(s), 3), 'bytes/id'
FROM bench_sets WHERE name = 'a';
INSERT INTO results
SELECT 'storage never much worse than 8 B/id', 'worst bytes/id, sets of >= 100 ids', max(round(pg_column_size(s)::numeric / cardinality(s), 3)), 'bytes/id'
FROM bench_sets WHERE cardinality(s) >= 100;
INSERT INTO results
SELECT 'storage: int4[] / bigint[] of the same ids', 'pg_column_size / n',
	round(pg_column_size(a4)::numeric / cardinality(s), 3), 'bytes/id (int4[])'
FROM bench_sets WHERE name = 'a';

\echo == cardinality: header through a detoast slice vs decoding everything (per call)
SELECT r[1] / 1000 AS header_ms, r[2] / 5 AS decode_ms FROM pg_temp.bench2(
	$q$SELECT sum(cardinality(s)) FROM bench_sets, generate_series(1, 1000) WHERE name = 'a'$q$,
	$q$SELECT sum(cardinality(s::bigint[])) FROM bench_sets, generate_series(1, 5) WHERE name = 'a'$q$, :reps) r \gset
INSERT INTO results VALUES
	('cardinality() header only', 'median per call', round(:header_ms::numeric, 4), 'ms'),
	('cardinality() decode all (s::bigint[])', 'median per call', round(:decode_ms::numeric, 4), 'ms'),
	('cardinality() >= 50x faster than decoding', 'ratio', round((:decode_ms / :header_ms)::numeric, 1), 'x');

\echo == intersection of the two 1M sets
\if :quick
\else
SELECT r[1] AS idset_ms, r[2] AS intarray_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT icount(a.a4 & b.a4) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps) r \gset
\endif
SELECT r[1] AS idset2_ms, r[2] AS intarray_sorted_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT icount(a.a4_sorted & b.a4_sorted) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 3) r \gset
-- cardinality(a & b) is planned as idset_intersect_cardinality(a, b)
-- (0.3.0), which counts without building the result where it can; on a
-- pair sharing every id (a with itself) the result is 1M ids.
SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'idset_intersect_cardinality') AS have_count \gset
\if :have_count
SELECT r[1] AS count_ms, r[2] AS built_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'a'$q$,
	$q$SELECT pg_column_size(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'a'$q$, :reps) r \gset
INSERT INTO results VALUES
	('cardinality(a & a), counted (1M common)', 'median', round(:count_ms::numeric, 2), 'ms'),
	('a & a, built (1M common)', 'median', round(:built_ms::numeric, 2), 'ms'),
	('count vs build: built / counted', 'ratio', round((:built_ms / :count_ms)::numeric, 2), 'x');
\endif
INSERT INTO results VALUES
	('a & b (idset), vs intarray stored sorted', 'median', round(:idset2_ms::numeric, 2), 'ms'),
	('a & b (intarray int4[], stored sorted)', 'median', round(:intarray_sorted_ms::numeric, 2), 'ms'),
	('& >= 5x faster than intarray (stored sorted)', 'ratio', round((:intarray_sorted_ms / :idset2_ms)::numeric, 1), 'x');
\if :quick
\else
SELECT r[1] AS idset3_ms, r[2] AS intersect_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT count(*) FROM (SELECT unnest(a8) FROM bench_sets WHERE name = 'a' INTERSECT SELECT unnest(a8) FROM bench_sets WHERE name = 'b') x$q$, greatest(:reps / 2, 3)) r \gset
SELECT (SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b') =
	(SELECT icount(a.a4 & b.a4) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b') AS same_result;
INSERT INTO results VALUES
	('a & b (idset), vs intarray stored order', 'median', round(:idset_ms::numeric, 2), 'ms'),
	('a & b (intarray int4[], stored order)', 'median', round(:intarray_ms::numeric, 2), 'ms'),
	('a & b (idset), vs INTERSECT', 'median', round(:idset3_ms::numeric, 2), 'ms'),
	('INTERSECT of unnest(bigint[])', 'median', round(:intersect_ms::numeric, 2), 'ms'),
	('& >= 5x faster than intarray (stored order)', 'ratio', round((:intarray_ms / :idset_ms)::numeric, 1), 'x'),
	('& >= 20x faster than INTERSECT', 'ratio', round((:intersect_ms / :idset3_ms)::numeric, 1), 'x');

\endif

\if :have_rb
\echo == pg_roaringbitmap: the same two 1M sets (dense ids in [1, 10^8])
ALTER TABLE bench_sets ADD COLUMN rb roaringbitmap, ADD COLUMN rb64 roaringbitmap64;
ALTER TABLE bench_sets ALTER COLUMN rb SET STORAGE external, ALTER COLUMN rb64 SET STORAGE external;
UPDATE bench_sets SET rb = rb_build(a4) WHERE name IN ('a', 'b');
-- 1M distinct sparse 62-bit ids (as snowflake ids are) per set, both types.
INSERT INTO bench_sets (name, a8)
SELECT 'sa', array(SELECT DISTINCT ON (x) x FROM (SELECT ((random() * 2147483647)::bigint << 31 |
		(random() * 2147483647)::bigint) + 1 AS x FROM generate_series(1, :n * 101 / 100)) r LIMIT :n);
INSERT INTO bench_sets (name, a8)
SELECT 'sb', array(SELECT DISTINCT ON (x) x FROM (SELECT ((random() * 2147483647)::bigint << 31 |
		(random() * 2147483647)::bigint) + 1 AS x FROM generate_series(1, :n * 101 / 100)) r LIMIT :n);
-- Make them share about 1% of their ids, as the dense pair does by chance.
UPDATE bench_sets SET a8 = (SELECT a8[1:(:n / 100)] FROM bench_sets WHERE name = 'sa') || a8[(:n / 100 + 1):] WHERE name = 'sb';
UPDATE bench_sets SET s = idset(a8), rb64 = rb64_build(a8) WHERE name IN ('sa', 'sb');
VACUUM ANALYZE bench_sets;
SELECT name, cardinality(s) AS n, pg_column_size(s) AS idset_bytes,
	round(pg_column_size(s)::numeric / cardinality(s), 2) AS idset_b_per_id,
	coalesce(pg_column_size(rb), pg_column_size(rb64)) AS rb_bytes,
	round(coalesce(pg_column_size(rb), pg_column_size(rb64))::numeric / cardinality(s), 2) AS rb_b_per_id
FROM bench_sets WHERE name IN ('a', 'b', 'sa', 'sb') ORDER BY name;
SELECT (SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b') =
	(SELECT rb_and_cardinality(a.rb, b.rb) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b')
	AND (SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb') =
	(SELECT rb64_and_cardinality(a.rb64, b.rb64) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb')
	AS rb_same_result;
SELECT r[1] AS c_idset_ms, r[2] AS c_rb_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT rb_and_cardinality(a.rb, b.rb) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 3) r \gset
SELECT r[1] AS and_idset_ms, r[2] AS and_rb_ms FROM pg_temp.bench2(
	$q$SELECT pg_column_size(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT pg_column_size(rb_and(a.rb, b.rb)) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 3) r \gset
SELECT r[1] AS sc_idset_ms, r[2] AS sc_rb_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$,
	$q$SELECT rb64_and_cardinality(a.rb64, b.rb64) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$, greatest(:reps / 2, 3)) r \gset
SELECT r[1] AS sand_idset_ms, r[2] AS sand_rb_ms FROM pg_temp.bench2(
	$q$SELECT pg_column_size(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$,
	$q$SELECT pg_column_size(rb64_and(a.rb64, b.rb64)) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$, greatest(:reps / 2, 3)) r \gset
INSERT INTO results
SELECT 'storage, ' || CASE WHEN name = 'a' THEN 'dense' ELSE 'sparse 62-bit' END, t,
	round(CASE WHEN t = 'idset' THEN pg_column_size(s) ELSE coalesce(pg_column_size(rb), pg_column_size(rb64)) END::numeric
		/ cardinality(s), 2), 'bytes/id'
FROM bench_sets, (VALUES ('idset'), ('roaringbitmap')) v(t) WHERE name IN ('a', 'sa') ORDER BY name, t;
INSERT INTO results VALUES
	('dense cardinality(a & b)', 'median', round(:c_idset_ms::numeric, 2), 'ms'),
	('dense rb_and_cardinality', 'median', round(:c_rb_ms::numeric, 2), 'ms'),
	('dense cardinality(a & b) >= 1x rb_and_cardinality', 'ratio', round((:c_rb_ms / :c_idset_ms)::numeric, 2), 'x'),
	('dense a & b', 'median', round(:and_idset_ms::numeric, 2), 'ms'),
	('dense rb_and', 'median', round(:and_rb_ms::numeric, 2), 'ms'),
	('dense a & b >= 1x rb_and', 'ratio', round((:and_rb_ms / :and_idset_ms)::numeric, 2), 'x'),
	('sparse cardinality(a & b)', 'median', round(:sc_idset_ms::numeric, 2), 'ms'),
	('sparse rb64_and_cardinality', 'median', round(:sc_rb_ms::numeric, 2), 'ms'),
	('sparse cardinality(a & b) >= 50x rb64_and_cardinality', 'ratio', round((:sc_rb_ms / :sc_idset_ms)::numeric, 1), 'x'),
	('sparse a & b', 'median', round(:sand_idset_ms::numeric, 2), 'ms'),
	('sparse rb64_and', 'median', round(:sand_rb_ms::numeric, 2), 'ms'),
	('sparse a & b >= 50x rb64_and', 'ratio', round((:sand_rb_ms / :sand_idset_ms)::numeric, 1), 'x');
\endif

SELECT current_setting('follow_graph.idset_simd', true) IS NOT NULL AS have_simd_guc \gset
\if :have_simd_guc
\echo == SIMD kernels (follow_graph.idset_simd = on) vs the portable code (off), alternately
-- Medians in ms of q run with the setting on, then off, reps times each.
CREATE FUNCTION pg_temp.bench_simd(q text, reps int) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t1 float8[] := '{}';
	t2 float8[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..reps LOOP
		PERFORM set_config('follow_graph.idset_simd', 'on', false);
		t0 := clock_timestamp();
		EXECUTE q;
		t1 := t1 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
		PERFORM set_config('follow_graph.idset_simd', 'off', false);
		t0 := clock_timestamp();
		EXECUTE q;
		t2 := t2 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	PERFORM set_config('follow_graph.idset_simd', 'on', false);
	RETURN ARRAY[(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t1) x),
				 (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t2) x)];
END $$;
SELECT r[1] AS simd_on_ms, r[2] AS simd_off_ms FROM pg_temp.bench_simd(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 2) r \gset
SELECT r[1] AS dec_on_ms, r[2] AS dec_off_ms FROM pg_temp.bench_simd(
	$q$SELECT cardinality(s::bigint[]) FROM bench_sets WHERE name = 'a'$q$, :reps * 2) r \gset
INSERT INTO results VALUES
	('dense a & b, SIMD on', 'median', round(:simd_on_ms::numeric, 2), 'ms'),
	('dense a & b, SIMD off (portable)', 'median', round(:simd_off_ms::numeric, 2), 'ms'),
	('dense a & b: off / on', 'ratio', round((:simd_off_ms / :simd_on_ms)::numeric, 2), 'x'),
	('decode 1M (s::bigint[]), SIMD on', 'median', round(:dec_on_ms::numeric, 2), 'ms'),
	('decode 1M (s::bigint[]), SIMD off (portable)', 'median', round(:dec_off_ms::numeric, 2), 'ms'),
	('decode 1M: off / on', 'ratio', round((:dec_off_ms / :dec_on_ms)::numeric, 2), 'x');
\if :have_rb
SELECT r[1] AS sp_on_ms, r[2] AS sp_off_ms FROM pg_temp.bench_simd(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$, :reps) r \gset
INSERT INTO results VALUES
	('sparse a & b, SIMD on', 'median', round(:sp_on_ms::numeric, 2), 'ms'),
	('sparse a & b, SIMD off (portable)', 'median', round(:sp_off_ms::numeric, 2), 'ms'),
	('sparse a & b: off / on', 'ratio', round((:sp_off_ms / :sp_on_ms)::numeric, 2), 'x');
\endif
\endif

\if :quick
\echo == results
SELECT target, measure, value, unit FROM results;
\quit
\endif
\echo == skewed intersection: 100 ids against 10M ids (galloping, values in memory)
-- Per-operation time of x & y on values already in memory (a function's
-- arguments stay TOAST pointers, so copy them into fresh values first).
CREATE FUNCTION pg_temp.loop_ms(x idset, y idset, loops int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	xm idset := x OPERATOR(follow_graph.|) '{}'::idset;
	ym idset := y OPERATOR(follow_graph.|) '{}'::idset;
	t0 timestamptz;
	c bigint;
BEGIN
	t0 := clock_timestamp();
	FOR i IN 1..loops LOOP
		c := cardinality(xm OPERATOR(follow_graph.&) ym);
	END LOOP;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000 / loops;
END $$;
SELECT pg_temp.loop_ms(s.s, h.s, 2000) AS skew_ms FROM bench_sets s, bench_sets h WHERE s.name = 'small' AND h.name = 'huge' \gset
SELECT pg_temp.loop_ms(a.s, b.s, 20) AS mem_ab_ms FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b' \gset
SELECT pg_temp.bench($q$SELECT cardinality(h.s::bigint[]) FROM bench_sets h WHERE h.name = 'huge'$q$, 3) AS huge_decode_ms \gset
INSERT INTO results VALUES
	('small(100) & huge(10M), detoasted', 'mean per op', round(:skew_ms::numeric, 4), 'ms'),
	('decoding huge(10M) once', 'median', round(:huge_decode_ms::numeric, 2), 'ms'),
	('a & b (1M each), detoasted', 'mean per op', round(:mem_ab_ms::numeric, 3), 'ms'),
	('skewed & vs decoding the large set', 'ratio', round((:huge_decode_ms / :skew_ms)::numeric, 0), 'x');

\echo == followers_set(celebrity) vs index-only scan of the same ids
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
SELECT f, 1, f, now() FROM (SELECT DISTINCT ON (x) x AS f FROM (SELECT 2 + (random() * 99999999)::bigint AS x
	FROM generate_series(1, :n * 101 / 100)) r LIMIT :n) d;
-- The same followers also follow account 2, so that the baseline's plan is
-- the (followee, follower) index rather than a full scan of the primary key.
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
SELECT follower, 2, seq, followed_at FROM follow_graph.edge WHERE followee = 1;
VACUUM ANALYZE follow_graph.edge;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(follower) FROM follow_graph.edge WHERE followee = 1;
SELECT r[1] AS fs_ms, r[2] AS ios_ms FROM pg_temp.bench2(
	$q$SELECT cardinality(followers_set(1))$q$,
	$q$SELECT count(follower) FROM follow_graph.edge WHERE followee = 1$q$, :reps) r \gset
SELECT pg_temp.bench($q$SELECT array_agg(follower ORDER BY follower) FROM follow_graph.edge WHERE followee = 1$q$, 3) AS ios_agg_ms \gset
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT cardinality(followers_set(1)) = (SELECT count(*) FROM follow_graph.edge WHERE followee = 1) AS same_count;
INSERT INTO results VALUES
	('followers_set(celebrity), 1M followers', 'median', round(:fs_ms::numeric, 2), 'ms'),
	('index-only scan count(follower)', 'median', round(:ios_ms::numeric, 2), 'ms'),
	('index-only scan array_agg(follower)', 'median', round(:ios_agg_ms::numeric, 2), 'ms'),
	('followers_set <= 2x index-only scan', 'ratio', round((:fs_ms / :ios_ms)::numeric, 2), 'x');

\echo == results
SELECT target, measure, value, unit FROM results;
SQL
status=${PIPESTATUS[0]}
if [ "${IDSET_BENCH_KEEP:-0}" != 1 ]; then
	psql -X -d postgres -qc "DROP DATABASE IF EXISTS $db" || true
fi
exit "$status"
