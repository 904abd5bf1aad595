#!/bin/bash
# test/reliability/lib.sh: a private PostgreSQL 15 for the heavy reliability
# runs (sanitizers, sqlsmith, write storm), so that they never touch the
# system installation or another cluster.  Sourced by the scripts here.
#
# rel_init NAME   a copy of the system PostgreSQL 15 under $FG_REL_BASE/NAME
# rel_build       build the extension from a copy of the tree and install it
#                 into the private copy ($FG_EXTRA_CFLAGS passes through)
# rel_start       initdb if needed and start the cluster ($REL_SERVER_ENV
#                 is put in the server's environment)
# rel_psql ...    psql on the private cluster as postgres
# rel_stop        stop it
set -euo pipefail
rel_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FG_REL_BASE=${FG_REL_BASE:-/tmp/follow_graph_reliability}

rel_init() {
	rel_name=$1
	rel_base=$FG_REL_BASE/$rel_name
	rel_bin=$rel_base/usr/lib/postgresql/15/bin
	rel_port=$((6000 + $(echo -n "$rel_name" | cksum | cut -d' ' -f1) % 400))
	rel_sock=$rel_base/sock
	rel_data=$rel_base/data
	rel_log=$rel_base/server.log
	if [ ! -x "$rel_bin/postgres" ]; then
		mkdir -p "$rel_base/usr/lib/postgresql" "$rel_base/usr/share/postgresql" "$rel_base/usr/include"
		cp -a /usr/lib/postgresql/15 "$rel_base/usr/lib/postgresql/"
		cp -a /usr/share/postgresql/15 "$rel_base/usr/share/postgresql/"
		ln -sfn /usr/include/postgresql "$rel_base/usr/include/postgresql"
	fi
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
	runuser -u postgres -- env ${REL_SERVER_ENV:-} "$rel_bin/pg_ctl" -D "$rel_data" -l "$rel_log" -w \
		-o "-p $rel_port -k $rel_sock -c listen_addresses='' ${REL_SERVER_OPTS:-}" start >/dev/null
}

rel_psql() {
	runuser -u postgres -- "$rel_bin/psql" -X -q -h "$rel_sock" -p "$rel_port" -U postgres "$@"
}

rel_stop() {
	runuser -u postgres -- "$rel_bin/pg_ctl" -D "$rel_data" -m fast stop >/dev/null || true
}
