#!/bin/bash
# test/bench/proxy_move.sh: time cluster_move_partition() of one partition
# on the loopback cluster of test/proxy/cluster.sh (3 nodes, a router).
#
#   bash test/bench/proxy_move.sh [accounts] [edges] [rounds]
#
# Loads a random graph (edges among accounts 1..accounts, written on each
# follower's node with node_write() and delivered by drain()), plus states
# on every node (blocks, private accounts with requests, mutes, items), then
# moves partition 0 round-robin to the next node `rounds` times and prints
# each move's time, the rows node_move_out() gave and cluster_verify()'s
# row count afterwards.  Uses FG_PROXY_PARTITIONS (default 16 here) and the
# other variables of test/proxy/cluster.sh.
set -euo pipefail
accounts=${1:-5000}
edges=${2:-40000}
rounds=${3:-3}
export FG_PROXY_PARTITIONS=${FG_PROXY_PARTITIONS:-16}
here=$(cd "$(dirname "$0")/../proxy" && pwd)
cl() { bash "$here/cluster.sh" "$@"; }
cl start >/dev/null
ports=$(cl env | awk '/^node[1-3] port/ {print $3}')

for n in 1 2 3; do
	cl psql node$n -qAt -c "
		SELECT count(w.changed) FROM (
			SELECT DISTINCT f, e FROM (
				SELECT 1 + (random() * ($accounts - 1))::bigint AS f,
					   1 + (random() * ($accounts - 1))::bigint AS e
				FROM generate_series(1, $edges)) AS r, follow_graph.node_config AS c
			WHERE f <> e AND (hashint8(f) & (c.partitions - 1)) = ANY (c.owned)) AS p,
			LATERAL follow_graph.node_write(p.f, p.e, true) AS w;" >/dev/null
done
cl psql router -qAt -c 'SELECT follow_graph.drain()' >/dev/null
# States through the router: blocks, private accounts, requests, mutes, items.
cl psql router -qAt -c "
	SELECT count(follow_graph.block(a, a + 7)) FROM generate_series(1, $accounts / 50) AS a;
	SELECT count(follow_graph.set_private(a, true)) FROM generate_series(100, 100 + $accounts / 100) AS a;
	SELECT count(follow_graph.follow(a + 1000, a)) FROM generate_series(100, 100 + $accounts / 100) AS a;
	SELECT count(follow_graph.mute(a, a + 3)) FROM generate_series(1, $accounts / 50) AS a;
	SELECT count(follow_graph.publish(a, a * 1000 + k)) FROM generate_series(1, $accounts / 10) AS a, generate_series(1, 3) AS k;
	SELECT follow_graph.drain();" >/dev/null

conn() { echo "host=127.0.0.1 port=$1 dbname=postgres"; }
for r in $(seq 1 "$rounds"); do
	cur=$(cl psql router -qAt -c "SELECT connstr FROM follow_graph.cluster_map() WHERE part = 0")
	next=""
	found=0
	for p in $ports $ports; do
		if [ $found = 1 ]; then next=$p; break; fi
		case "$cur" in *"port=$p "*) found=1 ;; esac
	done
	rows=$(cl psql router -qAt -c "SELECT count(*) FROM follow_graph.proxy_at_move_out('$cur', 0, false)")
	t0=$(date +%s.%N)
	copied=$(cl psql router -qAt -c "SET statement_timeout = 0; SELECT follow_graph.cluster_move_partition(0, '$(conn "$next")')")
	t1=$(date +%s.%N)
	bad=$(cl psql router -qAt -c 'SELECT count(*) FROM follow_graph.cluster_verify()')
	echo "round $r: partition 0 -> port $next: $(echo "$t1 - $t0" | bc) s, $rows rows moved ($copied edges new there), cluster_verify() rows: $bad"
done
