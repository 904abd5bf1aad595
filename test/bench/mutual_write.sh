#!/bin/bash
# test/bench/mutual_write.sh: what maintaining the 0.3.0 storage (the mutual
# range and the covering followers index) costs follow() and unfollow().
#
#   bash test/bench/mutual_write.sh [--accounts N] [--runs R] [--seconds T] [--clients C]
#                                   [--old-lib NAME]
#
# The same library serves two databases with the same graph: one with the
# 0.2.0 catalog (no mutual range, no INCLUDE columns), one with 0.3.0.
# Each transaction is a follow() and the unfollow() of the same pair:
#   mutual: the reverse edge exists, so both calls change the mutual range;
#   plain:  no reverse edge, so only the covering index differs.
# With --old-lib NAME (a library built from another commit, copied beside
# this one as $libdir/NAME.so), both databases have the 0.3.0 catalog and
# the first one's follow() and unfollow() are re-pointed at NAME: the two
# sides are then that library and this one, on the same storage.
# pgbench runs alternate between the databases (A B A B ...); the medians
# and their ratio are printed.  synchronous_commit is off for the runs, so
# that the CPU of the calls is measured rather than the disk's flush time.  Connects with the usual PG* variables and
# drops its databases at the end.
set -euo pipefail
accounts=100000 runs=5 seconds=5 clients=1 old=
while [ $# -gt 0 ]; do
	case "$1" in
	--accounts) accounts=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--old-lib) old=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
PGBENCH=${PGBENCH:-pgbench}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/measure.sh"

for v in 0.2.0 0.3.0; do
	db=fg_mw_${v//./_}
	catalog=$v
	[ -z "$old" ] || catalog=0.3.0
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION follow_graph VERSION '$catalog';
-- a + N follows a (so that follow(a, a + N) makes a mutual pair), and a
-- background of ten follows per account
CREATE TABLE stage AS
	SELECT a + $accounts AS follower, a AS followee FROM generate_series(1::bigint, $accounts) AS a
	UNION ALL
	SELECT a, 1 + (a * 7919 + k * 104729) % (3 * $accounts)
	FROM generate_series(1::bigint, 3 * $accounts) AS a, generate_series(1, 10) AS k;
SELECT follow_graph.import_edges('stage');
DROP TABLE stage;
VACUUM ANALYZE;
SQL
	if [ -n "$old" ] && [ "$v" = 0.2.0 ]; then
		for f in follow unfollow; do
			psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "
			  CREATE OR REPLACE FUNCTION follow_graph.$f(follower bigint, followee bigint) RETURNS boolean
			  AS '\$libdir/$old', 'fg_$f' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
			  SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
		done
	fi
done
side() { if [ -z "$old" ]; then echo "$1 storage"; elif [ "$1" = 0.2.0 ]; then echo "library $old"; else echo "this library"; fi; }

cat > "$tmp/mutual.pgb" <<EOF2
\set a random(1, $accounts)
SELECT follow_graph.follow(:a, :a + $accounts);
SELECT follow_graph.unfollow(:a, :a + $accounts);
EOF2
cat > "$tmp/plain.pgb" <<EOF2
\set a random(1, $accounts)
SELECT follow_graph.follow(:a, :a + 2 * $accounts + 1);
SELECT follow_graph.unfollow(:a, :a + 2 * $accounts + 1);
EOF2

for w in mutual plain; do
	for v in 0.2.0 0.3.0; do : > "$tmp/$w-$v"; done
	for r in $(seq "$runs"); do
		for v in 0.2.0 0.3.0; do
			PGOPTIONS="-c synchronous_commit=off" "$PGBENCH" -n -M prepared -c "$clients" -j "$clients" -T "$seconds" \
				-f "$tmp/$w.pgb" "fg_mw_${v//./_}" 2>/dev/null |
				awk '/^tps = / { print $3 }' >> "$tmp/$w-$v"
		done
	done
	o=$(median < "$tmp/$w-0.2.0")
	n=$(median < "$tmp/$w-0.3.0")
	printf '%s follow+unfollow, %s client(s): %s %.0f tps (%s), %s %.0f tps (%s); the second takes %.2fx the time\n' \
		"$w" "$clients" "$(side 0.2.0)" "$o" "$(tr '\n' ' ' < "$tmp/$w-0.2.0")" \
		"$(side 0.3.0)" "$n" "$(tr '\n' ' ' < "$tmp/$w-0.3.0")" "$(awk -v o="$o" -v n="$n" 'BEGIN { print o / n }')"
done
for v in 0.2.0 0.3.0; do
	printf 'exact after the runs (%s): %s\n' "$v" \
		"$(psql -X -At -d "fg_mw_${v//./_}" -c "SELECT count(*) = 0 FROM follow_graph.verify()")"
	psql -X -q -d postgres -c "DROP DATABASE fg_mw_${v//./_}"
done
