#!/bin/bash
# test/bench/write.sh: the write path at scale (issue 6), against the
# baseline schema a user would write for O(1) counts (write_baseline.sql).
#
#   bash test/bench/write.sh [--scale S] [--runs N] [--seconds T] [--clients C]
#                            [--only storm,follow,import,remove]
#
# Connects with the usual PG* environment variables, creates (and drops) its
# own database fg_bench_write, and prints one line per measurement plus the
# ratio against each target.  Scale 1 is the issue's full size: import of
# 10M edges over 2M accounts, remove_account of an account with 1M
# followers; --scale 0.1 measures a tenth of that.  pgbench workloads run N
# times for T seconds each and report the median.  After every workload the
# stored counts are compared with a recomputation from the edges.
#
# The baseline's DELETE of a celebrity is quadratic (its trigger updates the
# celebrity's one counter row once per edge, in one transaction: 131 s for
# 100k followers), so --only remove at scale 1 would take hours; measure it
# at --scale 0.1.  FG_BENCH_DB overrides the database name.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scale=1 runs=3 seconds=10 clients=16 only=storm,follow,import,remove
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
db=${FG_BENCH_DB:-fg_bench_write}
edges=$(awk -v s="$scale" 'BEGIN { printf "%d", 10000000 * s }')
accounts=$(awk -v s="$scale" 'BEGIN { printf "%d", 2000000 * s }')
celeb=$(awk -v s="$scale" 'BEGIN { printf "%d", 1000000 * s }')

q() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
. "$here/measure.sh"
check() {
	local r
	r=$(q -At -v schema="$1" -f "$here/write_check.sql" | cut -d'|' -f2)
	echo "  counts $1: $r"
	[ "$r" = ok ] || { echo "COUNT MISMATCH in $1" >&2; exit 1; }
}
# Median tps of a pgbench script over $runs runs.
tps() {
	local i out
	for i in $(seq "$runs"); do
		out=$(pgbench -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$here/$1" "$db" 2>&1) || { echo "$out" >&2; exit 1; }
		echo "$out" | awk '/^tps = / { print $3 }' | head -1
	done > "$tmp/tps"
	echo "  runs: $(tr '\n' ' ' < "$tmp/tps")" >&2
	median < "$tmp/tps"
}
fresh() {
	q -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS base CASCADE' \
	  -c 'DROP EXTENSION IF EXISTS follow_graph CASCADE' -c 'CREATE EXTENSION follow_graph' \
	  -f "$here/write_baseline.sql"
}
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dropdb --if-exists "$db"
createdb "$db"
q -c "ALTER DATABASE $db SET work_mem = '64MB'" -c "ALTER DATABASE $db SET maintenance_work_mem = '512MB'"
echo "write bench: scale $scale ($edges edges over $accounts accounts, celebrity with $celeb followers), $clients clients, median of $runs x ${seconds}s"

# 1. Celebrity storm: every client follows account 1 with a fresh follower,
#    then 2 ms of other work, then COMMIT.
if want storm; then
fresh
echo "storm, baseline (one counter row per account):"
storm_base=$(tps write_storm_base.pgb)
check base
echo "storm, follow_graph:"
storm_fg=$(tps write_storm_fg.pgb)
check follow_graph
echo "storm stripes of account 1: $(q -At -c 'SELECT count(*) FROM follow_graph.counter WHERE account = 1')"
echo "spread (same transaction, random followees), follow_graph:"
spread_fg=$(tps write_spread_fg.pgb)
check follow_graph
fi

# 2. Bare follow() on random pairs against INSERT plus trigger.
if want follow; then
fresh
echo "bare follow, baseline INSERT + trigger:"
follow_base=$(tps write_follow_base.pgb)
check base
echo "bare follow, follow_graph.follow():"
follow_fg=$(tps write_follow_fg.pgb)
check follow_graph
fi

# 3. import_edges of random pairs against CREATE TABLE AS SELECT DISTINCT plus
#    the baseline's two indexes.
if want import; then
fresh
q -c "CREATE TABLE public.src AS SELECT (random() * $accounts)::bigint AS follower,
        (random() * $accounts)::bigint AS followee FROM generate_series(1, $edges)" -c 'VACUUM ANALYZE public.src'
q -c 'CHECKPOINT'
t_ctas=$(timed "CREATE TABLE public.imp AS SELECT DISTINCT follower, followee FROM public.src WHERE follower <> followee")
t_pk=$(timed "ALTER TABLE public.imp ADD PRIMARY KEY (follower, followee)")
t_rev=$(timed "CREATE INDEX ON public.imp (followee, follower)")
import_base=$(awk -v a="$t_ctas" -v b="$t_pk" -v c="$t_rev" 'BEGIN { printf "%.3f", a + b + c }')
echo "import baseline: CTAS DISTINCT ${t_ctas}s + primary key ${t_pk}s + reverse index ${t_rev}s = ${import_base}s"
q -c 'DROP TABLE public.imp' -c 'CHECKPOINT'
import_fg=$(timed "SELECT follow_graph.import_edges('public.src')")
echo "import_edges on an empty graph: ${import_fg}s ($(q -At -c 'SELECT count(*) FROM follow_graph.edge') edges)"
check follow_graph
q -c "CREATE TABLE public.src2 AS SELECT (random() * $accounts)::bigint AS follower,
        (random() * $accounts)::bigint AS followee FROM generate_series(1, $edges / 10)"
import_inc=$(timed "SELECT follow_graph.import_edges('public.src2')")
echo "import_edges of $((edges / 10)) more rows into the populated graph (live indexes): ${import_inc}s"
check follow_graph
q -c 'DROP TABLE public.src, public.src2'
fi

# 4. remove_account of a celebrity (every 10th follower is followed back)
#    among background edges, against DELETE on the baseline with its trigger.
if want remove; then
fresh
q -c "CREATE TABLE public.cel AS
        SELECT g::bigint AS follower, 0::bigint AS followee FROM generate_series(1, $celeb) AS g
        UNION ALL SELECT 0, g FROM generate_series(10, $celeb, 10) AS g
        UNION ALL SELECT (random() * $celeb)::bigint + 1, (random() * $celeb)::bigint + 1
                  FROM generate_series(1, $celeb)"
q -c "SELECT follow_graph.import_edges('public.cel')" 2>/dev/null
q -c 'ALTER TABLE base.edge DISABLE TRIGGER USER' \
  -c "INSERT INTO base.edge (follower, followee) SELECT follower, followee FROM follow_graph.edges" \
  -c 'ALTER TABLE base.edge ENABLE TRIGGER USER' \
  -c "INSERT INTO base.counter SELECT account, sum(followers), sum(following), sum(mutuals) FROM follow_graph.counter GROUP BY account" \
  -c 'VACUUM ANALYZE base.edge, base.counter, follow_graph.edge, follow_graph.counter' -c 'CHECKPOINT'
check base
remove_base=$(timed "DELETE FROM base.edge WHERE follower = 0 OR followee = 0")
q -c 'CHECKPOINT'
remove_fg=$(timed "SELECT follow_graph.remove_account(0)")
echo "remove account 0 ($celeb followers): baseline DELETE + trigger ${remove_base}s, remove_account ${remove_fg}s"
check base
check follow_graph
q -c 'DROP TABLE public.cel'
fi

echo
echo "SUMMARY (scale $scale)"
want storm && echo "storm tps: follow_graph $storm_fg, baseline $storm_base, ratio $(ratio "$storm_fg" "$storm_base") (target >= 5)"
want storm && echo "storm vs spread: $storm_fg / $spread_fg = $(ratio "$storm_fg" "$spread_fg") (target >= 0.70)"
want follow && echo "bare follow tps: follow_graph $follow_fg, baseline $follow_base, ratio $(ratio "$follow_fg" "$follow_base") (target >= 1)"
want import && echo "import $edges rows: import_edges ${import_fg}s, baseline ${import_base}s, ratio $(ratio "$import_fg" "$import_base") (target <= 2)"
want remove && echo "remove $celeb followers: remove_account ${remove_fg}s, baseline ${remove_base}s, ratio $(ratio "$remove_fg" "$remove_base") (target <= 2)"
echo "counts exact after every workload: yes"
dropdb "$db"
