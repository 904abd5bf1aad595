#!/bin/bash
# test/demo/ci.sh: CI check of the README's demo command, run the way a new
# user runs it: as root, from a clone inside a directory only root may enter
# (mode 0700, like root's home), so that neither the server nor psql can read
# the clone.  Checks that the demo ends with status 0 and that its output
# holds the showcase's answers, then stops the demo cluster.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
home=$(mktemp -d /tmp/follow_graph_home.XXXXXX)
chmod 700 "$home"
dir=$home-cluster
port=5498
cleanup() {
	runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$home" "$dir"
}
trap cleanup EXIT
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git clone -q "$src" "$home/follow_graph"
else
	cp -a "$src" "$home/follow_graph"
fi
chown -R root: "$home"
out=$home.out
rc=0
(cd "$home/follow_graph" && FG_DEMO_DIR=$dir FG_DEMO_PORT=$port bash test/run.sh demo) >"$out" 2>&1 || rc=$?
tail -n 25 "$out"
fail=0
[ $rc -eq 0 ] || { echo "demo exited with status $rc"; fail=1; }
for want in 'loading the sample graph' 'celebrity' 'Friends' 'alice_to_celebrity' 'requested' 'blocked_by' 'the demo cluster is still running'; do
	grep -q -- "$want" "$out" || { echo "demo output lacks: $want"; fail=1; }
done
if grep -q 'Permission denied\|ERROR:' "$out"; then
	echo "demo output has errors:"; grep 'Permission denied\|ERROR:' "$out" | head
	fail=1
fi
rm -f "$out"
[ $fail -eq 0 ] && echo "demo from a 0700 clone: ok"
exit $fail
