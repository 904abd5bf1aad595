#!/bin/bash
# test/bench/feed.sh: the home feed benchmark (issue 13), on the read bench's
# R-MAT graph.
#
#   bash test/bench/feed.sh [--scale N] [--items M] [--duration S] [--reps R] [--smoke]
#                           [--only feed|publish]
#
# Uses the database run.sh loaded (FG_BENCH_DB, default fg_bench_N; loaded
# first with a minimal run.sh if missing), adds M items (default 5,000,000;
# feed_load.sql: Zipf-distributed over the accounts, time-ordered ids) to
# follow_graph and to the baseline bench.posts (id PRIMARY KEY, author) with
# a btree on (author, id DESC), then measures with pgbench -M prepared,
# follow_graph and the baseline alternating, median of R runs of S seconds:
#
#   feed_N      feed(v, 50), first page, for 5 viewers following about N
#               accounts (N = 10, 100, 300, 1000, 3000, 10000), against
#               q1  WHERE author IN (followees + v) ORDER BY id DESC LIMIT 50
#               q2  top 50 of each followee in a LATERAL, then the top 50
#               q3  posts newest first, keeping those whose author v follows
#                   (EXISTS probe), LIMIT 50
#   page20_N    feed(v, 50, cursor of page 20)
#   publish     publish(a, id) against INSERT INTO bench.posts (id, a)
#
# Every answer is first checked against the three plain queries (untimed).
# The index entries each page reads come from feed()'s DEBUG1 report.
# Results: $BENCH_OUT/feed-N.md (default test/bench/out).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 items=5000000 duration=5 reps=3 smoke=0 only=all
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--items) items=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--smoke) smoke=1 ;;
	--only) only=$2; shift ;;
	*) echo "feed.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
db=${FG_BENCH_DB:-fg_bench_$scale}
. "$here/tools.sh"
if [ $smoke -eq 1 ]; then reps=1; items=$(( items < 20000 ? items : 20000 )); fi
mkdir -p "$out"
say() { printf '%s\n' "$*" >&2; }
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
qdb() { q -d "$db" "$@"; }

# The graph.
loaded=$(q -d "$db" -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)
if [ "$loaded" != "follow_graph bench scale $scale" ]; then
	say "== feed.sh: loading the read bench's graph first"
	BENCH_OUT="$out" bash "$here/run.sh" --scale "$scale" --db "$db" --ops ceiling --reps 1 \
		--duration 1 --clients 1 $([ $smoke -eq 1 ] && echo --smoke) >/dev/null
fi

# The items.
have=$(qdb -Atc "SELECT count(*) FROM follow_graph.item" 2>/dev/null || echo 0)
want_ok=$(qdb -Atc "SELECT to_regclass('bench.feed_viewer') IS NOT NULL AND abs($have - $items) < $items / 20 + 100")
if [ "$want_ok" != t ]; then
	say "== feed.sh: loading about $items items"
	t0=$(date +%s)
	qdb -v items="$items" -f "$here/feed_load.sql" >&2
	say "   items loaded in $(( $(date +%s) - t0 )) s"
fi
qdb -Atc "SELECT count(*) FROM follow_graph.item" >/dev/null

# The plain queries, $1 the viewer (as in the prepared statements).
followees="SELECT b.followee FROM bench.base AS b WHERE b.follower = \$1 UNION ALL SELECT \$1"
q1="SELECT p.author, p.id FROM bench.posts AS p WHERE p.author IN ($followees) ORDER BY p.id DESC LIMIT 50"
q2="SELECT x.author, x.id FROM ($followees) AS f(a) CROSS JOIN LATERAL (SELECT p.author, p.id FROM bench.posts AS p WHERE p.author = f.a ORDER BY p.id DESC LIMIT 50) AS x ORDER BY x.id DESC LIMIT 50"
q3="SELECT p.author, p.id FROM bench.posts AS p WHERE p.author = \$1 OR EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = \$1 AND b.followee = p.author) ORDER BY p.id DESC LIMIT 50"
q3deep="SELECT p.author, p.id FROM bench.posts AS p WHERE p.id < \$2 AND (p.author = \$1 OR EXISTS (SELECT 1 FROM bench.base AS b WHERE b.follower = \$1 AND b.followee = p.author)) ORDER BY p.id DESC LIMIT 50"

