#!/bin/bash
# test/bench/run.sh: the read-path benchmark.  follow_graph against the best
# plain-SQL schema for the same graph, on the same server, in the same run.
#
#   bash test/bench/run.sh [--scale N] [options]      (make bench SCALE=N)
#
#   --scale N        2^N accounts, 16 N edges, plus a celebrity (default 18)
#   --duration S     seconds per pgbench run (default 5)
#   --reps R         runs per operation, side and client count (default 3)
#   --clients LIST   pgbench client counts (default "1 2")
#   --ops LIST       only these operations (default: all, see OPS_ALL; with
#                    --reuse the other operations' earlier results are kept)
#   --db NAME        database to (re)create (default fg_bench_N)
#   --reuse          keep the database if it already holds this scale
#   --smoke          tiny and quick: a few transactions per run, one rep,
#                    results checked, no timing claims (CI)
#   --all            afterwards run the section benches that take the same
#                    options (ALL_BENCHES below) with --scale N [--smoke],
#                    FG_BENCH_DB and BENCH_OUT set; the other scripts in
#                    test/bench take their own arguments (see each header)
#   --growth         print the growth table from earlier runs and exit
#   --report         no timing: print the table from this scale's last run
#
# The server is whatever the standard PG* variables name; the role must be
# allowed to CREATE DATABASE and to write the extension's storage
# (a superuser), because the graph is loaded into it directly.  Nothing here
# needs root.  Results go to test/bench/out/ (or $BENCH_OUT).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 duration=5 reps=3 clients="1 2" ops="" db="" reuse=0 smoke=0 all=0 growth=0 report_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--clients) clients=$2; shift ;;
	--ops) ops=$2; shift ;;
	--db) db=$2; shift ;;
	--reuse) reuse=1 ;;
	--smoke) smoke=1 ;;
	--all) all=1 ;;
	--growth) growth=1 ;;
	--report) report_only=1; reuse=1 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case "$scale" in ''|*[!0-9]*) echo "run.sh: --scale must be a number" >&2; exit 2 ;; esac
db=${db:-fg_bench_$scale}
. "$here/tools.sh"
mkdir -p "$out"

# The section benches --all runs: each takes --scale N and --smoke.
ALL_BENCHES="states discovery feed reads reads_cpu sweep write_calls"
OPS_ALL="follower_count following_count mutual_count followers_first followers_deep mutuals_all known_followers relationships is_following ceiling"
ops=${ops:-$OPS_ALL}
[ $report_only -eq 0 ] || ops=""

say() { printf '%s\n' "$*" >&2; }

# Growth table: per-operation latency (1 client) at every scale run so far.
growth_table() {
	local files=("$out"/scale-*.tsv)
	[ -e "${files[0]}" ] || { say "no results in $out"; return 0; }
	awk -F'\t' -v ops="$OPS_ALL" '
		FNR == 1 { s = FILENAME; sub(/.*scale-/, "", s); sub(/\.tsv$/, "", s); sc[++ns] = s + 0 }
		$2 == 1 && $1 != "op" { e[$1, s + 0] = $3; b[$1, s + 0] = $4 }
		END {
			n = split(ops, order, " "); if (order[n] == "ceiling") n--
			for (i = 2; i <= ns; i++) for (j = i; j > 1 && sc[j - 1] > sc[j]; j--) { t = sc[j]; sc[j] = sc[j - 1]; sc[j - 1] = t }
			h = "| operation (1 client, median) |"; sep = "|---|"
			for (i = 1; i <= ns; i++) { h = h " ext " sc[i] " | base " sc[i] " |"; sep = sep "---:|---:|" }
			print h; print sep
			for (k = 1; k <= n; k++) {
				line = "| " order[k] " |"
				for (i = 1; i <= ns; i++) line = line " " fmt(e[order[k], sc[i]]) " | " fmt(b[order[k], sc[i]]) " |"
				print line
			}
		}
		function fmt(ms) { if (ms == "") return "-"; if (ms + 0 < 1) return sprintf("%.0f µs", ms * 1000); return sprintf("%.2f ms", ms) }
	' "${files[@]}"
}
if [ $growth -eq 1 ]; then growth_table; exit 0; fi

if [ $smoke -eq 1 ]; then reps=1; fi
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
qdb() { q -d "$db" "$@"; }

