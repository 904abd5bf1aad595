#!/bin/bash
# test/dev.sh: a private PostgreSQL for one developer or helper, so that
# several work trees can build, install and test at once on one machine
# without overwriting each other's installed extension.  The cluster
# machinery is test/reliability/lib.sh's (shared with the heavy runs).
#
#   bash test/dev.sh NAME check [make variables]   install into NAME's copy, run installcheck
#                                                  (REGRESS= or ISOLATION= alone: no TAP tests
#                                                  unless TAP_TESTS=1; FG_EXTRA_CFLAGS= reaches
#                                                  the build as well)
#   bash test/dev.sh NAME install                  build and install only
#   bash test/dev.sh NAME psql [args]              psql on NAME's cluster
#   bash test/dev.sh NAME stop                     stop NAME's cluster
#   bash test/dev.sh NAME env                      print PG_CONFIG, PGHOST, PGPORT, PGUSER
#
# FG_PG=18 uses a copy of the assert-enabled PostgreSQL 18 (test/cassert)
# instead of Debian's 15.  NAME's copy of the server lives in
# $FG_PG_BASE/NAME (NAME-18 for 18); FG_PG_BASE defaults to /work/pg when
# NAME already has a copy there (where earlier versions of this script put
# it), else to $TMPDIR/follow_graph_pg.  Its cluster runs as user postgres
# on a port derived from NAME, with its socket in the copy.  Run as root
# from the top of a work tree.
set -euo pipefail
name=${1:?usage: test/dev.sh NAME check|install|psql|stop|env}
cmd=${2:-check}
shift 2 || true
top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${FG_PG_BASE:-}" ]; then
	if [ -d "/work/pg/$name" ]; then FG_PG_BASE=/work/pg; else FG_PG_BASE=${TMPDIR:-/tmp}/follow_graph_pg; fi
fi
export FG_REL_BASE=$FG_PG_BASE
export FG_REL_PORT=${FG_REL_PORT:-$((5500 + $(echo -n "$name" | cksum | cut -d' ' -f1) % 400))}
source "$top/test/reliability/lib.sh"
rel_init "$name"
export PG_CONFIG=$rel_bin/pg_config

# Build in the work tree; objects built for another server are cleaned first.
install_here() {
	if [ "$(cat "$top/.dev_built_for" 2>/dev/null)" != "$PG_CONFIG" ]; then
		make -C "$top" -s PG_CONFIG="$PG_CONFIG" clean
	fi
	make -C "$top" -s PG_CONFIG="$PG_CONFIG" install
	echo "$PG_CONFIG" >"$top/.dev_built_for"
}

# make variables given to check: FG_EXTRA_CFLAGS must reach the build too,
# and naming REGRESS or ISOLATION without TAP_TESTS means no TAP tests (the
# TAP run takes minutes and is rarely what a focused check wants).
tap_given=0 focused=0
for arg in "$@"; do
	case "$arg" in
	FG_EXTRA_CFLAGS=*) export FG_EXTRA_CFLAGS="${arg#FG_EXTRA_CFLAGS=}" ;;
	TAP_TESTS=*) tap_given=1 ;;
	REGRESS=* | ISOLATION=*) focused=1 ;;
	esac
done
if [ "$cmd" = check ] && [ $focused -eq 1 ] && [ $tap_given -eq 0 ]; then
	set -- "$@" TAP_TESTS=
fi

case "$cmd" in
install)
	install_here ;;
check)
	install_here
	rel_start
	chmod -R a+rwX "$top"
	runuser -u postgres -- env PGHOST="$rel_sock" PGPORT="$rel_port" PGUSER=postgres \
		make -C "$top" PG_CONFIG="$PG_CONFIG" installcheck "$@" ;;
psql)
	rel_start
	runuser -u postgres -- "$rel_bin/psql" -h "$rel_sock" -p "$rel_port" -U postgres "$@" ;;
stop)
	runuser -u postgres -- "$rel_bin/pg_ctl" -D "$rel_data" -m fast stop ;;
env)
	printf 'PG_CONFIG=%s\nPGHOST=%s\nPGPORT=%s\nPGUSER=postgres\n' "$PG_CONFIG" "$rel_sock" "$rel_port" ;;
*)
	echo "unknown command $cmd" >&2; exit 2 ;;
esac
