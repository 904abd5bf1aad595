#!/bin/bash
# test/reliability/sqlsmith.sh: sqlsmith's random queries, as a role with no
# grants beyond the defaults, against a database with the extension and a
# sample graph, with the module built with UBSan.  Counts the queries run
# and the backend crashes (a "terminated by signal" in the server log, or a
# "C" in sqlsmith's progress line).  Then apifuzz.sql: 40,000 calls of the
# API with random and extreme arguments.
#
#   bash test/reliability/sqlsmith.sh [QUERIES [SEED]]   (as root; needs sqlsmith)
#   FG_PG=18 bash test/reliability/sqlsmith.sh ...        the same on the
#       assert-enabled PostgreSQL 18 (make sqlsmith PG=18); failed assertions
#       and memory-context errors in its log count as crashes too.
source "$(dirname "$0")/lib.sh"
queries=${1:-10000}
seed=${2:-42}
command -v sqlsmith >/dev/null || { echo "sqlsmith is not installed (apt-get install sqlsmith)" >&2; exit 1; }
rel_init smith
rel_stop
reports=$rel_base/reports
rm -rf "$reports"; mkdir -p "$reports"; chown postgres "$reports"
# The module is built with UBSan (it needs no preloaded runtime), so
# undefined behaviour reached by the fuzzers is reported too.
FG_EXTRA_CFLAGS="-fsanitize=undefined -fno-omit-frame-pointer -g" rel_build
REL_SERVER_ENV="UBSAN_OPTIONS=print_stacktrace=1:log_path=$reports/ubsan"
rm -f "$rel_log"
rel_start

rel_psql -v ON_ERROR_STOP=1 <<'SQL'
DROP DATABASE IF EXISTS smith;
DROP ROLE IF EXISTS fg_smith;
CREATE ROLE fg_smith LOGIN;
ALTER ROLE fg_smith SET statement_timeout = '2s';
CREATE DATABASE smith;
\c smith
CREATE EXTENSION follow_graph;
GRANT USAGE ON SCHEMA follow_graph TO fg_smith;
SELECT pg_catalog.setseed(0.5);
SELECT pg_catalog.count(follow_graph.follow(a, b))
FROM pg_catalog.generate_series(1, 200) AS a, pg_catalog.generate_series(1, 200) AS b
WHERE a <> b AND pg_catalog.random() < 0.05;
SQL

start=$(date +%s)
runuser -u postgres -- sqlsmith --target="host=$rel_sock port=$rel_port dbname=smith user=fg_smith" \
	--max-queries="$queries" --seed="$seed" --verbose > "$rel_base/sqlsmith.log" 2>&1 || true
elapsed=$(( $(date +%s) - start ))
# Then the targeted API fuzzer, as a superuser so that writes happen too.
rel_psql -d smith -At -f - < "$rel_top/test/reliability/apifuzz.sql" > "$rel_base/apifuzz.log" 2>&1 || true
problems=$(rel_log_problems)
crashes=0 asserts=0
if [ -n "$problems" ]; then
	crashes=$(grep -c 'terminated by signal' <<<"$problems" || true)
	asserts=$(grep -c -v 'terminated by signal' <<<"$problems" || true)
fi
[ -z "$problems" ] || { echo "server log:"; head -20 <<<"$problems"; }
rel_stop
# sqlsmith prints one character per query: . ok, e error, S syntax error,
# t timeout, C connection lost (a crash).
marks=$(tr '\r' '\n' < "$rel_base/sqlsmith.log" | grep -E '^[.eStC]+$' | tr -d '\n' || true)
ran=${#marks}
lost=$(echo -n "$marks" | tr -cd 'C' | wc -c)
echo "sqlsmith progress: $ran queries, $(echo -n "$marks" | tr -cd '.' | wc -c) ok, $(echo -n "$marks" | tr -cd 'e' | wc -c) errors, $lost connections lost"
cat "$rel_base/apifuzz.log"
n=$(find "$reports" -type f | wc -l)
echo "sqlsmith: $ran queries in ${elapsed}s (seed $seed, PostgreSQL $FG_PG); backend crashes: $crashes; assertion/memory-check failures: $asserts; UBSan reports: $n"
[ "$ran" -ge "$queries" ] && [ "$lost" -eq 0 ] && [ "$crashes" -eq 0 ] && [ "$asserts" -eq 0 ] && [ "$n" -eq 0 ] \
	&& grep -q '^apifuzz verify problems 0$' "$rel_base/apifuzz.log"
