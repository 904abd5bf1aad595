#!/bin/bash
# test/upgrade/run.sh: ALTER EXTENSION follow_graph UPDATE from every earlier
# release must give the catalog of a fresh install and keep the data.
#
#   bash test/upgrade/run.sh [OUTDIR]
#
# Runs against the server that psql reaches through the usual libpq
# environment (PGHOST, PGPORT, PGUSER: a superuser), with the current
# extension already installed there (make install puts every frozen
# follow_graph--X.sql and upgrade script next to the new one).  The earlier
# releases are found from the frozen install scripts sql/follow_graph--X.sql,
# so a new release is picked up without an edit here.  For each one:
#
#   1. a database with CREATE EXTENSION follow_graph VERSION 'X', data loaded
#      through the API (load.sql, then load-R.sql for each release R <= X:
#      the data of the features R added); verify() must be empty;
#   2. snapshot.sql (storage, counts, pages, sets, user tables, indexes), then
#      snapshot-R.sql for each release R <= X;
#   3. ALTER EXTENSION follow_graph UPDATE; the version must be the default;
#   4. snapshot.sql again: must be identical; verify() must be empty; a few
#      writes through the new API must keep verify() empty;
#   5. catalog.sql of that database must equal catalog.sql of a database
#      with a fresh CREATE EXTENSION follow_graph.
#
# The scripts not released yet (the install script of the current version,
# and the upgrade script that the update from the newest release runs) run
# under event triggers (ddl_log.sql): each function, aggregate, table,
# index, view and sequence must be created once, in its final form, and not
# dropped later in the same script (ddl_once.sql).
#
# Any difference is printed as a unified diff and fails the run (exit 1).
# psql is taken from $PSQL or PATH; SQL files are fed on stdin so the server
# user needs no access to the tree.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/follow_graph_upgrade.XXXXXX")}
mkdir -p "$out"
psql=${PSQL:-psql}
current=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$top/follow_graph.control")
failed=0

q() { PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "upgrade: FAILED: $*"; failed=1; }
# The releases R <= $1 that have a file $2-R.sql here (data of the features
# R added), in version order.
since() {
	local f r
	for f in "$here/$2"-*.sql; do
		[ -e "$f" ] || continue
		r=${f##*/$2-}; r=${r%.sql}
		[ "$(printf '%s\n%s\n' "$r" "$1" | sort -V | tail -1)" = "$1" ] && echo "$r"
	done | sort -V
}
# After a script run under ddl_log.sql: fail if it created an object more
# than once (CREATE OR REPLACE included) or created and then dropped one.
once() {
	local twice
	twice=$(q -d "$1" -At -f - <"$here/ddl_once.sql")
	if [ -n "$twice" ]; then
		echo "$twice"
		fail "$2 creates the objects above more than once (or creates, then drops them): create each once, in its final form"
	fi
}
# snapshot.sql, then snapshot-R.sql for every release R up to $2.
snapshot() {
	local r
	q -d "$1" -At -f - <"$here/snapshot.sql"
	for r in $(since "$2" snapshot); do q -d "$1" -At -f - <"$here/snapshot-$r.sql"; done
}

# The earlier releases: frozen follow_graph--X.sql (not upgrade scripts
# follow_graph--X--Y.sql), in version order, the current one excluded.
releases=()
for f in "$top"/sql/follow_graph--*.sql; do
	v=${f##*/follow_graph--}; v=${v%.sql}
	case $v in *--*) continue ;; esac
	[ "$v" = "$current" ] || releases+=("$v")
done
if [ ${#releases[@]} -eq 0 ]; then
	echo "upgrade: no earlier release in sql/ (nothing to test)"; exit 1
fi
mapfile -t releases < <(printf '%s\n' "${releases[@]}" | sort -V)
echo "upgrade: current version $current; earlier releases: ${releases[*]}"

q -d postgres -c 'DROP DATABASE IF EXISTS fg_upgrade_fresh' -c 'CREATE DATABASE fg_upgrade_fresh'
q -d fg_upgrade_fresh -f - <"$here/ddl_log.sql"
q -d fg_upgrade_fresh -c 'CREATE EXTENSION follow_graph'
once fg_upgrade_fresh "the install script of $current"
q -d fg_upgrade_fresh -At -f - <"$here/catalog.sql" >"$out/catalog-fresh.txt"

for v in "${releases[@]}"; do
	db=fg_upgrade_from_$(echo "$v" | tr -c 'a-zA-Z0-9\n' '_')
	echo "upgrade: $v -> $current in database $db"
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	q -d "$db" -c "CREATE EXTENSION follow_graph VERSION '$v'"
	if [ "$(q -d "$db" -At -c "SELECT count(*) FROM pg_extension_update_paths('follow_graph')
			WHERE source = '$v' AND target = '$current' AND path IS NOT NULL")" != 1 ]; then
		fail "no update path from $v to $current"; continue
	fi
	q -d "$db" -f - <"$here/load.sql" >"$out/load-$v.txt" 2>&1 \
		|| { cat "$out/load-$v.txt"; fail "loading data into $v"; continue; }
	# Data of later features: load-R.sql for every release R up to v.
	for r in $(since "$v" load); do
		q -d "$db" -f - <"$here/load-$r.sql" >>"$out/load-$v.txt" 2>&1 \
			|| { cat "$out/load-$v.txt"; fail "loading the $r data into $v"; continue 2; }
	done
	problems=$(q -d "$db" -At -c 'SELECT count(*) FROM follow_graph.verify()')
	[ "$problems" = 0 ] || fail "verify() reports $problems problems on $v before the update"
	snapshot "$db" "$v" >"$out/data-$v-before.txt"
	# The update from the newest release runs only scripts not released yet.
	newest=$([ "$v" = "${releases[-1]}" ] && echo yes || echo no)
	if [ $newest = yes ]; then q -d "$db" -f - <"$here/ddl_log.sql"; fi
	q -d "$db" -c 'ALTER EXTENSION follow_graph UPDATE'
	if [ $newest = yes ]; then once "$db" "the update from $v"; fi
	got=$(q -d "$db" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'follow_graph'")
	[ "$got" = "$current" ] || fail "after the update from $v the version is $got, not $current"
	snapshot "$db" "$v" >"$out/data-$v-after.txt"
	if ! diff -u "$out/data-$v-before.txt" "$out/data-$v-after.txt" >"$out/data-$v.diff"; then
		head -100 "$out/data-$v.diff"
		fail "the data changed in the update from $v"
	fi
	q -d "$db" -At -c 'SELECT account, problem FROM follow_graph.verify()' >"$out/verify-$v.txt"
	[ ! -s "$out/verify-$v.txt" ] || { cat "$out/verify-$v.txt"; fail "verify() after the update from $v"; }
	# The updated extension must keep working: writes, then verify() again.
	q -d "$db" -At >"$out/writes-$v.txt" <<'SQL' || fail "writes after the update from $v"
SET search_path = follow_graph, public;
SELECT follow(5000, 5001), follow(5001, 5000), unfollow(1000, 1001), follow(1, 2), unfollow(2, 1);
SELECT remove_account(75);
SELECT count(*) FROM follow_graph.verify();
SQL
	[ "$(tail -1 "$out/writes-$v.txt")" = 0 ] || { cat "$out/writes-$v.txt"; fail "verify() after writes on the update from $v"; }
	q -d "$db" -At -f - <"$here/catalog.sql" >"$out/catalog-from-$v.txt"
	if ! diff -u "$out/catalog-fresh.txt" "$out/catalog-from-$v.txt" >"$out/catalog-$v.diff"; then
		echo "--- fresh install of $current"
		echo "+++ updated from $v"
		cat "$out/catalog-$v.diff"
		fail "the catalog after the update from $v differs from a fresh install of $current"
	fi
	q -d postgres -c "DROP DATABASE $db"
done
q -d postgres -c 'DROP DATABASE fg_upgrade_fresh'
lines=$(wc -l <"$out/catalog-fresh.txt")
if [ $failed -ne 0 ]; then
	echo "upgrade: FAILED (files in $out)"; exit 1
fi
echo "upgrade: ${#releases[@]} release(s) updated to $current: data kept, verify() empty, catalog ($lines lines) identical to a fresh install"
