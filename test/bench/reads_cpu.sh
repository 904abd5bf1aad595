#!/bin/bash
# test/bench/reads_cpu.sh: the statements of reads.sh timed by the backend's
# CPU time instead of latency, for a machine too loaded for latencies to
# mean much.  Each side runs in a session of its own: PREPARE, a warm-up,
# then N EXECUTEs whose rows go to the client (psql, output discarded); the
# backend's user + system time comes from /proc/self/stat (Linux; read with
# pg_read_file, so a superuser), which does not count time spent waiting for
# a CPU.  It includes executor start-up, the function or plan, the output
# functions and the protocol sends, not the client.  Sides interleaved,
# --reps rounds, medians; FG_OLD_LIB as in reads.sh (run reads.sh first to
# create bench_old and bench.known_count).
#
#   bash test/bench/reads_cpu.sh [--scale N] [--reps R] [--calls N] [--smoke]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 reps=5 calls=2000
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--reps) reps=$2; shift ;;
	--calls) calls=$2; shift ;;
	--smoke) reps=1 calls=20 ;;
	*) echo "reads_cpu.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
db=${FG_BENCH_DB:-fg_bench_$scale}
PSQL=${PSQL:-psql}
mkdir -p "$out"
qdb() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
if [ "$(qdb -c "SELECT to_regclass('bench.known_count') IS NOT NULL")" != t ]; then
	echo "reads_cpu.sh: run test/bench/reads.sh --scale $scale first" >&2; exit 2
fi
C=$(qdb -c "SELECT id FROM bench.celeb")
mutual_exists="EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = f.followee AND r.followee = $C)"
vals=$(qdb -c "SELECT string_agg(format('(%s::bigint, %L::timestamptz, %s::bigint)', follower, followed_at, cursor), ', ') FROM follow_graph.followers($C, 50)")
declare -A Q
Q[followers_first.ext]="SELECT follower, followed_at, cursor FROM follow_graph.followers($C, 50)"
Q[followers_first.old]="SELECT follower, followed_at, cursor FROM bench_old.followers($C, 50)"
Q[followers_first.base]="SELECT follower, created_at FROM bench.base WHERE followee = $C ORDER BY created_at DESC, follower LIMIT 50"
Q[followers_first.srf]="SELECT x, timestamptz '2016-01-01 00:00:00+00' + x * interval '1 microsecond', x FROM generate_series($C - 49, $C) AS x"
Q[followers_first.sql]="SELECT * FROM (VALUES $vals) AS v(follower, followed_at, cursor)"
Q[known_followers.ext]="SELECT * FROM follow_graph.known_followers(\$1, $C, 50)"
Q[known_followers.old]="SELECT * FROM bench_old.known_followers(\$1, $C, 50)"
Q[known_followers.base]="SELECT f.followee FROM bench.base AS f WHERE f.follower = \$1 AND $mutual_exists ORDER BY f.followee LIMIT 50"
Q[known_followers.srf]="SELECT x FROM generate_series(1::bigint, (SELECT n FROM bench.known_count WHERE i = \$1)) AS x"
sides="ext base srf sql"
if [ "$(qdb -c "SELECT to_regproc('bench_old.followers') IS NOT NULL")" = t ]; then sides="ext old base srf sql"; fi
# The same viewers in the same order for every side (the srf floor gets
# each viewer's number of rows by its index).
viewers=($(qdb -c "SELECT id FROM bench.viewer ORDER BY hashint8(id + 7), id"))
idx=($(qdb -c "SELECT i FROM bench.viewer ORDER BY hashint8(id + 7), id"))
stat="split_part(pg_read_file('/proc/self/stat'), ' ', 14)::bigint + split_part(pg_read_file('/proc/self/stat'), ' ', 15)::bigint"
tck=$(getconf CLK_TCK)
raw=$out/reads-cpu-raw-$scale.tsv
printf 'op\tside\trep\tcpu_us\n' > "$raw"
script=$out/reads-cpu.sql
for r in $(seq "$reps"); do
	for op in followers_first known_followers; do
		for side in $sides; do
			q=${Q[$op.$side]:-}
			[ -n "$q" ] || continue
			{
				arg() { case "$op.$side" in known_followers.srf) echo "(${idx[$1]})" ;; known_followers.*) echo "(${viewers[$1]})" ;; esac; }
				case $op in known_followers) echo "PREPARE p(bigint) AS $q;" ;; *) echo "PREPARE p AS $q;" ;; esac
				echo "\\o /dev/null"
				for i in 1 2 3 4 5 6 7; do echo "EXECUTE p$(arg $i);"; done
				echo "\\o"
				echo "SELECT 'T0', $stat;"
				echo "\\o /dev/null"
				for i in $(seq 0 $((calls - 1))); do echo "EXECUTE p$(arg $((i % ${#viewers[@]})));"; done
				echo "\\o"
				echo "SELECT 'T1', $stat;"
			} > "$script"
			qdb -F ' ' -f "$script" | awk -v op=$op -v s=$side -v r=$r -v n=$calls -v tck=$tck \
				'$1 == "T0" { t0 = $2 } $1 == "T1" { printf "%s\t%s\t%s\t%.2f\n", op, s, r, ($2 - t0) * 1000000 / tck / n }' >> "$raw"
		done
	done
done
{
	echo "## backend CPU time per statement, SCALE=$scale"
	echo
	echo "median of $reps interleaved rounds of $calls prepared executions per side (resolution $((1000000 / tck / calls)) µs); $(nproc) vCPU; load average $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(qdb -c 'SHOW server_version' | cut -d' ' -f1)"
	echo
	echo "| operation | follow_graph | baseline | ratio (baseline/ext) | earlier library | its ratio | floor: trivial SRF | floor: VALUES |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 { v[$1, $2] = v[$1, $2] " " $4; ops[$1] = 1 }
		function med(s,   a, n, i, j, t) { n = split(s, a, " "); if (n == 0) return 0
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		function f(x) { return x > 0 ? sprintf("%.1f µs", x) : "-" }
		END { for (o in ops) { e = med(v[o, "ext"]); b = med(v[o, "base"]); d = med(v[o, "old"])
			printf "| %s | %s | %s | %.2f× | %s | %s | %s | %s |\n", o, f(e), f(b), (e > 0 ? b / e : 0), f(d),
				(d > 0 ? sprintf("%.2f×", b / d) : "-"), f(med(v[o, "srf"])), f(med(v[o, "sql"])) } }' "$raw" | sort
} | tee "$out/reads-cpu-$scale.md"
