#!/bin/bash
# test/bench/sweep.sh: latency against account size.  For accounts whose
# follower count is closest to 10, 100, 1,000, 10,000 and 100,000 (and the
# celebrity), times follow_graph and the read bench's plain-SQL baseline on
# the same graph, in the same run, A B A B:
#   count   follower_count(a)            vs count(*) of its followers
#   page    followers(a, 50), first page vs keyset page of (created_at, follower)
#   friends mutuals(a, all)              vs followees of a with an EXISTS back
# and draws docs/perf-sweep.png with gnuplot (when installed) from the TSV.
#
#   bash test/bench/sweep.sh [--scale N] [--duration S] [--reps R] [--smoke] [--png FILE]
#
# Needs the read bench's database (make bench SCALE=N, or FG_BENCH_DB naming
# it); loads it with test/bench/run.sh --ops '' if absent.  Results:
# $BENCH_OUT/sweep-N.tsv and the PNG.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 duration=3 reps=3 smoke=0 png=$top/docs/perf-sweep.png
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--smoke) smoke=1 ;;
	--png) png=$2; shift ;;
	*) echo "sweep.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
db=${FG_BENCH_DB:-fg_bench_$scale}
. "$here/tools.sh"
mkdir -p "$out"
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
say() { printf '%s\n' "$*" >&2; }

if [ "$(q -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)" != "follow_graph bench scale $scale" ]; then
	say "== sweep: loading the read bench's graph first"
	bash "$here/run.sh" --scale "$scale" --db "$db" --ops "" --reuse >/dev/null
fi
[ $smoke -eq 0 ] || reps=1

# The accounts: for each decade, the account whose follower count is closest
# (ties by id), and the celebrity.
mapfile -t accounts < <(q -At <<'EOF'
WITH c AS (SELECT followee AS a, count(*) AS n FROM bench.base GROUP BY followee)
SELECT DISTINCT a || '|' || n FROM (
	SELECT DISTINCT ON (t) a, n
	FROM c, unnest(ARRAY[10, 100, 1000, 10000, 100000]) AS t
	ORDER BY t, abs(ln(n) - ln(t)), a
	) AS closest
UNION SELECT id || '|' || followers FROM bench.celeb;
EOF
)
sqldir=$out/sweep-sql-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
tsv=$out/sweep-$scale.tsv
printf 'op\tfollowers\tside\trep\tlatency_ms\n' > "$tsv"
mutual_back() { echo "EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = f.followee AND r.followee = $1)"; }
for row in "${accounts[@]}"; do
	a=${row%%|*} n=${row##*|}
	printf '%s\n' "SELECT follow_graph.follower_count($a);" > "$sqldir/count.ext.$a.sql"
	printf '%s\n' "SELECT count(*) FROM bench.base WHERE followee = $a;" > "$sqldir/count.base.$a.sql"
	printf '%s\n' "SELECT follower, followed_at, cursor FROM follow_graph.followers($a, 50);" > "$sqldir/page.ext.$a.sql"
	printf '%s\n' "SELECT follower, created_at FROM bench.base WHERE followee = $a ORDER BY created_at DESC, follower LIMIT 50;" > "$sqldir/page.base.$a.sql"
	printf '%s\n' "SELECT * FROM follow_graph.mutuals($a, 100000000);" > "$sqldir/friends.ext.$a.sql"
	printf '%s\n' "SELECT f.followee FROM bench.base AS f WHERE f.follower = $a AND $(mutual_back "$a") ORDER BY f.followee;" > "$sqldir/friends.base.$a.sql"
	# Both sides must agree before anything is timed.
	ok=$(q -At <<EOF
SELECT follow_graph.follower_count($a) = (SELECT count(*) FROM bench.base WHERE followee = $a)
	AND ARRAY(SELECT follower FROM follow_graph.followers($a, 50))
		= ARRAY(SELECT follower FROM bench.base WHERE followee = $a ORDER BY created_at DESC, follower LIMIT 50)
	AND ARRAY(SELECT * FROM follow_graph.mutuals($a, 100000000))
		= ARRAY(SELECT f.followee FROM bench.base AS f WHERE f.follower = $a AND $(mutual_back "$a") ORDER BY f.followee);
EOF
)
	[ "$ok" = t ] || { say "sweep: follow_graph and the baseline disagree for account $a"; exit 1; }
	for op in count page friends; do
		for r in $(seq "$reps"); do
			for side in ext base; do
				if [ $smoke -eq 1 ]; then lim=(-t 5); else lim=(-T "$duration"); fi
				"$PGBENCH" -n -M prepared -c 1 "${lim[@]}" -f "$sqldir/$op.$side.$a.sql" "$db" > "$out/sweep-pgbench.log" 2>&1 \
					|| { cat "$out/sweep-pgbench.log" >&2; exit 1; }
				lat=$(awk '/^latency average = / { print $4; exit }' "$out/sweep-pgbench.log")
				printf '%s\t%s\t%s\t%s\t%s\n' "$op" "$n" "$side" "$r" "$lat" >> "$tsv"
			done
		done
	done
	say "   account $a ($n followers) done"
done

# Medians per (op, followers, side), then the table and the plot.
med=$out/sweep-$scale.median.tsv
tail -n +2 "$tsv" | sort -t$'\t' -k1,1 -k2,2n -k3,3 -k5,5g | awk -F'\t' '
	function flush() { if (n) print k "\t" ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) }
	{ key = $1 "\t" $2 "\t" $3; if (key != k) { flush(); k = key; n = 0 } a[++n] = $5 }
	END { flush() }' > "$med"
