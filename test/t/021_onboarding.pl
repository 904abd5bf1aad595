# Onboarding storms: many clients, each running transactions of 20 follows
# (a new user following suggested accounts).  Pairs of different
# transactions meet only by chance, so nothing may deadlock or fail: on
# 0.1.0 they did, because every pair hashed to one of 16,384 row locks held
# to commit.  Under READ COMMITTED the pairs are random over a few thousand
# accounts; under REPEATABLE READ each client draws from accounts of its
# own, and a transaction on pairs no other transaction touches must never
# fail with 40001.  Afterwards every count equals a recomputation.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('onboarding');
$node->init;
$node->append_conf('postgresql.conf',
	"max_connections = 40\ndeadlock_timeout = 100ms\nlog_lock_waits = off\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION follow_graph');

# One transaction of 20 follows, 2 ms apart; $pick sets :a<i> and :b<i>.
sub onboarding_script
{
	my ($begin, $pick) = @_;
	my $script = '';
	$script .= $pick->($_) for 1 .. 20;
	$script .= "$begin;\n";
	# A client round trip between the calls, as an application has.
	$script .= "SELECT CASE WHEN :a$_ = :b$_ THEN false ELSE follow_graph.follow(:a$_, :b$_) END;\n\\sleep 2 ms\n"
	  for 1 .. 20;
	$script .= "COMMIT;\n";
	return $script;
}

my $deadlocks = q{SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()};
my $problems = q{SELECT count(*) FROM follow_graph.verify()};
my $sums = q{
SELECT (SELECT sum(followers) FROM follow_graph.counter) = (SELECT count(*) FROM follow_graph.edge)
   AND (SELECT sum(following) FROM follow_graph.counter) = (SELECT count(*) FROM follow_graph.edge)
   AND (SELECT sum(mutuals) FROM follow_graph.counter) = (SELECT count(*) FROM follow_graph.edge e
        JOIN follow_graph.edge r ON r.follower = e.followee AND r.followee = e.follower)};

# READ COMMITTED: 16 clients x 100 transactions x 20 random follows over
# 3,000 accounts.  About 320 pairs are in flight at any time: on 0.1.0 they
# held 2 % of the slots, enough for a few deadlocks per run.
$node->pgbench(
	'--no-vacuum --client=16 --jobs=2 --transactions=100',
	0,
	[qr{number of transactions actually processed: 1600/1600}],
	[qr{^$}],
	'READ COMMITTED onboarding storm: no deadlock, no error',
	{
		'onboarding_rc' => onboarding_script(
			'BEGIN ISOLATION LEVEL READ COMMITTED',
			sub { "\\set a$_[0] random(1, 3000)\n\\set b$_[0] random(1, 3000)\n" })
	});
is($node->safe_psql('postgres', $deadlocks), '0', 'no deadlock was detected');
is($node->safe_psql('postgres', $problems), '0', 'verify() finds every count exact');
is($node->safe_psql('postgres', $sums), 't', 'count totals match the edges');

# REPEATABLE READ: each client follows among its own 200 accounts, so two
# transactions never share an account.
$node->pgbench(
	'--no-vacuum --client=16 --jobs=2 --transactions=25',
	0,
	[qr{number of transactions actually processed: 400/400}],
	[qr{^$}],
	'REPEATABLE READ onboarding storm on disjoint accounts: no 40001',
	{
		'onboarding_rr' => onboarding_script(
			'BEGIN ISOLATION LEVEL REPEATABLE READ',
			sub {
				"\\set a$_[0] 100000 + :client_id * 1000 + random(1, 200)\n"
				  . "\\set b$_[0] 100000 + :client_id * 1000 + random(1, 200)\n";
			})
	});
is($node->safe_psql('postgres', $deadlocks), '0', 'still no deadlock');
is($node->safe_psql('postgres', $problems), '0', 'verify() still finds every count exact');
is($node->safe_psql('postgres', $sums), 't', 'count totals still match the edges');

my $log = slurp_file($node->logfile);
unlike($log, qr/deadlock detected|could not serialize/, 'the server log has no deadlock and no serialization failure');

$node->stop;
done_testing();
