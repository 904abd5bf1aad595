#!/bin/bash
# test/reliability/kf_kept_race.sh: known_followers() must give the
# snapshot's answer when the leaf it keeps pinned between two probes splits
# and VACUUM deletes leaf pages whose downlinks its copy of the level-1 page
# still holds (fg_probe.c, 0.4.0).
#
# Celebrity 1 has 100,000 followers 10,000 ids apart (built sorted, so
# block order is key order); 999 follows just below 600000000 split its
# leaf, which moves to a page at the end of the index; the run 620010000 ..
# 660000000 unfollows before the snapshot.  Viewer 10 follows 600000000,
# 600000001 (not a follower), 600010000, 640000000 (unfollowed), 660010000,
# 900000000, 900000001 (not a follower) and 1000000000.  gdb stops the
# backend at its second FgProbeFind() (the first probe done: a level-1 page
# copied, the first leaf pinned and unlocked).  Another session then inserts
# 2,000 followers between 600000000 and 600010000 (invisible to the
# snapshot: the pinned leaf splits and the next key moves right of it),
# 80,000 more further right (splits under the copied range; whether the
# level-1 page itself splits is not checked), and runs VACUUM, which deletes
# the emptied pages of the unfollowed run (their blocks come before the
# pinned one, where VACUUM then waits for the pin).  The probes resume; the
# answer must equal the plain-SQL one under the same REPEATABLE READ
# snapshot, and gdb must have seen the probe move right (it prints where).
# Needs gdb and a cluster on which the caller may ptrace the backends; run
# as root:
#   FG_PG=18 bash test/dev.sh NAME install
#   bash test/reliability/kf_kept_race.sh NAME     (FG_PG=18 as for dev.sh)
set -u
name=${1:?usage: kf_kept_race.sh NAME}
. "$(dirname "$0")/gdb_race.sh"
race_env "$name" kf_kept_race
D=$(mktemp -d); chmod 777 "$D"
race_fresh_db kf_kept_race
$P <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
ALTER TABLE follow_graph.edge SET (autovacuum_enabled = false);
-- 1 has 100,000 followers 10,000 ids apart (a btree of three levels,
-- built sorted: block order is key order)
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT 10000 * g, 1 FROM generate_series(1, 100000) AS g;
SELECT follow_graph.import_edges('staging');
-- 999 more just below 600000000: its leaf splits, 600000000 moves to a
-- page at the end of the index
SELECT count(follow_graph.follow(600000000 - 2000 + 2 * i, 1)) FROM generate_series(1, 999) AS i;
-- the run 620010000 .. 660000000 unfollows before the snapshot
SELECT count(follow_graph.unfollow(10000 * g, 1)) FROM generate_series(62001, 66000) AS g;
SELECT count(follow_graph.follow(10, x)) FROM unnest('{600000000,600000001,600010000,640000000,
	660010000,900000000,900000001,1000000000}'::bigint[]) AS x;
SQL
$P -c "CREATE EXTENSION IF NOT EXISTS pageinspect" >/dev/null 2>&1
# waitfor (gdb_race.sh): up to 60 s, then the backend released
race_wait_tries=300
race_release="$D/p_go"
mkfifo "$D/pin" "$D/min"
("$BIN/psql" -X -At <"$D/pin" >"$D/pout" 2>&1) & exec 7>"$D/pin"
("$BIN/psql" -X -At <"$D/min" >"$D/mout" 2>&1) & exec 8>"$D/min"
echo "SELECT pg_backend_pid(); SELECT follow_graph.follower_count(1);" >&7
echo "SELECT pg_backend_pid();" >&8
sleep 1
ppid=$(head -1 "$D/pout"); mpid=$(head -1 "$D/mout")
cat >"$D/gp" <<G
set pagination off
set \$stopped = 0
break FgProbeFind
ignore 1 1
commands 1
shell touch $D/p_hit
shell while [ ! -f $D/p_go ]; do sleep 0.1; done
set \$stopped = 1
delete 1
continue
end
break MoveRight if \$stopped == 1
commands 2
shell touch $D/p_moved
bt 3
continue
end
continue
G
gdb -q -batch -p "$ppid" -x "$D/gp" >"$D/gdbp.log" 2>&1 7>&- 8>&- &
sleep 3
cat >&7 <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT 'want', array_agg(a.followee ORDER BY 1) FROM follow_graph.edges AS a
	JOIN follow_graph.edges AS b ON b.follower = a.followee AND b.followee = 1
	WHERE a.follower = 10;
SELECT 'known', array_agg(x) FROM follow_graph.known_followers(10, 1, 100) AS x;
SELECT 'again', array_agg(a.followee ORDER BY 1) FROM follow_graph.edges AS a
	JOIN follow_graph.edges AS b ON b.follower = a.followee AND b.followee = 1
	WHERE a.follower = 10;
COMMIT;
SQL
waitfor '[ -f "$D/p_hit" ]'
# the pinned leaf splits, more splits to its right, VACUUM deletes
cat >&8 <<'SQL'
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
	SELECT 600000001 + i, 1, 0, now() FROM generate_series(1, 2000) AS i;
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
	SELECT 10000 * g + k, 1, 0, now() FROM generate_series(67001, 87000) AS g,
		generate_series(1, 4) AS k;
SELECT 'inserted';
SQL
waitfor 'grep -q "^inserted" "$D/mout"'
echo "VACUUM (PARALLEL 0) follow_graph.edge; SELECT 'vacuumed';" >&8
# VACUUM waits for the probe's pin on its leaf, or is done
waitfor '$P -d postgres -c "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = $mpid" >>"$D/waits"; grep -q "^BufferPin" "$D/waits" || grep -q "^vacuumed" "$D/mout"'
deleted=$($P -c "SELECT count(*) FROM generate_series(1, pg_relation_size('follow_graph.edge_followee_follower') / 8192 - 1) AS b
	WHERE (bt_page_stats('follow_graph.edge_followee_follower', b::int)).type = 'd'" 2>/dev/null || echo "?")
touch "$D/p_go"
waitfor 'grep -q "^vacuumed" "$D/mout" && grep -q "^again" "$D/pout"'
echo "\\q" >&7; echo "\\q" >&8
exec 7>&- 8>&-
wait
want=$(grep '^want' "$D/pout" | cut -d'|' -f2)
got=$(grep '^known' "$D/pout" | cut -d'|' -f2)
again=$(grep '^again' "$D/pout" | cut -d'|' -f2)
moved=no; [ -f "$D/p_moved" ] && moved=yes
# where the probes moved right (the caller's line in fg_probe.c), with the key
moves=$(grep -A1 '^#0 .*MoveRight' "$D/gdbp.log" | grep '^#1' |
	sed -n 's/.*id=\([0-9]*\).*fg_probe.c:\([0-9]*\).*/\1@\2/p' | sort | uniq -c | tr -s ' \n' ' ')
echo "moves right (count key@line): $moves"
echo "want $want, known_followers $got, after $again; moved right: $moved; deleted pages while stopped: $deleted"
$P -d postgres -c "DROP DATABASE kf_kept_race"
if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$again" = "$want" ] && [ $moved = yes ]; then
	rm -rf "$D"
	echo "ok: known_followers(10, 1) gives the snapshot's answer"
else
	echo "FAIL: see $D"
	exit 1
fi