say "== feed.sh: checking feed() against the plain queries"
bad=$(qdb -At <<EOF
CREATE FUNCTION pg_temp.q(sql text, v bigint, c bigint) RETURNS text[] LANGUAGE plpgsql AS \$\$
DECLARE r text[]; BEGIN EXECUTE 'SELECT array_agg(row(x.*)::text) FROM (' || sql || ') AS x' INTO r USING v, c; RETURN r; END \$\$;
SELECT string_agg(DISTINCT format('%s(%s)', what, v.id), ' ') FROM bench.feed_viewer AS v,
	LATERAL (VALUES ('q1', \$q\$$q1\$q\$), ('q2', \$q\$$q2\$q\$), ('q3', \$q\$$q3\$q\$)) AS s(what, sql)
WHERE pg_temp.q(s.sql, v.id, 0) IS DISTINCT FROM pg_temp.q('SELECT * FROM follow_graph.feed(\$1, 50)', v.id, 0);
SELECT string_agg(format('page20(%s)', v.id), ' ') FROM bench.feed_viewer AS v
WHERE pg_temp.q(\$q\$$q3deep\$q\$, v.id, v.before20) IS DISTINCT FROM pg_temp.q('SELECT * FROM follow_graph.feed(\$1, 50, \$2)', v.id, v.before20);
EOF
)
if [ -n "$(tr -d '[:space:]' <<<"$bad")" ]; then
	say "RESULT MISMATCH between feed() and the plain queries: $bad"
	exit 1
fi
say "   feed() agrees with q1, q2 and q3 on every viewer, page 1 and page 20"

# Index entries read per page (feed()'s DEBUG1 report), per viewer group.
entries=$(qdb -At 2>&1 <<'EOF' | awk '/feed of/ { print }'
SET client_min_messages = debug1;
SELECT count(*) FROM bench.feed_viewer AS v, follow_graph.feed(v.id, 50) AS f;
SELECT count(*) FROM bench.feed_viewer AS v, follow_graph.feed(v.id, 50, v.before20) AS f;
EOF
)

# pgbench scripts.
sqldir=$out/feed-sql-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
script() { printf '%s\n' "$3" > "$sqldir/$1.$2.sql"; }
targets="10 100 300 1000 3000 10000"
for t in $targets; do
	lookup="\\set i random(1, 5)
SELECT id AS v, before20 AS c FROM bench.feed_viewer WHERE target = $t AND i = :i \\gset"
	script "feed_$t" ext "$lookup
SELECT * FROM follow_graph.feed(:v, 50);"
	script "page20_$t" ext "$lookup
