# Crash safety: concurrent writers record every acknowledged follow and
# unfollow, the server is killed (immediate stop) while they run, and after
# restart every acknowledged change is there, verify() is empty and amcheck
# finds every index of the extension sound.
use strict;
use warnings;
use IO::Handle;
use POSIX ();
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $writers = 4;		# concurrent sessions
my $accounts = 12;		# shared by all writers, so counter rows are contended
my $min_acks = 400;		# crash once this many writes were acknowledged
my $max_wait = 30;		# ... or after this many seconds, if that is sooner

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION follow_graph; CREATE EXTENSION amcheck;');

# Writer $k owns the ordered pairs (a, b) with (a + b) % $writers == $k, so
# both directions of a pair belong to one writer and each pair's history is
# a sequence, while the accounts (and their counter rows) are shared.
sub writer
{
	my ($k, $file) = @_;
	open my $fh, '>', $file or die "$file: $!";
	$fh->autoflush(1);
	srand(1000 + $k);
	my @pairs;
	for my $a (1 .. $accounts)
	{
		for my $b (1 .. $accounts)
		{
			push @pairs, [ $a, $b ] if $a != $b && ($a + $b) % $writers == $k;
		}
	}
	for (1 .. 100000)
	{
		my ($a, $b) = @{ $pairs[ int rand @pairs ] };
		my $op = rand() < 0.6 ? 'follow' : 'unfollow';
		print $fh "sent $op $a $b\n";
		my ($rc, $out, $err) = $node->psql('postgres',
			"SELECT follow_graph.$op($a, $b)", on_error_die => 0);
		last if $rc != 0 || ($out ne 't' && $out ne 'f');
		print $fh "ack $op $a $b\n";
	}
	close $fh;
	POSIX::_exit(0);
}

my $dir = $node->basedir;
my @pids;
for my $k (0 .. $writers - 1)
{
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0)
	{
		# A writer whose connection breaks in the crash may die inside
		# IPC::Run; leave without running the test framework's END blocks,
		# which would try to stop the (already stopped) node and bail out.
		eval { writer($k, "$dir/writer_$k.log") };
		POSIX::_exit(0);
	}
	push @pids, $pid;
}

# Count acknowledgements until there are enough, then crash.
sub acks
{
	my $n = 0;
	for my $k (0 .. $writers - 1)
	{
		open my $fh, '<', "$dir/writer_$k.log" or next;
		$n += grep { /^ack / } <$fh>;
	}
	return $n;
}
my $deadline = time() + $max_wait;
usleep(100_000) while acks() < $min_acks && time() < $deadline;
$node->stop('immediate');
kill 'KILL', @pids;
waitpid($_, 0) for @pids;
my $acked = acks();
cmp_ok($acked, '>=', 50, "$acked writes acknowledged before the crash");

$node->start;

# Replay each writer's log: the last acknowledged op of a pair decides its
# state; an op sent but not acknowledged (in flight at the crash) may or may
# not have committed, so either state is accepted for that pair.
my (%state, %maybe);
for my $k (0 .. $writers - 1)
{
	open my $fh, '<', "$dir/writer_$k.log" or die;
	my $pending;
	while (<$fh>)
	{
		my ($what, $op, $a, $b) = split;
		if ($what eq 'sent') { $pending = [ $op, "$a $b" ]; next; }
		$state{"$a $b"} = ($op eq 'follow') ? 1 : 0;
		undef $pending;
	}
	$maybe{ $pending->[1] } = ($pending->[0] eq 'follow') ? 1 : 0 if $pending;
}

my %edge = map { $_ => 1 } split /\n/, $node->safe_psql('postgres',
	'SELECT follower || \' \' || followee FROM follow_graph.edge');
my ($lost_follows, $lost_unfollows) = (0, 0);
for my $pair (sort keys %state)
{
	my $have = $edge{$pair} ? 1 : 0;
	next if $have == $state{$pair};
	next if exists $maybe{$pair} && $have == $maybe{$pair};
	$state{$pair} ? $lost_follows++ : $lost_unfollows++;
	diag("pair $pair: acknowledged state $state{$pair}, found $have");
}
my $unexplained = grep {
	!exists $state{$_} && !(exists $maybe{$_} && $maybe{$_} == 1)
} keys %edge;
is($lost_follows, 0, 'no acknowledged follow was lost');
is($lost_unfollows, 0, 'no acknowledged unfollow was undone');
is($unexplained, 0, 'no edge appeared that no writer made');

is($node->safe_psql('postgres',
	'SELECT pg_catalog.count(*) FROM follow_graph.verify()'), '0',
	'verify() is empty after crash recovery');
# bt_index_check() raises an error on the first problem it finds.  Every
# storage index is a btree; the edge table alone has 4, the counter 1.
my $nindexes = $node->safe_psql('postgres', q{
	SELECT pg_catalog.count(*) FROM pg_catalog.pg_index AS i
	JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
	WHERE c.relnamespace = 'follow_graph'::pg_catalog.regnamespace});
cmp_ok($nindexes, '>=', 5, 'the storage indexes are found');
is($node->safe_psql('postgres', q{
	SELECT pg_catalog.count(public.bt_index_check(i.indexrelid, true)::text)
	FROM pg_catalog.pg_index AS i
	JOIN pg_catalog.pg_class AS c ON c.oid = i.indrelid
	WHERE c.relnamespace = 'follow_graph'::pg_catalog.regnamespace}), $nindexes,
	'bt_index_check(heapallindexed) passes on every storage index');

note('counter rows after recovery: ' . $node->safe_psql('postgres',
	'SELECT pg_catalog.count(*) FROM follow_graph.counter'));

# The graph keeps working after recovery.
$node->safe_psql('postgres', 'SELECT follow_graph.follow(1000, 1001), follow_graph.follow(1001, 1000)');
is($node->safe_psql('postgres', 'SELECT follow_graph.mutual_count(1000)'), '1',
	'writes work after recovery');

$node->stop;
done_testing();
