#!/bin/bash
# Writes one isolation spec per race of the core API and per isolation level.
# The specs are committed; rerun this after editing it, then regenerate the
# expected files (test/expected) and review every difference.
set -euo pipefail
cd "$(dirname "$0")"

# name | initial edges (SQL) | s1 call | s2 call | what the race is
races=(
"follow_same|SELECT 1;|follow_graph.follow(1, 2)|follow_graph.follow(1, 2)|the same follow from two sessions: one edge, counted once"
"follow_cross|SELECT 1;|follow_graph.follow(1, 2)|follow_graph.follow(2, 1)|follow(a,b) against follow(b,a): both mutual counts end at 1"
"follow_unfollow|SELECT follow_graph.follow(2, 1);|follow_graph.follow(1, 2)|follow_graph.unfollow(1, 2)|follow(a,b) against unfollow(a,b) while b follows a"
"unfollow_cross|SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1);|follow_graph.unfollow(1, 2)|follow_graph.unfollow(2, 1)|unfollow(a,b) against unfollow(b,a) of a mutual pair"
"follow_unfollow_reverse|SELECT follow_graph.follow(2, 1);|follow_graph.follow(1, 2)|follow_graph.unfollow(2, 1)|follow(a,b) against unfollow(b,a)"
)
levels=("rc|READ COMMITTED" "rr|REPEATABLE READ" "ser|SERIALIZABLE")

for race in "${races[@]}"; do
	IFS='|' read -r name init c1 c2 what <<<"$race"
	for level in "${levels[@]}"; do
		IFS='|' read -r short full <<<"$level"
		cat > "core_${name}_${short}.spec" <<SPEC
# ${what}, under ${full}.
# Every permutation ends with a check of both accounts' counts against the
# edges; "ok" means exact.  Under REPEATABLE READ and SERIALIZABLE the second
# writer may fail with 40001 (retryable) but never commits a wrong count.

setup
{
	SELECT follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
	${init}
}

teardown
{
	SELECT follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1w	{ SELECT ${c1}; }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s2w	{ SELECT ${c2}; }
step s2c	{ COMMIT; }

session chk
step check
{
	SELECT a AS account,
		follow_graph.follower_count(a) AS followers,
		follow_graph.following_count(a) AS following,
		follow_graph.mutual_count(a) AS mutuals,
		CASE WHEN follow_graph.follower_count(a) = (SELECT count(*) FROM follow_graph.edge WHERE followee = a)
			AND follow_graph.following_count(a) = (SELECT count(*) FROM follow_graph.edge WHERE follower = a)
			AND follow_graph.mutual_count(a) = (SELECT count(*) FROM follow_graph.edge e
				JOIN follow_graph.edge r ON r.follower = e.followee AND r.followee = e.follower
				WHERE e.follower = a)
		THEN 'ok' ELSE 'DRIFT' END AS exact
	FROM unnest(ARRAY[1, 2]::bigint[]) AS a;
}

permutation s1w s2w s1c s2c check
permutation s2w s1w s2c s1c check
permutation s1w s1c s2w s2c check
permutation s1w s2w s1r s2c check
SPEC
	done
done