SELECT * FROM follow_graph.feed(:v, 50, :c);"
	for b in q1 q2 q3; do
		sql=${!b}; sql=${sql//\$1/:v}
		script "feed_$t" "$b" "$lookup
$sql;"
	done
done
qdb -c "DROP SEQUENCE IF EXISTS bench.pub_seq" \
	-c "CREATE SEQUENCE bench.pub_seq START $(( $(qdb -Atc 'SELECT max(id) FROM bench.posts') + 1000 ))"
NA=$(qdb -Atc "SELECT count(*) FROM bench.viewer")
pub_lookup="\\set i random(1, $NA)
SELECT id AS a, nextval('bench.pub_seq') AS n FROM bench.viewer WHERE i = :i \\gset"
script publish ext "$pub_lookup
SELECT follow_graph.publish(:a, :n);"
script publish base "$pub_lookup
INSERT INTO bench.posts (id, author) VALUES (:n, :a);"

raw=$out/feed-raw-$scale.tsv
printf 'op\tside\trep\tlatency_ms\ttps\n' > "$raw"
bench_once() {	# op side rep
	local log=$out/feed-pgbench.log lat tps
	if [ $smoke -eq 1 ]; then set -- "$@" -t 3; else set -- "$@" -T "$duration"; fi
	"$PGBENCH" -n -M prepared -r -c 1 -j 1 "${@:4}" -f "$sqldir/$1.$2.sql" "$db" > "$log" 2>&1 || {
		cat "$log" >&2; return 1; }
	lat=$(awk '/statement latencies/ { f = 1; next } f && NF { l = $1 } END { print l }' "$log")
	tps=$(awk '/^tps = / { print $3; exit }' "$log")
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$lat" "$tps" >> "$raw"
}
say "== feed.sh: timing (pgbench -M prepared, $reps runs of ${duration}s per side)"
for r in $(seq "$reps"); do
	[ "$only" != publish ] || break
	for t in $targets; do
		bench_once "feed_$t" ext "$r"
		bench_once "page20_$t" ext "$r"
		case $t in
		100|1000|10000)
			for b in q1 q2 q3; do bench_once "feed_$t" "$b" "$r"; bench_once "feed_$t" ext "$r"; done ;;
		esac
	done
done
# publish last: its items would change the feeds timed above.
for r in $(seq "$reps"); do
	[ "$only" != feed ] || break
	bench_once publish ext "$r"
	bench_once publish base "$r"
done

# Take the bench's own publishes back out (through the API: counts stay exact).
start=$(qdb -Atc "SELECT start_value FROM pg_sequences WHERE schemaname = 'bench' AND sequencename = 'pub_seq'")
qdb -Atc "SELECT count(follow_graph.unpublish(author, item)) FROM follow_graph.item WHERE item >= $start" >/dev/null
qdb -c "DELETE FROM bench.posts WHERE id >= $start"
# Leave both sides' newest-first indexes clean for the next run.
qdb -c "VACUUM follow_graph.item" -c "VACUUM bench.posts"
qdb -Atc "SELECT to_regclass('follow_graph.item_bound') IS NOT NULL" | grep -q t &&
	qdb -c "VACUUM follow_graph.item_bound"

# Report.
qdb -c "DROP TABLE IF EXISTS bench.feed_result" \
	-c "CREATE TABLE bench.feed_result (op text, side text, rep int, latency_ms float8, tps float8)"
qdb -c "COPY bench.feed_result FROM STDIN WITH (FORMAT csv, DELIMITER E'\t', HEADER)" < "$raw"
host="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
report=$(qdb -At -v entries="$entries" <<'EOF'
CREATE TEMP TABLE m AS
	SELECT op, side, percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS ms,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY tps) AS tps
	FROM bench.feed_result GROUP BY 1, 2;
CREATE FUNCTION pg_temp.fmt(ms float8) RETURNS text LANGUAGE sql AS
	$$ SELECT CASE WHEN ms IS NULL THEN '-' WHEN ms < 1 THEN to_char(ms * 1000, 'FM9990') || ' µs'
				   ELSE to_char(ms, 'FM999990.0') || ' ms' END $$;
CREATE FUNCTION pg_temp.ms(o text, s text) RETURNS float8 LANGUAGE sql AS
	$$ SELECT ms FROM m WHERE op = o AND side = s $$;
-- entries read per page, from the DEBUG1 lines: median per group and page
CREATE TEMP TABLE e AS
	SELECT (regexp_match(l, 'feed of (-?\d+)'))[1]::bigint AS viewer,
		   (regexp_match(l, '(\d+) index entries read'))[1]::int AS entries,
		   n AS ord
	FROM unnest(string_to_array(:'entries', E'\n')) WITH ORDINALITY AS x(l, n);
