#!/bin/bash
# test/bench/states.sh: relationships(viewer, 100 targets) with all eight
# columns against the plain-SQL schema a user would write for the same
# states (issue 12), on the read bench's R-MAT graph with 5% of pairs
# blocked (replacing their edges), 1% of edges turned into pending requests
# and mutes amounting to 5% of the edge count.
#
#   bash test/bench/states.sh [--scale N] [--duration S] [--reps R]
#                             [--clients LIST] [--smoke] [--reuse]
#
# Needs the read bench's database fg_bench_N (run.sh loads it when missing;
# FG_BENCH_DB names another) and copies it to fg_states_N, which it changes
# through the API as a superuser (connection from the usual PG* variables):
#
#   blocks    every edge whose unordered pair hashes into buckets 0-4 of 100
#             is replaced by a block() (blocker: the followee or the
#             follower, by the hash), which also drops the reverse edge;
#   requests  every edge in bucket 5: its followee goes private
#             (set_private), the edge is unfollowed and followed again, so
#             it becomes a pending request;
#   mutes     every edge in buckets 6-10: the follower mutes the followee
#             (one in ten with an expiry a year ahead).
#
# The baseline, schema sb, holds the result as four tables with their
# indexes (follows, follow_requests, blocks, mutes) and answers with one
# EXISTS per column.  Both sides are checked to give the same rows for every
# page of bench.rel_case before timing.  pgbench -M prepared runs the two
# alternately, A B A B, --reps times for --duration seconds each; the table
# gives the medians and the ratio, and the floor: the same rows returned
# with no lookup (what both sides pay for the protocol, the array parameter
# and the output).  Results: out/states-N.md.  --reuse
# keeps fg_states_N from an earlier run (the states take minutes to apply
# at SCALE=18).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${BENCH_OUT:-$here/out}
scale=18 duration=5 reps=3 clients="1 2" smoke=0 reuse=0
while [ $# -gt 0 ]; do
	case "$1" in
	--scale) scale=$2; shift ;;
	--duration) duration=$2; shift ;;
	--reps) reps=$2; shift ;;
	--clients) clients=$2; shift ;;
	--smoke) smoke=1 ;;
	--reuse) reuse=1 ;;
	*) echo "states.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
src=${FG_BENCH_DB:-fg_bench_$scale}
db=fg_states_$scale
. "$here/tools.sh"
mkdir -p "$out"
say() { printf '%s\n' "$*" >&2; }
q() { "$PSQL" -X -q -v ON_ERROR_STOP=1 "$@"; }
qdb() { q -d "$db" "$@"; }
[ $smoke -eq 0 ] || reps=1

ready=""
if [ $reuse -eq 1 ]; then
	ready=$(q -d "$db" -Atc "SELECT obj_description('sb'::regnamespace)" 2>/dev/null || true)
fi
if [ "$ready" = "follow_graph states bench scale $scale" ]; then
	say "== states: reusing $db"
else
loaded=$(q -d "$src" -Atc "SELECT obj_description('bench'::regnamespace)" 2>/dev/null || true)
if [ "$loaded" != "follow_graph bench scale $scale" ]; then
	say "== states: loading the read bench's graph first (run.sh)"
	bash "$here/run.sh" --scale "$scale" --db "$src" --reuse --smoke --ops ceiling >/dev/null
fi

say "== states: copying $src to $db and applying the states through the API"
t0=$(date +%s)
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $src"
qdb <<'EOF' >&2
\set QUIET on
SET client_min_messages = warning;
-- Each unordered pair's bucket, 0..99, from a fixed hash.
CREATE FUNCTION pg_temp.bucket(a bigint, b bigint) RETURNS int LANGUAGE sql IMMUTABLE AS
	$$ SELECT abs((hashint8(least(a, b))::bigint * 31 + hashint8(greatest(a, b))) % 100)::int $$;
CREATE TABLE bench.state_pick AS
	SELECT follower, followee, pg_temp.bucket(follower, followee) AS bucket
	FROM follow_graph.edge WHERE pg_temp.bucket(follower, followee) <= 10;
SELECT count(*) AS edges_before FROM follow_graph.edge \gset
\timing on
SELECT count(*) FILTER (WHERE b) AS blocks FROM (
	SELECT CASE WHEN hashint8(follower) % 2 = 0 THEN follow_graph.block(followee, follower)
				ELSE follow_graph.block(follower, followee) END AS b
	FROM bench.state_pick WHERE bucket < 5 ORDER BY follower, followee) AS x;
