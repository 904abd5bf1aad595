# A write storm from many clients on a small set of accounts: random follows
# and unfollows in both directions, a celebrity everybody follows, and
# multi-call transactions.  Afterwards every count and mutual count must equal
# a recomputation from the edges, whatever the interleaving was.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FgDrift qw(count_drift mutual_drift);

my $node = PostgreSQL::Test::Cluster->new('storm');
$node->init;
$node->append_conf('postgresql.conf', "max_connections = 40\ndeadlock_timeout = 100ms\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION follow_graph');

# The drift query: accounts whose stored counts differ from the edges.
my $drift = count_drift();

# 16 clients for a few seconds: 30 accounts so that pairs collide constantly.
$node->pgbench(
	'--no-vacuum --client=16 --jobs=2 --time=6',
	0,
	[qr{processed: [1-9]}],
	[qr{^$}],
	'random follow/unfollow storm runs without errors or deadlocks',
	{
		'storm_pair' => q{
\set a random(1, 30)
\set b random(1, 30)
SELECT CASE WHEN :a = :b THEN false
            WHEN random() < 0.6 THEN follow_graph.follow(:a, :b)
            ELSE follow_graph.unfollow(:a, :b) END;
},
		'storm_celebrity' => q{
\set a random(1000, 100000000)
SELECT follow_graph.follow(:a, 7);
},
		'storm_multi' => q{
\set a random(1, 30)
\set b random(1, 30)
BEGIN;
SELECT CASE WHEN :a = :b THEN false ELSE follow_graph.follow(:a, :b) END;
SELECT CASE WHEN :a = :b THEN false ELSE follow_graph.follow(:b, :a) END;
COMMIT;
}
	});

is($node->safe_psql('postgres', $drift), '0', 'no count drifts after the storm');

my $followers = $node->safe_psql('postgres',
	'SELECT follow_graph.follower_count(7) = (SELECT count(*) FROM follow_graph.edge WHERE followee = 7)');
is($followers, 't', 'celebrity follower count is exact');

my $stripes = $node->safe_psql('postgres',
	'SELECT count(*) FROM follow_graph.counter WHERE account = 7');
cmp_ok($stripes, '>=', 1, "celebrity counts are held in $stripes stripe row(s)");

# Every mutual pair is counted once on each side.
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM follow_graph.edge e
	WHERE follow_graph.relationship(e.follower, e.followee) = 'mutual'
	  AND NOT EXISTS (SELECT 1 FROM follow_graph.mutuals(e.follower, 1000) m WHERE m = e.followee)}),
	'0', 'mutuals() lists every mutual pair');

# The mutual range holds exactly the mutual pairs of the edges, both rows.
my $mutual_drift = mutual_drift();
is($node->safe_psql('postgres', $mutual_drift), '0',
	'the mutual range equals the mutual pairs of the edges');

$node->stop;
done_testing();