#--------------------------------------------------------------------------
# Build the generator, load the graph.
#--------------------------------------------------------------------------
gen=$out/gen
if [ ! -x "$gen" ] || [ "$here/gen.c" -nt "$gen" ]; then
	${CC:-gcc} -O2 -Wall -Wextra -o "$gen" "$here/gen.c"
fi

loaded=""
if [ $reuse -eq 1 ]; then
	loaded=$(q -d "$db" -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)
fi
if [ "$loaded" != "follow_graph bench scale $scale" ]; then
	say "== loading SCALE=$scale into database $db"
	t0=$(date +%s)
	q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	qdb -c "CREATE EXTENSION follow_graph" -c "CREATE SCHEMA bench" \
		-c "CREATE UNLOGGED TABLE bench.raw (follower bigint, followee bigint, t bigint)"
	"$gen" "$scale" 2>"$out/gen-$scale.log" | qdb -c "COPY bench.raw FROM STDIN"
	say "$(cat "$out/gen-$scale.log")"
	qdb -f "$here/load.sql" >&2
	qdb -c "COMMENT ON SCHEMA bench IS 'follow_graph bench scale $scale'"
	say "   loaded and verified in $(( $(date +%s) - t0 )) s"
fi

# The fixed values the scripts use.
IFS='|' read -r C CFOLLOWERS CFOLLOWING CMUTUALS < <(qdb -Atc "SELECT id, followers, following, mutuals FROM bench.celeb")
IFS='|' read -r CUR DT DF < <(qdb -Atc "SELECT cursor, followed_at, follower FROM bench.deep")
IFS='|' read -r NV NP NR < <(qdb -Atc "SELECT (SELECT count(*) FROM bench.viewer), (SELECT count(*) FROM bench.pair), (SELECT count(*) FROM bench.rel_case)")
say "   celebrity $C: $CFOLLOWERS followers, follows $CFOLLOWING, $CMUTUALS mutuals"

#--------------------------------------------------------------------------
# The operations: one pgbench script per side.  Celebrity ids and the deep
# cursor are constants; viewers, pairs and target pages are drawn at random
# by a lookup that pgbench times as a separate statement (not reported).
#--------------------------------------------------------------------------
sqldir=$out/sql-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
viewer_lookup="\\set i random(1, $NV)
SELECT id AS v FROM bench.viewer WHERE i = :i \\gset"
pair_lookup="\\set i random(1, $NP)
SELECT a, b FROM bench.pair WHERE i = :i \\gset"
rel_lookup="\\set i random(1, $NR)
SELECT viewer AS v, targets AS t FROM bench.rel_case WHERE i = :i \\gset"
mutual_exists="EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = f.followee AND r.followee = $C)"

script() {	# op side body
	printf '%s\n' "$3" > "$sqldir/$1.$2.sql"
}
script follower_count ext "SELECT follow_graph.follower_count($C);"
script follower_count base "SELECT count(*) FROM bench.base WHERE followee = $C;"
script following_count ext "SELECT follow_graph.following_count($C);"
script following_count base "SELECT count(*) FROM bench.base WHERE follower = $C;"
script mutual_count ext "SELECT follow_graph.mutual_count($C);"
script mutual_count base "SELECT count(*) FROM bench.base AS f WHERE f.follower = $C AND $mutual_exists;"
script followers_first ext "SELECT follower, followed_at, cursor FROM follow_graph.followers($C, 50);"
script followers_first base "SELECT follower, created_at FROM bench.base WHERE followee = $C ORDER BY created_at DESC, follower LIMIT 50;"
script followers_deep ext "SELECT follower, followed_at, cursor FROM follow_graph.followers($C, 50, $CUR);"
script followers_deep base "SELECT follower, created_at FROM bench.base WHERE followee = $C AND created_at <= '$DT' AND (created_at < '$DT' OR follower > $DF) ORDER BY created_at DESC, follower LIMIT 50;"
script mutuals_all ext "SELECT * FROM follow_graph.mutuals($C, 100000000);"
script mutuals_all base "SELECT f.followee FROM bench.base AS f WHERE f.follower = $C AND $mutual_exists ORDER BY f.followee;"
script known_followers ext "$viewer_lookup
SELECT * FROM follow_graph.known_followers(:v, $C, 50);"
script known_followers base "$viewer_lookup
SELECT f.followee FROM bench.base AS f WHERE f.follower = :v AND $mutual_exists ORDER BY f.followee LIMIT 50;"
script relationships ext "$rel_lookup
SELECT * FROM follow_graph.relationships(:v, :t::bigint[]);"
script relationships base "$rel_lookup
SELECT t.id, EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = :v AND b.followee = t.id), EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = t.id AND b.followee = :v) FROM unnest(:t::bigint[]) AS t(id);"
script is_following ext "$pair_lookup
SELECT follow_graph.is_following(:a, :b);"
script is_following base "$pair_lookup
SELECT EXISTS (SELECT 1 FROM bench.base WHERE follower = :a AND followee = :b);"
script ceiling base "SELECT 1;"
script ceiling ext "SELECT follow_graph.follower_count($C);"

