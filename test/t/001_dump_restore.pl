# pg_dump / pg_restore keep the whole graph: edges with their seq and
# followed_at, the counts, the edge sequence; verify() is empty on both sides
# and the restored graph keeps working.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
	CREATE EXTENSION follow_graph;
	SELECT pg_catalog.setseed(0.42);
	SELECT pg_catalog.count(follow_graph.follow(a, b))
	FROM pg_catalog.generate_series(1, 60) AS a,
		 pg_catalog.generate_series(1, 60) AS b
	WHERE a <> b AND pg_catalog.random() < 0.2;
	SELECT pg_catalog.count(follow_graph.unfollow(e.follower, e.followee))
	FROM follow_graph.edges AS e
	WHERE (e.follower + e.followee) % 7 = 0;
	-- an extra stripe, as concurrent writers leave behind
	INSERT INTO follow_graph.counter VALUES (1, 12345, 2, -1, 1), (1, 54321, -2, 1, -1);
	-- dismissed suggestions (issue 14)
	SELECT pg_catalog.count(follow_graph.dismiss_suggestion(a, s.candidate))
	FROM pg_catalog.generate_series(1, 10) AS a,
		 LATERAL follow_graph.suggest_follows(a, 2) AS s;
	-- home feed items
	SELECT pg_catalog.count(follow_graph.publish(a OPERATOR(pg_catalog.%) 60 OPERATOR(pg_catalog.+) 1, a))
	FROM pg_catalog.generate_series(1, 300) AS a;
});

# Everything that must survive, as one text per query.
my %probe = (
	edges => q{SELECT pg_catalog.md5(pg_catalog.string_agg(
		pg_catalog.concat_ws(' ', follower, followee, seq, followed_at), ','
		ORDER BY follower, followee)) FROM follow_graph.edge},
	edge_count => q{SELECT pg_catalog.count(*) FROM follow_graph.edge},
	counts => q{SELECT pg_catalog.md5(pg_catalog.string_agg(
		pg_catalog.concat_ws(' ', account, followers, following, mutuals), ','
		ORDER BY account))
		FROM follow_graph.counts(ARRAY(SELECT pg_catalog.generate_series(1, 60)::bigint))},
	mutual_total => q{SELECT pg_catalog.sum(follow_graph.mutual_count(a))
		FROM pg_catalog.generate_series(1, 60) AS a},
	pair_gate => q{SELECT pg_catalog.count(*) FROM follow_graph.pair_gate},
	dismissals => q{SELECT pg_catalog.count(*) || ' ' || pg_catalog.md5(pg_catalog.string_agg(
		pg_catalog.concat_ws(' ', account, candidate, dismissed_at), ',' ORDER BY account, candidate))
		FROM follow_graph.dismissal},
	suggestions => q{SELECT pg_catalog.md5(pg_catalog.string_agg(
		pg_catalog.concat_ws(' ', a, s.candidate, s.score, s.via), ','))
		FROM pg_catalog.generate_series(1, 10) AS a, LATERAL follow_graph.suggest_follows(a, 5) AS s},
	verify => q{SELECT pg_catalog.count(*) FROM follow_graph.verify()},
	items => q{SELECT pg_catalog.md5(pg_catalog.string_agg(
		pg_catalog.concat_ws(' ', author, item), ',' ORDER BY item)) FROM follow_graph.item},
	feed => q{SELECT pg_catalog.string_agg(pg_catalog.concat_ws(' ', author, item), ',')
		FROM follow_graph.feed(1, 1000)},
	item_counts => q{SELECT pg_catalog.string_agg(follow_graph.item_count(a)::text, ',' ORDER BY a)
		FROM pg_catalog.generate_series(1, 60) AS a},
);

my %before;
$before{$_} = $node->safe_psql('src', $probe{$_}) for sort keys %probe;
cmp_ok($before{edge_count}, '>', 300, "source graph has $before{edge_count} edges");
is($before{verify}, '0', 'verify() is empty on the source');
is($before{pair_gate}, '0', 'the lock object pair_gate exists and holds no row on the source');
like($before{dismissals}, qr/^[1-9]/, 'the source has dismissed suggestions');

my $dump = $node->basedir . '/src.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ],
	'pg_dump -Fc');

for my $how ('pg_restore', 'psql') {
	my $db = "dst_$how";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	if ($how eq 'pg_restore')
	{
		$node->command_ok(
			[ 'pg_restore', '--exit-on-error', '-d', $node->connstr($db), $dump ],
			'pg_restore into a new database');
	}
	else
	{
		my $plain = $node->basedir . '/src.sql';
		$node->command_ok(
			[ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', $plain ],
			'pg_dump -Fp');
		$node->command_ok(
			[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db),
			  '-f', $plain ],
			'plain dump replayed with psql');
	}
	for my $k (sort keys %probe)
	{
		is($node->safe_psql($db, $probe{$k}), $before{$k}, "$how: $k is the same");
	}

	# The sequence came along: a new follow sorts newest and all stays clean.
	$node->safe_psql($db, 'SELECT follow_graph.follow(1000, 1)');
	is($node->safe_psql($db, 'SELECT follower FROM follow_graph.followers(1, 1)'),
		'1000', "$how: a follow after restore is the newest");
	is($node->safe_psql($db, $probe{verify}), '0', "$how: verify() is empty after a follow");
}

$node->stop;
done_testing();
