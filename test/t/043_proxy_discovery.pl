# Scale-out on PL/Proxy: the router forms of suggest_follows(),
# similar_accounts() and import_edges() (docs/scale-out.md); the set-up of
# 042: three data nodes running follow_graph, a router running
# follow_graph_proxy, and a single node given the same calls for reference.
#  1. suggest_follows() and similar_accounts() through the router equal the
#     single node's answers for every account and several max_results, with
#     blocks either way, mutes (one expired), dismissals, a deactivated
#     candidate and a pending request, with the default bounds (which the
#     graph does not reach) and with small bounds; errors as on a node.
#  2. Remote calls: at most 1 + N + 1 + N for suggest_follows(), at most
#     1 + N + N for similar_accounts() here.
#  3. import_edges() through the router: the same return value, counts,
#     lists with their times, mutual pairs, blocked pairs skipped, hidden
#     pairs of a deactivated account, pending requests replaced; nothing
#     journaled; cluster_verify() and every node's verify() empty; NULL rows,
#     a NULL source and a bad column fail as on a node; privileges.
# Skipped when PL/Proxy is not installed for the server under test.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FgCluster;

my $c = FgCluster->new(partitions => 16, node_conf => "log_statement = all\n");
my ($single, $router, @nodes) = ($c->{single}, $c->{router}, @{ $c->{nodes} });

sub both { return $c->both(@_) }

sub same { return $c->same(@_) }

sub same_error { return $c->same_error(@_) }

# ---------------------------------------------------------------------------
# 1. Suggestions and similar accounts.

# The graph of sql/discovery.sql (40 accounts), then states.
my ($s_res, $r_res) = both(q{
	SELECT count(*) FILTER (WHERE follow_graph.follow(a, b))
	FROM generate_series(1, 40) AS a, generate_series(1, 40) AS b
	WHERE a <> b AND ('x' || substr(md5(a || ':' || b), 1, 4))::bit(16)::int % 100 < 20;
	SELECT follow_graph.block(7, 28), follow_graph.block(16, 7), follow_graph.mute(7, 26),
		follow_graph.mute(7, 9, now() - interval '1 day'), follow_graph.dismiss_suggestion(7, 37),
		follow_graph.deactivate_account(20), follow_graph.set_private(33, true),
		follow_graph.follow(7, 33), follow_graph.follow(12, 33), follow_graph.block(3, 12),
		follow_graph.mute(3, 5), follow_graph.dismiss_suggestion(3, 11),
		follow_graph.dismiss_suggestion(12, 1), follow_graph.block(1, 19)});
is($r_res, $s_res, 'the writes return what a single node returns');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');

my $discovery = q{
	SELECT a, m,
		(SELECT string_agg(format('%s:%s:%s', candidate, score, via), ' ')
		 FROM follow_graph.suggest_follows(a, m)),
		(SELECT string_agg(format('%s:%s', candidate, jaccard), ' ')
		 FROM follow_graph.similar_accounts(a, m))
	FROM generate_series(0, 41) AS a, unnest(ARRAY[1, 2, 3, 5, 10, 40]) AS m ORDER BY 1, 2};
my $answers = same($discovery,
	'suggest_follows and similar_accounts equal a single node for every account (scores, via, order, ties)');
like($answers, qr/^7\|10\|19:/m, 'the exclusions bite: 28 (blocked by 7) is no longer 7\'s first suggestion');
my $seven = ($answers =~ /^7\|40\|([^|]*)\|/m)[0];
for my $x (7, 28, 16, 26, 37, 20, 33)
{
	unlike(" $seven", qr/ $x:/, "7's suggestions leave out $x");
}
like(" $seven", qr/ 9:/, '... but not 9, whose mute has expired');
same(q{SET follow_graph.suggest_middles = 3; SET follow_graph.suggest_fanout = 2;
	SET follow_graph.similar_sample = 3; SET follow_graph.similar_fanout = 2;} . $discovery,
	'with bounds that bite (3 middles or sampled followers, windows of 2) the answers are the same here');
same(q{SELECT a, (SELECT count(*) FROM follow_graph.suggest_follows(a, 2147483647)),
		(SELECT count(*) FROM follow_graph.similar_accounts(a, 2147483647))
	FROM generate_series(1, 40) AS a ORDER BY 1},
	'every candidate when max_results is above their number');
same(q{SELECT count(*) FROM follow_graph.suggest_follows(NULL, 3)
	UNION ALL SELECT count(*) FROM follow_graph.similar_accounts(7, NULL)},
	'NULL arguments give no rows');
same_error('SELECT * FROM follow_graph.suggest_follows(7, 0)', 'suggest_follows with max_results 0');
same_error('SELECT * FROM follow_graph.similar_accounts(7, -1)', 'similar_accounts with max_results -1');

