#!/bin/bash
# Writes one isolation spec per race of the core API and per isolation level.
# The specs are committed; rerun this after editing it, then regenerate the
# expected files (test/expected) and review every difference.
set -euo pipefail
cd "$(dirname "$0")"
. ./lib.sh

# The start of the check step of the core specs: each account's counts,
# then the spec's own columns.
check_counts='session chk
step check
{
	SELECT a AS account,
		follow_graph.follower_count(a) AS followers,
		follow_graph.following_count(a) AS following,
		follow_graph.mutual_count(a) AS mutuals,'

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
# Every permutation ends with a check of both accounts' counts, mutuals()
# lists and mutual ranges against the edges; "ok" means exact.  Under REPEATABLE READ and SERIALIZABLE the second
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

$(writers "${full}" "${c1}" "${c2}")

${check_counts}
		${counts_exact}
			AND ARRAY(SELECT m.friend FROM follow_graph.mutual m WHERE m.account = a ORDER BY 1)
				= ARRAY(SELECT follow_graph.mutuals(a, 1000))
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

# Writers that must not wait for each other: their pairs share no account.
# On 0.1.0 each pair below shared its pair_lock slot (16,384 slots, hash of
# the pair) with a pair of the other session, so these waited, deadlocked
# or failed with 40001; now a pair's writers take turns only on that pair.
pair_levels=("rc|READ COMMITTED" "rr|REPEATABLE READ")
pair_check='
session chk
step check
{
	SELECT (SELECT pg_catalog.count(*) FROM follow_graph.edge
			WHERE follower IN (1001, 1002, 120001) OR followee = 150000) AS edges,
		(SELECT pg_catalog.count(*) FROM follow_graph.verify()) AS problems;
}
'
pair_teardown='
teardown
{
	SELECT pg_catalog.count(follow_graph.remove_account(a))
		FROM unnest(ARRAY[1001, 1002, 120001, 150000]::bigint[]) AS a;
	DELETE FROM follow_graph.counter WHERE account IN (
		SELECT account FROM follow_graph.counter
		GROUP BY account HAVING sum(followers) = 0 AND sum(following) = 0 AND sum(mutuals) = 0);
}
'
for level in "${pair_levels[@]}"; do
	IFS='|' read -r short full <<<"$level"
	cat > "core_unrelated_pairs_${short}.spec" <<SPEC
# Two transactions of several follows on unrelated pairs, under ${full}
# (an onboarding screen following suggested accounts).  (1001,2025) and
# (1002,2458) shared a 0.1.0 pair_lock slot, as did (1001,2033) and
# (1002,3618): both permutations deadlocked there.  Now nothing waits.
${pair_teardown}
session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step a1		{ SELECT follow_graph.follow(1001, 2025); }
step a2		{ SELECT follow_graph.follow(1001, 2033); }
step c1		{ COMMIT; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step b1		{ SELECT follow_graph.follow(1002, 3618); }
step b2		{ SELECT follow_graph.follow(1002, 2458); }
step c2		{ COMMIT; }
${pair_check}
permutation a1 b1 a2 b2 c1 c2 check
permutation b1 a1 b2 a2 c2 c1 check
SPEC
	cat > "core_bulk_open_${short}.spec" <<SPEC
# A transaction that made 5,000 follows in one statement and is still open
# does not hold up a follow of an unrelated pair, under ${full}.  On 0.1.0
# the bulk statement held a quarter of the pair_lock slots to commit,
# (120001,130008) among them, so the single follow waited for the commit
# (and failed with 40001 under REPEATABLE READ).
${pair_teardown}
session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step bulk	{ SELECT pg_catalog.count(*) FILTER (WHERE f) AS made FROM
				(SELECT follow_graph.follow(g, 150000) AS f
				 FROM pg_catalog.generate_series(100001, 105000) AS g) AS x; }
step c1		{ COMMIT; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step one	{ SELECT follow_graph.follow(120001, 130008); }
step c2		{ COMMIT; }
${pair_check}
permutation bulk one c1 c2 check
SPEC
done

# One transaction touching a pair twice, in both directions, while another
# session follows one direction.  The second session waits for the first
# before it changes anything (both edges of a pair must be settled), so the
# first session's second call finds nothing in progress and no cycle forms.
for level in "${pair_levels[@]}"; do
	IFS='|' read -r short full <<<"$level"
	cat > "core_pair_twice_${short}.spec" <<SPEC
# follow(1,2) then follow(2,1) in one transaction against a concurrent
# follow(2,1), under ${full}: no deadlock, the mutual counted once.
# Every permutation ends with a check of both accounts' counts.

setup
{
	SELECT follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
}

teardown
{
	SELECT follow_graph.unfollow(1, 2), follow_graph.unfollow(2, 1);
}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1ab	{ SELECT follow_graph.follow(1, 2); }
step s1ba	{ SELECT follow_graph.follow(2, 1); }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s2ba	{ SELECT follow_graph.follow(2, 1); }
step s2c	{ COMMIT; }

${check_counts}
		(SELECT pg_catalog.count(*) FROM follow_graph.verify()) AS problems
	FROM unnest(ARRAY[1, 2]::bigint[]) AS a;
}

permutation s1ab s2ba s1ba s1c s2c check
permutation s1ab s2ba s1ba s1r s2c check
permutation s2ba s1ab s2c s1ba s1c check
SPEC
done
