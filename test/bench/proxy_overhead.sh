#!/bin/bash
# test/bench/proxy_overhead.sh: the router's overhead per call against a
# direct call to a data node, on the loopback cluster of test/proxy/cluster.sh
# (started beforehand).  One client, ROUNDS interleaved rounds of SECS seconds
# per case; prints the median transactions per second of each case.
#   FG_PROXY_PORT=55400 bash test/bench/proxy_overhead.sh [ROUNDS] [SECS]
set -euo pipefail
rounds=${1:-3}
secs=${2:-5}
port=${FG_PROXY_PORT:-55400}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$("$PG_CONFIG" --bindir)
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cat >"$tmp/read.sql" <<'SQL'
\set a random(1, 100000)
SELECT follow_graph.follower_count(:a);
SQL
cat >"$tmp/write.sql" <<'SQL'
\set a random(1, 100000)
\set b random(1, 100000)
SELECT follow_graph.follow(:a, :b) WHERE :a <> :b;
SQL
# case NAME PORT SCRIPT: one pgbench run, prints its tps.
run() {
	as_postgres "$bin/pgbench" -n -h 127.0.0.1 -p "$2" -U postgres -T "$secs" -c 1 -f "$tmp/$3" postgres 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
declare -A res
for r in $(seq "$rounds"); do
	res[read_node]+="$(run read_node $((port + 1)) read.sql) "
	res[read_router]+="$(run read_router "$port" read.sql) "
	res[write_node]+="$(run write_node $((port + 1)) write.sql) "
	res[write_router]+="$(run write_router "$port" write.sql) "
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for k in read_node read_router write_node write_router; do
	echo "$k tps: ${res[$k]} median $(echo "${res[$k]}" | median)"
done
echo "journal rows left: $(as_postgres "$bin/psql" -X -At -h 127.0.0.1 -p "$port" -U postgres postgres -c 'SELECT follow_graph.drain()') delivered by drain()"
