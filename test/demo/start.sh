#!/bin/bash
# Starts the throwaway demo cluster in /tmp/follow_graph_demo (as user
# postgres, port 5499, socket in that directory), loads a sample graph and
# prints the showcase.  Expects the extension to be installed already (the
# Quick-start command `bash test/run.sh demo` does that first).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=/usr/lib/postgresql/15/bin
dir=${FG_DEMO_DIR:-/tmp/follow_graph_demo}
port=${FG_DEMO_PORT:-5499}

run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ -d "$dir/data" ]; then
	echo "== stopping the previous demo cluster in $dir"
	run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$dir"
fi
mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
echo "== starting a throwaway PostgreSQL 15 in $dir (port $port, runs as $(run id -un))"
run "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
	-o "-p $port -k $dir -c listen_addresses=''" start >/dev/null
run "$bin/createdb" -h "$dir" -p "$port" -U postgres demo

echo "== loading the sample graph"
run "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d demo -v ON_ERROR_STOP=1 -f "$here/sample_graph.sql"
echo
run "$bin/psql" -X -h "$dir" -p "$port" -U postgres -d demo -v ON_ERROR_STOP=1 -f "$here/showcase.sql"

cat <<MSG

== the demo cluster is still running:
   open psql on it:   runuser -u postgres -- psql -h $dir -p $port -d demo
   stop and remove:   runuser -u postgres -- $bin/pg_ctl -D $dir/data stop && rm -rf $dir
MSG
