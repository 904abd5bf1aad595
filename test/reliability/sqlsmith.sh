#!/bin/bash
# test/reliability/sqlsmith.sh: sqlsmith's random queries, as a role with no
# grants beyond the defaults, against a database with the extension and a
# sample graph.  Counts the queries run and the backend crashes (a crash is a
# "terminated by signal" in the server log).  Set FG_SANITIZE=1 to fuzz the
# ASan/UBSan build (see sanitize.sh) instead of the plain one.
#
#   bash test/reliability/sqlsmith.sh [QUERIES [SEED]]   (as root; needs sqlsmith)
source "$(dirname "$0")/lib.sh"
queries=${1:-10000}
seed=${2:-42}
command -v sqlsmith >/dev/null || { echo "sqlsmith is not installed (apt-get install sqlsmith)" >&2; exit 1; }
rel_init smith
rel_stop
reports=$rel_base/reports
rm -rf "$reports"; mkdir -p "$reports"; chown postgres "$reports"
if [ "${FG_SANITIZE:-0}" = 1 ]; then
	FG_EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g" rel_build
	REL_SERVER_ENV="LD_PRELOAD=$(readlink -f "$(gcc -print-file-name=libasan.so)") \
ASAN_OPTIONS=detect_leaks=0:log_path=$reports/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$reports/ubsan"
else
	rel_build
fi
: > "$rel_log"
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
crashes=$(grep -c 'terminated by signal' "$rel_log" || true)
rel_stop
# sqlsmith's last progress line holds its counts.
tail -c 2000 "$rel_base/sqlsmith.log" | tr '\r' '\n' | grep -E 'queries:|error rate' | tail -3 || true
n=$(find "$reports" -type f | wc -l)
echo "sqlsmith: $queries queries requested in ${elapsed}s (seed $seed); backend crashes: $crashes; sanitizer reports: $n"
[ "$crashes" -eq 0 ] && [ "$n" -eq 0 ]
