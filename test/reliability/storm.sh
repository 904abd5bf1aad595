#!/bin/bash
# test/reliability/storm.sh: a concurrent write storm, then the proofs that
# nothing drifted: verify() (also run while the storm blows), and amcheck's
# bt_index_check(..., heapallindexed => true) on every index of the storage.
#
#   bash test/reliability/storm.sh [CLIENTS [SECONDS [ACCOUNTS]]]   (as root)
source "$(dirname "$0")/lib.sh"
clients=${1:-8}
seconds=${2:-30}
accounts=${3:-300}
rel_init storm
rel_stop
rel_build
rel_start
out=$rel_base/out
mkdir -p "$out"; chown postgres "$out"

rel_psql -v ON_ERROR_STOP=1 <<SQL
DROP DATABASE IF EXISTS storm;
CREATE DATABASE storm;
\c storm
CREATE EXTENSION follow_graph;
CREATE EXTENSION amcheck;
SQL

# Follows and unfollows of random pairs; one account in ten is a hot
# celebrity, so its counter rows are fought over and split into stripes.
cat > "$out/follow.sql" <<SQL
\set a random(1, $accounts)
\set b 1 + (:a + random(0, $accounts - 2)) % $accounts
\set hot random(1, 10)
\set b case when :hot = 1 and :a <> 1 then 1 else :b end
SELECT follow_graph.follow(:a, :b);
SQL
cat > "$out/unfollow.sql" <<SQL
\set a random(1, $accounts)
\set b 1 + (:a + random(0, $accounts - 2)) % $accounts
SELECT follow_graph.unfollow(:a, :b);
SQL
chmod a+r "$out"/*.sql

runuser -u postgres -- "$rel_bin/pgbench" -h "$rel_sock" -p "$rel_port" -U postgres -n \
	-c "$clients" -j 2 -T "$seconds" -f "$out/follow.sql@6" -f "$out/unfollow.sql@4" storm \
	> "$out/pgbench.log" 2>&1 &
bench=$!
sleep $((seconds / 2))
mid=$(rel_psql -d storm -At -c 'SELECT pg_catalog.count(*) FROM follow_graph.verify()')
bench_rc=0
wait $bench || bench_rc=$?
grep -E 'number of transactions actually processed|failed|tps' "$out/pgbench.log" || true

rel_psql -d storm -At -v ON_ERROR_STOP=1 > "$out/result.txt" <<'SQL'
SELECT 'edges ' || pg_catalog.count(*) FROM follow_graph.edge;
SELECT 'counter_rows ' || pg_catalog.count(*) FROM follow_graph.counter;
SELECT 'striped_accounts ' || pg_catalog.count(*) FROM (SELECT account FROM follow_graph.counter
	GROUP BY account HAVING pg_catalog.count(*) > 1) AS s;
SELECT 'drift ' || pg_catalog.count(*) FROM follow_graph.verify();
SELECT 'indexes_checked ' || pg_catalog.count(public.bt_index_check(i.indexrelid, true)::text)
FROM pg_catalog.pg_index AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
WHERE c.relnamespace = 'follow_graph'::pg_catalog.regnamespace;
SQL
status=$?
rel_stop
echo "pgbench_exit $bench_rc"
echo "verify_mid_storm $mid"
cat "$out/result.txt"
drift=$(awk '/^drift/ {print $2}' "$out/result.txt")
[ $status -eq 0 ] && [ $bench_rc -eq 0 ] && [ "$mid" = 0 ] && [ "$drift" = 0 ]
