#!/bin/bash
# test/bench/proxy_drain.sh: journal build-up while a node is down and the
# drain rate after it is back, on the loopback cluster of
# test/proxy/cluster.sh (started beforehand).  CLIENTS clients follow for
# SECS seconds through the router, every follower on node1 or node2 and
# every followee on node3 (stopped), so each acknowledged write leaves one
# journal entry; then node3 starts and drain() delivers them.
#   FG_PROXY_PORT=55400 bash test/bench/proxy_drain.sh [CLIENTS] [SECS]
set -euo pipefail
clients=${1:-16}
secs=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
port=${FG_PROXY_PORT:-55400}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
bin=$("$PG_CONFIG" --bindir)
cluster="bash $here/../proxy/cluster.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
router() { $cluster psql router -At "$@"; }

router -c "DROP TABLE IF EXISTS bench_live, bench_dead;
	CREATE TABLE bench_live AS SELECT row_number() OVER () AS k, a FROM (
		SELECT a FROM generate_series(10000000, 10200000) AS a
		JOIN follow_graph.cluster_map() AS m ON m.part = follow_graph.partition_hash(a) & (SELECT count(*) - 1 FROM follow_graph.cluster_map())
		WHERE m.node_part <> 2 LIMIT 100000) AS s;
	CREATE TABLE bench_dead AS SELECT row_number() OVER () AS k, a FROM (
		SELECT a FROM generate_series(20000000, 20200000) AS a
		JOIN follow_graph.cluster_map() AS m ON m.part = follow_graph.partition_hash(a) & (SELECT count(*) - 1 FROM follow_graph.cluster_map())
		WHERE m.node_part = 2 LIMIT 1000) AS s;
	CREATE UNIQUE INDEX ON bench_live (k); CREATE UNIQUE INDEX ON bench_dead (k);
	SELECT follow_graph.drain();" >/dev/null
cat >"$tmp/storm.sql" <<'SQL'
\set i random(1, 100000)
\set j random(1, 1000)
SELECT follow_graph.follow((SELECT a FROM bench_live WHERE k = :i), (SELECT a FROM bench_dead WHERE k = :j));
SQL
$cluster stop node3
out=$(as_postgres "$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres -T "$secs" -c "$clients" -j 2 -f "$tmp/storm.sql" postgres 2>&1)
echo "$out" | grep -E '^(number of transactions actually processed|tps)'
journaled=$(( $($cluster psql node1 -At -c 'SELECT count(*) FROM follow_graph.node_journal') + $($cluster psql node2 -At -c 'SELECT count(*) FROM follow_graph.node_journal') ))
echo "journal entries waiting for node3: $journaled"
$cluster start >/dev/null
t0=$(date +%s.%N)
delivered=$(router -c 'SELECT follow_graph.drain()')
t1=$(date +%s.%N)
echo "drain(): $delivered entries in $(echo "$t1 - $t0" | bc) s, $(echo "$delivered / ($t1 - $t0)" | bc) entries/s"
router -c 'SELECT count(*) AS cluster_verify_rows FROM follow_graph.cluster_verify()'
