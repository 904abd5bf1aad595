#!/bin/bash
# Writes the isolation specs of the relationship states' account writers
# (issue 12), one per race and isolation level, as generate.sh does for the
# core API.  The specs are committed; rerun this after editing it, then
# regenerate the expected files (test/expected) and review every difference.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

levels=("rc|READ COMMITTED" "rr|REPEATABLE READ" "ser|SERIALIZABLE")

# The check of every spec: the counts of accounts 1, 2 and 3 against the
# edges and the pending requests ("ok" means exact), the rows between them,
# and verify()'s problems.
common_setup='
	CREATE OR REPLACE FUNCTION states_account_counts()
	RETURNS TABLE (account bigint, followers bigint, following bigint,
		mutuals bigint, requests numeric, active boolean, exact text) LANGUAGE sql AS $$
	SELECT a,
		follow_graph.follower_count(a), follow_graph.following_count(a),
		follow_graph.mutual_count(a),
		(SELECT coalesce(pg_catalog.sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a),
		follow_graph.is_active(a),
		CASE WHEN follow_graph.follower_count(a) = (SELECT count(*) FROM follow_graph.followers(a, 1000))
			AND follow_graph.following_count(a) = (SELECT count(*) FROM follow_graph.following(a, 1000))
			AND follow_graph.mutual_count(a) = (SELECT count(*) FROM follow_graph.mutuals(a, 1000))
			AND (SELECT coalesce(pg_catalog.sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a)
				= (SELECT count(*) FROM follow_graph.request WHERE request.account = a)
		THEN '"'ok'"' ELSE '"'DRIFT'"' END
	FROM unnest(ARRAY[1, 2, 3]::bigint[]) AS a
	$$;
	CREATE OR REPLACE FUNCTION states_account_rows()
	RETURNS TABLE (rows_between text, problems bigint) LANGUAGE sql AS $$
	SELECT (SELECT string_agg(r, '"', '"' ORDER BY r) FROM (
			SELECT '"'edge '"' || follower || '"'->'"' || followee FROM follow_graph.edge
			WHERE follower IN (1, 2, 3) AND followee IN (1, 2, 3)
			UNION ALL SELECT '"'request '"' || requester || '"'->'"' || account FROM follow_graph.request
			WHERE requester IN (1, 2, 3) AND account IN (1, 2, 3)
			UNION ALL SELECT CASE WHEN pending THEN '"'hidden request '"' ELSE '"'hidden edge '"' END
				|| follower || '"'->'"' || followee FROM follow_graph.hidden_edge
			WHERE follower IN (1, 2, 3) AND followee IN (1, 2, 3)) AS x(r)),
		(SELECT count(*) FROM follow_graph.verify())
	$$;
	SELECT pg_catalog.count(follow_graph.remove_account(a)) FROM unnest(ARRAY[1, 2, 3]::bigint[]) AS a;'

common_teardown='
teardown
{
	SELECT pg_catalog.count(follow_graph.remove_account(a)) FROM unnest(ARRAY[1, 2, 3]::bigint[]) AS a;
	DROP FUNCTION states_account_counts(), states_account_rows();
}'

check='
session chk
step check	{ SELECT * FROM states_account_counts(); SELECT * FROM states_account_rows(); }'

# name | initial state (SQL) | s1 call | s2 call | what the race is
races=(
"public_follow|SELECT follow_graph.set_private(2, true); SELECT follow_graph.follow(3, 2), follow_graph.follow(2, 1);|follow_graph.set_private(2, false)|follow_graph.follow(1, 2)|set_private(b, false) against follow(a, b), b private with a pending request from c and following a"
"deactivate_follow|SELECT follow_graph.follow(1, 2), follow_graph.follow(3, 1);|follow_graph.deactivate_account(1)|follow_graph.follow(2, 1)|deactivate_account(a) against follow(x, a), a following x and followed by c"
)

for race in "${races[@]}"; do
	IFS='|' read -r name init c1 c2 what <<<"$race"
	for level in "${levels[@]}"; do
		IFS='|' read -r short full <<<"$level"
		cat > "states_${name}_${short}.spec" <<SPEC
# ${what}, under ${full}.
# Every permutation ends with a check of the three accounts' counts against
# their lists and of the requests counts against the pending requests ("ok"
# means exact), the rows left between them and verify()'s problems.  Under
# REPEATABLE READ and SERIALIZABLE a writer may fail with 40001 (retryable)
# but never commits a wrong count; nothing deadlocks.

setup
{${common_setup}
	${init}
}
${common_teardown}

$(writers "${full}" "${c1}" "${c2}" s2r)
${check}

permutation s1w s2w s1c s2c check
permutation s2w s1w s2c s1c check
permutation s1w s1c s2w s2c check
permutation s2w s2c s1w s1c check
permutation s1w s2w s1r s2c check
permutation s2w s1w s2r s1c check
SPEC
	done
done

# Two deactivations of the two accounts of a mutual pair, then the two
# reactivations, each pair of calls racing, in either order.
for level in "${levels[@]}"; do
	IFS='|' read -r short full <<<"$level"
	cat > "states_deactivate_pair_${short}.spec" <<SPEC
# deactivate_account(a) against deactivate_account(b), a and b following
# each other (and c following a, b following c), then reactivate_account(a)
# against reactivate_account(b), in either order, under ${full}.  The pair
# comes back only once both are active.  Every check compares the three
# accounts' counts with their lists ("ok" means exact) and lists the rows
# between them and verify()'s problems.  Under REPEATABLE READ and
# SERIALIZABLE the second writer may fail with 40001 (retryable) but never
# commits a wrong count; nothing deadlocks.

setup
{${common_setup}
	SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1),
		follow_graph.follow(3, 1), follow_graph.follow(2, 3);
}
${common_teardown}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1d	{ SELECT follow_graph.deactivate_account(1); }
step s1b	{ BEGIN ISOLATION LEVEL ${full}; }
step s1a	{ SELECT follow_graph.reactivate_account(1); }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s2d	{ SELECT follow_graph.deactivate_account(2); }
step s2b	{ BEGIN ISOLATION LEVEL ${full}; }
step s2a	{ SELECT follow_graph.reactivate_account(2); }
step s2c	{ COMMIT; }
step s2r	{ ROLLBACK; }
${check}

permutation s1d s2d s1c s2c check s1b s2b s1a s2a s1c s2c check
permutation s2d s1d s2c s1c check s2b s1b s2a s1a s2c s1c check
permutation s1d s2d s1c s2c check s2b s1b s2a s1a s2c s1c check
permutation s1d s2d s1r s2c check s1b s2b s2a s1a s2c s1c check
permutation s1d s1c s2d s2c check s1b s1a s1c check s2b s2a s2c check
SPEC
done
