#!/bin/bash
# test/reliability/bound_walk_race.sh: feed()'s leaf-page walks must give the
# snapshot's answer while other sessions delete and split the pages they
# have not read yet.
#
# fg_bound_walk.c walks item_bound_newest (a first page) and item_pkey (a
# later page) right to left, one leaf at a time, with nbtree's move-left
# protocol; FgProbeOwnerIds (fg_probe.c) walks the viewer's range of
# edge_pkey left to right.  gdb stops the feed backend between two leaf
# pages (after the first, or after the fourth), while holding no lock or
# pin; another session then VACUUMs the tables (the rows of 2,000 accounts
# removed before the feed's snapshot: their entries go, their leaf pages,
# among them the page just read, are deleted) and publishes 2,000 items in
# the emptied key range (the pages left split), or unfollows and follows
# again; then the walk resumes.  The page must equal the plain-SQL
# reference computed under the same REPEATABLE READ snapshot.  Needs gdb
# and a cluster on which the caller may ptrace the backends; run as root:
#   FG_PG=18 bash test/dev.sh NAME install
#   bash test/reliability/bound_walk_race.sh NAME     (FG_PG=18 as for dev.sh)
set -u
name=${1:?usage: bound_walk_race.sh NAME}
. "$(dirname "$0")/gdb_race.sh"
race_env "$name" bound_walk_race
step_left=$(grep -n "buf = StepLeft(w);" "$top/src/fg_bound_walk.c" | cut -d: -f1)
owner_next=$(grep -n "buf = ReadLeaf(p, next);" \
	"$top/src/fg_probe.c" | tail -1 | cut -d: -f1)
failed=0

# the graph, once, as the template of every round
$P -d postgres -c "DROP DATABASE IF EXISTS bound_walk_race" \
	-c "DROP DATABASE IF EXISTS bound_walk_base" -c "CREATE DATABASE bound_walk_base"