SELECT count(*) FILTER (WHERE p) AS made_private FROM (
	SELECT follow_graph.set_private(followee, true) >= 0 AS p
	FROM (SELECT DISTINCT followee FROM bench.state_pick WHERE bucket = 5) AS d ORDER BY followee) AS x;
SELECT count(*) FILTER (WHERE follow_graph.unfollow(follower, followee)) AS unfollowed
	FROM bench.state_pick WHERE bucket = 5;
SELECT count(*) FILTER (WHERE follow_graph.follow(follower, followee)) AS requested
	FROM bench.state_pick WHERE bucket = 5;
SELECT count(*) FILTER (WHERE follow_graph.mute(follower, followee,
		CASE WHEN hashint8(followee) % 10 = 0 THEN now() + interval '1 year' END)) AS mutes
	FROM bench.state_pick WHERE bucket BETWEEN 6 AND 10;
\timing off
SELECT format('edges %s -> %s; blocks %s (%s%% of the edges before), requests %s (%s%%), mutes %s (%s%%)',
	:edges_before, (SELECT count(*) FROM follow_graph.edge),
	(SELECT count(*) FROM follow_graph.block), round(100.0 * (SELECT count(*) FROM follow_graph.block) / :edges_before, 2),
	(SELECT count(*) FROM follow_graph.request), round(100.0 * (SELECT count(*) FROM follow_graph.request) / :edges_before, 2),
	(SELECT count(*) FROM follow_graph.mute), round(100.0 * (SELECT count(*) FROM follow_graph.mute) / :edges_before, 2)) AS mix;
SELECT count(*) AS verify_problems FROM follow_graph.verify();

