#!/bin/bash
# test/bench/ci.sh DIR: CI smoke test of the benchmark harness.
#
# Runs the whole read-path harness of the tree in DIR at SCALE=8 in a
# throwaway cluster (pg_virtualenv) as an unprivileged user, with the
# extension already installed system-wide.  It checks that the graph loads,
# that follow_graph's stored counts equal count(*) for every account, and
# that every benchmarked operation gives the baseline's answer.  No timing is
# asserted.  Takes a few seconds.
set -euo pipefail
dir=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
out=$(mktemp -d /tmp/follow_graph_bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
cmd=(env BENCH_OUT="$out" pg_virtualenv -v 15
	bash "$dir/test/bench/run.sh" --scale 8 --smoke --clients "1 2")
if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$out"
	runuser -u postgres -- "${cmd[@]}"
else
	"${cmd[@]}"
fi
