#!/bin/bash
# test/bench/reads.sh: the two read rows of issue 15 that run.sh reports,
# followers(celebrity, 50) and known_followers(viewer, celebrity), each with
# its plain-SQL baseline (run.sh's queries, on run.sh's database) and two
# floors that no implementation returning the same rows can beat:
#
#   srf    a trivial set-returning function (generate_series) giving the
#          same number of rows of the same types, no lookup: the cost of
#          any function scan plus the protocol and the output
#   sql    the same rows from a VALUES list in the statement: no function,
#          no lookup, only the protocol and the output
#
#   bash test/bench/reads.sh [--scale N] [--duration S] [--reps R]
#                            [--clients LIST] [--ops LIST] [--smoke]
#
# With FG_OLD_LIB=/path/to/follow_graph.so (an earlier build of the library,
# not installed) a fifth side "old" calls the same two functions from that
# file (schema bench_old), interleaved with the others: before and after in
# the same run.  A connection calls only one side, so the two libraries are
# never loaded into one backend.
#
# Needs the database run.sh loads (fg_bench_N, or $FG_BENCH_DB); load it
# once with `bash test/bench/run.sh --scale N --ops ceiling --reps 1`.
# pgbench -M prepared runs ext, base, srf, sql one after the other, --reps
# times, per client count; the table gives medians.  Results:
# out/reads-N.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 duration=5 reps=5 clients="1 2" ops="followers_first known_followers" smoke=0
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--clients) clients=$2; shift ;;
	--ops) ops=$2; shift ;;
	--smoke) smoke=1 ;;
	*) echo "reads.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
db=${FG_BENCH_DB:-fg_bench_$scale}
PSQL=${PSQL:-psql}
PGBENCH=${PGBENCH:-pgbench}
mkdir -p "$out"
[ $smoke -eq 0 ] || reps=1
qdb() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

loaded=$(qdb -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)
case "$loaded" in
"follow_graph bench scale "*) ;;
*) echo "reads.sh: database $db has no bench graph; run test/bench/run.sh --scale $scale first" >&2; exit 2 ;;
esac
C=$(qdb -Atc "SELECT id FROM bench.celeb")
NV=$(qdb -Atc "SELECT count(*) FROM bench.viewer")

sides="ext base srf sql"
if [ -n "${FG_OLD_LIB:-}" ]; then
	sides="ext old base srf sql"
	qdb -c "DROP SCHEMA IF EXISTS bench_old CASCADE" -c "CREATE SCHEMA bench_old" \
		-c "CREATE FUNCTION bench_old.followers(account bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
			RETURNS TABLE (follower bigint, followed_at timestamptz, cursor bigint)
			AS '$FG_OLD_LIB', 'fg_followers' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50" \
		-c "CREATE FUNCTION bench_old.known_followers(viewer bigint, target bigint, page_size integer DEFAULT 50, after bigint DEFAULT NULL)
			RETURNS SETOF bigint
			AS '$FG_OLD_LIB', 'fg_known_followers' LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50"
fi

sqldir=$out/sql-reads-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
viewer_lookup="\\set i random(1, $NV)
SELECT id AS v FROM bench.viewer WHERE i = :i \\gset"
mutual_exists="EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = f.followee AND r.followee = $C)"

# followers: 50 rows of (bigint, timestamptz, bigint).
printf '%s\n' "SELECT follower, followed_at, cursor FROM follow_graph.followers($C, 50);" > "$sqldir/followers_first.ext.sql"
printf '%s\n' "SELECT follower, created_at FROM bench.base WHERE followee = $C ORDER BY created_at DESC, follower LIMIT 50;" > "$sqldir/followers_first.base.sql"
# The same values the first page has (so the output costs the same).
vals=$(qdb -At -c "SELECT string_agg(format('(%s::bigint, %L::timestamptz, %s::bigint)', follower, followed_at, cursor), ', ') FROM follow_graph.followers($C, 50)")
printf '%s\n' "SELECT x, timestamptz '2016-01-01 00:00:00+00' + x * interval '1 microsecond', x FROM generate_series($C - 49, $C) AS x;" > "$sqldir/followers_first.srf.sql"
printf '%s\n' "SELECT * FROM (VALUES $vals) AS v(follower, followed_at, cursor);" > "$sqldir/followers_first.sql.sql"

sed -e 's/follow_graph\.followers/bench_old.followers/' "$sqldir/followers_first.ext.sql" > "$sqldir/followers_first.old.sql"

