#!/bin/bash
# test/bench/states_pair.sh: the cost of the relationship states on the
# write path (issue 12): bare follow() and unfollow() of public, active
# accounts, this build against 0.1.0 on the same machine, alternated.
#
#   NEW="host port" OLD="host port" bash test/bench/states_pair.sh [--reps N] [--seconds T] [--clients C]
#
# NEW names a server with this build installed, OLD one with 0.1.0 (git tag
# v0.1.0 built and installed into a second copy of the server, its own data
# directory).  Each gets a database fg_bench_pair: ids up to 1M, the edges
# i -> i+1 for i up to 1M, written into the storage directly (as the read
# bench's load.sql does).  Then, per workload, pgbench
# (-M prepared, one transaction per call, synchronous_commit off so that the
# function's own cost is not hidden behind WAL flushes) runs OLD, NEW, OLD,
# NEW, ... N times for T seconds each; the median latency of each side and
# their ratio are printed.  Workloads:
#   follow            follow(a, b) of a random pair (a new edge, almost always)
#   unfollow          unfollow(i, i+1) of a random preloaded edge (run k of
#                     each side draws from its own 200,000 edges; --reps <= 5)
#   unfollow_absent   unfollow(a, b) of a random pair (no edge, almost always)
# and then the same three again after the new side got state rows that the
# calls must probe past: 50,000 blocks and 10,000 account_state rows
# (public, active) among the same accounts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
reps=5 seconds=10 clients=1
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
read -r new_host new_port <<<"${NEW:?NEW=\"host port\" of the server with this build}"
read -r old_host old_port <<<"${OLD:?OLD=\"host port\" of the server with 0.1.0}"
db=fg_bench_pair
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

q() { local h=$1 p=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -h "$h" -p "$p" -U postgres -d "$db" "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat >"$tmp/follow.pgb" <<'PGB'
\set a random(1, 1000000)
\set b random(1, 999999)
\if :b >= :a
\set b :b + 1
\endif
SELECT follow_graph.follow(:a, :b);
PGB
cat >"$tmp/unfollow.pgb" <<'PGB'
\set i random(:lo + 1, :lo + 200000)
SELECT follow_graph.unfollow(:i, :i + 1);
PGB
cat >"$tmp/unfollow_absent.pgb" <<'PGB'
\set a random(1, 1000000)
\set b random(1, 999999)
\if :b >= :a
\set b :b + 1
\endif
SELECT follow_graph.unfollow(:a, :b);
PGB

setup() {
	local h=$1 p=$2 version=$3
	dropdb -h "$h" -p "$p" -U postgres --if-exists "$db"
	createdb -h "$h" -p "$p" -U postgres "$db"
	q "$h" "$p" -c "SET client_min_messages = warning" -c "ALTER DATABASE $db SET synchronous_commit = off" \
		-c "CREATE EXTENSION follow_graph VERSION '$version'" \
		-c "INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
			SELECT i, i + 1, nextval('follow_graph.edge_seq'), now() FROM generate_series(1, 1000000) AS i" \
		-c "INSERT INTO follow_graph.counter (account, stripe, followers, following, mutuals)
			SELECT a, 0, (a > 1)::int, (a <= 1000000)::int, 0 FROM generate_series(1, 1000001) AS a" \
		-c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}

# Median latency (ms) of one workload on one side, run $reps times, alternated.
run() {
	local w=$1 i out lo
	: >"$tmp/old" ; : >"$tmp/new"
	for i in $(seq "$reps"); do
		lo=$(( (i - 1) * 200000 ))
		for side in old new; do
			if [ $side = old ]; then h=$old_host p=$old_port; else h=$new_host p=$new_port; fi
			out=$(pgbench -h "$h" -p "$p" -U postgres -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -D lo="$lo" -f "$tmp/$w.pgb" "$db" 2>&1) || { echo "$out" >&2; exit 1; }
			echo "$out" | awk '/^latency average/ { print $4 }' >>"$tmp/$side"
		done
	done
	o=$(median <"$tmp/old"); n=$(median <"$tmp/new")
	printf '| %s | %s | %s | %.3f | %s | %s |\n' "$w" "$o" "$n" "$(awk -v a="$n" -v b="$o" 'BEGIN { print a / b }')" \
		"$(tr '\n' ' ' <"$tmp/old")" "$(tr '\n' ' ' <"$tmp/new")"
}

check() {
	local h=$1 p=$2 r
	r=$(q "$h" "$p" -At -c "SELECT count(*) FROM follow_graph.verify()")
	[ "$r" = 0 ] || { echo "verify() found $r problems on $h:$p" >&2; exit 1; }
}

setup "$old_host" "$old_port" 0.1.0
setup "$new_host" "$new_port" 0.2.0
echo "states_pair bench: $clients client(s), median of $reps x ${seconds}s, latency in ms (OLD = 0.1.0, NEW = this build)"
echo
echo "| workload | 0.1.0 | this build | ratio | 0.1.0 runs | this build runs |"
echo "|---|---|---|---|---|---|"
for w in follow unfollow unfollow_absent; do run "$w"; done
check "$old_host" "$old_port"; check "$new_host" "$new_port"
q "$new_host" "$new_port" -c "
	INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)
	SELECT DISTINCT ON (a, b) a, b, nextval('follow_graph.state_seq'), now() FROM (
		SELECT (random() * 999999)::bigint + 1 AS a, (random() * 999999)::bigint + 1 AS b
		FROM generate_series(1, 50000)) AS x
	WHERE a <> b AND NOT EXISTS (SELECT 1 FROM follow_graph.edge e WHERE (e.follower, e.followee) IN ((a, b), (b, a)))
	ON CONFLICT DO NOTHING" \
	-c "INSERT INTO follow_graph.account_state (account, private, active)
	SELECT DISTINCT (random() * 999999)::bigint + 1, false, true FROM generate_series(1, 10000) ON CONFLICT DO NOTHING" \
	-c "VACUUM ANALYZE follow_graph.block" -c "VACUUM ANALYZE follow_graph.account_state" >/dev/null
echo "| _this build with 50,000 blocks and 10,000 account_state rows:_ | | | | | |"
for w in follow unfollow unfollow_absent; do run "$w"; done
check "$old_host" "$old_port"; check "$new_host" "$new_port"
