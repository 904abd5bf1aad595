#!/bin/bash
# test/bench/states_pair.sh: the cost of the relationship states on the
# write path (issue 12): follow() and unfollow() of public, active accounts,
# this build against 0.1.0 on the same machine, alternated.
#
#   NEW="host port" OLD="host port" [OLD_VERSION=0.1.0] bash test/bench/states_pair.sh
#       [--rounds N] [--calls K] [--accounts A]
#
# NEW names a server with this build installed, OLD one with 0.1.0 (git tag
# v0.1.0 built and installed into a second copy of the server, with its own
# data directory; OLD_VERSION names another version there, e.g. 0.2.0 for
# a build of the commit before the states' writers).  Each gets a database
# fg_bench_pair: A accounts (default 200,000, so that the working set fits
# in the default shared_buffers and the calls' own cost is measured, not
# reads from the page cache), the edges i -> i+1 written into the storage
# directly (as the read bench's load.sql does), and the same K random pairs
# per round on both sides (setseed).  A round runs, on OLD then on NEW,
# three statements of K calls each, each its own transaction:
#   follow            follow(a, b) of the round's pairs (new edges)
#   unfollow          unfollow(a, b) of the same pairs (existing edges)
#   unfollow_absent   unfollow(a, b) of the same pairs again (no edge)
# and measures the CPU time the backend spent on each (/proc/self/schedstat,
# the time on CPU in ns): on a shared machine the wall time of the other
# helpers' load swamps a 10% difference, the CPU time of our own backend
# does not.  It prints the median microseconds per call of each side and
# their ratio.  Then the same after the new side got state rows that the
# calls probe past: 50,000 blocks and 10,000 account_state rows (public,
# active) among the same accounts.  verify() must stay empty on both sides.
set -euo pipefail
rounds=7 calls=20000 accounts=200000
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--calls) calls=$2; shift 2 ;;
	--accounts) accounts=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
read -r new_host new_port <<<"${NEW:?NEW=\"host port\" of the server with this build}"
read -r old_host old_port <<<"${OLD:?OLD=\"host port\" of the server with 0.1.0}"
db=fg_bench_pair
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

q() { local h=$1 p=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 -h "$h" -p "$p" -U postgres -d "$db" "$@"; }
. "$(dirname "$0")/measure.sh"

setup() {
	local h=$1 p=$2 version=$3
	dropdb -h "$h" -p "$p" -U postgres --if-exists "$db"
	createdb -h "$h" -p "$p" -U postgres "$db"
	q "$h" "$p" -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION follow_graph VERSION '$version'" \
		-c "INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
			SELECT i, i + 1, nextval('follow_graph.edge_seq'), now() FROM generate_series(1, $accounts - 1) AS i" \
		-c "INSERT INTO follow_graph.counter (account, stripe, followers, following, mutuals)
			SELECT a, 0, (a > 1)::int, (a < $accounts)::int, 0 FROM generate_series(1, $accounts) AS a" \
		-c "SELECT setseed(0.25)" \
		-c "CREATE TABLE pairs AS SELECT r, a, b FROM (
			SELECT r, (random() * ($accounts - 1))::bigint + 1 AS a, (random() * ($accounts - 1))::bigint + 1 AS b
			FROM generate_series(1, $rounds * 2) AS r, generate_series(1, $calls)) AS x
			WHERE a <> b AND abs(a - b) > 1" \
		-c "CREATE INDEX ON pairs (r)" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}

# CPU ns of one statement in a fresh backend, after a warm-up call.
cpu() {
	local h=$1 p=$2 sql=$3
	q "$h" "$p" -At <<SQL
SELECT follow_graph.unfollow(1, 3);
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint AS t0 \gset
$sql
SELECT (split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint - :t0) / 1000.0
	/ (SELECT count(*) FROM pairs WHERE r = :r);
SQL
}

# One round: three statements on each side, OLD first.
round() {
	local r=$1 side h p
	for side in old new; do
		if [ $side = old ]; then h=$old_host p=$old_port; else h=$new_host p=$new_port; fi
		cpu "$h" "$p" "\\set r $r
SELECT count(*) FILTER (WHERE follow_graph.follow(a, b)) FROM pairs WHERE r = $r \\g /dev/null" | tail -1 >>"$tmp/$side.follow"
		cpu "$h" "$p" "\\set r $r
SELECT count(*) FILTER (WHERE follow_graph.unfollow(a, b)) FROM pairs WHERE r = $r \\g /dev/null" | tail -1 >>"$tmp/$side.unfollow"
		cpu "$h" "$p" "\\set r $r
SELECT count(*) FILTER (WHERE follow_graph.unfollow(a, b)) FROM pairs WHERE r = $r \\g /dev/null" | tail -1 >>"$tmp/$side.unfollow_absent"
	done
}

table() {
	local w o n
	for w in follow unfollow unfollow_absent; do
		o=$(median <"$tmp/old.$w"); n=$(median <"$tmp/new.$w")
		printf '| %s | %.1f | %.1f | %.3f | %s | %s |\n' "$w" "$o" "$n" "$(awk -v a="$n" -v b="$o" 'BEGIN { print a / b }')" \
			"$(awk '{ printf "%.1f ", $1 }' "$tmp/old.$w")" "$(awk '{ printf "%.1f ", $1 }' "$tmp/new.$w")"
	done
	rm -f "$tmp"/old.* "$tmp"/new.*
}

check() {
	local h=$1 p=$2 r
	r=$(q "$h" "$p" -At -c "SELECT count(*) FROM follow_graph.verify()")
	[ "$r" = 0 ] || { echo "verify() found $r problems on $h:$p" >&2; exit 1; }
}

setup "$old_host" "$old_port" "${OLD_VERSION:-0.1.0}"
setup "$new_host" "$new_port" 0.2.0
echo "states_pair bench: $rounds rounds of $calls calls per statement, CPU microseconds per call of the backend, median (OLD = ${OLD_VERSION:-0.1.0}, NEW = this build)"
echo
echo "| statement | OLD | this build | ratio | OLD rounds | this build rounds |"
echo "|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do round "$r"; done
table
check "$old_host" "$old_port"; check "$new_host" "$new_port"
q "$new_host" "$new_port" -c "
	INSERT INTO follow_graph.block (blocker, blocked, seq, blocked_at)
	SELECT a, b, nextval('follow_graph.state_seq'), now() FROM (
		SELECT DISTINCT (random() * ($accounts - 1))::bigint + 1 AS a, (random() * ($accounts - 1))::bigint + 1 AS b
		FROM generate_series(1, 50000)) AS x
	WHERE a <> b AND abs(a - b) > 1
	  AND NOT EXISTS (SELECT 1 FROM pairs AS p WHERE p.a = x.a AND p.b = x.b)
	  AND NOT EXISTS (SELECT 1 FROM pairs AS p WHERE p.a = x.b AND p.b = x.a)
	ON CONFLICT DO NOTHING" \
	-c "INSERT INTO follow_graph.account_state (account, private, active)
	SELECT DISTINCT (random() * ($accounts - 1))::bigint + 1, false, true FROM generate_series(1, 10000) ON CONFLICT DO NOTHING" \
	-c "VACUUM ANALYZE follow_graph.block" -c "VACUUM ANALYZE follow_graph.account_state" >/dev/null
echo "| _this build with 50,000 blocks and 10,000 account_state rows:_ | | | | | |"
for r in $(seq $((rounds + 1)) $((rounds * 2))); do round "$r"; done
table
check "$old_host" "$old_port"; check "$new_host" "$new_port"