#--------------------------------------------------------------------------
# Results check (untimed): both sides answer every operation identically.
#--------------------------------------------------------------------------
say "== checking that both sides give the same answers"
bad=$(qdb -At <<EOF
SELECT string_agg(name, ' ') FROM (
SELECT 'follower_count' AS name, follow_graph.follower_count($C) = (SELECT count(*) FROM bench.base WHERE followee = $C) AS ok
UNION ALL SELECT 'following_count', follow_graph.following_count($C) = (SELECT count(*) FROM bench.base WHERE follower = $C)
UNION ALL SELECT 'mutual_count', follow_graph.mutual_count($C) = (SELECT count(*) FROM bench.base AS f WHERE f.follower = $C AND $mutual_exists)
UNION ALL SELECT 'counts_sample', bool_and(c.followers = (SELECT count(*) FROM bench.base WHERE followee = c.account)
		AND c.following = (SELECT count(*) FROM bench.base WHERE follower = c.account))
	FROM follow_graph.counts(ARRAY(SELECT id FROM bench.viewer UNION ALL SELECT $C)) AS c
UNION ALL SELECT 'followers_first', ARRAY(SELECT follower FROM follow_graph.followers($C, 50))
	= ARRAY(SELECT follower FROM bench.base WHERE followee = $C ORDER BY created_at DESC, follower LIMIT 50)
UNION ALL SELECT 'followers_deep', ARRAY(SELECT follower FROM follow_graph.followers($C, 50, $CUR))
	= ARRAY(SELECT follower FROM bench.base WHERE followee = $C AND created_at <= '$DT' AND (created_at < '$DT' OR follower > $DF) ORDER BY created_at DESC, follower LIMIT 50)
UNION ALL SELECT 'mutuals_all', ARRAY(SELECT * FROM follow_graph.mutuals($C, 100000000))
	= ARRAY(SELECT f.followee FROM bench.base AS f WHERE f.follower = $C AND $mutual_exists ORDER BY f.followee)
UNION ALL SELECT 'known_followers', bool_and(ARRAY(SELECT * FROM follow_graph.known_followers(v.id, $C, 50))
	= ARRAY(SELECT f.followee FROM bench.base AS f WHERE f.follower = v.id AND $mutual_exists ORDER BY f.followee LIMIT 50))
	FROM bench.viewer AS v
UNION ALL SELECT 'relationships', bool_and(ARRAY(SELECT row(r.target, r.following, r.followed_by)::text FROM follow_graph.relationships(c.viewer, c.targets) AS r)
	= ARRAY(SELECT row(t.id, EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = c.viewer AND b.followee = t.id),
		EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = t.id AND b.followee = c.viewer))::text
		FROM unnest(c.targets) AS t(id)))
	FROM bench.rel_case AS c
UNION ALL SELECT 'is_following', bool_and(follow_graph.is_following(p.a, p.b)
	= EXISTS (SELECT 1 FROM bench.base WHERE follower = p.a AND followee = p.b))
	FROM bench.pair AS p
) AS x WHERE ok IS NOT TRUE;
EOF
)
if [ -n "$bad" ]; then
	say "RESULT MISMATCH between follow_graph and the baseline: $bad"
	exit 1
fi
say "   all operations agree"

