#!/bin/bash
# test/bench/handle.sh: handle vs citext on random ASCII handles.
#
#   bash test/bench/handle.sh [--rows N] [--runs R] [--probes P]
#
# Connects with psql and the usual PG* environment variables; needs the
# follow_graph and citext extensions installable in that database.  Works in a
# scratch schema, fg_bench_handle, dropped at the end.
#
# Targets (issue 5):
#   btree build on N handles >= 1.5x faster than on the same values as citext
#   equality lookups at least as fast as citext's
#
# Method: N random ASCII handles (6-15 of [A-Za-z0-9_], leading letter) are
# loaded into one handle and one citext table.  Each run builds a btree index
# on both (alternating which goes first; serial build, maintenance_work_mem
# large enough for an in-memory sort) and then joins P probes, written in
# upper case, to each table through its index (nested loop, index scan:
# "lookup"), and makes 20000 single-row lookups from PL/pgSQL with a text
# parameter cast to the column type ("point", input function included).
# Times are taken inside the server with clock_timestamp(); the report gives
# the median of R runs and the ratio citext/handle (> 1 means handle is
# faster).
set -euo pipefail

rows=300000
runs=5
probes=100000
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--probes) probes=$2; shift 2 ;;
	--scale) shift 2 ;;	# accepted for make bench; sizes are fixed above
	*) echo "usage: $0 [--rows N] [--runs R] [--probes P]" >&2; exit 2 ;;
	esac
done

psql_run() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

psql_run -v rows="$rows" -v probes="$probes" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS follow_graph;
CREATE EXTENSION IF NOT EXISTS citext;
DROP SCHEMA IF EXISTS fg_bench_handle CASCADE;
CREATE SCHEMA fg_bench_handle;
SET search_path = fg_bench_handle, public, follow_graph;
SELECT setseed(0.42) AS seed \gset

CREATE TABLE src (s text NOT NULL);
INSERT INTO src
SELECT (SELECT string_agg(substr(CASE WHEN k = 1 THEN 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
									  ELSE 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_' END,
							 1 + floor(random() * CASE WHEN k = 1 THEN 52 ELSE 63 END)::int, 1), '')
		FROM generate_series(1, 6 + (g % 10)) AS k)
FROM generate_series(1, :rows) AS g;

CREATE TABLE t_handle (h follow_graph.handle NOT NULL);
CREATE TABLE t_citext (c citext NOT NULL);
INSERT INTO t_handle SELECT s::follow_graph.handle FROM src;
INSERT INTO t_citext SELECT s::citext FROM src;

CREATE TABLE probe_handle (h follow_graph.handle NOT NULL);
CREATE TABLE probe_citext (c citext NOT NULL);
CREATE TEMP TABLE picks AS SELECT upper(s) AS s FROM src ORDER BY random() LIMIT :probes;
INSERT INTO probe_handle SELECT s::follow_graph.handle FROM picks;
INSERT INTO probe_citext SELECT s::citext FROM picks;
VACUUM ANALYZE t_handle, t_citext, probe_handle, probe_citext;

CREATE TABLE probe_text AS SELECT s FROM picks LIMIT 20000;

CREATE TABLE result (run int, what text, ms float8);

-- Point lookups as an application makes them: a text parameter cast to the
-- column type (input function included) and one index probe per statement.
CREATE FUNCTION point_handle() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint := 0; v text;
BEGIN
	FOR v IN SELECT s FROM probe_text LOOP
		PERFORM 1 FROM t_handle WHERE h OPERATOR(follow_graph.=) v::follow_graph.handle;
		IF FOUND THEN n := n + 1; END IF;
	END LOOP;
	RETURN n;
END $$;
CREATE FUNCTION point_citext() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint := 0; v text;
BEGIN
	FOR v IN SELECT s FROM probe_text LOOP
		PERFORM 1 FROM t_citext WHERE c = v::citext;
		IF FOUND THEN n := n + 1; END IF;
	END LOOP;
	RETURN n;
END $$;

CREATE FUNCTION timed(sql text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE sql;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
SQL

for r in $(seq 1 "$runs"); do
	if [ $((r % 2)) -eq 1 ]; then order="handle citext"; else order="citext handle"; fi
	for t in $order; do
		col=h; [ "$t" = citext ] && col=c
		psql_run -v r="$r" -v t="$t" -v col="$col" <<'SQL'
SET search_path = fg_bench_handle, public, follow_graph;
SET maintenance_work_mem = '512MB';
SET max_parallel_maintenance_workers = 0;
SET max_parallel_workers_per_gather = 0;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET client_min_messages = warning;
SELECT format('DROP INDEX IF EXISTS t_%s_idx', :'t') \gexec
INSERT INTO result SELECT :r, 'build_' || :'t',
	timed(format('CREATE INDEX t_%s_idx ON t_%s (%s)', :'t', :'t', :'col'));
INSERT INTO result SELECT :r, 'lookup_' || :'t',
	timed(format('SELECT count(*) FROM probe_%s AS p JOIN t_%s AS x ON x.%s = p.%s',
				 :'t', :'t', :'col', :'col'));
INSERT INTO result SELECT :r, 'point_' || :'t', timed(format('SELECT point_%s()', :'t'));
SQL
	done
done

psql_run -v rows="$rows" -v probes="$probes" -v runs="$runs" <<'SQL'
SET search_path = fg_bench_handle, public, follow_graph;
\echo
\echo handle vs citext: :rows random ASCII handles, :probes upper-case probes, :runs runs
SELECT current_setting('server_version') AS server, datcollate AS db_collation,
	follow_graph.icu_unicode_version() AS icu_unicode
FROM pg_database WHERE datname = current_database();
-- Sanity: both lookups are index nested loops and find every probe.
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT count(*) FROM probe_handle AS p JOIN t_handle AS x ON x.h = p.h;
EXPLAIN (COSTS OFF) SELECT count(*) FROM probe_citext AS p JOIN t_citext AS x ON x.c = p.c;
SELECT (SELECT count(*) FROM probe_handle p JOIN t_handle x ON x.h = p.h) AS handle_matches,
	(SELECT count(*) FROM probe_citext p JOIN t_citext x ON x.c = p.c) AS citext_matches;
WITH m AS (
	SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median_ms
	FROM result GROUP BY what
)
SELECT op,
	round(h.median_ms::numeric, 1) AS handle_ms,
	round(c.median_ms::numeric, 1) AS citext_ms,
	round((c.median_ms / h.median_ms)::numeric, 2) AS speedup,
	target,
	CASE WHEN c.median_ms / h.median_ms >= target THEN 'met' ELSE 'MISSED' END AS status
FROM (VALUES ('build', 1.5), ('lookup', 1.0), ('point', 1.0)) AS o(op, target)
JOIN m AS h ON h.what = o.op || '_handle'
JOIN m AS c ON c.what = o.op || '_citext'
ORDER BY array_position(ARRAY['build', 'lookup', 'point'], op);
SELECT pg_size_pretty(pg_relation_size('t_handle_idx')) AS handle_index,
	pg_size_pretty(pg_relation_size('t_citext_idx')) AS citext_index;
SET client_min_messages = warning;
DROP SCHEMA fg_bench_handle CASCADE;
SQL
