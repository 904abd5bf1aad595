#!/bin/bash
# test/bench/discovery.sh: the discovery section of the read bench (issue 14).
#
#   bash test/bench/discovery.sh [--scale N] [--duration S] [--reps R] [--smoke]
#
# Runs on the graph test/bench/run.sh loaded (database $FG_BENCH_DB, else
# fg_bench_N; when it is missing, run.sh is called once to load it).  Same
# server, same role requirements as run.sh.  For each operation pgbench
# (-M prepared -r) runs follow_graph and the plain-SQL query a user would
# write, alternately, --reps times for --duration seconds; a random case is
# looked up first (\gset) and only the operation's own statements are timed.
#
#   suggest      suggest_follows(v, 10), v following ~1,000 accounts incl. the
#                celebrity  vs  friends-of-friends GROUP BY count(*) LIMIT 10
#   known50      known_followers_summary(v, 50 targets)  vs  50 statements of
#                per-target count + top 3 by follower count
#   fans, nfb    fans / not_following_back(celebrity, 50)  vs  the anti-join
#   similar      similar_accounts(a, 10), a with ~10k followers  vs  the exact
#                Jaccard GROUP BY
#
# The plain-SQL side is given a follower/following count table
# (bench.disc_count, primary key on account), as a real schema would keep:
# without it "top 3 by follower count" and the Jaccard denominators would
# count rows.  Recall: the share of the exact top 10 (unbounded Adamic-Adar
# for suggestions, exact Jaccard for similar accounts) that the bounded
# answer returns, averaged over the cases.  known50, fans and nfb answers are
# checked equal to the plain SQL (a mismatch fails the run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 duration=5 reps=3 smoke=0
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--smoke) smoke=1 ;;
	*) echo "discovery.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
db=${FG_BENCH_DB:-fg_bench_$scale}
. "$here/tools.sh"
[ $smoke -eq 0 ] || reps=1
mkdir -p "$out"
say() { printf '%s\n' "$*" >&2; }
qdb() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

loaded=$(qdb -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)
if [ "$loaded" != "follow_graph bench scale $scale" ]; then
	say "== discovery: loading the graph through run.sh"
	bash "$here/run.sh" --scale "$scale" --db "$db" --reuse --ops ceiling --reps 1 \
		--duration 1 --clients 1 $([ $smoke -eq 1 ] && echo --smoke) >/dev/null
fi

#--------------------------------------------------------------------------
# Cases, chosen deterministically.
#--------------------------------------------------------------------------
say "== discovery: choosing cases"
qdb <<'EOF'
DROP TABLE IF EXISTS bench.disc_count, bench.disc_viewer, bench.disc_known, bench.disc_similar;
CREATE TABLE bench.disc_count AS
	SELECT account, sum(fr)::bigint AS followers, sum(fg)::bigint AS following
	FROM (SELECT followee AS account, 1 AS fr, 0 AS fg FROM bench.base
		  UNION ALL SELECT follower, 0, 1 FROM bench.base) AS u
	GROUP BY account;
ALTER TABLE bench.disc_count ADD PRIMARY KEY (account);
-- viewers following about 1,000 accounts, the celebrity among them
CREATE TABLE bench.disc_viewer AS
	SELECT row_number() OVER (ORDER BY abs(t.following - 1000), t.account) AS i, t.account AS id,
		   t.following
	FROM bench.disc_count AS t
	WHERE t.account <> (SELECT id FROM bench.celeb)
	  AND EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = t.account AND b.followee = (SELECT id FROM bench.celeb))
	ORDER BY abs(t.following - 1000), t.account LIMIT 20;