# Baseline plans, once, for the record: the plan a prepared statement uses
# after the plan cache has settled (six executions), with the first sample.
IFS='|' read -r V1 A1 B1 RV1 RT1 < <(qdb -Atc "SELECT (SELECT id FROM bench.viewer WHERE i = 1), a, b, (SELECT viewer FROM bench.rel_case WHERE i = 1), (SELECT targets FROM bench.rel_case WHERE i = 1) FROM bench.pair WHERE i = 1")
{
	for op in ${OPS_ALL% ceiling}; do
		sql=$(grep -v '^\\' "$sqldir/$op.base.sql" | sed -e 's/ \\gset//')
		sql=$(tail -n 1 <<< "$sql")
		case "$op" in
		known_followers) args="$V1"; sql=${sql//:v/\$1} ;;
		relationships) args="$RV1, '$RT1'"
			sql=${sql//:v/\$1}; sql=${sql//:t/\$2} ;;
		is_following) args="$A1, $B1"
			sql=${sql//:a/\$1}; sql=${sql//:b/\$2} ;;
		*) args="" ;;
		esac
		printf -- '-- %s\n%s\n' "$op" "$sql"
		{
			echo "PREPARE p AS $sql"
			for i in 1 2 3 4 5 6; do echo "EXECUTE p${args:+($args)} \\g /dev/null"; done
			echo "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE p${args:+($args)};"
		} | qdb
	done
} > "$out/explain-$scale.txt" 2>&1

#--------------------------------------------------------------------------
# Timing: per operation and client count, ext and base alternate A B A B.
#--------------------------------------------------------------------------
raw=$out/raw-$scale.tsv
if [ $reuse -eq 1 ] && [ -s "$raw" ]; then
	# Keep the earlier results of the operations not run now.
	awk -F'\t' -v ops=" $ops " 'NR == 1 || index(ops, " " $1 " ") == 0' "$raw" > "$raw.tmp"
	mv "$raw.tmp" "$raw"
else
	printf 'op\tclients\tside\trep\tlatency_ms\ttps\n' > "$raw"
fi
bench_once() {	# op side clients rep
	local log lat tps
	log=$out/pgbench.log
	if [ $smoke -eq 1 ]; then set -- "$@" -t 5; else set -- "$@" -T "$duration"; fi
	"$PGBENCH" -n -M prepared -r -c "$3" -j "$3" "${@:5}" -f "$sqldir/$1.$2.sql" "$db" > "$log" 2>&1 || {
		cat "$log" >&2; return 1; }
	# The operation is the script's last statement: its own latency when a
	# lookup precedes it, else the transaction latency.
	if [ "$(grep -c . "$sqldir/$1.$2.sql")" -gt 1 ]; then
		lat=$(awk '/statement latencies/ { f = 1; next } f && NF { l = $1 } END { print l }' "$log")
	else
		lat=$(awk '/^latency average = / { print $4; exit }' "$log")
	fi
	tps=$(awk '/^tps = / { print $3; exit }' "$log")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$2" "$4" "$lat" "$tps" >> "$raw"
}
runs=0
for op in $ops; do for c in $clients; do runs=$((runs + 2 * reps)); done; done
[ $smoke -eq 1 ] || [ $runs -eq 0 ] || say "== timing: $runs pgbench runs of ${duration}s (about $(( runs * (duration + 1) / 60 + 1 )) min)"
for op in $ops; do
	for c in $clients; do
		for r in $(seq "$reps"); do
			bench_once "$op" ext "$c" "$r"
			bench_once "$op" base "$c" "$r"
		done
	done
done

#--------------------------------------------------------------------------
# Report: medians, ratios, sizes.
#--------------------------------------------------------------------------
host="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
qdb -c "DROP TABLE IF EXISTS bench.result" \
	-c "CREATE TABLE bench.result (op text, clients int, side text, rep int, latency_ms float8, tps float8)"
qdb -c "COPY bench.result FROM STDIN WITH (FORMAT csv, DELIMITER E'\t', HEADER)" < "$raw"
report=$(qdb -At <<'EOF'
CREATE TEMP TABLE m AS
	SELECT op, clients, side, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS ms,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS tps
	FROM bench.result GROUP BY 1, 2, 3;
CREATE FUNCTION pg_temp.fmt(ms float8) RETURNS text LANGUAGE sql AS
	$$ SELECT CASE WHEN ms < 1 THEN to_char(ms * 1000, 'FM9990.0') || ' µs'
				   ELSE to_char(ms, 'FM999990.00') || ' ms' END $$;
SELECT '| operation | clients | follow_graph | baseline | ratio (baseline/ext) |';
SELECT '|---|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s | %s× |', e.op, e.clients, pg_temp.fmt(e.ms), pg_temp.fmt(b.ms),
			  to_char(b.ms / nullif(e.ms, 0), 'FM999990.0'))
	FROM m AS e JOIN m AS b USING (op, clients)
	WHERE e.side = 'ext' AND b.side = 'base' AND op <> 'ceiling'
	ORDER BY array_position(ARRAY['follower_count','following_count','mutual_count','followers_first',
		'followers_deep','mutuals_all','known_followers','relationships','is_following'], op), clients;
