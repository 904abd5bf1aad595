#!/bin/bash
# test/reliability/lib.sh: a private PostgreSQL for the heavy reliability
# runs (sanitizers, sqlsmith, write storm), so that they never touch the
# system installation or another cluster.  Sourced by the scripts here.
#
# FG_PG picks the server: 15 (default) is a copy of Debian's PostgreSQL 15;
# 18 is a copy of the assert-enabled PostgreSQL 18 that test/cassert/build.sh
# builds and caches (make sqlsmith PG=18), whose server log is also checked
# for failed assertions and memory-context errors (rel_log_problems).
#
# rel_init NAME   a copy of the server under $FG_REL_BASE/NAME (NAME-18 for 18),
#                 default $TMPDIR/follow_graph_reliability; the port is derived
#                 from NAME unless $FG_REL_PORT is set (the socket is private)
# rel_build       build the extension from a copy of the tree and install it
#                 into the private copy ($FG_EXTRA_CFLAGS passes through)
# rel_start       initdb if needed and start the cluster unless it runs ($REL_SERVER_ENV
#                 is put in the server's environment)
# rel_psql ...    psql on the private cluster as postgres
# rel_stop        stop it
set -euo pipefail
rel_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FG_REL_BASE=${FG_REL_BASE:-${TMPDIR:-/tmp}/follow_graph_reliability}
FG_PG=${FG_PG:-15}

rel_init() {
	rel_name=$1
	case $FG_PG in
	15)
		rel_base=$FG_REL_BASE/$rel_name
		rel_bin=$rel_base/usr/lib/postgresql/15/bin
		if [ ! -x "$rel_bin/postgres" ]; then
			mkdir -p "$rel_base/usr/lib/postgresql" "$rel_base/usr/share/postgresql" "$rel_base/usr/include"
			cp -a /usr/lib/postgresql/15 "$rel_base/usr/lib/postgresql/"
			cp -a /usr/share/postgresql/15 "$rel_base/usr/share/postgresql/"
			ln -sfn /usr/include/postgresql "$rel_base/usr/include/postgresql"
		fi ;;
	18)
		# A copy of the cached cassert build, renewed when the cache moves on.
		local prefix
		prefix=$(bash "$rel_top/test/cassert/build.sh")
		rel_base=$FG_REL_BASE/$rel_name-18
		rel_bin=$rel_base/inst/bin
		if [ "$(cat "$rel_base/inst.from" 2>/dev/null)" != "$prefix" ]; then
			[ ! -f "$rel_base/data/postmaster.pid" ] || rel_stop
			rm -rf "$rel_base/inst" "$rel_base/data"
			mkdir -p "$rel_base/inst"
			cp -a "$prefix/." "$rel_base/inst/"
			echo "$prefix" >"$rel_base/inst.from"
		fi ;;
	*)
		echo "FG_PG must be 15 or 18, not $FG_PG" >&2; exit 2 ;;
	esac
	rel_port=${FG_REL_PORT:-$((6000 + $(echo -n "$rel_name$FG_PG" | cksum | cut -d' ' -f1) % 400))}
	rel_sock=$rel_base/sock
	rel_data=$rel_base/data
	rel_log=$rel_base/server.log
	mkdir -p "$rel_sock"
	chown postgres "$rel_base" "$rel_sock"
}

rel_build() {
	local src=$rel_base/src
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$rel_top" && git ls-files -z | xargs -0 cp --parents -t "$src")
	make -C "$src" -s PG_CONFIG="$rel_bin/pg_config" FG_EXTRA_CFLAGS="${FG_EXTRA_CFLAGS:-}" all install
	chmod -R a+rwX "$src"
}

rel_start() {
	if [ ! -d "$rel_data" ]; then
		runuser -u postgres -- "$rel_bin/initdb" -D "$rel_data" -A trust -U postgres >/dev/null
	fi
	if runuser -u postgres -- "$rel_bin/pg_ctl" -D "$rel_data" status >/dev/null 2>&1; then
		return 0
	fi
	runuser -u postgres -- env ${REL_SERVER_ENV:-} "$rel_bin/pg_ctl" -D "$rel_data" -l "$rel_log" -w \
		-o "-p $rel_port -k $rel_sock -c listen_addresses='' ${REL_SERVER_OPTS:-}" start >/dev/null
}

rel_psql() {
	runuser -u postgres -- "$rel_bin/psql" -X -q -h "$rel_sock" -p "$rel_port" -U postgres "$@"
}

rel_stop() {
	runuser -u postgres -- "$rel_bin/pg_ctl" -D "$rel_data" -m fast stop >/dev/null 2>&1 || true
}

# rel_log_problems: the lines of the server log that show a crashed backend,
# a failed assertion, a PANIC or a memory-context check failure (the last
# two kinds appear only on the assert-enabled 18).
rel_log_problems() {
	grep -E 'detected write past chunk end|TRAP:|WARNING:  problem in alloc set|server process .* was terminated by signal|PANIC' \
		"$rel_log" 2>/dev/null || true
}