# ---------------------------------------------------------------------------
# 2. Remote calls, counted in the nodes' logs.

sub remote_calls
{
	my ($sql) = @_;
	$router->safe_psql('postgres', 'SELECT follow_graph.counts(ARRAY[1, 2, 3, 4, 5, 6, 7, 8])');
	my @pos = map { -s $_->logfile } @nodes;
	$router->safe_psql('postgres', $sql);
	my $n = 0;
	for my $i (0 .. 2)
	{
		my $log = slurp_file($nodes[$i]->logfile, $pos[$i]);
		$n += () = $log =~ /LOG:  execute /g;
	}
	return $n;
}

for my $a (3, 7, 12)
{
	cmp_ok(remote_calls("SELECT count(*) FROM follow_graph.suggest_follows($a, 5)"), '<=', 8,
		"suggest_follows($a, 5): at most 1 + N + 1 + N calls");
	cmp_ok(remote_calls("SELECT count(*) FROM follow_graph.similar_accounts($a, 5)"), '<=', 7,
		"similar_accounts($a, 5): at most 1 + N + N calls");
}

# ---------------------------------------------------------------------------
# 3. import_edges() through the router.

# States first (ids 101 to 160): a block, a deactivated account, a private
# account with a pending request, an existing edge.
($s_res, $r_res) = both(q{
	SELECT follow_graph.block(101, 102), follow_graph.deactivate_account(110),
		follow_graph.set_private(120, true), follow_graph.follow(121, 120),
		follow_graph.follow(130, 131), follow_graph.block(140, 150)});
is($r_res, $s_res, 'the states before the import');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');

my $source = q{
	CREATE TABLE src AS
	SELECT (100 + a)::bigint AS follower, (100 + b)::bigint AS followee,
		   timestamptz '2024-01-01' + (a * 61 + b) * interval '1 minute' AS followed_at
	FROM generate_series(1, 60) AS a, generate_series(1, 60) AS b
	WHERE ('x' || substr(md5(a || '/' || b), 1, 4))::bit(16)::int % 100 < 15;
	INSERT INTO src SELECT follower, followee, followed_at - interval '1 day' FROM src WHERE follower % 7 = 0;
	INSERT INTO src VALUES (105, 105, NULL), (101, 102, NULL), (102, 101, NULL), (110, 111, NULL),
		(112, 110, NULL), (121, 120, NULL), (130, 131, NULL), (131, 130, NULL), (150, 140, NULL);
	UPDATE src SET followed_at = timestamptz '2025-06-01' WHERE followed_at IS NULL;
	CREATE VIEW src_null AS SELECT * FROM src UNION ALL SELECT 1, NULL, NULL;
	CREATE VIEW src_int AS SELECT follower::integer AS follower, followee FROM src;
	CREATE VIEW src_noat AS SELECT follower, followee FROM src WHERE follower < 0;
};
both($source);
same_error(q{SELECT follow_graph.import_edges('src_null')}, 'import_edges of a source with a NULL id');
same_error(q{SELECT follow_graph.import_edges(NULL)}, 'import_edges(NULL)');
same_error(q{SELECT follow_graph.import_edges('src_int')}, 'import_edges of an integer column');
same(q{SELECT follow_graph.import_edges('src_noat')}, 'an empty source imports nothing');
same(q{SELECT follow_graph.import_edges('src')},
	'import_edges returns the single node\'s number of new edges (each counted once)');
is(join(',', map { $_->safe_psql('postgres',
	'SELECT (SELECT count(*) FROM follow_graph.node_journal) + (SELECT count(*) FROM follow_graph.node_state_journal)') } @nodes),
	'0,0,0', 'nothing was journaled');
# (Times of the imported rows; the edge 130 -> 131 was made before, by each
# server's own follow().)
same(q{SELECT c.*,
		ARRAY(SELECT f.follower || '@' || CASE WHEN f.followed_at < '2026-01-01' THEN f.followed_at::text END
			  FROM follow_graph.followers(c.account, 1000) AS f),
		ARRAY(SELECT g.followee || '@' || CASE WHEN g.followed_at < '2026-01-01' THEN g.followed_at::text END
			  FROM follow_graph.following(c.account, 1000) AS g),
		ARRAY(SELECT follow_graph.mutuals(c.account, 1000))
	FROM follow_graph.counts(ARRAY(SELECT generate_series(100, 161)::bigint)) AS c},
	'counts, lists (order and times) and mutuals equal the single node\'s');
