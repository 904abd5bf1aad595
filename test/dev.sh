#!/bin/bash
# test/dev.sh: a private PostgreSQL 15 for one developer or helper, so that
# several work trees can build, install and test at once on one machine
# without overwriting each other's installed extension.
#
#   bash test/dev.sh NAME check [make variables]   install into NAME's copy, run installcheck
#   bash test/dev.sh NAME install                  build and install only
#   bash test/dev.sh NAME psql [args]              psql on NAME's cluster
#   bash test/dev.sh NAME stop                     stop NAME's cluster
#
# NAME's copy of the server lives in /work/pg/NAME (made from the system
# install on first use); its cluster runs as user postgres on a port derived
# from NAME.  Run as root from the top of a work tree.
set -euo pipefail
name=${1:?usage: test/dev.sh NAME check|install|psql|stop}
cmd=${2:-check}
shift 2 || true
top=$(cd "$(dirname "$0")/.." && pwd)
base=/work/pg/$name
bin=$base/usr/lib/postgresql/15/bin
port=$((5500 + $(echo -n "$name" | cksum | cut -d' ' -f1) % 400))
sock=$base/sock
data=$base/data

if [ ! -x "$bin/postgres" ]; then
	mkdir -p "$base/usr/lib/postgresql" "$base/usr/share/postgresql" "$base/usr/include"
	cp -a /usr/lib/postgresql/15 "$base/usr/lib/postgresql/"
	cp -a /usr/share/postgresql/15 "$base/usr/share/postgresql/"
	ln -sfn /usr/include/postgresql "$base/usr/include/postgresql"
fi
export PG_CONFIG=$bin/pg_config

start() {
	mkdir -p "$sock"; chown postgres "$base" "$sock"
	if [ ! -d "$data" ]; then
		runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
	fi
	if ! runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w \
			-o "-p $port -k $sock -c listen_addresses=''" start >/dev/null
	fi
}

case "$cmd" in
install)
	make -C "$top" -s PG_CONFIG="$PG_CONFIG" install ;;
check)
	make -C "$top" -s PG_CONFIG="$PG_CONFIG" install
	start
	chmod -R a+rwX "$top"
	runuser -u postgres -- env PGHOST="$sock" PGPORT="$port" PGUSER=postgres \
		make -C "$top" PG_CONFIG="$PG_CONFIG" installcheck "$@" ;;
psql)
	start
	runuser -u postgres -- "$bin/psql" -h "$sock" -p "$port" -U postgres "$@" ;;
stop)
	runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast stop ;;
*)
	echo "unknown command $cmd" >&2; exit 2 ;;
esac