# known_followers: as many rows as the viewer's answer has.
printf '%s\n%s\n' "$viewer_lookup" "SELECT * FROM follow_graph.known_followers(:v, $C, 50);" > "$sqldir/known_followers.ext.sql"
printf '%s\n%s\n' "$viewer_lookup" "SELECT f.followee FROM bench.base AS f WHERE f.follower = :v AND $mutual_exists ORDER BY f.followee LIMIT 50;" > "$sqldir/known_followers.base.sql"
sed -e 's/follow_graph\.known_followers/bench_old.known_followers/' "$sqldir/known_followers.ext.sql" > "$sqldir/known_followers.old.sql"
qdb -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS bench.known_count AS SELECT v.i, (SELECT count(*) FROM follow_graph.known_followers(v.id, $C, 50)) AS n FROM bench.viewer AS v" \
	-c "CREATE UNIQUE INDEX IF NOT EXISTS known_count_i ON bench.known_count (i)"
printf '%s\n%s\n' "\\set i random(1, $NV)
SELECT n FROM bench.known_count WHERE i = :i \\gset" "SELECT x FROM generate_series(1::bigint, :n) AS x;" > "$sqldir/known_followers.srf.sql"
printf '%s\n%s\n' "\\set i random(1, $NV)
SELECT n FROM bench.known_count WHERE i = :i \\gset" "SELECT x FROM (VALUES $(seq -s ", " -f "(%g::bigint)" 1 50)) AS v(x) LIMIT :n;" > "$sqldir/known_followers.sql.sql"

raw=$out/reads-raw-$scale.tsv
printf 'op\tclients\tside\trep\tlatency_ms\n' > "$raw"
for op in $ops; do
	for c in $clients; do
		for r in $(seq "$reps"); do
			for side in $sides; do
				log=$out/pgbench-reads.log
				if [ $smoke -eq 1 ]; then len=(-t 5); else len=(-T "$duration"); fi
				"$PGBENCH" -n -M prepared -r -c "$c" -j "$c" "${len[@]}" -f "$sqldir/$op.$side.sql" "$db" > "$log" 2>&1 || {
					cat "$log" >&2; exit 1; }
				if [ "$(grep -c . "$sqldir/$op.$side.sql")" -gt 1 ]; then
					lat=$(awk '/statement latencies/ { f = 1; next } f && NF { l = $1 } END { print l }' "$log")
				else
					lat=$(awk '/^latency average = / { print $4; exit }' "$log")
				fi
				printf '%s\t%s\t%s\t%s\t%s\n' "$op" "$c" "$side" "$r" "$lat" >> "$raw"
			done
		done
	done
done

host="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
{
	echo "## followers and known_followers against the baseline and the floors, SCALE=$scale"
	echo
	echo "pgbench -M prepared, median of $reps interleaved runs of ${duration}s per side; $host; load average $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(qdb -Atc 'SHOW server_version' | cut -d' ' -f1)"
	echo
	echo "| operation | clients | follow_graph | baseline | ratio (baseline/ext) | earlier library (FG_OLD_LIB) | its ratio | floor: trivial SRF | floor: VALUES | best possible ratio (baseline/SRF floor) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 { v[$1, $2, $3] = v[$1, $2, $3] " " $5; k[$1 SUBSEP $2] = 1 }
		function med(s,   a, n, i, j, t) { n = split(s, a, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		function fmt(ms) { return (ms < 1) ? sprintf("%.1f µs", ms * 1000) : sprintf("%.2f ms", ms) }
		END { for (x in k) { split(x, p, SUBSEP); o = p[1]; c = p[2]
			e = med(v[o, c, "ext"]); b = med(v[o, c, "base"]); s = med(v[o, c, "srf"]); q = med(v[o, c, "sql"])
			d = med(v[o, c, "old"])
			printf "| %s | %s | %s | %s | %.2f× | %s | %s | %s | %s | %.2f× |\n", o, c, fmt(e), fmt(b), (e > 0 ? b / e : 0),
				(d > 0 ? fmt(d) : "-"), (d > 0 ? sprintf("%.2f×", b / d) : "-"), fmt(s), fmt(q), (s > 0 ? b / s : 0) } }' "$raw" | sort
	[ $smoke -eq 0 ] || { echo; echo "(smoke run: a few transactions per run, timings mean nothing)"; }
} | tee "$out/reads-$scale.md"