-- a page of 50 profiles per viewer: up to 25 followees of its followees,
-- the rest anyone (the page is always full)
CREATE TABLE bench.disc_known AS
	SELECT v.i, v.id AS viewer, ARRAY(
		SELECT x FROM (
			SELECT x FROM (
				SELECT x, min(pri) AS pri FROM (
					(SELECT DISTINCT e2.followee AS x, 0 AS pri
					 FROM bench.base AS e1 JOIN bench.base AS e2 ON e2.follower = e1.followee
					 WHERE e1.follower = v.id ORDER BY 1 LIMIT 25)
					UNION ALL
					(SELECT a.id, 1 FROM bench.account AS a ORDER BY hashint8(a.id # v.id), a.id LIMIT 100)) AS u
				GROUP BY x) AS g
			ORDER BY pri, hashint8(x # v.id), x LIMIT 50) AS page
		ORDER BY hashint8(x), x) AS targets
	FROM bench.disc_viewer AS v;
-- accounts with about 10,000 followers
CREATE TABLE bench.disc_similar AS
	SELECT row_number() OVER (ORDER BY abs(t.followers - 10000), t.account) AS i, t.account AS id, t.followers
	FROM bench.disc_count AS t WHERE t.account <> (SELECT id FROM bench.celeb)
	ORDER BY abs(t.followers - 10000), t.account LIMIT 5;
VACUUM ANALYZE bench.disc_count, bench.disc_viewer, bench.disc_known, bench.disc_similar;
EOF
C=$(qdb -Atc "SELECT id FROM bench.celeb")
IFS='|' read -r NV VMIN VMAX < <(qdb -Atc "SELECT count(*), min(following), max(following) FROM bench.disc_viewer")
IFS='|' read -r NS SMIN SMAX < <(qdb -Atc "SELECT count(*), min(followers), max(followers) FROM bench.disc_similar")
say "   $NV viewers following $VMIN..$VMAX; $NS accounts with $SMIN..$SMAX followers; celebrity $C"

#--------------------------------------------------------------------------
# The scripts.
#--------------------------------------------------------------------------
sqldir=$out/sql-disc-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
script() { printf '%s\n' "$3" > "$sqldir/$1.$2.sql"; }
viewer_lookup="\\set i random(1, $NV)
SELECT id AS v FROM bench.disc_viewer WHERE i = :i \\gset"
similar_lookup="\\set i random(1, $NS)
SELECT id AS a FROM bench.disc_similar WHERE i = :i \\gset"
fof_sql="SELECT f2.followee, count(*) FROM bench.base AS f1 JOIN bench.base AS f2 ON f2.follower = f1.followee WHERE f1.follower = :v AND f2.followee <> :v AND NOT EXISTS (SELECT 1 FROM bench.base AS x WHERE x.follower = :v AND x.followee = f2.followee) GROUP BY f2.followee ORDER BY count(*) DESC, f2.followee LIMIT 10"
jaccard_sql="WITH co AS (SELECT e2.followee AS c, count(*) AS i FROM bench.base AS e1 JOIN bench.base AS e2 ON e2.follower = e1.follower WHERE e1.followee = :a AND e2.followee <> :a GROUP BY 1), fa AS (SELECT followers AS n FROM bench.disc_count WHERE account = :a) SELECT co.c, co.i::float8 / (fa.n + k.followers - co.i) AS j FROM co, fa, bench.disc_count AS k WHERE k.account = co.c ORDER BY 2 DESC, k.followers DESC, co.c LIMIT 10"
known_one() {	# the per-target plain SQL for target variable $1
	printf '%s\n' "SELECT (SELECT count(*) FROM bench.base AS f JOIN bench.base AS g ON g.follower = f.followee AND g.followee = :$1 WHERE f.follower = :v), ARRAY(SELECT f.followee FROM bench.base AS f JOIN bench.base AS g ON g.follower = f.followee AND g.followee = :$1 JOIN bench.disc_count AS k ON k.account = f.followee WHERE f.follower = :v ORDER BY k.followers DESC, f.followee LIMIT 3);"
}
script suggest ext "$viewer_lookup
SELECT * FROM follow_graph.suggest_follows(:v, 10);"
script suggest base "$viewer_lookup
$fof_sql;"
script known50 ext "\\set i random(1, $NV)
SELECT viewer AS v, targets AS t FROM bench.disc_known WHERE i = :i \\gset
SELECT * FROM follow_graph.known_followers_summary(:v, :t::bigint[]);"
{
	printf '%s\n' "\\set i random(1, $NV)"
	printf 'SELECT viewer AS v'
	for k in $(seq 1 50); do printf ', targets[%d] AS t%d' "$k" "$k"; done
	printf ' FROM bench.disc_known WHERE i = :i \\gset\n'
	for k in $(seq 1 50); do known_one "t$k"; done
} > "$sqldir/known50.base.sql"
script fans ext "SELECT * FROM follow_graph.fans($C, 50);"
script fans base "SELECT e.follower FROM bench.base AS e WHERE e.followee = $C AND NOT EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = $C AND r.followee = e.follower) ORDER BY e.follower LIMIT 50;"
script nfb ext "SELECT * FROM follow_graph.not_following_back($C, 50);"
script nfb base "SELECT e.followee FROM bench.base AS e WHERE e.follower = $C AND NOT EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = e.followee AND r.followee = $C) ORDER BY e.followee LIMIT 50;"
script similar ext "$similar_lookup
SELECT * FROM follow_graph.similar_accounts(:a, 10);"
script similar base "$similar_lookup
$jaccard_sql;"

#--------------------------------------------------------------------------
# Answers (untimed): exact ones must agree, bounded ones get a recall.
#--------------------------------------------------------------------------
say "== discovery: checking answers and measuring recall"
fof_fn=${fof_sql//:v/v}
jac_fn=${jaccard_sql//:a/a}
checks=$(qdb -At <<EOF
CREATE FUNCTION pg_temp.fof(v bigint) RETURNS SETOF bigint LANGUAGE sql AS \$\$ SELECT followee FROM ($fof_fn) AS q \$\$;
CREATE FUNCTION pg_temp.exact_aa(v bigint) RETURNS SETOF bigint LANGUAGE sql AS \$\$
	WITH mid AS (
		SELECT f.followee AS m, 1.0::float8 / ln((2 + c.following)::float8) AS w
		FROM bench.base AS f JOIN bench.disc_count AS c ON c.account = f.followee WHERE f.follower = v),
	cand AS (
		SELECT e.followee AS x, sum(mid.w ORDER BY mid.m) AS s
		FROM mid JOIN bench.base AS e ON e.follower = mid.m WHERE e.followee <> v GROUP BY 1)
	SELECT cand.x FROM cand JOIN bench.disc_count AS c ON c.account = cand.x
	WHERE NOT EXISTS (SELECT 1 FROM bench.base AS y WHERE y.follower = v AND y.followee = cand.x)
	ORDER BY round(cand.s::numeric, 9) DESC, c.followers DESC, cand.x LIMIT 10 \$\$;
CREATE FUNCTION pg_temp.exact_jaccard(a bigint) RETURNS SETOF bigint LANGUAGE sql AS \$\$ SELECT c FROM ($jac_fn) AS q \$\$;
CREATE FUNCTION pg_temp.overlap(x bigint[], y bigint[]) RETURNS float8 LANGUAGE sql AS
	\$\$ SELECT (SELECT count(*) FROM unnest(x) AS e WHERE e = ANY (y))::float8 / greatest(cardinality(y), 1) \$\$;
SELECT format('suggest recall vs exact Adamic-Adar top 10: %s (min %s); overlap with the plain-SQL count top 10: %s',
			  to_char(avg(r_aa), 'FM0.00'), to_char(min(r_aa), 'FM0.00'), to_char(avg(r_fof), 'FM0.00'))
FROM (SELECT pg_temp.overlap(ARRAY(SELECT candidate FROM follow_graph.suggest_follows(v.id, 10)), ARRAY(SELECT pg_temp.exact_aa(v.id))) AS r_aa,
			 pg_temp.overlap(ARRAY(SELECT candidate FROM follow_graph.suggest_follows(v.id, 10)), ARRAY(SELECT pg_temp.fof(v.id))) AS r_fof
	  FROM bench.disc_viewer AS v) AS s;
SELECT format('similar_accounts recall vs exact Jaccard top 10: %s (min %s)', to_char(avg(r), 'FM0.00'), to_char(min(r), 'FM0.00'))
FROM (SELECT pg_temp.overlap(ARRAY(SELECT candidate FROM follow_graph.similar_accounts(s.id, 10)), ARRAY(SELECT pg_temp.exact_jaccard(s.id))) AS r
	  FROM bench.disc_similar AS s) AS q;
SELECT CASE WHEN bool_and(ok) THEN 'known50 answers agree' ELSE 'MISMATCH known50' END
FROM (SELECT row(k.total, k.sample)::text = row(
		(SELECT count(*) FROM bench.base AS f JOIN bench.base AS g ON g.follower = f.followee AND g.followee = k.target WHERE f.follower = c.viewer),
		ARRAY(SELECT f.followee FROM bench.base AS f JOIN bench.base AS g ON g.follower = f.followee AND g.followee = k.target
			  JOIN bench.disc_count AS d ON d.account = f.followee WHERE f.follower = c.viewer ORDER BY d.followers DESC, f.followee LIMIT 3))::text AS ok
	  FROM bench.disc_known AS c, follow_graph.known_followers_summary(c.viewer, c.targets) AS k) AS q;
SELECT CASE WHEN ARRAY(SELECT follow_graph.fans($C, 50)) = ARRAY(SELECT e.follower FROM bench.base AS e WHERE e.followee = $C AND NOT EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = $C AND r.followee = e.follower) ORDER BY e.follower LIMIT 50)
		 AND ARRAY(SELECT follow_graph.not_following_back($C, 50)) = ARRAY(SELECT e.followee FROM bench.base AS e WHERE e.follower = $C AND NOT EXISTS (SELECT 1 FROM bench.base AS r WHERE r.follower = e.followee AND r.followee = $C) ORDER BY e.followee LIMIT 50)
	THEN 'fans and not_following_back answers agree' ELSE 'MISMATCH fans' END;
EOF
)
say "$checks"
if grep -q MISMATCH <<< "$checks"; then exit 1; fi

#--------------------------------------------------------------------------
# Timing.
#--------------------------------------------------------------------------
raw=$out/disc-raw-$scale.tsv
printf 'op\tside\trep\tlatency_ms\n' > "$raw"
bench_once() {	# op side rep
	local log lat
	log=$out/pgbench-disc.log
	if [ $smoke -eq 1 ]; then set -- "$@" -t 3; else set -- "$@" -T "$duration"; fi
	"$PGBENCH" -n -M prepared -r -c 1 -j 1 "${@:4}" -f "$sqldir/$1.$2.sql" "$db" > "$log" 2>&1 || {
		cat "$log" >&2; return 1; }
	# Sum the latencies of the operation's statements (not the lookups).
	lat=$(awk '/statement latencies/ { f = 1; next }
		f && NF && $0 !~ /\\g?set/ { s += $1 } END { print s }' "$log")
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$lat" >> "$raw"
}
ops="suggest known50 fans nfb similar"
[ $smoke -eq 1 ] || say "== discovery: timing, $(( 5 * 2 * reps )) pgbench runs of ${duration}s"
for op in $ops; do
	for r in $(seq "$reps"); do
		bench_once "$op" ext "$r"
		bench_once "$op" base "$r"
	done
done

table=$(qdb -At <<EOF
CREATE TEMP TABLE r (op text, side text, rep int, ms float8);
\copy r FROM '$raw' WITH (FORMAT csv, DELIMITER E'\t', HEADER)
CREATE TEMP TABLE m AS SELECT op, side, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM r GROUP BY 1, 2;
CREATE TEMP TABLE target (op text, want float8, what text);
INSERT INTO target VALUES ('suggest', 10, 'suggest_follows(v, 10), v follows $VMIN..$VMAX incl. the celebrity | friends-of-friends GROUP BY'),
	('known50', 3, 'known_followers_summary(v, 50 targets) | 50 × per-target count + top 3'),
	('fans', 2, 'fans(celebrity, 50), first page | anti-join'),
	('nfb', 2, 'not_following_back(celebrity, 50), first page | anti-join'),
	('similar', NULL, 'similar_accounts(a, 10), a has $SMIN..$SMAX followers | exact Jaccard GROUP BY');
CREATE FUNCTION pg_temp.fmt(ms float8) RETURNS text LANGUAGE sql AS
	\$\$ SELECT CASE WHEN ms < 1 THEN to_char(ms * 1000, 'FM9990.0') || ' µs' ELSE to_char(ms, 'FM999990.00') || ' ms' END \$\$;
SELECT '| operation | plain SQL | follow_graph | baseline | ratio | target |';
SELECT '|---|---|---:|---:|---:|---|';
SELECT format('| %s | %s | %s | %s× | %s |', t.what, pg_temp.fmt(e.ms), pg_temp.fmt(b.ms),
			  to_char(b.ms / nullif(e.ms, 0), 'FM999990.0'),
			  CASE WHEN t.want IS NULL THEN 'latency + recall'
				   WHEN b.ms / nullif(e.ms, 0) >= t.want THEN '≥ ' || t.want || '×: met'
				   ELSE '≥ ' || t.want || '×: **missed**' END)
FROM target AS t JOIN m AS e ON e.op = t.op AND e.side = 'ext' JOIN m AS b ON b.op = t.op AND b.side = 'base'
ORDER BY array_position(ARRAY['suggest', 'known50', 'fans', 'nfb', 'similar'], t.op);
EOF
)
{
	echo "## follow_graph discovery, SCALE=$scale (celebrity $C)"
	echo
	echo "pgbench -M prepared, 1 client, median of $reps interleaved runs of ${duration}s per side; $(nproc) vCPU; PostgreSQL $(qdb -Atc 'SHOW server_version' | cut -d' ' -f1); bounds: $(qdb -At -c "LOAD 'follow_graph'" -c "SELECT string_agg(name || ' ' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name LIKE 'follow_graph.s%'")"
	echo
	printf '%s\n' "$table"
	echo
	printf '%s\n' "$checks" | grep -v agree
	[ $smoke -eq 0 ] || { echo; echo "(smoke run: a few transactions per run, timings mean nothing)"; }
} | tee "$out/discovery-$scale.md"
