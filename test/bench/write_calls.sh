#!/bin/bash
# test/bench/write_calls.sh: the per-call cost of the write path (issue 15),
# each workload against the write bench's baseline (write_baseline.sql: edge
# table with primary key and reverse index, counter-row trigger), the two
# sides interleaved round by round in one run, medians reported.
#
#   bash test/bench/write_calls.sh [--rounds N] [--seconds T] [--clients "1 2"]
#                                  [--rows "100000 1000000"] [--import "1000000 2000000"]
#                                  [--only follow,select,import,storm] [--old-lib NAME]
#                                  [--smoke] [--scale N (ignored)]
#
#   follow  bare follow() vs INSERT + trigger (pgbench, random pairs among 1M)
#   select  one statement SELECT follow(a, b) FROM t vs INSERT ... SELECT
#   import  import_edges vs CTAS DISTINCT + primary key + reverse index
#   storm   celebrity storm, 16 clients (fresh followers of account 1, 2 ms per xact)
#
# --old-lib NAME also measures another build of the library, installed
# beside this one as $libdir/NAME (e.g. the previous release's
# follow_graph.so copied to follow_graph_020.so), in a second database
# whose follow(), unfollow() and import_edges() are re-pointed at it, in the
# same rounds.  Connects with the usual PG* variables; creates and drops fg_bench_calls
# (FG_CALLS_DB overrides; FG_BENCH_DB, run.sh --all's loaded graph, is left
# alone).  --smoke runs every workload once, tiny and quick; --scale is
# accepted for run.sh --all and ignored (the sizes are issue 15's).  Counts are checked against the edges after
# every workload.  Ratios are printed as in issue 15: "x" rows
# baseline/extension (higher is better), "the time" rows extension/baseline.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=3 seconds=10 clients="1 2" rows="100000" imports="1000000" only=follow,select,import,storm old=""
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--rows) rows=$2; shift 2 ;;
	--import) imports=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--old-lib) old=$2; shift 2 ;;
	--scale) shift 2 ;;
	--smoke) rounds=1 seconds=1 clients=1 rows=2000 imports=20000; shift ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
db=${FG_CALLS_DB:-fg_bench_calls}
cur=$db
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$cur" "$@"; }
# Run the rest of the command line against database $1.
in_db() { local save=$cur r=0; cur=$1; shift; "$@" || r=$?; cur=$save; return $r; }
sides="fg"
[ -z "$old" ] || sides="fg old"
side_db() { if [ "$1" = old ]; then echo "${db}_old"; else echo "$db"; fi; }
. "$here/measure.sh"
# Wall-clock seconds of one SQL command, and the CPU seconds its backend
# spent (/proc/self/schedstat): "wall cpu".  On the shared machine the CPU
# time of our own backend is much steadier than the wall time.
cputimed() {
	local t0 t1 cpu
	t0=$(date +%s.%N)
	cpu=$(q -At <<SQL
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS c0 \gset
$1;
SELECT (split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :c0) / 1e9;
SQL
)
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v c="$(echo "$cpu" | tail -1)" 'BEGIN { printf "%.3f %.3f\n", b - a, c }'
}
check() {
	local r
	r=$(q -At -v schema="$1" -f "$here/write_check.sql" | cut -d'|' -f2)
	[ "$r" = ok ] || { echo "COUNT MISMATCH in $1" >&2; exit 1; }
}
tps1() {
	pgbench -n -M prepared -c "$2" -j "$2" -T "$seconds" -f "$here/$1" "$cur" 2>&1 |
		awk '/^tps = / { print $3 }' | head -1
}
fresh1() {
	q -c 'SET client_min_messages = warning' -c 'DROP SCHEMA IF EXISTS base CASCADE' \
	  -c 'DROP EXTENSION IF EXISTS follow_graph CASCADE' -c 'CREATE EXTENSION follow_graph' \
	  -f "$here/write_baseline.sql"
	[ "$cur" != "${db}_old" ] || q -c "
	  CREATE OR REPLACE FUNCTION follow_graph.follow(follower bigint, followee bigint) RETURNS boolean
	  AS '\$libdir/$old', 'fg_follow' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	  SECURITY DEFINER SET search_path = pg_catalog, pg_temp" -c "
	  CREATE OR REPLACE FUNCTION follow_graph.unfollow(follower bigint, followee bigint) RETURNS boolean
	  AS '\$libdir/$old', 'fg_unfollow' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	  SECURITY DEFINER SET search_path = pg_catalog, pg_temp" -c "
	  CREATE OR REPLACE FUNCTION follow_graph.import_edges(source regclass) RETURNS bigint
	  AS '\$libdir/$old', 'fg_import_edges' LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
	  SET search_path = pg_catalog, pg_temp"
}
fresh() { local s; for s in $sides; do in_db "$(side_db "$s")" fresh1; done; }
# Run a command in every side's database.
each() { local s; for s in $sides; do in_db "$(side_db "$s")" "$@"; done; }
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in $sides; do
	d=$(side_db "$s")
	dropdb --if-exists "$d"
	createdb "$d"
	in_db "$d" q -c "ALTER DATABASE $d SET work_mem = '64MB'" -c "ALTER DATABASE $d SET maintenance_work_mem = '512MB'"
