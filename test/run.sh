#!/bin/bash
# test/run.sh: the two Quick-start commands.
#
#   bash test/run.sh demo   install what is missing, build, start a throwaway
#                           PostgreSQL with a sample graph and show it off
#   bash test/run.sh test   install what is missing, build, run every suite
#                           (what CI runs)
#
# Run as root on Debian 12.  The server never runs as root: tests run as user
# postgres, and no existing cluster is touched.
#
# "test" runs, each as one tallied suite (a failure is named and the other
# suites still run; the last line is "suites: N passed, M failed"):
#   on PostgreSQL 15 (Debian's packages; clusters made by pg_virtualenv):
#     build (-Werror), regression, isolation, TAP, upgrade, then every
#     test/*/ci.sh (short fuzz run, benchmark smoke test);
#   on an assert-enabled PostgreSQL 18 (test/cassert/build.sh: Debian's source
#   package built with --enable-cassert, cached outside the clone):
#     build (-Werror; PL/Proxy built into the copy by test/cassert/plproxy.sh),
#     regression, isolation, TAP (the router's too), upgrade, the application
#     examples (test/examples/ci.sh --server), and a scan of every server log
#     for memory-context errors, failed assertions, crashes and PANICs.
# Each major builds the extension from its own copy of the tree, so objects
# of the two never mix; 18 is installed into a throwaway copy of the cached
# build, never into the cache.  FG_TEST_MAJORS="15" (or "18") runs the
# suites of one major only (default "15 18").
set -euo pipefail
mode=${1:-test}
top=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PG_CONFIG
tmp=${TMPDIR:-/tmp}

say() { printf '\n== %s\n' "$*"; }

install_packages() {
	local want=(postgresql-15 postgresql-server-dev-15 postgresql-contrib
		libicu-dev pkg-config make gcc libipc-run-perl
		postgresql-15-plproxy)
	local missing=()
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "missing packages: ${missing[*]} (run as root to install them)" >&2
			exit 1
		fi
		say "installing ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
}

build_and_install() {
	say "building follow_graph"
	make -C "$top" -s clean
	make -C "$top" -s all
	make -C "$top" -s install
}

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# ---------------------------------------------------------------------------
# Suite bookkeeping.  A suite is a function run in a child process with
# errexit on (so any failing step fails it); its exit status is tallied.

passed=0 failed=0 failed_names=() suite_rc=0

# run_suite NAME FUNCTION [ARGS]: run one suite, report and tally it; its
# exit status is left in suite_rc.
run_suite() {
	local name=$1 rc=0
	shift
	say "suite: $name"
	"$@" &
	wait $! || rc=$?
	suite_rc=$rc
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "== FAILED: $name (exit $rc)"
	fi
}

# skip_suite NAME WHY: a suite that cannot run counts as failed.
skip_suite() {
	say "suite: $1"
	echo "== FAILED: $1 (not run: $2)"
	failed=$((failed + 1))
	failed_names+=("$1")
}

# tree_copy DIR PG_CONFIG: a copy of the tree without build products, which
# the server user can write results into.
tree_copy() {
	mkdir -p "$1"
	cp -a "$top/." "$1/"
	rm -rf "$1/.git"
	make -C "$1" -s PG_CONFIG="$2" clean
	chown -R postgres: "$1"
}

