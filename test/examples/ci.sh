#!/bin/bash
# test/examples/ci.sh [DIR]: CI check of the application examples in
# DIR/examples (Python with psycopg 3, Node.js with node-postgres).
#
# Installs what is missing (python3-psycopg from apt; the Node example's
# locked dependencies with `npm ci`, in a temporary copy), starts a throwaway
# cluster (pg_virtualenv, as user postgres) with the extension already
# installed system-wide, runs examples/setup.sql in a template database,
# then runs each example as the application role in its own copy of that
# database and compares its output with examples/expected/profile_page.txt:
# any difference fails the check.  Both clients print the same page.  The
# Python example runs on Debian's python3 (/usr/bin/python3), whose psycopg
# comes from the python3-psycopg package.
set -euo pipefail

# Inside the cluster (user postgres, PG* variables set by pg_virtualenv).
if [ "${1:-}" = --inner ]; then
	work=$2
	cd "$work"
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE social'
	psql -X -q -v ON_ERROR_STOP=1 -d social -f examples/setup.sql >/dev/null
	psql -X -q -v ON_ERROR_STOP=1 -v pw="$pw" -d social <<<"ALTER ROLE app_writer PASSWORD :'pw';"
	fail=0
	for ex in python node; do
		psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE social_$ex TEMPLATE social"
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
	exit $fail
fi

src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "test/examples/ci.sh: run as root" >&2; exit 1; }
start=$(date +%s)
missing=()
/usr/bin/python3 -c 'import psycopg' 2>/dev/null || missing+=(python3-psycopg)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/follow_graph_examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/test/examples"
tar -C "$src" --exclude=node_modules -cf - examples | tar -C "$work" -xf -
cp "$src/test/examples/ci.sh" "$work/test/examples/ci.sh"
(cd "$work/examples/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
chown -R postgres: "$work"
chmod 755 "$work"
rc=0
(cd "$work" && runuser -u postgres -- pg_virtualenv -v 15 \
	bash "$work/test/examples/ci.sh" --inner "$work") || rc=$?
echo "examples check took $(($(date +%s) - start)) s"
exit $rc
