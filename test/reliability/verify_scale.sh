#!/bin/bash
# test/reliability/verify_scale.sh: time verify() and rebuild_counts() on a
# large graph (default 10M edges: 1M accounts following 10 each, one in ten
# with a mutual), loaded straight into storage.
#
#   bash test/reliability/verify_scale.sh [EDGES]   (as root; minutes, ~2 GB disk)
source "$(dirname "$0")/lib.sh"
edges=${1:-10000000}
rel_init scale
rel_stop
rel_build
REL_SERVER_OPTS="-c shared_buffers=512MB -c max_wal_size=4GB -c checkpoint_timeout=30min" rel_start
accounts=$((edges / 10))
rel_psql -v ON_ERROR_STOP=1 <<SQL
DROP DATABASE IF EXISTS scale;
CREATE DATABASE scale;
\c scale
CREATE EXTENSION follow_graph;
\timing on
-- account a follows a+1+k*99991 (mod N) for k in 0..9, except that for one
-- account in ten the tenth edge goes to a-1, which follows a back (k = 0)
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
SELECT a, CASE WHEN k = 9 AND a % 10 = 1 THEN a - 1
			   ELSE (a + 1 + k * 99991) % $accounts END,
	   a * 10 + k, '2026-01-01'
FROM generate_series(0, $accounts - 1) AS a, generate_series(0, 9) AS k;
SELECT setval('follow_graph.edge_seq', $accounts * 11);
SELECT count(*) AS edges FROM follow_graph.edge;
VACUUM ANALYZE follow_graph.edge;
\echo rebuild_counts() from empty counters
SELECT follow_graph.rebuild_counts();
VACUUM ANALYZE follow_graph.counter;
\echo verify() on a consistent graph, default work_mem
SELECT count(*) AS problems FROM follow_graph.verify();
\echo verify() with work_mem = 256MB
SET work_mem = '256MB';
SELECT count(*) AS problems FROM follow_graph.verify();
\echo rebuild_counts() with nothing to repair
SELECT follow_graph.rebuild_counts();
SQL
rel_stop