CREATE TEMP TABLE ee AS
	SELECT v.target, e.ord > (SELECT count(*) FROM bench.feed_viewer) AS deep,
		   percentile_cont(0.5) WITHIN GROUP (ORDER BY e.entries) AS entries
	FROM e JOIN bench.feed_viewer AS v ON v.id = e.viewer GROUP BY 1, 2;
SELECT '| followees (median of 5 viewers) | feed(v, 50) | page 20 | page 20 / page 1 | index entries read, page 1 / page 20 | q1 IN + sort | q2 LATERAL top-50 | q3 newest + EXISTS | best of q1, q2 / feed |';
SELECT '|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
SELECT format('| %s | %s | %s | %s× | %s / %s | %s | %s | %s | %s |',
			  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY following) FROM bench.feed_viewer AS v WHERE v.target = t.target),
			  pg_temp.fmt(pg_temp.ms('feed_' || t.target, 'ext')),
			  pg_temp.fmt(pg_temp.ms('page20_' || t.target, 'ext')),
			  to_char(pg_temp.ms('page20_' || t.target, 'ext') / pg_temp.ms('feed_' || t.target, 'ext'), 'FM990.00'),
			  (SELECT entries FROM ee WHERE ee.target = t.target AND NOT deep),
			  (SELECT entries FROM ee WHERE ee.target = t.target AND deep),
			  pg_temp.fmt(pg_temp.ms('feed_' || t.target, 'q1')),
			  pg_temp.fmt(pg_temp.ms('feed_' || t.target, 'q2')),
			  pg_temp.fmt(pg_temp.ms('feed_' || t.target, 'q3')),
			  COALESCE(to_char(least(pg_temp.ms('feed_' || t.target, 'q1'), pg_temp.ms('feed_' || t.target, 'q2'))
							   / pg_temp.ms('feed_' || t.target, 'ext'), 'FM999990.0') || '×', '-'))
FROM (SELECT DISTINCT target FROM bench.feed_viewer) AS t ORDER BY t.target;
SELECT '';
SELECT format('publish(): %s per call (%s tps) vs INSERT into bench.posts: %s (%s tps); publish / INSERT = %s×',
			  pg_temp.fmt(e.ms), round(e.tps::numeric), pg_temp.fmt(b.ms), round(b.tps::numeric),
			  to_char(e.ms / b.ms, 'FM990.00'))
FROM m AS e, m AS b WHERE e.op = 'publish' AND e.side = 'ext' AND b.op = 'publish' AND b.side = 'base';
SELECT format('Sizes: follow_graph.item %s, bench.posts %s', pg_size_pretty(pg_total_relation_size('follow_graph.item')),
			  pg_size_pretty(pg_total_relation_size('bench.posts')));
EOF
)
{
	echo "## follow_graph home feed, SCALE=$scale ($(qdb -Atc "SELECT count(*) FROM bench.base") edges, $(qdb -Atc "SELECT count(*) FROM follow_graph.item") items; the top 10% of accounts publish $(qdb -Atc "SELECT round(100.0 * sum(n) FILTER (WHERE r <= (SELECT count(*) / 10 FROM follow_graph.counter)) / sum(n), 1) FROM (SELECT items AS n, row_number() OVER (ORDER BY items DESC) AS r FROM follow_graph.counter) AS x")% of them)"
	echo
	echo "pgbench -M prepared, 1 client, median of $reps interleaved runs of ${duration}s per side; $host; PostgreSQL $(qdb -Atc 'SHOW server_version' | cut -d' ' -f1); shared_buffers $(qdb -Atc 'SHOW shared_buffers')"
	echo
	printf '%s\n' "$report"
	[ $smoke -eq 0 ] || { echo; echo "(smoke run: a few transactions per run, timings mean nothing)"; }
} | tee "$out/feed-$scale.md"