echo "## Latency against account size, SCALE=$scale (1 client, pgbench -M prepared, median of $reps runs of ${duration}s per side; $(nproc) vCPU)"
echo
echo "| followers | count: ext / base | first page: ext / base | all Friends: ext / base |"
echo "|---:|---:|---:|---:|"
awk -F'\t' '{ v[$2, $1, $3] = $4; f[$2] = 1 }
	END { n = 0; for (x in f) k[++n] = x + 0
		for (i = 2; i <= n; i++) for (j = i; j > 1 && k[j - 1] > k[j]; j--) { t = k[j]; k[j] = k[j - 1]; k[j - 1] = t }
		for (i = 1; i <= n; i++) { line = "| " k[i] " |"
			split("count page friends", ops, " ")
			for (o = 1; o <= 3; o++) { e = v[k[i], ops[o], "ext"]; b = v[k[i], ops[o], "base"]
				line = line sprintf(" %s / %s (%.1f×) |", fmt(e), fmt(b), b / e) }
			print line } }
	function fmt(ms) { return ms < 1 ? sprintf("%.0f µs", ms * 1000) : sprintf("%.2f ms", ms) }' "$med"
if [ $smoke -eq 0 ] && command -v gnuplot >/dev/null; then
	mkdir -p "$(dirname "$png")"
	for op in count page friends; do
		for side in ext base; do
			awk -F'\t' -v o=$op -v s=$side '$1 == o && $3 == s { print $2 "\t" $4 * 1000 }' "$med" > "$out/sweep-$op-$side.dat"
		done
	done
	gnuplot <<EOF
set terminal pngcairo noenhanced size 1500,480 font ",11"
set output "$png"
set multiplot layout 1,3 title "follow_graph vs plain SQL: latency against account size (SCALE $scale, 1 client, median)"
set logscale xy
set xlabel "followers of the account"
set ylabel "latency (µs)"
set key top left
set grid
set title "follower count"
plot "$out/sweep-count-ext.dat" using 1:2 with linespoints lw 2 title "follow_graph", "$out/sweep-count-base.dat" using 1:2 with linespoints lw 2 title "count(*)"
set title "followers, first page of 50"
plot "$out/sweep-page-ext.dat" using 1:2 with linespoints lw 2 title "follow_graph", "$out/sweep-page-base.dat" using 1:2 with linespoints lw 2 title "keyset page"
set title "all Friends (mutuals)"
plot "$out/sweep-friends-ext.dat" using 1:2 with linespoints lw 2 title "follow_graph", "$out/sweep-friends-base.dat" using 1:2 with linespoints lw 2 title "join + EXISTS"
unset multiplot
EOF
	say "   plot: $png"
fi
