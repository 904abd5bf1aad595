#!/bin/bash
# test/bench/account_writers.sh: deactivate_account() and reactivate_account()
# of an account with many followers against remove_account() of the same
# account (issue 12: within 2x), in one run, alternated, medians reported.
#
#   bash test/bench/account_writers.sh [--followers N] [--reps R] [--db NAME]
#
# The graph: account 1 followed by N accounts (default 100,000), following
# N/10 of them back (mutual pairs), and every follower following 2 other
# followers (2N background edges).  Each timed call runs in its own
# transaction that is rolled back, so every run starts from the same graph:
#   deactivate    BEGIN; deactivate_account(1); ROLLBACK   (account active)
#   remove        BEGIN; remove_account(1); ROLLBACK       (account active)
#   reactivate    BEGIN; reactivate_account(1); ROLLBACK   (account deactivated
#                 beforehand, committed; reactivated again after the run)
# with a VACUUM of the storage between rounds.  The server is whatever the
# standard PG* variables name (a superuser).
set -euo pipefail
followers=100000 reps=5 db=fg_bench_account
while [ $# -gt 0 ]; do
	case $1 in
		--followers) followers=$2; shift 2 ;;
		--reps) reps=$2; shift 2 ;;
		--db) db=$2; shift 2 ;;
		*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q <<SQL
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
CREATE TABLE bench_src AS
	SELECT g::bigint AS follower, 1::bigint AS followee FROM generate_series(2, $followers + 1) AS g
	UNION ALL SELECT 1, g FROM generate_series(2, $followers + 1, 10) AS g
	UNION ALL SELECT g, 2 + (g * 7919 + k * 104729) % $followers
		FROM generate_series(2, $followers + 1) AS g, generate_series(1, 2) AS k
		WHERE 2 + (g * 7919 + k * 104729) % $followers <> g;
SELECT follow_graph.import_edges('bench_src');
VACUUM ANALYZE;
SQL
echo "graph: $(q -At -c 'SELECT count(*) FROM follow_graph.edge') edges;" \
	"account 1: $(q -At -c 'SELECT follow_graph.follower_count(1)') followers," \
	"$(q -At -c 'SELECT follow_graph.following_count(1)') following"

# One timed call inside a rolled-back transaction: milliseconds.
timed() {
	q -At <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
BEGIN;
\timing on
SELECT $1;
\timing off
ROLLBACK;
SQL
}

declare -A runs
for ((r = 1; r <= reps; r++)); do
	runs[deactivate]+="$(timed 'follow_graph.deactivate_account(1)') "
	runs[remove]+="$(timed 'follow_graph.remove_account(1)') "
	q -c 'SELECT follow_graph.deactivate_account(1)' >/dev/null
	runs[reactivate]+="$(timed 'follow_graph.reactivate_account(1)') "
	q -c 'SELECT follow_graph.reactivate_account(1)' >/dev/null
	q -c 'VACUUM follow_graph.edge, follow_graph.hidden_edge, follow_graph.counter, follow_graph.account_state' 
done
[ "$(q -At -c 'SELECT count(*) FROM follow_graph.verify()')" = 0 ] || { echo "verify() found problems" >&2; exit 1; }

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
rm_ms=$(echo "${runs[remove]}" | median)
printf '%-20s %12s %8s   %s\n' call "median ms" "x remove" "runs (ms)"
for op in remove deactivate reactivate; do
	m=$(echo "${runs[$op]}" | median)
	printf '%-20s %12.1f %8.2f   %s\n' "$op" "$m" "$(echo "$m / $rm_ms" | bc -l)" "${runs[$op]}"
done
psql -X -q -d postgres -c "DROP DATABASE $db"
