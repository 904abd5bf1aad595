#!/bin/bash
# test/reliability/toast_walk_reuse.sh: the in-place walk of idset_toast.c
# must not copy a dead chunk of an older value that had the same TOAST
# value id (an OID reused after wraparound).
#
# The TOAST index has no entry for a chunk that is dead to everyone once
# btree deleted it (or a REINDEX left it out), but the heap tuple stays
# LP_NORMAL until its page is pruned or vacuumed, and SnapshotToast (the
# detoast snapshot) ignores xmax: such a chunk passes the walk's chunk id,
# visibility and sequence checks.  GetNewOidWithIndex() checks only the
# index, so the value id can be handed out again.  Layout made here:
#   old value O (5 full chunks): O0-O3 on TOAST page 0, O4 on page 1 lp 1;
#   a live value G after O4 on page 1 (a cursor holds page 1 pinned, so the
#   VACUUM after O's DELETE frees page 0 but cannot prune page 1);
#   REINDEX (O dead to all: O4 not indexed, page 1 not full: not pruned);
#   pg_resetwal -o <O's value id>; a sparse idset N then gets O's value id,
#   its chunks 0-3 fill page 0 and the walk from chunk 0 meets O4 (seq 4)
#   first on page 1.
# cardinality(N & copy of N) must be the number of ids.  Run as root:
#   bash test/dev.sh NAME install     (FG_PG=18 as for dev.sh)
#   bash test/reliability/toast_walk_reuse.sh NAME
# Restarts NAME's cluster and resets its OID counter (pg_resetwal).
set -u
name=${1:?usage: toast_walk_reuse.sh NAME}
top=$(cd "$(dirname "$0")/../.." && pwd)
export FG_REL_BASE=${FG_PG_BASE:-$([ -d "/work/pg/$name" ] && echo /work/pg || echo "${TMPDIR:-/tmp}/follow_graph_pg")}
export FG_REL_PORT=${FG_REL_PORT:-$((5500 + $(echo -n "$name" | cksum | cut -d' ' -f1) % 400))}
source "$top/test/reliability/lib.sh"
set +e
rel_init "$name"
rel_start
P() { rel_psql -At -d toast_walk_reuse "$@"; }
rel_psql -d postgres -c "DROP DATABASE IF EXISTS toast_walk_reuse" -c "CREATE DATABASE toast_walk_reuse"
P <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION follow_graph;
CREATE EXTENSION pageinspect;
CREATE TABLE t (id int PRIMARY KEY, s follow_graph.idset, x text)
	WITH (autovacuum_enabled = false, toast.autovacuum_enabled = false);
ALTER TABLE t ALTER s SET STORAGE EXTERNAL, ALTER x SET STORAGE EXTERNAL;
INSERT INTO t VALUES (1, NULL, repeat('Z', 5 * 1996));	-- O
INSERT INTO t VALUES (2, NULL, repeat('G', 3000));		-- G
SQL
toast=$(P -c "SELECT 'pg_toast.' || relname FROM pg_class WHERE oid = (SELECT reltoastrelid FROM pg_class WHERE relname = 't')")
v=$(P -c "SELECT chunk_id FROM $toast WHERE chunk_seq = 4")
g=$(P -c "SELECT DISTINCT chunk_id FROM $toast WHERE chunk_id <> $v")
echo "O = $v, G = $g; layout: $(P -c "SELECT string_agg(ctid || ':' || chunk_id || '/' || chunk_seq, ' ' ORDER BY ctid) FROM $toast")"
P -c "DELETE FROM t WHERE id = 1"
# page 1 pinned (a seq scan cursor on G's first chunk) while VACUUM runs
P -c "BEGIN; DECLARE c CURSOR FOR SELECT chunk_seq FROM $toast WHERE chunk_id = $g; FETCH 1 FROM c; SELECT pg_sleep(4); COMMIT;" >/dev/null &
sleep 2
P -c "VACUUM t"
wait
P -c "REINDEX TABLE t" -c "CHECKPOINT"
echo "page 1 after VACUUM and REINDEX: $(P -c "SELECT string_agg(lp || ':' || lp_flags || ':' || coalesce(t_xmax::text, ''), ' ') FROM heap_page_items(get_raw_page('$toast', 1))")"
rel_stop
runuser -u postgres -- "$rel_bin/pg_resetwal" -o "$v" "$rel_data" >/dev/null
rel_start
# N and a copy of it in one statement (N first: it gets O's value id), so
# that nothing reads N through the index (which would prune page 1) before
# the count
P <<'SQL' >/dev/null
INSERT INTO t SELECT id, follow_graph.idset(array_agg(g * 4398046511104 + (g * g) % 1000003)), NULL
	FROM generate_series(3, 4) id, generate_series(1, 20000) g GROUP BY id ORDER BY id;
SQL
echo "N's value id: $(P -c "SELECT chunk_id FROM $toast WHERE ctid = '(0,1)'"); page 1: $(P -c "SELECT string_agg(lp || ':' || lp_flags, ' ') FROM heap_page_items(get_raw_page('$toast', 1))")"
n=20000
got=$(P -c "SET search_path = public, follow_graph" -c "SELECT cardinality(a.s & b.s) FROM t a, t b WHERE a.id = 3 AND b.id = 4" 2>&1)
echo "cardinality(N) = $n, cardinality(N & copy) = $got"
echo "page 1 after the count: $(P -c "SELECT string_agg(lp || ':' || lp_flags, ' ') FROM heap_page_items(get_raw_page('$toast', 1))")"
if [ "$got" = "$n" ] && [ "$(P -c "SELECT chunk_id FROM $toast WHERE ctid = '(0,1)'")" = "$v" ]; then
	echo "PASS"
	exit 0
fi
echo "FAIL"
exit 1
