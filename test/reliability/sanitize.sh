#!/bin/bash
# test/reliability/sanitize.sh: run the whole regression suite against the
# extension built with AddressSanitizer and UndefinedBehaviorSanitizer.
#
# The server binary is the distribution's (not instrumented), so the ASan
# runtime is preloaded into a private postmaster and every backend inherits
# it; the extension itself is compiled with -fsanitize=address,undefined.
# Any report lands in $FG_REL_BASE/asan/reports/.  Prints the number of
# reports and exits non-zero if there is one or a test fails.
#
#   bash test/reliability/sanitize.sh            (as root; a few minutes)
source "$(dirname "$0")/lib.sh"
rel_init asan
asan_rt=$(gcc -print-file-name=libasan.so)
reports=$rel_base/reports
rm -rf "$reports"; mkdir -p "$reports"; chown postgres "$reports"

rel_stop
FG_EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -g" rel_build
so=$rel_base/usr/lib/postgresql/15/lib/follow_graph.so
ldd "$so" | grep -q libasan || { echo "follow_graph.so is not built with ASan" >&2; exit 1; }

REL_SERVER_ENV="LD_PRELOAD=$(readlink -f "$asan_rt") \
ASAN_OPTIONS=detect_leaks=0:log_path=$reports/asan:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:log_path=$reports/ubsan" rel_start
pm=$(head -1 "$rel_data/postmaster.pid")
grep -q libasan "/proc/$pm/maps" || { echo "ASan runtime is not loaded in the postmaster" >&2; exit 1; }

status=0
runuser -u postgres -- env PGHOST="$rel_sock" PGPORT="$rel_port" PGUSER=postgres \
	make -C "$rel_base/src" -s PG_CONFIG="$rel_bin/pg_config" installcheck TAP_TESTS= || status=$?
[ $status -ne 0 ] && cat "$rel_base/src/regression.diffs" 2>/dev/null | head -100
crashes=$(grep -c 'terminated by signal' "$rel_log" || true)
rel_stop
n=$(find "$reports" -type f | wc -l)
echo "sanitizer reports: $n; backend crashes: $crashes; regression status: $status"
find "$reports" -type f -exec head -40 {} \;
[ "$n" -eq 0 ] && [ "$crashes" -eq 0 ] && [ $status -eq 0 ]
