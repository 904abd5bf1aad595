# test/t/FgCluster.pm: the cluster the PL/Proxy TAP tests (040-043) share.
# A single node running follow_graph (the reference every routed answer is
# compared with), three data nodes and a router running follow_graph_proxy,
# each its own server, configured with a partition count of the test's
# choosing.  Skips the whole test when PL/Proxy is not installed for the
# server under test.
#
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use FgCluster;
#   my $c = FgCluster->new(partitions => 256, node_conf => "log_statement = all\n");
#   my ($single, $router, @nodes) = ($c->{single}, $c->{router}, @{ $c->{nodes} });
#   my %owner = $c->owners(6000);     # account => node index (0, 1, 2)
#   $c->same($sql, $name);            # router answers as the single node does
#   $c->same_error($sql, $name);      # and fails as it does
package FgCluster;

use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Test::More;

# Start the five servers and configure the router over the three nodes.
sub new
{
	my ($class, %opt) = @_;
	my $parts = $opt{partitions} // 256;
	my $single = PostgreSQL::Test::Cluster->new('single');
	my $pkglibdir = $single->config_data('--pkglibdir');
	if (!-e "$pkglibdir/plproxy.so")
	{
		plan skip_all => "PL/Proxy is not installed for this server ($pkglibdir/plproxy.so missing; Debian: postgresql-15-plproxy)";
	}

	$single->init;
	$single->start;
	$single->safe_psql('postgres', 'CREATE EXTENSION follow_graph');

	my @nodes;
	for my $i (1 .. 3)
	{
		my $n = PostgreSQL::Test::Cluster->new("node$i");
		$n->init;
		$n->append_conf('postgresql.conf', "max_connections = 40\n" . ($opt{node_conf} // ''));
		$n->start;
		$n->safe_psql('postgres', 'CREATE EXTENSION follow_graph');
		push @nodes, $n;
	}
	my $router = PostgreSQL::Test::Cluster->new('router');
	$router->init;
	$router->start;
	$router->safe_psql('postgres', 'CREATE EXTENSION follow_graph_proxy CASCADE');

	my $self = bless { single => $single, nodes => \@nodes, router => $router,
		partitions => $parts }, $class;
	$router->safe_psql('postgres',
		'SELECT follow_graph.cluster_configure(ARRAY[' . $self->nodelist . "], $parts)");
	return $self;
}

# The nodes' connection strings as SQL literals, comma-separated.
sub nodelist
{
	my ($self) = @_;
	return join(', ',
		map { "'host=" . $_->host . " port=" . $_->port . " dbname=postgres'" } @{ $self->{nodes} });
}

# Accounts 1..n => the node (0, 1 or 2) owning each, as the router's map says.
sub owners
{
	my ($self, $n) = @_;
	my $mask = $self->{partitions} - 1;
	return map { split /\|/ } split /\n/, $self->{router}->safe_psql('postgres', qq{
	SELECT a, m.node_part FROM generate_series(1, $n) AS a
	JOIN follow_graph.cluster_map() AS m
	  ON m.part = follow_graph.partition_hash(a) & $mask});
}

# Run SQL on the single node and on the router; both must succeed.
sub both
{
	my ($self, $sql) = @_;
	return ($self->{single}->safe_psql('postgres', $sql),
		$self->{router}->safe_psql('postgres', $sql));
}

# The router's answer must equal the single node's; returns it.
sub same
{
	my ($self, $sql, $name) = @_;
	my ($s, $r) = $self->both($sql);
	is($r, $s, $name);
	return $r;
}

# A call that must fail: the same SQLSTATE and the same message both ways.
sub same_error
{
	my ($self, $sql, $name) = @_;
	my ($single, $router) = ($self->{single}, $self->{router});
	my (undef, undef, $se) = $single->psql('postgres', $sql, extra_params => ['-v', 'VERBOSITY=sqlstate']);
	my (undef, undef, $re) = $router->psql('postgres', $sql, extra_params => ['-v', 'VERBOSITY=sqlstate']);
	isnt($se, '', "$name fails on a single node");
	is($re, $se, "$name fails through the router with the same SQLSTATE");
	(undef, undef, $se) = $single->psql('postgres', $sql);
	(undef, undef, $re) = $router->psql('postgres', $sql);
	is(($re =~ /^(ERROR:.*)$/m)[0], ($se =~ /^(ERROR:.*)$/m)[0], "$name: the same message");
}

1;