$P -d bound_walk_base <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
ALTER TABLE follow_graph.item SET (autovacuum_enabled = false);
ALTER TABLE follow_graph.item_bound SET (autovacuum_enabled = false);
ALTER TABLE follow_graph.edge SET (autovacuum_enabled = false);
-- 4,000 authors, author a publishes 100000 + a; 2 follows the 600 oldest
-- and 2000..2999 (whose accounts go), 3 follows every 7th
SELECT count(follow_graph.publish(a, 100000 + a)) FROM generate_series(1000, 4999) AS a;
SELECT count(follow_graph.follow(2, a)) FROM generate_series(1000, 1599) AS a;
SELECT count(follow_graph.follow(2, a)) FROM generate_series(2000, 2999) AS a;
SELECT count(follow_graph.follow(3, a)) FROM generate_series(1000, 4999, 7) AS a;
-- 2,000 accounts go before the feed's snapshot: their entries are dead
-- to it, and VACUUM may remove them while it walks
SELECT count(follow_graph.remove_account(a)) FROM generate_series(2000, 3999) AS a;
CREATE FUNCTION public.expected(v bigint, ps int, cur bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg(i.author || ':' || i.item, ' ' ORDER BY i.item DESC)
	FROM (SELECT i.author, i.item FROM follow_graph.item AS i
		  WHERE (i.author = v OR EXISTS (SELECT 1 FROM follow_graph.edge AS e
										 WHERE e.follower = v AND e.followee = i.author))
			AND (cur IS NULL OR i.item < cur)
		  ORDER BY i.item DESC LIMIT ps) AS i
$$;
SQL

# one round: $1 the breakpoint, $2 hits to let pass, $3 the feed's
# arguments (viewer, page_size, cursor or NULL), $4 the other session's SQL
# while the walk stands still
round() {
	local bp=$1 skip=$2 args=$3 meddle=$4
	local call="follow_graph.feed($args)"
	local D
	D=$(mktemp -d); chmod 777 "$D"
	$P -d postgres -c "DROP DATABASE IF EXISTS bound_walk_race" \
		-c "CREATE DATABASE bound_walk_race TEMPLATE bound_walk_base"
	mkfifo "$D/fin" "$D/min"
	("$BIN/psql" -X -At <"$D/fin" >"$D/fout" 2>&1) & exec 7>"$D/fin"
	("$BIN/psql" -X -At <"$D/min" >"$D/mout" 2>&1) & exec 8>"$D/min"
	echo "SELECT pg_backend_pid(); SELECT follow_graph.follower_count(1);" >&7
	sleep 1
	local fpid
	fpid=$(head -1 "$D/fout")
	cat >"$D/gf" <<G
set pagination off
break $bp
ignore 1 $skip
commands
shell touch $D/hit
shell while [ ! -f $D/go ]; do sleep 0.1; done
delete
continue
end
continue
G
	gdb -q -batch -p "$fpid" -x "$D/gf" >"$D/gdb.log" 2>&1 &
	sleep 3
	cat >&7 <<SQL
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) >= 0 FROM follow_graph.item;
SELECT 'got', string_agg(f.author || ':' || f.item, ' ' ORDER BY f.item DESC) FROM $call AS f;
SELECT 'want', public.expected($args);
COMMIT;
SQL
	local ok=0
	for _ in $(seq 150); do [ -f "$D/hit" ] && { ok=1; break; }; sleep 0.2; done
	if [ $ok = 1 ]; then
		echo "$meddle" >&8
		echo "SELECT 'meddled';" >&8
		for _ in $(seq 300); do grep -q '^meddled' "$D/mout" && break; sleep 0.2; done
	fi
	touch "$D/go"
	for _ in $(seq 150); do grep -q '^want' "$D/fout" && break; sleep 0.2; done
	echo "\\q" >&7; echo "\\q" >&8
	exec 7>&- 8>&-
	wait
	local got want
	got=$(grep '^got' "$D/fout" | cut -d'|' -f2-)
	want=$(grep '^want' "$D/fout" | cut -d'|' -f2-)
	if [ $ok = 0 ]; then
		echo "FAIL: $call never reached $bp (see $D)"; failed=1
	elif ! grep -q '^meddled' "$D/mout"; then
		echo "FAIL: the other session did not finish (see $D)"; failed=1
	elif [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo "FAIL: $call after $((skip + 1)) leaves: got [$got] want [$want] (see $D)"; failed=1
	else
		echo "ok: $call, walk stopped after $((skip + 1)) leaves: $(echo "$got" | wc -w) rows"
		rm -rf "$D"
	fi
}

split="VACUUM follow_graph.item_bound; VACUUM follow_graph.item;
SELECT count(follow_graph.publish(a + 5000, 100000 + a)) FROM generate_series(2000, 3999) AS a;"
refollow="VACUUM follow_graph.edge;
SELECT count(follow_graph.follow(2, a)) FROM generate_series(7000, 7999) AS a;"

# stopped after the first leaf, or a few (the page just read among those
# VACUUM deletes when the walk stopped inside 2000..3999)
for skip in 0 2 5; do
	round "fg_bound_walk.c:$step_left" $skip "2, 50, NULL" "$split"
done
for skip in 0 3; do
	round "fg_bound_walk.c:$step_left" $skip "2, 50, 104500" "$split"
	round "fg_bound_walk.c:$step_left" $((skip / 3)) "3, 50, NULL" "$split"
	round "fg_bound_walk.c:$step_left" $skip "3, 30, 104000" "$split"
done
round "fg_probe.c:$owner_next" 0 "2, 50, NULL" "$refollow"
round "fg_probe.c:$owner_next" 1 "2, 50, NULL" "$refollow"
$P -d postgres -c "DROP DATABASE IF EXISTS bound_walk_race" -c "DROP DATABASE bound_walk_base"
exit $failed
