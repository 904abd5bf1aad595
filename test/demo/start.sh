#!/bin/bash
# Starts the throwaway demo cluster in /tmp/follow_graph_demo (as user
# postgres, port 5499, socket in that directory), loads a sample graph and
# prints the showcase.  Expects the extension to be installed already (the
# Quick-start command `bash test/run.sh demo` does that first).
#
# Works from a clone anywhere, including a directory the server user cannot
# enter (root's home, mode 0700): every command runs from the demo directory,
# and psql reads the SQL files from standard input, opened by the caller.
# A failing step ends the script non-zero with the step named.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${FG_DEMO_BIN:-/usr/lib/postgresql/15/bin}
dir=${FG_DEMO_DIR:-/tmp/follow_graph_demo}
port=${FG_DEMO_PORT:-5499}
step="starting"
trap 'echo "demo: FAILED at step: $step (server log: $dir/server.log)" >&2' ERR

run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_demo() { run "$bin/psql" -X -h "$dir" -p "$port" -U postgres -d demo -v ON_ERROR_STOP=1 "$@"; }

step="stop the previous demo cluster"
if [ -d "$dir/data" ]; then
	echo "== stopping the previous demo cluster in $dir"
	(cd / && run "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1) || true
fi
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
cd "$dir"

step="initdb and start PostgreSQL"
echo "== starting a throwaway PostgreSQL in $dir (port $port, runs as $(run id -un))"
run "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
	-o "-p $port -k $dir -c listen_addresses=''" start >/dev/null

step="create the demo database"
run "$bin/createdb" -h "$dir" -p "$port" -U postgres demo

step="load the sample graph (test/demo/sample_graph.sql)"
echo "== loading the sample graph"
psql_demo -q <"$here/sample_graph.sql"
echo

step="run the showcase (test/demo/showcase.sql)"
psql_demo <"$here/showcase.sql"

step="done"
cat <<MSG

== the demo cluster is still running:
   open psql on it:   runuser -u postgres -- $bin/psql -h $dir -p $port -d demo
   stop and remove:   runuser -u postgres -- $bin/pg_ctl -D $dir/data stop && rm -rf $dir
MSG
