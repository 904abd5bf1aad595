#!/bin/bash
# test/reliability/sanitize.sh: run the whole regression suite against the
# extension built with UndefinedBehaviorSanitizer, in a server running under
# Valgrind memcheck.  Zero reports is the pass mark.
#
# Why not AddressSanitizer: the server binary is the distribution's (not
# instrumented), and with this glibc the ASan runtime (gcc's libasan 8 and
# clang 14's alike) deadlocks in postgres's startup when preloaded: even
# "LD_PRELOAD=libasan.so postgres -V" hangs in bindtextdomain().  Loading it
# with the module instead is refused ("ASan runtime does not come first").
# Memcheck on the unmodified server catches the same class of bugs in the
# module: reads of uninitialised memory, heap overruns of malloc'ed blocks,
# invalid frees, wild reads and writes.  (palloc chunks inside a context are
# not tracked individually without a USE_VALGRIND server build.)
#
#   bash test/reliability/sanitize.sh [REGRESS tests...]   (as root; slow: minutes)
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
rel_init sanitize
reports=$rel_base/reports
rel_stop
rm -rf "$reports" "$rel_data"; mkdir -p "$reports"; chown postgres "$reports"

FG_EXTRA_CFLAGS="-fsanitize=undefined -fno-omit-frame-pointer -g" rel_build
ldd "$rel_base/usr/lib/postgresql/15/lib/follow_graph.so" | grep -q libubsan \
	|| { echo "follow_graph.so is not built with UBSan" >&2; exit 1; }

# pg_ctl starts this wrapper instead of postgres; the postmaster's children
# are forks, so memcheck watches every backend.  JIT is off: loading
# llvmjit.so makes memcheck report glibc's dynamic loader (an optimised
# strncmp in dl-load.c reading past a strdup'ed rpath), not our code.
wrapper=$rel_base/postgres-valgrind
cat > "$wrapper" <<WRAP
#!/bin/sh
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$reports/ubsan
exec valgrind -q --tool=memcheck --trace-children=yes --leak-check=no \
	--num-callers=30 --error-limit=no --log-file=$reports/memcheck.%p \
	--suppressions=$rel_top/test/reliability/valgrind.supp \
	"$rel_bin/postgres" "\$@"
WRAP
chmod a+rx "$wrapper"
runuser -u postgres -- "$rel_bin/initdb" -D "$rel_data" -A trust -U postgres >/dev/null
runuser -u postgres -- "$rel_bin/pg_ctl" -D "$rel_data" -l "$rel_log" -w -t 300 -p "$wrapper" \
	-o "-p $rel_port -k $rel_sock -c listen_addresses='' -c max_connections=20 -c jit=off" start >/dev/null

status=0
regress=()
[ $# -gt 0 ] && regress=(REGRESS="$*")
runuser -u postgres -- env PGHOST="$rel_sock" PGPORT="$rel_port" PGUSER=postgres \
	make -C "$rel_base/src" -s PG_CONFIG="$rel_bin/pg_config" installcheck TAP_TESTS= "${regress[@]}" || status=$?
[ $status -ne 0 ] && head -100 "$rel_base/src/regression.diffs" 2>/dev/null
crashes=$(grep -c 'terminated by signal' "$rel_log" || true)
rel_stop
# memcheck writes a file per process; with -q it stays empty unless it has a report.
n=$(find "$reports" -type f -size +0 | wc -l)
echo "sanitizer: regression status $status; memcheck+UBSan reports: $n; backend crashes: $crashes"
find "$reports" -type f -size +0 -exec head -40 {} \;
[ "$n" -eq 0 ] && [ "$crashes" -eq 0 ] && [ $status -eq 0 ]