done
echo "write_calls: $rounds rounds, ${seconds}s pgbench runs, clients: $clients${old:+, old library $old}"
# Print "label: r1 r2 ... -> median unit" for the side's result file.
res() { echo "$1 $(tr '\n' ' ' <"$tmp/$2")-> $(median <"$tmp/$2")$3"; }

if want follow; then
	fresh
	for c in $clients; do
		: >"$tmp/b"; : >"$tmp/fg"; : >"$tmp/old"
		for r in $(seq "$rounds"); do
			tps1 write_follow_base.pgb "$c" >>"$tmp/b"
			for s in $sides; do in_db "$(side_db "$s")" tps1 write_follow_fg.pgb "$c" >>"$tmp/$s"; done
		done
		b=$(median <"$tmp/b")
		echo "follow $c client(s): $(res baseline b " tps")"
		for s in $sides; do
			echo "  follow() [$s] $(res "" "$s" " tps"), ratio $(ratio "$(median <"$tmp/$s")" "$b")x (target >= 1)"
		done
	done
	check base; each check follow_graph
fi

# The baseline's row trigger counts a mutual pair twice when both of its
# edges arrive in one statement (each AFTER trigger sees the other row), so
# the staged pairs leave out both edges of any pair staged both ways.
if want select; then
	for n in $rows; do
		fresh
		q -c "CREATE TABLE public.t AS SELECT (random() * 1000000)::bigint + 1 AS a, (random() * 1000000)::bigint + 1 AS b
		      FROM generate_series(1, $n)" -c "DELETE FROM public.t WHERE a = b" \
		  -c "DELETE FROM public.t USING public.t AS r WHERE r.a = t.b AND r.b = t.a" -c 'VACUUM ANALYZE public.t'
		[ -z "$old" ] || { q -c "COPY public.t TO STDOUT" >"$tmp/t.copy"
			in_db "${db}_old" q -c "CREATE TABLE public.t (a bigint, b bigint)" -c "\\copy public.t FROM '$tmp/t.copy'" -c 'VACUUM ANALYZE public.t'; }
		: >"$tmp/b"; : >"$tmp/fg"; : >"$tmp/old"; : >"$tmp/bc"; : >"$tmp/fgc"; : >"$tmp/oldc"
		for r in $(seq "$rounds"); do
			q -c 'TRUNCATE base.edge, base.counter' -c 'CHECKPOINT'
			cputimed "INSERT INTO base.edge (follower, followee) SELECT a, b FROM public.t ON CONFLICT DO NOTHING" >"$tmp/x"
			cut -d' ' -f1 "$tmp/x" >>"$tmp/b"; cut -d' ' -f2 "$tmp/x" >>"$tmp/bc"
			for s in $sides; do
				in_db "$(side_db "$s")" q -c 'TRUNCATE follow_graph.edge, follow_graph.counter, follow_graph.mutual' -c 'CHECKPOINT'
				in_db "$(side_db "$s")" cputimed "SELECT count(*) FILTER (WHERE follow_graph.follow(a, b)) FROM public.t" >"$tmp/x"
				cut -d' ' -f1 "$tmp/x" >>"$tmp/$s"; cut -d' ' -f2 "$tmp/x" >>"$tmp/${s}c"
			done
		done
		check base; each check follow_graph
		b=$(median <"$tmp/b"); bc=$(median <"$tmp/bc")
		echo "select follow() over $n rows: $(res "INSERT ... SELECT wall" b s), $(res "cpu" bc s)"
		for s in $sides; do
			f=$(median <"$tmp/$s"); fc=$(median <"$tmp/${s}c")
			echo "  SELECT follow() [$s] $(res "wall" "$s" s) ($(awk -v n="$n" -v f="$f" 'BEGIN { printf "%d", n / f }') follows/s), $(ratio "$f" "$b")x the time (target <= 2); $(res "cpu" "${s}c" s), $(ratio "$fc" "$bc")x the cpu"
		done
		each q -c 'DROP TABLE public.t'
	done
