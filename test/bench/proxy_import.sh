#!/bin/bash
# test/bench/proxy_import.sh: import_edges() through the router against
# import_edges() on a single node, the same rows, on the loopback cluster of
# test/proxy/cluster.sh (started beforehand).  The single node is a database
# "fg_import_single" on node1's server (created here).  Each round empties
# the nodes and the single database (DROP/CREATE EXTENSION, the nodes'
# configuration kept), then imports EDGES random edges (ACCOUNTS = EDGES/20
# accounts, with followed_at) on each side, interleaved, the single node
# first in odd rounds; prints each round's time and rate and the medians.
#   FG_PROXY_PORT=55400 bash test/bench/proxy_import.sh [EDGES] [ROUNDS]
set -euo pipefail
edges=${1:-500000}
rounds=${2:-3}
port=${FG_PROXY_PORT:-55400}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$("$PG_CONFIG" --bindir)
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
q() { local p=$1 d=$2; shift 2; as_postgres "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p" -U postgres -d "$d" "$@"; }
accounts=$((edges / 20))
src="CREATE TABLE IF NOT EXISTS bench_src AS
	SELECT DISTINCT ON (f, e) f AS follower, e AS followee,
		timestamptz '2024-01-01' + g * interval '1 second' AS followed_at
	FROM (SELECT g, (1 + floor(random() * $accounts))::bigint AS f,
				 (1 + floor(random() * $accounts))::bigint AS e
		  FROM generate_series(1, $edges) AS g) AS x
	WHERE f <> e;"
q $((port + 1)) postgres -c "DROP DATABASE IF EXISTS fg_import_single" -c "CREATE DATABASE fg_import_single"
q "$port" postgres -c "DROP TABLE IF EXISTS bench_src" -c "SELECT setseed(0.42)" -c "$src" -c "ANALYZE bench_src"
# The same rows on the single node.
q "$port" postgres -c "COPY bench_src TO STDOUT" >/tmp/fg_bench_src.$$
q $((port + 1)) fg_import_single -c "CREATE TABLE bench_src (follower bigint, followee bigint, followed_at timestamptz)"
q $((port + 1)) fg_import_single -c "COPY bench_src FROM STDIN" </tmp/fg_bench_src.$$
rm -f /tmp/fg_bench_src.$$
rows=$(q "$port" postgres -c "SELECT count(*) FROM bench_src")
echo "rows: $rows distinct pairs over $accounts accounts"

reset_nodes() {
	for i in 1 2 3; do
		cfg=$(q $((port + i)) postgres -c "SELECT format('%L, %s, %L', node_name, partitions, owned) FROM follow_graph.node_config")
		q $((port + i)) postgres -c "DROP EXTENSION follow_graph CASCADE" -c "CREATE EXTENSION follow_graph" \
			-c "SELECT follow_graph.node_configure($cfg)" >/dev/null
	done
	q $((port + 1)) fg_import_single -c "DROP EXTENSION IF EXISTS follow_graph CASCADE" -c "CREATE EXTENSION follow_graph"
	q $((port + 1)) postgres -c CHECKPOINT
	q $((port + 2)) postgres -c CHECKPOINT
	q $((port + 3)) postgres -c CHECKPOINT
}
# time_import PORT DB: seconds of one import_edges('bench_src'), and its answer.
time_import() {
	local t0 t1 n
	t0=$(date +%s.%N)
	n=$(q "$1" "$2" -c "SET client_min_messages = warning" -c "SELECT follow_graph.import_edges('bench_src')")
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc) $n"
}
single=()
router=()
for r in $(seq "$rounds"); do
	reset_nodes
	if [ $((r % 2)) -eq 1 ]; then
		s=$(time_import $((port + 1)) fg_import_single); reset_nodes; t=$(time_import "$port" postgres)
	else
		t=$(time_import "$port" postgres); reset_nodes; s=$(time_import $((port + 1)) fg_import_single)
	fi
	v=$(q "$port" postgres -c "SELECT count(*) FROM follow_graph.cluster_verify()")
	echo "round $r: single ${s% *} s (${s#* } edges), router ${t% *} s (${t#* } edges), cluster_verify rows $v"
	single+=("${s% *}")
	router+=("${t% *}")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms=$(median "${single[@]}")
mr=$(median "${router[@]}")
echo "median: single $ms s = $(echo "$rows / $ms" | bc) edges/s; router $mr s = $(echo "$rows / $mr" | bc) edges/s; router/single rate $(echo "scale=2; $ms / $mr" | bc)"
