#!/bin/bash
# test/reliability/owner_ids_cancel.sh: FgProbeOwnerIds() (fg_probe.c),
# which reads a viewer's whole range of edge_pkey for feed() and, since
# 0.4.0, the small side of known_followers(), must answer a cancel between
# two leaf pages.  A CHECK_FOR_INTERRUPTS() taken while the page's share
# lock is held does nothing (LWLockAcquire holds interrupts off), so a
# range of any length was read to its end first.
#
# Viewer 10 follows 60,000 accounts (about 230 leaf pages of edge_pkey
# under one level-1 root).  gdb stops the feed(10) backend as
# FgProbeOwnerIdsUpTo() reads its first leaf page (ReadLeaf()), sets a
# pending query cancel as the SIGINT handler would, and counts the pages
# the walk still reads: at most one more (before the fix: all 230), and
# feed() must fail with 57014.  Needs gdb and a cluster on which the caller may ptrace the
# backends; run as root:
#   FG_PG=18 bash test/dev.sh NAME install
#   bash test/reliability/owner_ids_cancel.sh NAME     (FG_PG=18 as for dev.sh)
set -u
name=${1:?usage: owner_ids_cancel.sh NAME}
. "$(dirname "$0")/gdb_race.sh"
race_env "$name" owner_ids_cancel
D=$(mktemp -d); chmod 777 "$D"
race_fresh_db owner_ids_cancel
$P <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
CREATE TEMP TABLE staging (follower bigint, followee bigint);
INSERT INTO staging SELECT 10, g FROM generate_series(1000, 60999) AS g;
SELECT follow_graph.import_edges('staging');
SQL
("$BIN/psql" -X -At -c "SELECT pg_backend_pid()" -c "SELECT follow_graph.follower_count(1)" -c "SELECT pg_sleep(4)" \
	-c "SELECT count(*) FROM follow_graph.feed(10)" >"$D/out" 2>&1) &
psql_pid=$!
for _ in $(seq 50); do [ -s "$D/out" ] && break; sleep 0.1; done
bpid=$(head -1 "$D/out")
cat >"$D/g" <<G
set pagination off
set \$in = 0
set \$pages = 0
break FgProbeOwnerIdsUpTo
commands
set \$in = 1
continue
end
break ReadLeaf if \$in == 1
commands
set \$pages = \$pages + 1
if \$pages == 1
set var *(int *) &InterruptPending = 1
set var *(int *) &QueryCancelPending = 1
end
continue
end
continue
G
gdb -q -batch -p "$bpid" -x "$D/g" -ex 'print $pages' >"$D/gdb.log" 2>&1 &
gdb_pid=$!
wait $psql_pid
# the backend is idle again: detach gdb
kill -INT $gdb_pid 2>/dev/null; sleep 1; kill $gdb_pid 2>/dev/null; wait $gdb_pid 2>/dev/null
pages=$(grep -c "^Breakpoint 2, " "$D/gdb.log")
err=$(grep -o "canceling statement due to user request" "$D/out" | head -1)
echo "leaf pages FgProbeOwnerIds read: $pages (the cancel set as it read the first); feed: ${err:-$(tail -1 "$D/out")}"
$P -d postgres -c "DROP DATABASE owner_ids_cancel"
if [ "$pages" -ge 1 ] && [ "$pages" -le 2 ] && [ -n "$err" ]; then
	rm -rf "$D"
	echo "ok: the walk stops at the next leaf page"
else
	echo "FAIL: see $D"
	exit 1
fi
