#!/bin/bash
# test/reliability/probe_vm_race.sh: a known_followers() probe must not
# count an edge that VACUUM removes while the probe checks its visibility.
#
# fg_probe.c copies a leaf page's heap TIDs and then reads the visibility
# map.  If it dropped the leaf's pin first, VACUUM could remove the index
# entry, mark the dead heap item unused and set the heap page all-visible in
# between, and the dead edge would be "found" (nbtree/README: index-only
# scans never drop their pin).  gdb pins the interleaving: VACUUM stops
# before the (followee, follower) index's bulk delete, the probe stops where
# it calls AnyVisible, VACUUM resumes, then the probe.  With the pin held VACUUM
# waits for the probe instead.  Needs gdb and a cluster on which the caller
# may ptrace the backends; run as root:
#   FG_PG=18 bash test/dev.sh NAME install
#   bash test/reliability/probe_vm_race.sh NAME     (FG_PG=18 as for dev.sh)
set -u
name=${1:?usage: probe_vm_race.sh NAME}
. "$(dirname "$0")/gdb_race.sh"
race_env "$name" probe_vm_race
D=$(mktemp -d); chmod 777 "$D"
race_fresh_db probe_vm_race
$P <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
ALTER TABLE follow_graph.edge SET (autovacuum_enabled = false);
-- 1 has 101 followers; 10 follows 3 accounts: known_followers(10, 1)
-- walks 10's followees and probes each among 1's followers
SELECT count(follow_graph.follow(g, 1)) FROM generate_series(1000, 1100) g;
SELECT follow_graph.follow(10, g) FROM unnest('{500,501,502}'::bigint[]) g;
SELECT follow_graph.follow(500, 1);
SELECT follow_graph.unfollow(500, 1);
SQL
# the line where FgProbeFind calls AnyVisible for a key ending on its page
line=$(grep -n "AnyVisible(p, ntids);" "$top/src/fg_probe.c" | tail -1 | cut -d: -f1)
idx=$($P -c "SELECT 'follow_graph.edge_followee_follower'::regclass::oid")
# waitfor (gdb_race.sh): up to 30 s, then both backends released
race_release="$D/v_go $D/p_go"
mkfifo "$D/vin" "$D/pin"
("$BIN/psql" -X -At <"$D/vin" >"$D/vout" 2>&1) & exec 7>"$D/vin"
("$BIN/psql" -X -At <"$D/pin" >"$D/pout" 2>&1) & exec 8>"$D/pin"
echo "SELECT pg_backend_pid();" >&7
echo "SELECT pg_backend_pid(); SELECT follow_graph.follower_count(1);" >&8
sleep 1
vpid=$(head -1 "$D/vout"); ppid=$(head -1 "$D/pout")
cat >"$D/gv" <<G
set pagination off
break btbulkdelete if info->index->rd_id == $idx
commands
shell touch $D/v_hit
shell while [ ! -f $D/v_go ]; do sleep 0.1; done
continue
end
continue
G
cat >"$D/gp" <<G
set pagination off
break fg_probe.c:$line
commands
shell touch $D/p_hit
shell while [ ! -f $D/p_go ]; do sleep 0.1; done
delete
continue
end
continue
G
gdb -q -batch -p "$vpid" -x "$D/gv" >"$D/gdbv.log" 2>&1 &
gdb -q -batch -p "$ppid" -x "$D/gp" >"$D/gdbp.log" 2>&1 &
sleep 3
echo "VACUUM (INDEX_CLEANUP ON) follow_graph.edge; SELECT 'vacuumed';" >&7
waitfor '[ -f "$D/v_hit" ]'
echo "SELECT 'known', array_agg(x) FROM follow_graph.known_followers(10, 1) AS x;" >&8
waitfor '[ -f "$D/p_hit" ]'
touch "$D/v_go"
sleep 3		# VACUUM finishes here unless the probe's pin holds it
touch "$D/p_go"
waitfor 'grep -q "^known" "$D/pout" && grep -q "^vacuumed" "$D/vout"'
echo "\\q" >&7; echo "\\q" >&8
exec 7>&- 8>&-
wait
got=$(grep '^known' "$D/pout")
$P -d postgres -c "DROP DATABASE probe_vm_race"
rm -rf "$D"
if [ "$got" = "known|" ]; then
	echo "ok: known_followers(10, 1) is empty while VACUUM runs"
else
	echo "FAIL: known_followers(10, 1) returned ${got#known|} (500 unfollowed 1)"
	exit 1
fi
