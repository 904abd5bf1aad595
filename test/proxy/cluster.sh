#!/bin/bash
# test/proxy/cluster.sh: a 3-node follow_graph cluster and its router on
# loopback, for trying the scale-out (docs/scale-out.md) on one machine.
#
#   bash test/proxy/cluster.sh start    initdb (first time) and start 3 data
#                                       nodes and a router, install follow_graph
#                                       on the nodes and follow_graph_proxy on
#                                       the router, configure the cluster
#   bash test/proxy/cluster.sh psql [router|node1|node2|node3] [psql args]
#   bash test/proxy/cluster.sh stop [node1|node2|node3|router]   (all by default)
#   bash test/proxy/cluster.sh env      print the ports and the router's psql command
#
# Environment: FG_PROXY_BASE (data directories; default
# $TMPDIR/follow_graph_cluster), FG_PROXY_PORT (the router's port; the nodes
# take the next three; default 55400), PG_CONFIG (the server to use; default
# Debian's PostgreSQL 15, which has postgresql-15-plproxy), FG_PROXY_PARTITIONS
# (default 256).  follow_graph must be installed into that server first
# (make install), and PL/Proxy with it.  The servers run as user postgres
# (the script switches to it when run as root), trust authentication on
# 127.0.0.1 only.
set -euo pipefail
cmd=${1:-start}
shift || true
base=${FG_PROXY_BASE:-${TMPDIR:-/tmp}/follow_graph_cluster}
port=${FG_PROXY_PORT:-55400}
parts=${FG_PROXY_PARTITIONS:-256}
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$("$PG_CONFIG" --bindir)
names=(router node1 node2 node3)

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# port_of NAME: router = $port, nodeN = $port + N.
port_of() {
	case $1 in
	router) echo "$port" ;;
	node[1-3]) echo $((port + ${1#node})) ;;
	*) echo "unknown server $1 (router, node1, node2 or node3)" >&2; exit 2 ;;
	esac
}

sql() {
	local name=$1
	shift
	as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$name")" -U postgres -d postgres "$@"
}

start() {
	if [ ! -e "$("$PG_CONFIG" --pkglibdir)/plproxy.so" ]; then
		echo "PL/Proxy is not installed for $("$PG_CONFIG" --version) (Debian: apt-get install postgresql-15-plproxy)" >&2
		exit 1
	fi
	mkdir -p "$base"
	chown postgres "$base" 2>/dev/null || true
	local fresh=()
	for n in "${names[@]}"; do
		if [ ! -d "$base/$n" ]; then
			as_postgres "$bin/initdb" -D "$base/$n" -A trust -U postgres >/dev/null
			fresh+=("$n")
		fi
		if ! as_postgres "$bin/pg_ctl" -D "$base/$n" status >/dev/null 2>&1; then
			as_postgres "$bin/pg_ctl" -D "$base/$n" -l "$base/$n.log" -w \
				-o "-p $(port_of "$n") -k $base -c listen_addresses=127.0.0.1" start >/dev/null
		fi
	done
	[ ${#fresh[@]} -gt 0 ] || { echo "cluster already set up in $base"; return 0; }
	for n in node1 node2 node3; do
		sql "$n" -c 'CREATE EXTENSION IF NOT EXISTS follow_graph'
	done
	sql router -c 'CREATE EXTENSION IF NOT EXISTS follow_graph_proxy CASCADE'
	sql router -c "SELECT * FROM follow_graph.cluster_configure(ARRAY[
		'host=127.0.0.1 port=$(port_of node1) dbname=postgres',
		'host=127.0.0.1 port=$(port_of node2) dbname=postgres',
		'host=127.0.0.1 port=$(port_of node3) dbname=postgres'], $parts)"
	echo "router: psql -h 127.0.0.1 -p $port -U postgres postgres"
}

case $cmd in
start) start ;;
stop)
	for n in "${@:-${names[@]}}"; do
		port_of "$n" >/dev/null
		if [ -d "$base/$n" ]; then
			as_postgres "$bin/pg_ctl" -D "$base/$n" -m fast stop >/dev/null 2>&1 || true
		fi
	done ;;
psql)
	target=${1:-router}
	shift || true
	sql "$target" "$@" ;;
env)
	for n in "${names[@]}"; do echo "$n port $(port_of "$n")"; done
	echo "psql -h 127.0.0.1 -p $port -U postgres postgres" ;;
*)
	echo "usage: test/proxy/cluster.sh start|stop|psql|env" >&2
	exit 2 ;;
esac