SELECT format('| follower_count throughput vs SELECT 1 | %s | %s tps | %s tps | %s%% of SELECT 1 |',
			  e.clients, round(e.tps::numeric), round(b.tps::numeric), round((100 * e.tps / nullif(b.tps, 0))::numeric))
	FROM m AS e JOIN m AS b USING (op, clients)
	WHERE e.side = 'ext' AND b.side = 'base' AND op = 'ceiling' ORDER BY clients;
SELECT '';
SELECT format('Deep page (80%%) / first page latency: follow_graph %s×, baseline %s×',
			  to_char(d.ms / nullif(f.ms, 0), 'FM990.00'), to_char(db.ms / nullif(fb.ms, 0), 'FM990.00'))
	FROM m AS d JOIN m AS f ON f.op = 'followers_first' AND f.side = 'ext' AND f.clients = 1
	JOIN m AS db ON db.op = 'followers_deep' AND db.side = 'base' AND db.clients = 1
	JOIN m AS fb ON fb.op = 'followers_first' AND fb.side = 'base' AND fb.clients = 1
	WHERE d.op = 'followers_deep' AND d.side = 'ext' AND d.clients = 1;
SELECT format('On-disk size (tables + indexes): follow_graph %s (edge %s, counter %s, mutual %s, pair_gate %s), baseline %s; ratio %s',
			  pg_size_pretty(e + c + mu + p), pg_size_pretty(e), pg_size_pretty(c), pg_size_pretty(mu), pg_size_pretty(p),
			  pg_size_pretty(b), to_char((e + c + mu + p)::float8 / b, 'FM0.00'))
	FROM (SELECT pg_total_relation_size('follow_graph.edge') AS e, pg_total_relation_size('follow_graph.counter') AS c,
				 coalesce(pg_total_relation_size(to_regclass('follow_graph.mutual')), 0) AS mu,
				 pg_total_relation_size('follow_graph.pair_gate') + pg_total_relation_size('follow_graph.edge_seq') AS p,
				 pg_total_relation_size('bench.base') AS b) AS s;
\copy (SELECT 'op', 'clients', 'ext_ms', 'base_ms' UNION ALL SELECT * FROM (SELECT e.op, e.clients::text, e.ms::text, b.ms::text FROM m AS e JOIN m AS b USING (op, clients) WHERE e.side = 'ext' AND b.side = 'base' AND op <> 'ceiling' ORDER BY 1, 2) x) TO STDOUT
EOF
)
# The last lines of the report are the TSV for the growth table.
printf '%s\n' "$report" | awk '/^op\tclients/ { f = 1 } f' > "$out/scale-$scale.tsv"
table=$(printf '%s\n' "$report" | awk '/^op\tclients/ { exit } { print }')
{
	echo "## follow_graph read path, SCALE=$scale ($((1 << scale)) accounts + celebrity, $(qdb -Atc "SELECT count(*) FROM bench.base") edges; celebrity: $CFOLLOWERS followers, $CMUTUALS mutuals)"
	echo
	echo "pgbench -M prepared, median of $reps interleaved runs of ${duration}s per side; $host; PostgreSQL $(qdb -Atc 'SHOW server_version' | cut -d' ' -f1)"
	echo
	printf '%s\n' "$table"
	[ $smoke -eq 0 ] || { echo; echo "(smoke run: a few transactions per run, timings mean nothing)"; }
} | tee "$out/results-$scale.md"
[ $smoke -eq 1 ] && rm -f "$out/scale-$scale.tsv"

if [ $all -eq 1 ]; then
	for name in $ALL_BENCHES; do
		extra=$here/$name.sh
		say "== $(basename "$extra")"
		# Each script gets the scale, --smoke, and the loaded database.
		FG_BENCH_DB="$db" BENCH_OUT="$out" bash "$extra" --scale "$scale" \
			$([ $smoke -eq 1 ] && echo --smoke) || exit $?
	done
fi
