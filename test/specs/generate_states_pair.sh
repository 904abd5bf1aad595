#!/bin/bash
# Writes one isolation spec per race of the relationship states' pair writers
# (issue 12) and per isolation level, as generate.sh does for the core API.
# The specs are committed; rerun this after editing it, then regenerate the
# expected files (test/expected) and review every difference.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

# name | initial state (SQL) | s1 call | s2 call | what the race is
races=(
"block_follow|SELECT follow_graph.follow(2, 1);|follow_graph.block(1, 2)|follow_graph.follow(1, 2)|block(a,b) against follow(a,b) while b follows a"
"block_follow_reverse|SELECT follow_graph.follow(1, 2);|follow_graph.block(1, 2)|follow_graph.follow(2, 1)|block(a,b) against follow(b,a) while a follows b"
"accept_cancel|INSERT INTO follow_graph.account_state VALUES (2, true, true); SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1);|follow_graph.accept_request(2, 1)|follow_graph.unfollow(1, 2)|accept_request(b,a) against unfollow(a,b) cancelling the request, b private and following a"
)
levels=("rc|READ COMMITTED" "rr|REPEATABLE READ" "ser|SERIALIZABLE")

for race in "${races[@]}"; do
	IFS='|' read -r name init c1 c2 what <<<"$race"
	for level in "${levels[@]}"; do
		IFS='|' read -r short full <<<"$level"
		cat > "states_${name}_${short}.spec" <<SPEC
# ${what}, under ${full}.
# Every permutation ends with a check of both accounts' counts and mutuals()
# lists against the edges and of the requests counts against the pending requests ("ok" means
# exact), the rows left between the two accounts, the rows that contradict
# a block (none may) and verify()'s problems.  Under REPEATABLE READ and
# SERIALIZABLE the second writer may fail with 40001 (retryable) but never
# commits a wrong count; nothing deadlocks.

setup
{
	CREATE OR REPLACE FUNCTION states_pair_counts()
	RETURNS TABLE (account bigint, followers bigint, following bigint,
		mutuals bigint, requests numeric, exact text) LANGUAGE sql AS \$\$
	SELECT a,
		follow_graph.follower_count(a), follow_graph.following_count(a),
		follow_graph.mutual_count(a),
		(SELECT pg_catalog.sum(c.requests) FROM follow_graph.counter AS c WHERE c.account = a),
		${counts_exact}
			AND (SELECT coalesce(pg_catalog.sum(c.requests), 0) FROM follow_graph.counter AS c WHERE c.account = a)
				= (SELECT count(*) FROM follow_graph.request WHERE request.account = a)
		THEN 'ok' ELSE 'DRIFT' END
	FROM unnest(ARRAY[1, 2]::bigint[]) AS a
	\$\$;
	CREATE OR REPLACE FUNCTION states_pair_rows()
	RETURNS TABLE (pair_rows text, block_conflicts bigint, problems bigint) LANGUAGE sql AS \$\$
	SELECT (SELECT string_agg(r, ', ' ORDER BY r) FROM (
			SELECT 'edge ' || follower || '->' || followee FROM follow_graph.edge WHERE follower IN (1, 2) AND followee IN (1, 2)
			UNION ALL SELECT 'request ' || requester || '->' || account FROM follow_graph.request WHERE requester IN (1, 2) AND account IN (1, 2)
			UNION ALL SELECT 'block ' || blocker || '->' || blocked FROM follow_graph.block WHERE blocker IN (1, 2) AND blocked IN (1, 2)) AS x(r)),
		(SELECT count(*) FROM follow_graph.block AS k
			JOIN (SELECT follower, followee FROM follow_graph.edge
				  UNION ALL SELECT requester, account FROM follow_graph.request) AS x(f, t)
			ON (x.f = k.blocker AND x.t = k.blocked) OR (x.f = k.blocked AND x.t = k.blocker)),
		(SELECT count(*) FROM follow_graph.verify())
	\$\$;
	DELETE FROM follow_graph.account_state WHERE account IN (1, 2);
	SELECT follow_graph.unblock(1, 2), follow_graph.unblock(2, 1),
		follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
	${init}
}

teardown
{
	DELETE FROM follow_graph.account_state WHERE account IN (1, 2);
	SELECT follow_graph.unblock(1, 2), follow_graph.unblock(2, 1),
		follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
	DROP FUNCTION states_pair_counts(), states_pair_rows();
}

$(writers "${full}" "${c1}" "${c2}" s2r)

session chk
step check	{ SELECT * FROM states_pair_counts(); SELECT * FROM states_pair_rows(); }

permutation s1w s2w s1c s2c check
permutation s2w s1w s2c s1c check
permutation s1w s1c s2w s2c check
permutation s2w s2c s1w s1c check
permutation s1w s2w s1r s2c check
permutation s2w s1w s2r s1c check
SPEC
	done
done
