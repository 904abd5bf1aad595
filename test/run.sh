#!/bin/bash
# test/run.sh: the two Quick-start commands.
#
#   bash test/run.sh demo   install what is missing, build, start a throwaway
#                           PostgreSQL with a sample graph and show it off
#   bash test/run.sh test   install what is missing, build, run every
#                           regression, isolation and TAP test (what CI runs)
#
# Run as root on Debian 12 with PostgreSQL 15.  The server never runs as
# root: tests run as user postgres inside pg_virtualenv (a temporary cluster
# on its own port), TAP tests start their own clusters, and the demo cluster
# lives in /tmp/follow_graph_demo.  No existing cluster is touched.
set -euo pipefail
mode=${1:-test}
top=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
export PG_CONFIG

say() { printf '\n== %s\n' "$*"; }

install_packages() {
	local want=(postgresql-15 postgresql-server-dev-15 postgresql-contrib
		libicu-dev pkg-config make gcc libipc-run-perl)
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

# A copy of the tree the unprivileged server user can write results into.
work_copy() {
	local dir
	dir=$(mktemp -d /tmp/follow_graph_test.XXXXXX)
	cp -a "$top/." "$dir/"
	chown -R postgres: "$dir"
	echo "$dir"
}

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$mode" in
test)
	install_packages
	build_and_install
	dir=$(work_copy)
	passed=0 failed=0
	tally() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }
	say "regression and isolation tests (pg_virtualenv)"
	rc=0
	as_postgres env -C "$dir" pg_virtualenv -v 15 make -s installcheck TAP_TESTS= || rc=$?
	if [ $rc -ne 0 ]; then
		cat "$dir"/regression.diffs "$dir"/test/output_iso/regression.diffs 2>/dev/null | head -200
	fi
	tally $rc
	say "TAP tests"
	rc=0
	as_postgres env -C "$dir" make -s tapcheck PROVE_FLAGS=--timer || rc=$?
	tally $rc
	for extra in "$top"/test/*/ci.sh; do
		[ -e "$extra" ] || continue
		say "extra check: ${extra#$top/}"
		rc=0
		bash "$extra" "$dir" || rc=$?
		tally $rc
	done
	say "test suites"
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
