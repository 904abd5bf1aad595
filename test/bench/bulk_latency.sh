#!/bin/bash
# test/bench/bulk_latency.sh: latency of single follow() calls while another
# session runs a long SELECT follow(a, b) FROM staging (issue 10, item 3).
#
#   bash test/bench/bulk_latency.sh [--rows N] [--seconds T] [--clients C]
#
# Connects with the usual PG* environment variables (pgbench and psql on
# PATH), creates (and drops) its own database fg_bench_latency, and prints
# p50 and p99 latency of single follow() calls on pairs unrelated to the bulk
# statement, first on an idle server, then while one session runs a
# transaction that follows N staged pairs.  The probe runs T seconds with C
# clients; if the bulk statement ends first the busy figures say so.  Also
# prints the bare follow() throughput (C clients, T seconds, 3 runs, median).
set -euo pipefail
rows=1000000 seconds=10 clients=1
while [ $# -gt 0 ]; do
	case "$1" in
	--rows) rows=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
db=${FG_BENCH_DB:-fg_bench_latency}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -c "CREATE EXTENSION follow_graph" \
  -c "CREATE TABLE staging AS SELECT (random() * 999999)::bigint + 1 AS follower,
             (random() * 999999)::bigint + 1000001 AS followee
      FROM generate_series(1, $rows)" \
  -c "VACUUM ANALYZE staging"
echo "follow_graph $(q -At -c "SELECT extversion FROM pg_extension WHERE extname = 'follow_graph'"), $rows staged pairs"

# Probe: follows among accounts the bulk statement never touches.
cat > "$tmp/probe.pgb" <<'PGB'
\set a random(5000001, 5100000)
\set b random(5100001, 5200000)
SELECT follow_graph.follow(:a, :b);
PGB
cat > "$tmp/bare.pgb" <<'PGB'
\set a random(6000001, 7000000)
\set b random(7000001, 8000000)
SELECT follow_graph.follow(:a, :b);
PGB

# p50 and p99 (ms) of the pgbench transaction logs with the given prefix.
percentiles() {
	cat "$1".* | awk '{ print $3 / 1000.0 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "no calls"; exit }
			i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
			i99 = int(NR * 0.99); if (i99 < 1) i99 = 1
			printf "%d calls, p50 %.3f ms, p99 %.3f ms, max %.3f ms", NR, v[i50], v[i99], v[NR] }'
}
probe() {
	(cd "$tmp" && pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" \
		-l --log-prefix="$1" -f "$tmp/probe.pgb" "$db" >/dev/null 2>&1)
	echo "$1: $(percentiles "$tmp/$1")"
}

probe idle

t0=$(date +%s.%N)
q -c "BEGIN" -c "SELECT pg_catalog.count(*) FILTER (WHERE f) FROM
	(SELECT follow_graph.follow(s.follower, s.followee) AS f FROM staging AS s) AS x" \
  -c "COMMIT" >/dev/null &
bulk=$!
sleep 2
probe busy
probe_end=$(date +%s.%N)
wait "$bulk"
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v p="$probe_end" 'BEGIN {
	printf "bulk statement: %.1f s (%s)\n", b - a,
		(b > p) ? "still running when the probe ended" : "ENDED BEFORE THE PROBE: busy figures are partly idle" }'

# Bare throughput: median of 3 runs.
for i in 1 2 3; do
	pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$tmp/bare.pgb" "$db" 2>&1 |
		awk '/^tps = / { print $3 }' | head -1
done | sort -g | awk '{ v[NR] = $1 } END { printf "bare follow(): median %.0f tps of 3 runs (%d clients)\n", v[2], '"$clients"' }'
echo "counts: $(q -At -c "SELECT CASE WHEN count(*) = 0 THEN 'exact' ELSE count(*) || ' problems' END FROM follow_graph.verify()")"
psql -X -q -d postgres -c "DROP DATABASE $db"
