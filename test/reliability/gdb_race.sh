#!/bin/bash
# test/reliability/gdb_race.sh: the set-up the gdb race scripts here share
# (bound_walk_race.sh, probe_vm_race.sh, kf_kept_race.sh,
# owner_ids_cancel.sh), sourced by them.
#
# race_env NAME DB  PGHOST, PGPORT and PGUSER of test/dev.sh NAME's cluster
#                   exported with PGDATABASE=DB; top (the tree), BIN (the
#                   server's bin directory) and P (psql -X -At -q) set
# race_fresh_db DB  DB dropped if it exists and created empty
# waitfor COND      COND evaluated every 0.2 s until true, at most
#                   $race_wait_tries times (default 150); then the files named
#                   in $race_release are created (so that backends stopped
#                   on them go on), the time-out reported, and exit 2

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

waitfor() {
	for _ in $(seq "${race_wait_tries:-150}"); do eval "$1" && return 0; sleep 0.2; done
	# shellcheck disable=SC2086 # paths under mktemp -d: no spaces
	[ -z "${race_release:-}" ] || touch $race_release
	echo "FAIL: timed out waiting for: $1 (see $D)"
	exit 2
}
