#!/bin/bash
# CI check of the application examples in DIR/examples (Python with
# psycopg 3, Node.js with node-postgres).
#
#   test/examples/ci.sh [DIR]           on a throwaway PostgreSQL 15 cluster
#                                       (pg_virtualenv -v 15, as user
#                                       postgres; run as root)
#   test/examples/ci.sh --server [DIR]  on the running server that PGHOST,
#                                       PGPORT and PGUSER (a superuser) name,
#                                       with the psql found in PATH; the
#                                       clients run as the calling user
#
# Both install what is missing (python3-psycopg from apt, which needs root;
# the Node example's locked dependencies with `npm ci`, in a temporary copy),
# expect the extension to be installed for the server, and run the same
# check (run_examples): in a database of their own, examples/setup.sql as
# the superuser, then each example as the application role (app_writer, with
# a password; a server that trusts the connection ignores it) in its own
# copy of that database, comparing its output with
# examples/expected/profile_page.txt: any difference fails the check.  Both
# clients print the same page.  The databases (social, social_python,
# social_node) and the role app_writer are dropped first if a former run
# left them and dropped again at the end, so the check can run again on the
# same server: use a server of its own.  The SQL is fed to psql by the
# client, so the server never reads the tree.  The Python example runs on
# Debian's python3 (/usr/bin/python3), whose psycopg comes from the
# python3-psycopg package.
set -euo pipefail

dbs=(social_python social_node social)

# psql as the superuser, stopping at the first error.
admin() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

# Drop the check's databases and role, if they exist.
drop_all() {
	{
		echo 'SET client_min_messages = warning;'
		for db in "${dbs[@]}"; do echo "DROP DATABASE IF EXISTS $db WITH (FORCE);"; done
		echo 'DROP ROLE IF EXISTS app_writer;'
	} | admin
}

# run_examples WORK: the check itself, against the server PG* name, in the
# prepared copy WORK.
run_examples() {
	local work=$1 pw fail=0 ex rc cmd
	cd "$work"
	echo "server: $(admin -At -c 'SHOW server_version')"
	drop_all
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	admin -c 'CREATE DATABASE social'
	admin -d social <examples/setup.sql >/dev/null
	admin -d social -v pw="$pw" <<<"ALTER ROLE app_writer PASSWORD :'pw';"
	for ex in python node; do
		admin -c "CREATE DATABASE social_$ex TEMPLATE social"
		case $ex in
		python) cmd=(/usr/bin/python3 examples/python/profile_page.py) ;;
		node) cmd=(node examples/node/profile_page.js) ;;
		esac
		rc=0
		PGUSER=app_writer PGPASSWORD=$pw PGDATABASE=social_$ex \
			"${cmd[@]}" >"$work/$ex.out" 2>"$work/$ex.err" || rc=$?
		if [ $rc -ne 0 ]; then
			echo "examples/$ex failed with status $rc:"
			cat "$work/$ex.out" "$work/$ex.err"
			fail=1
		elif ! diff -u examples/expected/profile_page.txt "$work/$ex.out"; then
			echo "examples/$ex: output differs from examples/expected/profile_page.txt"
			fail=1
		else
			cat "$work/$ex.err"
			echo "examples/$ex: output as expected ($(wc -l <"$work/$ex.out") lines)"
		fi
	done
	drop_all || { echo "could not drop the check's databases and role"; fail=1; }
	return $fail
}

# --inner WORK: the check against the server PG* name (inside the 15
# cluster: user postgres, PG* set by pg_virtualenv).
if [ "${1:-}" = --inner ]; then
	run_examples "$2"
	exit
fi

server=
if [ "${1:-}" = --server ]; then
	server=1
	shift
fi
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
[ -n "$server" ] || [ "$(id -u)" -eq 0 ] || { echo "test/examples/ci.sh: run as root" >&2; exit 1; }
start=$(date +%s)
missing=()
/usr/bin/python3 -c 'import psycopg' 2>/dev/null || missing+=(python3-psycopg)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "test/examples/ci.sh: missing ${missing[*]} (run as root to install them)" >&2; exit 1; }
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

# A copy of the examples with the Node dependencies installed.
work=$(mktemp -d "${TMPDIR:-/tmp}/follow_graph_examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/test/examples"
tar -C "$src" --exclude=node_modules -cf - examples | tar -C "$work" -xf -
cp "$src/test/examples/ci.sh" "$work/test/examples/ci.sh"
(cd "$work/examples/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
# The check runs in a process of its own (errexit holds there).
rc=0
if [ -n "$server" ]; then
	bash "$work/test/examples/ci.sh" --inner "$work" || rc=$?
else
	chown -R postgres: "$work"
	chmod 755 "$work"
	(cd "$work" && runuser -u postgres -- pg_virtualenv -v 15 \
		bash "$work/test/examples/ci.sh" --inner "$work") || rc=$?
fi
echo "examples check took $(($(date +%s) - start)) s"
exit $rc
