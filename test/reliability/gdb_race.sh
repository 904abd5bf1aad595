#!/bin/bash
# test/reliability/gdb_race.sh: the set-up the gdb race scripts here share
# (bound_walk_race.sh, probe_vm_race.sh, kf_kept_race.sh,
# owner_ids_cancel.sh), sourced by them.
#
# race_env NAME DB  PGHOST, PGPORT and PGUSER of test/dev.sh NAME's cluster
#                   exported with PGDATABASE=DB; top (the tree), BIN (the
#                   server's bin directory) and P (psql -X -At -q) set
# race_fresh_db DB  DB dropped if it exists and created empty

race_env() {
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	eval "$(bash "$top/test/dev.sh" "$1" env)"
	BIN=$(dirname "$PG_CONFIG")
	export PGHOST PGPORT PGUSER PGDATABASE=$2
	P="$BIN/psql -X -At -q"
}

race_fresh_db() {
	$P -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}