-- The baseline: what a user would write, with every index its EXISTS need.
CREATE SCHEMA sb;
CREATE TABLE sb.follows (follower bigint NOT NULL, followee bigint NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO sb.follows SELECT follower, followee, followed_at FROM follow_graph.edge ORDER BY follower, followee;
ALTER TABLE sb.follows ADD PRIMARY KEY (follower, followee);
CREATE UNIQUE INDEX ON sb.follows (followee, follower);
CREATE TABLE sb.follow_requests (requester bigint NOT NULL, account bigint NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO sb.follow_requests SELECT requester, account, requested_at FROM follow_graph.request ORDER BY requester, account;
ALTER TABLE sb.follow_requests ADD PRIMARY KEY (requester, account);
CREATE UNIQUE INDEX ON sb.follow_requests (account, requester);
CREATE TABLE sb.blocks (blocker bigint NOT NULL, blocked bigint NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO sb.blocks SELECT blocker, blocked, blocked_at FROM follow_graph.block ORDER BY blocker, blocked;
ALTER TABLE sb.blocks ADD PRIMARY KEY (blocker, blocked);
CREATE UNIQUE INDEX ON sb.blocks (blocked, blocker);
CREATE TABLE sb.mutes (muter bigint NOT NULL, muted bigint NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz);
INSERT INTO sb.mutes SELECT muter, muted, muted_at, expires_at FROM follow_graph.mute ORDER BY muter, muted;
ALTER TABLE sb.mutes ADD PRIMARY KEY (muter, muted);
CREATE UNIQUE INDEX ON sb.mutes (muted, muter);
VACUUM (ANALYZE) follow_graph.edge, follow_graph.counter, follow_graph.request, follow_graph.block,
	follow_graph.mute, follow_graph.account_state, sb.follows, sb.follow_requests, sb.blocks, sb.mutes;
CHECKPOINT;
EOF
qdb -c "COMMENT ON SCHEMA sb IS 'follow_graph states bench scale $scale'"
say "   states applied in $(( $(date +%s) - t0 )) s"
fi

# The baseline query: one EXISTS per column.
base_sql="SELECT t.id,
 EXISTS (SELECT 1 FROM sb.follows AS f WHERE f.follower = :v AND f.followee = t.id),
 EXISTS (SELECT 1 FROM sb.follows AS f WHERE f.follower = t.id AND f.followee = :v),
 EXISTS (SELECT 1 FROM sb.follow_requests AS r WHERE r.requester = :v AND r.account = t.id),
 EXISTS (SELECT 1 FROM sb.follow_requests AS r WHERE r.requester = t.id AND r.account = :v),
 EXISTS (SELECT 1 FROM sb.blocks AS b WHERE b.blocker = :v AND b.blocked = t.id),
 EXISTS (SELECT 1 FROM sb.blocks AS b WHERE b.blocker = t.id AND b.blocked = :v),
 EXISTS (SELECT 1 FROM sb.mutes AS m WHERE m.muter = :v AND m.muted = t.id AND (m.expires_at IS NULL OR m.expires_at > now()))
FROM unnest(:t::bigint[]) AS t(id)"

say "== states: checking that both sides give the same rows for every page"
check_sql=${base_sql//:v/c.viewer}
check_sql=${check_sql//:t::bigint[]/c.targets}
stats=$(qdb -At <<EOF
SELECT bool_and(ARRAY(SELECT row(r.*)::text FROM follow_graph.relationships(c.viewer, c.targets) AS r)
	= ARRAY(SELECT row(x.*)::text FROM ($check_sql) AS x)),
	sum((SELECT count(*) FILTER (WHERE r.blocking OR r.blocked_by) FROM follow_graph.relationships(c.viewer, c.targets) AS r)),
	sum((SELECT count(*) FILTER (WHERE r.requested OR r.requested_by) FROM follow_graph.relationships(c.viewer, c.targets) AS r)),
	sum((SELECT count(*) FILTER (WHERE r.muting) FROM follow_graph.relationships(c.viewer, c.targets) AS r)),
	sum(cardinality(c.targets))
FROM bench.rel_case AS c
EOF
)
IFS='|' read -r same nblock nreq nmute ntargets <<< "$stats"
if [ "$same" != t ]; then
	say "RESULT MISMATCH between relationships() and the states baseline"
	exit 1
fi
say "   all pages agree ($ntargets targets: $nblock with a block, $nreq with a pending request, $nmute muted)"

sqldir=$out/sql-states-$scale
rm -rf "$sqldir"; mkdir -p "$sqldir"
NR=$(qdb -Atc "SELECT count(*) FROM bench.rel_case")
lookup="\\set i random(1, $NR)
SELECT viewer AS v, targets AS t FROM bench.rel_case WHERE i = :i \\gset"
printf '%s\n%s\n' "$lookup" "SELECT * FROM follow_graph.relationships(:v, :t::bigint[]);" > "$sqldir/ext.sql"
printf '%s\n%s;\n' "$lookup" "$base_sql" > "$sqldir/base.sql"
# The floor: the same 100 rows of eight columns with no lookup at all (the
# protocol, the array parameter and the output both sides pay).
printf '%s\n%s\n' "$lookup" "SELECT t.id, :v::bigint < 0, false, false, false, false, false, false FROM unnest(:t::bigint[]) AS t(id);" > "$sqldir/floor.sql"

raw=$out/states-raw-$scale.tsv
printf 'clients\tside\trep\tlatency_ms\n' > "$raw"
for c in $clients; do
	for r in $(seq "$reps"); do
		for side in ext base floor; do
			log=$out/pgbench-states.log
			if [ $smoke -eq 1 ]; then len=(-t 5); else len=(-T "$duration"); fi
			"$PGBENCH" -n -M prepared -r -c "$c" -j "$c" "${len[@]}" -f "$sqldir/$side.sql" "$db" > "$log" 2>&1 || {
				cat "$log" >&2; exit 1; }
			lat=$(awk '/statement latencies/ { f = 1; next } f && NF { l = $1 } END { print l }' "$log")
			printf '%s\t%s\t%s\t%s\n' "$c" "$side" "$r" "$lat" >> "$raw"
		done
	done
done

host="$(nproc) vCPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
{
	echo "## relationships(viewer, 100 targets), eight columns, SCALE=$scale with states"
	echo
	echo "pgbench -M prepared, median of $reps interleaved runs of ${duration}s per side; $host; PostgreSQL $(qdb -Atc 'SHOW server_version' | cut -d' ' -f1)"
	echo
	echo "| clients | follow_graph | plain SQL (4 tables, EXISTS per column) | ratio (baseline/ext) | floor (same rows, no lookup) |"
	echo "|---:|---:|---:|---:|---:|"
	awk -F'\t' 'NR > 1 { v[$1, $2] = v[$1, $2] " " $4; cl[$1] = 1 }
		function med(s,   a, n, i, j, t) { n = split(s, a, " ")
			for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		function fmt(ms) { return (ms < 1) ? sprintf("%.1f µs", ms * 1000) : sprintf("%.2f ms", ms) }
		END { for (c in cl) { e = med(v[c, "ext"]); b = med(v[c, "base"]); f = med(v[c, "floor"])
			printf "| %s | %s | %s | %.2f× | %s |\n", c, fmt(e), fmt(b), (e > 0 ? b / e : 0), fmt(f) } }' "$raw" | sort -n -t'|' -k2
	echo
	echo "States: $nblock of $ntargets targets in a block, $nreq in a pending request, $nmute muted (over all $NR pages)."
	[ $smoke -eq 0 ] || { echo; echo "(smoke run: a few transactions per run, timings mean nothing)"; }
} | tee "$out/states-$scale.md"