fi

if want import; then
	for n in $imports; do
		fresh
		accounts=$((n / 5))
		q -c "CREATE TABLE public.src AS SELECT (random() * $accounts)::bigint AS follower,
		        (random() * $accounts)::bigint AS followee FROM generate_series(1, $n)" -c 'VACUUM ANALYZE public.src'
		[ -z "$old" ] || { q -c "COPY public.src TO STDOUT" >"$tmp/src.copy"
			in_db "${db}_old" q -c "CREATE TABLE public.src (follower bigint, followee bigint)" -c "\\copy public.src FROM '$tmp/src.copy'" -c 'VACUUM ANALYZE public.src'; }
		: >"$tmp/b"; : >"$tmp/fg"; : >"$tmp/old"; : >"$tmp/bc"; : >"$tmp/fgc"; : >"$tmp/oldc"
		for r in $(seq "$rounds"); do
			q -c 'DROP TABLE IF EXISTS public.imp' -c 'CHECKPOINT'
			cputimed "CREATE TABLE public.imp AS SELECT DISTINCT follower, followee FROM public.src WHERE follower <> followee;
			          ALTER TABLE public.imp ADD PRIMARY KEY (follower, followee);
			          CREATE INDEX ON public.imp (followee, follower)" >"$tmp/x"
			cut -d' ' -f1 "$tmp/x" >>"$tmp/b"; cut -d' ' -f2 "$tmp/x" >>"$tmp/bc"
			q -c 'DROP TABLE public.imp'
			for s in $sides; do
				in_db "$(side_db "$s")" q -c 'TRUNCATE follow_graph.edge, follow_graph.counter, follow_graph.mutual' -c 'CHECKPOINT'
				in_db "$(side_db "$s")" cputimed "SET client_min_messages = warning; SELECT follow_graph.import_edges('public.src')" >"$tmp/x"
				cut -d' ' -f1 "$tmp/x" >>"$tmp/$s"; cut -d' ' -f2 "$tmp/x" >>"$tmp/${s}c"
			done
		done
		each check follow_graph
		b=$(median <"$tmp/b"); bc=$(median <"$tmp/bc")
		echo "import $n rows: $(res "baseline CTAS DISTINCT + pkey + reverse index, wall" b s), $(res cpu bc s)"
		for s in $sides; do
			echo "  import_edges [$s] $(res wall "$s" s), $(ratio "$(median <"$tmp/$s")" "$b")x the time (target <= 2); $(res cpu "${s}c" s), $(ratio "$(median <"$tmp/${s}c")" "$bc")x the cpu"
		done
		q -c "CREATE TABLE public.src2 AS SELECT (random() * $accounts)::bigint AS follower,
		        (random() * $accounts)::bigint AS followee FROM generate_series(1, $n / 10)"
		echo "import $((n / 10)) more rows into the populated graph: $(timed "SELECT follow_graph.import_edges('public.src2')")s"
		check follow_graph
		q -c 'DROP TABLE public.src2'
		each q -c 'DROP TABLE public.src'
	done
fi

if want storm; then
	fresh
	c=16
	: >"$tmp/b"; : >"$tmp/fg"; : >"$tmp/old"
	for r in $(seq "$rounds"); do
		tps1 write_storm_base.pgb "$c" >>"$tmp/b"
		for s in $sides; do in_db "$(side_db "$s")" tps1 write_storm_fg.pgb "$c" >>"$tmp/$s"; done
	done
	check base; each check follow_graph
	b=$(median <"$tmp/b")
	echo "storm $c clients: $(res baseline b " tps")"
	for s in $sides; do
		echo "  follow_graph [$s] $(res "" "$s" " tps"), ratio $(ratio "$(median <"$tmp/$s")" "$b")x (target >= 10)"
	done
fi
for s in $sides; do dropdb "$(side_db "$s")"; done