same(q{SELECT r.* FROM generate_series(101, 160) AS v,
		follow_graph.relationships(v, ARRAY(SELECT generate_series(101, 160)::bigint)) AS r},
	'relationships (blocked pairs skipped, the request replaced) equal the single node\'s');
same(q{SELECT follow_graph.is_following(101, 102), follow_graph.is_following(102, 101),
		follow_graph.request_count(120), follow_graph.is_following(121, 120),
		follow_graph.follower_count(110), follow_graph.following_count(110)},
	'blocked pairs skipped, request accepted by the import, deactivated account hidden');
same(q{SELECT follow_graph.reactivate_account(110)}, 'reactivation brings back the hidden imported edges');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
same(q{SELECT follow_graph.follower_count(110), follow_graph.following_count(110),
		ARRAY(SELECT follow_graph.mutuals(110))}, '... the same ones as on a single node');
same(q{SELECT follow_graph.import_edges('src')}, 'a second import of the same rows adds nothing');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'), '0',
	'cluster_verify() is empty after the imports');
is(join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()') } @nodes),
	'0,0,0', 'verify() is empty on every node');
same($discovery, 'suggestions and similar accounts still equal the single node\'s after the import');

# Privileges: not PUBLIC; a role granted import_edges can import.
$router->safe_psql('postgres', q{CREATE ROLE loader; CREATE ROLE other;
	GRANT SELECT ON src TO loader, other;
	GRANT EXECUTE ON FUNCTION follow_graph.import_edges(regclass) TO loader});
my ($rc, $out, $err) = $router->psql('postgres', q{SET ROLE other; SELECT follow_graph.import_edges('src')});
like($err, qr/permission denied for function import_edges/, 'import_edges is not executable by PUBLIC on the router');
$router->safe_psql('postgres', q{CREATE ROLE other_login LOGIN IN ROLE other});
($rc, $out, $err) = $router->psql('postgres',
	q{SELECT follow_graph.proxy_import_batch('{1}', '{2}', ARRAY[now()])},
	connstr => $router->connstr('postgres') . ' user=other_login');
like($err, qr/permission denied for function import_edges/,
	'its batch helper refuses a session that may not run import_edges');
$router->safe_psql('postgres', q{CREATE TABLE src2 (follower bigint, followee bigint);
	INSERT INTO src2 VALUES (201, 202), (202, 201); GRANT SELECT ON src2 TO loader});
$router->safe_psql('postgres', q{CREATE ROLE login_loader LOGIN IN ROLE loader});
is($router->safe_psql('postgres', q{SELECT follow_graph.import_edges('src2')}, connstr => $router->connstr('postgres') . ' user=login_loader'),
	'2', 'a login role granted import_edges imports through the router');
is($router->safe_psql('postgres', 'SELECT follow_graph.mutual_count(201), follow_graph.mutual_count(202)'),
	'1|1', '... a mutual pair across nodes counted on both');
$router->safe_psql('postgres', q{CREATE TABLE src3 AS
	SELECT (300 + g)::bigint AS follower, (301 + g)::bigint AS followee FROM generate_series(1, 200) AS g});
cmp_ok(remote_calls(q{SELECT follow_graph.import_edges('src3')}), '<=', 3,
	'import_edges of one batch: at most one call per node');

# A node down: the import fails with 08006; run again once it is back, it
# completes what is missing.
$router->safe_psql('postgres', q{CREATE TABLE src4 AS
	SELECT (600 + g)::bigint AS follower, (600 + (g * 7) % 50 + 1)::bigint AS followee
	FROM generate_series(1, 50) AS g WHERE g <> (g * 7) % 50 + 1});
$nodes[2]->stop('immediate');
($rc, $out, $err) = $router->psql('postgres', q{SELECT follow_graph.import_edges('src4')},
	extra_params => ['-v', 'VERBOSITY=verbose']);
like($err, qr/ERROR:  08006: a node of the cluster is unavailable/,
	'import_edges with a node down fails with 08006');
$nodes[2]->start;
my $again = $router->safe_psql('postgres', q{SELECT follow_graph.import_edges('src4')});
$single->safe_psql('postgres', q{CREATE TABLE src4 AS
	SELECT (600 + g)::bigint AS follower, (600 + (g * 7) % 50 + 1)::bigint AS followee
	FROM generate_series(1, 50) AS g WHERE g <> (g * 7) % 50 + 1});
$single->safe_psql('postgres', q{SELECT follow_graph.import_edges('src4')});
same(q{SELECT * FROM follow_graph.counts(ARRAY(SELECT generate_series(601, 650)::bigint))},
	'... and run again once the node is back, the counts are the single node\'s');
cmp_ok($again, '>', 0, '... the second run imported what the first could not');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'), '0',
	'cluster_verify() is empty at the end');

done_testing();
