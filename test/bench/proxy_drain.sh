#!/bin/bash
# test/bench/proxy_drain.sh: journal build-up while a node is down, the
# drain rate after it is back, and the journal lag under a storm with every
# node up, on the loopback cluster of test/proxy/cluster.sh (started
# beforehand).  CLIENTS clients follow for SECS seconds through the router,
# every follower on node1 or node2 and every followee on node3.
#
# Each round runs both node_apply() versions, interleaved: "per-entry" (the
# first slice's plpgsql loop, test/bench/proxy_drain_baseline.sql) and
# "set-based" (the installed one).  Per version and round:
#   outage: node3 stopped during the storm, so each acknowledged write
#           leaves one journal entry; node3 restarts and one drain()
#           delivers them (entries/s).
#   lag:    every node up, the same storm while a loop runs drain() back to
#           back; every 0.5 s the journals of node1 and node2 are sampled:
#           entries not yet acknowledged and the age of the oldest.
#   FG_PROXY_PORT=55400 bash test/bench/proxy_drain.sh [CLIENTS] [SECS] [ROUNDS]
set -euo pipefail
clients=${1:-16}
secs=${2:-10}
rounds=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
port=${FG_PROXY_PORT:-55400}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
bin=$("$PG_CONFIG" --bindir)
cluster="bash $here/../proxy/cluster.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
router() { $cluster psql router -At "$@"; }
nodes_sql() { for n in node1 node2 node3; do $cluster psql "$n" -At "$@"; done; }

# The installed node_apply(), put back on exit.
$cluster psql node1 -At -c "SELECT pg_get_functiondef('follow_graph.node_apply(bigint[],bigint[],boolean[],bigint[],timestamptz[])'::regprocedure) || ';'" >"$tmp/setbased.sql"
cp "$here/proxy_drain_baseline.sql" "$tmp/perentry.sql"
trap 'nodes_sql -f "$tmp/setbased.sql" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

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
\set f random(0, 3)
SELECT CASE WHEN :f > 0 THEN follow_graph.follow((SELECT a FROM bench_live WHERE k = :i), (SELECT a FROM bench_dead WHERE k = :j))
	ELSE follow_graph.unfollow((SELECT a FROM bench_live WHERE k = :i), (SELECT a FROM bench_dead WHERE k = :j)) END;
SQL
storm() {
	as_postgres "$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres -T "$secs" -c "$clients" -j 2 -f "$tmp/storm.sql" postgres 2>&1 |
		sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p'
}
journal() {
	$cluster psql node1 -At -c "SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(changed_at)), 0) FROM follow_graph.node_journal"
	$cluster psql node2 -At -c "SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(changed_at)), 0) FROM follow_graph.node_journal"
}

printf '%-9s %5s %8s %8s %8s %10s %9s %9s %9s %9s %8s\n' version round writes journal drain_s entries/s lag_writes max_len med_len max_age_s applied
for r in $(seq 1 "$rounds"); do
	for v in perentry setbased; do
		nodes_sql -f "$tmp/$v.sql" >/dev/null
		# outage
		$cluster stop node3
		w=$(storm)
		j=$(( $($cluster psql node1 -At -c 'SELECT count(*) FROM follow_graph.node_journal') + $($cluster psql node2 -At -c 'SELECT count(*) FROM follow_graph.node_journal') ))
		$cluster start >/dev/null
		t0=$(date +%s.%N)
		d=$(router -c 'SELECT follow_graph.drain()')
		t1=$(date +%s.%N)
		ds=$(echo "$t1 - $t0" | bc)
		rate=$(echo "$d / $ds" | bc)
		# lag
		: >"$tmp/samples"
		( while [ ! -e "$tmp/stop" ]; do router -c 'SELECT follow_graph.drain()' >/dev/null 2>&1 || true; done ) &
		dpid=$!
		( while [ ! -e "$tmp/stop" ]; do journal >>"$tmp/samples"; sleep 0.5; done ) &
		spid=$!
		lw=$(storm)
		touch "$tmp/stop"
		wait "$dpid" "$spid" || true
		rm -f "$tmp/stop"
		router -c 'SELECT follow_graph.drain()' >/dev/null
		maxlen=$(cut -d'|' -f1 "$tmp/samples" | sort -n | tail -1)
		medlen=$(cut -d'|' -f1 "$tmp/samples" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		maxage=$(cut -d'|' -f2 "$tmp/samples" | sort -g | tail -1 | xargs printf '%.2f')
		applied=$(nodes_sql -c 'SELECT count(*) FROM follow_graph.node_applied' | paste -sd+ | bc)
		printf '%-9s %5s %8s %8s %8s %10s %9s %9s %9s %9s %8s\n' "$v" "$r" "$w" "$j" "$ds" "$rate" "$lw" "$maxlen" "$medlen" "$maxage" "$applied"
	done
done
echo "cluster_verify rows: $(router -c 'SELECT count(*) FROM follow_graph.cluster_verify()')"
