#!/bin/bash
# test/bench/proxy_states_window.sh: the window in which a node can read a
# stale relationship state, on the loopback cluster of test/proxy/cluster.sh
# (started beforehand).  For each of N blocks block(a, b), a on node1 and b
# on node2, the window is the time from the commit of the block on the
# blocker's node to the commit of its apply on the blocked account's node
# (until then, node2 would accept a follow of a by b), both read with
# pg_xact_commit_timestamp() (the script turns track_commit_timestamp on and
# restarts the nodes).  Three conditions:
#   immediate  router block() with its immediate delivery, 1 client, idle
#   storm      the same while CLIENTS clients follow through the router
#   drain      the immediate delivery lost (the block journaled on node1
#              only, as when node2 was unreachable), delivered by a drain()
#              loop every DRAIN_MS milliseconds
#   FG_PROXY_PORT=55400 bash test/bench/proxy_states_window.sh [N] [CLIENTS] [DRAIN_MS]
set -euo pipefail
n=${1:-200}
clients=${2:-8}
drain_ms=${3:-1000}
here=$(cd "$(dirname "$0")" && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
export PG_CONFIG
bin=$("$PG_CONFIG" --bindir)
port=${FG_PROXY_PORT:-55400}
cluster="bash $here/../proxy/cluster.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
router() { $cluster psql router -At "$@"; }

for nd in node1 node2 node3; do
	if [ "$($cluster psql $nd -At -c 'SHOW track_commit_timestamp')" != on ]; then
		$cluster psql $nd -c 'ALTER SYSTEM SET track_commit_timestamp = on'
		$cluster stop $nd
	fi
done
$cluster start >/dev/null

# Accounts: blockers on node1 (node_part 0), blocked on node2 (node_part 1),
# from a range of this run's own (blocks of earlier runs stay).
base=$(( 100000000 + (RANDOM % 10000) * 1000000 ))
router -c "DROP TABLE IF EXISTS win_pair;
	CREATE TABLE win_pair AS
	SELECT row_number() OVER () AS k, a.a, b.b FROM
		(SELECT row_number() OVER () AS r, a FROM generate_series($base, $base + 100000) AS a
		 JOIN follow_graph.cluster_map() AS m ON m.part = follow_graph.partition_hash(a) & (SELECT count(*) - 1 FROM follow_graph.cluster_map())
		 WHERE m.node_part = 0 LIMIT 3 * $n) AS a
	JOIN (SELECT row_number() OVER () AS r, a AS b FROM generate_series($base + 200000, $base + 300000) AS a
		 JOIN follow_graph.cluster_map() AS m ON m.part = follow_graph.partition_hash(a) & (SELECT count(*) - 1 FROM follow_graph.cluster_map())
		 WHERE m.node_part = 1 LIMIT 3 * $n) AS b USING (r);
	CREATE UNIQUE INDEX ON win_pair (k);
	DROP TABLE IF EXISTS win_storm;
	CREATE TABLE win_storm AS SELECT row_number() OVER () AS k, a FROM generate_series(50000000, 50100000) AS a;
	CREATE UNIQUE INDEX ON win_storm (k);
	SELECT follow_graph.drain();" >/dev/null

# window FIRST LAST: the windows of pairs FIRST..LAST, in milliseconds.
window() {
	local q="SELECT blocker, blocked, extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM follow_graph.block
		WHERE blocker BETWEEN $base AND $base + 100000"
	$cluster psql node1 -At -F ' ' -c "$q" >"$tmp/n1"
	$cluster psql node2 -At -F ' ' -c "$q" >"$tmp/n2"
	router -F ' ' -c "SELECT a, b FROM win_pair WHERE k BETWEEN $1 AND $2" >"$tmp/pairs"
	python3 - "$tmp" <<'PY'
import sys, statistics
d = sys.argv[1]
def load(f):
    return {(r[0], r[1]): float(r[2]) for r in (l.split() for l in open(f"{d}/{f}")) if len(r) == 3}
n1, n2 = load("n1"), load("n2")
w = sorted((n2[p] - n1[p]) * 1000 for p in (tuple(l.split()) for l in open(f"{d}/pairs")) if p in n1 and p in n2)
if not w:
    print("no pairs"); sys.exit()
q = lambda x: w[min(len(w) - 1, int(x * len(w)))]
print(f"{len(w)} blocks: median {statistics.median(w):.2f} ms, p95 {q(0.95):.2f} ms, max {w[-1]:.2f} ms")
PY
}

echo "== immediate (1 client, idle cluster)"
router -c "SELECT count(follow_graph.block(a, b)) FROM win_pair WHERE k BETWEEN 1 AND $n" >/dev/null
window 1 "$n"

echo "== storm ($clients clients following through the router)"
cat >"$tmp/storm.sql" <<'SQL'
\set i random(1, 100000)
\set j random(1, 100000)
SELECT follow_graph.follow((SELECT a FROM win_storm WHERE k = :i), (SELECT a FROM win_storm WHERE k = :j));
SQL
# The storm runs for STORM_SECS (default 20) seconds; the blocks start after
# 2 and must end before it does (checked).
storm_secs=${STORM_SECS:-20}
as_postgres "$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres -c "$clients" -j 2 -T "$storm_secs" -f "$tmp/storm.sql" postgres >"$tmp/storm.log" 2>&1 &
storm=$!
sleep 2
start=$(date +%s)
router -c "SELECT count(follow_graph.block(a, b)) FROM win_pair WHERE k BETWEEN $n + 1 AND 2 * $n" >/dev/null
[ $(( $(date +%s) - start + 2 )) -lt "$storm_secs" ] || echo "warning: the blocks outlasted the storm; raise STORM_SECS"
wait "$storm" || true
grep -E '^(tps|number of transactions actually processed)' "$tmp/storm.log" || true
window $((n + 1)) $((2 * n))

echo "== drain (no immediate delivery; drain() every $drain_ms ms)"
# Acknowledge what the immediate deliveries left first, so that each drain()
# below only has this phase's entries.
router -c 'SELECT follow_graph.drain()' >/dev/null
(
	while true; do
		router -c 'SELECT follow_graph.drain()' >/dev/null 2>&1 || true
		sleep "$(echo "$drain_ms / 1000" | bc -l)"
	done
) &
drainer=$!
router -F ' ' -c "SELECT a, b FROM win_pair WHERE k BETWEEN 2 * $n + 1 AND 3 * $n ORDER BY k" |
while read -r a b; do
	$cluster psql node1 -At -c "SELECT count(*) FROM follow_graph.node_state_write('block', $a, $b, NULL, NULL, NULL)" >/dev/null
done
sleep "$(echo "2 * $drain_ms / 1000 + 1" | bc -l)"
kill "$drainer" 2>/dev/null || true
wait "$drainer" 2>/dev/null || true
window $((2 * n + 1)) $((3 * n))