# print_diffs FILE: the differences pg_regress found, if any.
print_diffs() {
	head -300 "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# PostgreSQL 15: Debian's packages, throwaway clusters from pg_virtualenv.

pg15_build() {
	tree_copy "$dir15" "$PG_CONFIG"
	make -C "$dir15" -s PG_CONFIG="$PG_CONFIG" FG_EXTRA_CFLAGS=-Werror all
	make -C "$dir15" -s PG_CONFIG="$PG_CONFIG" install
	chown -R postgres: "$dir15"
}

pg15_regression() {
	as_postgres env -C "$dir15" pg_virtualenv -v 15 \
		make -s installcheck ISOLATION= TAP_TESTS= || { print_diffs "$dir15/regression.diffs"; return 1; }
}

pg15_isolation() {
	as_postgres env -C "$dir15" pg_virtualenv -v 15 \
		make -s installcheck REGRESS= TAP_TESTS= || { print_diffs "$dir15/test/output_iso/regression.diffs"; return 1; }
}

pg15_tap() {
	as_postgres env -C "$dir15" make -s tapcheck PROVE_FLAGS=--timer
}

pg15_upgrade() {
	as_postgres env -C "$dir15" pg_virtualenv -v 15 bash test/upgrade/run.sh "$dir15/upgrade_out"
}

# ---------------------------------------------------------------------------
# PostgreSQL 18 with assertions: a private copy of the cached cassert build,
# one cluster (run18/data, socket in run18, no TCP) for the regression,
# isolation and upgrade suites; the TAP tests start their own clusters.

pg18_env() {
	as_postgres env PGHOST="$run18" PGPORT=5432 PGUSER=postgres PATH="$inst18/bin:$PATH" "$@"
}

pg18_build() {
	local prefix
	prefix=$(nice bash "$top/test/cassert/build.sh")
	echo "cassert build: $prefix"
	cp -a "$prefix/." "$inst18/"
	tree_copy "$dir18" "$inst18/bin/pg_config"
	make -C "$dir18" -s PG_CONFIG="$inst18/bin/pg_config" FG_EXTRA_CFLAGS=-Werror all
	make -C "$dir18" -s PG_CONFIG="$inst18/bin/pg_config" install
	# PL/Proxy for the router's TAP tests; without it the TAP suite fails
	# (pg18_tap), the other suites still run.
	bash "$top/test/cassert/plproxy.sh" "$inst18/bin/pg_config" ||
		echo "PL/Proxy: not installed for 18; the TAP suite will fail"
	chown -R postgres: "$dir18" "$run18"
	as_postgres "$inst18/bin/initdb" -D "$run18/data" -A trust -U postgres >/dev/null
	as_postgres "$inst18/bin/pg_ctl" -D "$run18/data" -l "$run18/server.log" -w \
		-o "-p 5432 -k $run18 -c listen_addresses=''" start >/dev/null
	pg18_env psql -X -At -c 'SELECT version()'
}

pg18_regression() {
	pg18_env make -C "$dir18" -s PG_CONFIG="$inst18/bin/pg_config" installcheck \
		ISOLATION= TAP_TESTS= || { print_diffs "$dir18/regression.diffs"; return 1; }
}

pg18_isolation() {
	pg18_env make -C "$dir18" -s PG_CONFIG="$inst18/bin/pg_config" installcheck \
		REGRESS= TAP_TESTS= || { print_diffs "$dir18/test/output_iso/regression.diffs"; return 1; }
}

pg18_tap() {
	if [ ! -e "$("$inst18/bin/pg_config" --pkglibdir)/plproxy.so" ]; then
		echo "PL/Proxy is missing on 18 (see the build suite): the proxy TAP tests would be skipped"
		return 1
	fi
	as_postgres env -C "$dir18" PATH="$inst18/bin:$PATH" \
		make -s PG_CONFIG="$inst18/bin/pg_config" tapcheck PROVE_FLAGS=--timer
}

pg18_upgrade() {
	pg18_env env -C "$dir18" bash test/upgrade/run.sh "$dir18/upgrade_out"
}

# The application examples against the 18 cluster: test/examples/ci.sh,
# the check its 15 run makes, with the same expected output; psql and the
# clients run as root on the client side (trust over the Unix socket).
pg18_examples() {
	env PGHOST="$run18" PGPORT=5432 PGUSER=postgres PATH="$inst18/bin:$PATH" \
		bash "$top/test/examples/ci.sh" --server "$dir18"
}

# The server logs of every 18 cluster (ours and the TAP tests') must show no
# memory-context check failure, failed assertion, crashed backend or PANIC.
pg18_log_scan() {
	local logs=("$run18/server.log") hits
	shopt -s nullglob
	logs+=("$dir18"/tmp_check/log/*.log)
	shopt -u nullglob
	echo "scanning ${#logs[@]} server log(s)"
	hits=$(grep -H -E 'detected write past chunk end|TRAP:|WARNING:  problem in alloc set|server process .* was terminated by signal|PANIC' \
		"${logs[@]}" || true)
	if [ -n "$hits" ]; then
		echo "$hits" | head -50
		echo "$(echo "$hits" | wc -l) bad line(s) in the server logs (kept in $run18 and $dir18/tmp_check/log)"
		return 1
	fi
}

pg18_stop() {
	if [ -f "$run18/data/postmaster.pid" ]; then
		as_postgres "$inst18/bin/pg_ctl" -D "$run18/data" -m fast stop >/dev/null 2>&1 || true
	fi
}

# ---------------------------------------------------------------------------

# Every suite of one major; the others need its build.
test_pg15() {
	run_suite "pg15 build (-Werror)" pg15_build
	if [ $suite_rc -ne 0 ]; then
		skip_suite "pg15 suites" "the build failed"
		return
	fi
	run_suite "pg15 regression" pg15_regression
	run_suite "pg15 isolation" pg15_isolation
	run_suite "pg15 TAP" pg15_tap
	run_suite "pg15 upgrade" pg15_upgrade
	for extra in "$top"/test/*/ci.sh; do
		[ -e "$extra" ] || continue
		run_suite "pg15 extra: ${extra#$top/}" bash "$extra" "$dir15"
	done
}

test_pg18() {
	run_suite "pg18-cassert build (-Werror)" pg18_build
	if [ $suite_rc -ne 0 ]; then
		skip_suite "pg18-cassert suites" "the build failed"
		return
	fi
	run_suite "pg18-cassert regression" pg18_regression
	run_suite "pg18-cassert isolation" pg18_isolation
	run_suite "pg18-cassert TAP" pg18_tap
	run_suite "pg18-cassert upgrade" pg18_upgrade
	run_suite "pg18-cassert examples" pg18_examples
	pg18_stop
	run_suite "pg18-cassert server log scan" pg18_log_scan
}

case "$mode" in
test)
	install_packages
	dir15=$(mktemp -d "$tmp/follow_graph_test.XXXXXX")
	dir18=$(mktemp -d "$tmp/follow_graph_test18.XXXXXX")
	inst18=$(mktemp -d "$tmp/follow_graph_pg18.XXXXXX")
	run18=$(mktemp -d "$tmp/follow_graph_run18.XXXXXX")
	chmod 755 "$inst18"
	trap pg18_stop EXIT

	majors=" ${FG_TEST_MAJORS:-15 18} "
	[[ $majors != *" 15 "* ]] || test_pg15
	[[ $majors != *" 18 "* ]] || test_pg18
	pg18_stop
	# Keep the trees and logs of a failed run for a look; drop them otherwise.
	[ $failed -ne 0 ] || rm -rf "$inst18" "$run18" "$dir15" "$dir18"

	say "test suites"
	for n in "${failed_names[@]}"; do echo "failed: $n"; done
	echo "suites: $passed passed, $failed failed"
	[ $failed -eq 0 ]
	;;
demo)
	install_packages
	build_and_install
	bash "$top/test/demo/start.sh"
	;;
*)
	echo "usage: bash test/run.sh demo|test" >&2
	exit 2
	;;
esac
