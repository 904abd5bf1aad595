# Pieces shared by the spec generators (sourced by generate*.sh).

# The check that account a's follower, following and mutual counts and its
# mutuals() list equal what the edges say: the first lines of a CASE WHEN
# whose caller adds its own conditions, then THEN/ELSE.
counts_exact='CASE WHEN follow_graph.follower_count(a) = (SELECT count(*) FROM follow_graph.edge WHERE followee = a)
			AND follow_graph.following_count(a) = (SELECT count(*) FROM follow_graph.edge WHERE follower = a)
			AND follow_graph.mutual_count(a) = (SELECT count(*) FROM follow_graph.edge e
				JOIN follow_graph.edge r ON r.follower = e.followee AND r.followee = e.follower
				WHERE e.follower = a)
			AND ARRAY(SELECT follow_graph.mutuals(a, 1000)) = ARRAY(SELECT e.followee FROM follow_graph.edge e
				JOIN follow_graph.edge r ON r.follower = e.followee AND r.followee = e.follower
				WHERE e.follower = a ORDER BY 1)'

# writers LEVEL CALL1 CALL2 [s2r]: sessions s1 and s2, each in a transaction
# at isolation level LEVEL from its setup: step s1w (s2w) makes CALL1
# (CALL2), s1c and s2c commit, s1r rolls back, and s2r too when a fourth
# argument is given.
writers() {
	cat <<SPEC
session s1
setup		{ BEGIN ISOLATION LEVEL $1; }
step s1w	{ SELECT $2; }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL $1; }
step s2w	{ SELECT $3; }
step s2c	{ COMMIT; }
SPEC
	if [ $# -gt 3 ]; then
		printf 'step s2r\t{ ROLLBACK; }\n'
	fi
}
