# Relationship states in a cluster (docs/scale-out.md, "Relationship
# states"): three data nodes and a router, as in 040_proxy_cluster.pl.
#  1. A random scenario of follows, unfollows, blocks, unblocks, private
#     flags, requests accepted and rejected, removed followers, mutes,
#     deactivations and reactivations through the router gives the same
#     results as a single node, and every node holds exactly the single
#     node's rows that name one of its accounts.
#  2. A block on the blocker's node while a follow of the blocked account is
#     in flight from the follower's node (both orders, and with an unblock
#     in between): after drain() no edge is next to a block anywhere.
#  3. The same race from concurrent clients: after drain() no edge between a
#     raced pair, every count equals a recomputation, verify() and
#     cluster_verify() are empty.
#  4. A private account, a request and an accept across nodes; deactivation
#     hides both directions on every node and reactivation brings them back.
#  5. Pruning node_state_applied: drain() leaves no version row on any node;
#     blocks, commands and account flags delivered late (reversed, shuffled
#     and twice) after the prune change nothing; a relation entry that meets
#     a replicated block whose version was pruned lifts it when it is newer.
# Skipped when PL/Proxy is not installed for the server under test.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FgCluster;

my $c = FgCluster->new(partitions => 256);
my ($single, $router, @nodes) = ($c->{single}, $c->{router}, @{ $c->{nodes} });

# The node (0, 1 or 2) owning an account, as the router's map says.
my %owner = $c->owners(6000);

# try(sql): the value of a one-value query, or its SQLSTATE.
my $try = q{CREATE FUNCTION public.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE q INTO r;
	RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE;
END $$};
$single->safe_psql('postgres', $try);
$router->safe_psql('postgres', $try);

# The rows of a single node's tables that name an account of node $i (or
# every row, for the single node), as text.
sub rows
{
	my ($db, $i) = @_;
	my $mine = defined $i
	  ? 'WHERE (follow_graph.node_owns(x.a) OR follow_graph.node_owns(x.b))'
	  : '';
	my $q = qq{
		SELECT string_agg(x.t || ' ' || x.a || ' ' || x.b || ' ' || x.v, ',' ORDER BY x.t, x.a, x.b)
		FROM (SELECT 'edge' AS t, follower AS a, followee AS b, '' AS v FROM follow_graph.edge
			  UNION ALL SELECT 'request', requester, account, '' FROM follow_graph.request
			  UNION ALL SELECT 'hidden', follower, followee, pending::text FROM follow_graph.hidden_edge
			  UNION ALL SELECT 'block', blocker, blocked, '' FROM follow_graph.block
			  UNION ALL SELECT 'mute', muter, muted, '' FROM follow_graph.mute) AS x $mine};
	my $flags = q{SELECT string_agg(account || ' ' || private || ' ' || active, ',' ORDER BY account)
		FROM follow_graph.account_state WHERE private OR NOT active};
	return $db->safe_psql('postgres', $q) . "\nflags " . $db->safe_psql('postgres', $flags);
}
for my $n (@nodes)
{
	$n->safe_psql('postgres', q{CREATE FUNCTION follow_graph.node_owns(x bigint) RETURNS boolean
		LANGUAGE sql STABLE AS $$ SELECT (hashint8(x) & (c.partitions - 1)) = ANY (c.owned)
		FROM follow_graph.node_config AS c $$});
}

sub journals_empty
{
	return join(',', map { $_->safe_psql('postgres',
		'SELECT (SELECT count(*) FROM follow_graph.node_journal) + (SELECT count(*) FROM follow_graph.node_state_journal)') } @nodes);
}

sub nodes_match_single
{
	my ($name) = @_;
	my $all = rows($single);
	my ($s_rows, $s_flags) = split /\nflags /, $all;
	my %s = map { $_ => 1 } split /,/, ($s_rows // '');
	for my $i (0 .. 2)
	{
		my ($n_rows, $n_flags) = split /\nflags /, rows($nodes[$i], $i);
		# Mutes are private to the muter: only the muter's node has them.
		my @want = grep {
			my ($t, $a, $b) = split / /;
			$owner{$a} == $i || ($t ne 'mute' && $owner{$b} == $i)
		} sort keys %s;
		my @got = sort grep { !/^mute \d+ (\d+)/ || $owner{(split / /)[1]} == $i } split /,/, ($n_rows // '');
		is(join(',', @got), join(',', @want), "$name: node " . ($i + 1) . " holds the single node's rows naming its accounts");
		is($n_flags, $s_flags, "$name: node " . ($i + 1) . " knows every account's flags");
	}
}

# ---------------------------------------------------------------------------
# 1. The same results as a single node, call by call.

my (@ops, @follows);
srand(41);
for (1 .. 500)
{
	my ($a, $b) = (1 + int(rand(24)), 1 + int(rand(24)));
	my $r = rand();
	# Accepts, rejects and removals mostly answer an earlier follow.
	($b, $a) = @{ $follows[int(rand(@follows))] } if $r >= 0.66 && $r < 0.84 && @follows && rand() < 0.8;
	if    ($r < 0.35) { push @ops, "follow($a, $b)"; push @follows, [ $a, $b ]; }
	elsif ($r < 0.45) { push @ops, "unfollow($a, $b)"; }
	elsif ($r < 0.52) { push @ops, "block($a, $b)"; }
	elsif ($r < 0.58) { push @ops, "unblock($a, $b)"; }
	elsif ($r < 0.66) { push @ops, "set_private($a, " . (rand() < 0.6 ? 'true' : 'false') . ")"; }
	elsif ($r < 0.76) { push @ops, "accept_request($a, $b)"; }
	elsif ($r < 0.80) { push @ops, "reject_request($a, $b)"; }
	elsif ($r < 0.84) { push @ops, "remove_follower($a, $b)"; }
	elsif ($r < 0.87) { push @ops, "mute($a, $b)"; }
	elsif ($r < 0.88) { push @ops, "unmute($a, $b)"; }
	elsif ($r < 0.94) { push @ops, "deactivate_account($a)"; }
	else              { push @ops, "reactivate_account($a)"; }
}
push @ops, 'block(NULL, 2)', 'block(3, 3)', 'set_private(NULL, true)', 'accept_request(4, NULL)';
my $calls = join("\n", map { "SELECT '$_', try(\$q\$SELECT follow_graph.$_\$q\$);" } @ops);
my $s_res = $single->safe_psql('postgres', $calls);
my $r_res = $router->safe_psql('postgres', $calls);
is($r_res, $s_res, 'every state call returns what a single node returns (errors as SQLSTATEs)');
like($s_res, qr/ERROR 42501/, 'the scenario met blocks');
like($s_res, qr/ERROR 55000/, 'the scenario met deactivated accounts');
like($s_res, qr/accept_request\(\d+, \d+\)\|true/, 'the scenario accepted requests');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(journals_empty(), '0,0,0', 'drain() empties every journal');

my $all = 'ARRAY(SELECT generate_series(1, 24))';
is($router->safe_psql('postgres', "SELECT * FROM follow_graph.counts($all)"),
	$single->safe_psql('postgres', "SELECT * FROM follow_graph.counts($all)"),
	'counts() (requests included) equal a single node');
is($router->safe_psql('postgres', "SELECT a, r.* FROM generate_series(1, 24) AS a, follow_graph.relationships(a, $all) AS r"),
	$single->safe_psql('postgres', "SELECT a, r.* FROM generate_series(1, 24) AS a, follow_graph.relationships(a, $all) AS r"),
	'relationships() (blocks, requests, mutes) equal a single node');
nodes_match_single('scenario');
is(join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_state_applied') } @nodes),
	'0,0,0', 'drain() pruned every node_state_applied row after the scenario');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the scenario');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', 'verify() is empty on node ' . ($i + 1));
}

# Errors read as a single node's: same SQLSTATE, same message.
for my $bad ('block(3, 3)', 'unblock(NULL, 2)', 'accept_request(4, NULL)', 'set_private(NULL, true)',
	'deactivate_account(NULL)', 'remove_follower(5, 5)')
{
	my (undef, undef, $se) = $single->psql('postgres', "SELECT follow_graph.$bad", extra_params => ['-v', 'VERBOSITY=verbose']);
	my (undef, undef, $re) = $router->psql('postgres', "SELECT follow_graph.$bad", extra_params => ['-v', 'VERBOSITY=verbose']);
	my ($sm) = $se =~ /(ERROR:.*)$/m;
	my ($rm) = $re =~ /(ERROR:.*)$/m;
	ok(defined $sm, "$bad fails on a single node");
	is($rm, $sm, "$bad: the same SQLSTATE and message through the router");
}

# The router's state writes are not PUBLIC, as on a node.
$router->safe_psql('postgres', 'CREATE ROLE reader LOGIN');
my ($rc, $out, $err) = $router->psql('postgres', 'SET ROLE reader; SELECT follow_graph.block(1, 2)');
like($err, qr/permission denied for function block/, 'block() is not executable by PUBLIC on the router');

# ---------------------------------------------------------------------------
# 2. Block against a follow in flight, deterministic.
#    "In flight": the follower's node committed the follow (node_write, as
#    the router calls it) and its entry is not delivered yet.

# Accounts on two different nodes.
my @pick = grep { $_ > 100 } sort { $a <=> $b } keys %owner;
my ($pa) = grep { $owner{$_} == 0 } @pick;
my ($pb) = grep { $owner{$_} == 1 } @pick;
my $A = $nodes[0];
my $B = $nodes[1];

sub pair_state
{
	my ($a, $b) = @_;
	return join(' / ', map { $_->safe_psql('postgres', qq{
		SELECT (SELECT count(*) FROM follow_graph.edge WHERE (follower, followee) IN (($a, $b), ($b, $a)))
		|| ' edges, ' ||
		(SELECT count(*) FROM follow_graph.block WHERE (blocker, blocked) IN (($a, $b), ($b, $a)))
		|| ' blocks'}) } ($A, $B));
}

# 2a. follow(a, b) committed on A, not delivered; block(b, a) through the
# router on B; then drain().
$A->safe_psql('postgres', "SELECT follow_graph.node_write($pa, $pb, true)");
is($router->safe_psql('postgres', "SELECT follow_graph.block($pb, $pa)"), 't', 'block while a follow is in flight');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(pair_state($pa, $pb), '0 edges, 1 blocks / 0 edges, 1 blocks',
	'follow in flight, then block: no edge on either node after drain()');
$router->safe_psql('postgres', "SELECT follow_graph.unblock($pb, $pa)");
is(pair_state($pa, $pb), '0 edges, 0 blocks / 0 edges, 0 blocks', 'unblock reaches both nodes');

# 2b. block(b, a) committed on B, not delivered; follow(a, b) through the
# router (A does not know the block yet and accepts it; B refuses the edge
# and sends the block again); then drain().
$B->safe_psql('postgres', "SELECT * FROM follow_graph.node_state_write('block', $pb, $pa, NULL, NULL, NULL)");
is($router->safe_psql('postgres', "SELECT follow_graph.follow($pa, $pb)"), 't',
	'the follower\'s node accepts a follow while the block is in flight (the stale window)');
is($B->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE follower = $pa AND followee = $pb"),
	'0', 'the blocker\'s node refuses the edge');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(pair_state($pa, $pb), '0 edges, 1 blocks / 0 edges, 1 blocks',
	'block in flight, then follow: no edge on either node after drain()');
($rc, $out, $err) = $router->psql('postgres', "SELECT follow_graph.follow($pa, $pb)");
like($err, qr/ERROR:  account $pb blocks account $pa/, 'after drain() the follower\'s node refuses the follow itself');

# 2c. block and unblock on B not delivered, follow delivered in between.
$router->safe_psql('postgres', "SELECT follow_graph.unblock($pb, $pa)");
$B->safe_psql('postgres', "SELECT * FROM follow_graph.node_state_write('block', $pb, $pa, NULL, NULL, NULL)");
$B->safe_psql('postgres', "SELECT * FROM follow_graph.node_state_write('unblock', $pb, $pa, NULL, NULL, NULL)");
$router->safe_psql('postgres', "SELECT follow_graph.follow($pa, $pb)");
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
my $st = pair_state($pa, $pb);
ok($st eq '0 edges, 0 blocks / 0 edges, 0 blocks' || $st eq '1 edges, 0 blocks / 1 edges, 0 blocks',
	"block, unblock in flight, follow: both nodes agree after drain() ($st)");
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the in-flight cases');

# ---------------------------------------------------------------------------
# 3. The race from concurrent clients.

my @pairs;
for my $a (2001 .. 2600)
{
	my $b = $a + 3000;
	push @pairs, [ $a, $b ] if $owner{$a} != $owner{$b};
	last if @pairs == 60;
}
my $values = join(',', map { "($_->[0], $_->[1])" } @pairs);
$router->safe_psql('postgres', "CREATE TABLE race_pair (k serial, a bigint, b bigint); INSERT INTO race_pair (a, b) VALUES $values");
# Clients 0 and 2 follow a -> b and b -> a, client 1 blocks b -> a, client 3
# unblocks it; errors (42501 of a follow across a block) are expected.
$router->pgbench(
	'--no-vacuum --client=4 --jobs=2 --transactions=120',
	0,
	[qr{processed: 480/480}],
	[],
	'follows, blocks and unblocks of the same pairs from four clients',
	{
		'race' => q{
\set k random(1, 60)
SELECT try(format('SELECT follow_graph.%s', CASE :client_id % 4
	WHEN 0 THEN format('follow(%s, %s)', a, b)
	WHEN 1 THEN format('block(%s, %s)', b, a)
	WHEN 2 THEN format('follow(%s, %s)', b, a)
	ELSE format('unblock(%s, %s)', b, a) END)) FROM race_pair WHERE k = :k;
}
	});
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(journals_empty(), '0,0,0', 'the journals drain to empty after the race');

my $bad = 0;
my %edges;
for my $i (0 .. 2)
{
	for (split /\n/, $nodes[$i]->safe_psql('postgres', 'SELECT follower, followee FROM follow_graph.edge'))
	{
		my ($f, $e) = split /\|/;
		$edges{"$f $e"}{$i} = 1;
	}
	$bad += $nodes[$i]->safe_psql('postgres', q{
		SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.block AS b
		  ON (b.blocker, b.blocked) IN ((e.follower, e.followee), (e.followee, e.follower))});
}
is($bad, 0, 'no node holds an edge next to a block');
my $blocked = 0;
for my $p (@pairs)
{
	my ($a, $b) = @$p;
	my @bl = map { $nodes[$owner{$_}]->safe_psql('postgres',
		"SELECT count(*) FROM follow_graph.block WHERE blocker = $b AND blocked = $a") } ($a, $b);
	$blocked++ if $bl[0];
	$bad++ if $bl[0] ne $bl[1];
	$bad++ if $bl[0] && ($edges{"$a $b"} || $edges{"$b $a"});
}
is($bad, 0, 'both nodes of every raced pair agree on the block, and no edge is next to it on either');
ok($blocked > 0 && $blocked < @pairs, "some raced pairs ended blocked ($blocked of " . scalar(@pairs) . ")");
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the race');
# Counts of every raced account against a recomputation from the edges.
my (%followers, %following, %mutuals);
for my $k (keys %edges)
{
	my ($f, $e) = split / /, $k;
	$following{$f}++;
	$followers{$e}++;
	$mutuals{$f}++ if $edges{"$e $f"};
}
my @acc = sort { $a <=> $b } map { @$_ } @pairs;
my $expect = join("\n", map { join('|', $_, $followers{$_} // 0, $following{$_} // 0, $mutuals{$_} // 0) } @acc);
is($router->safe_psql('postgres', 'SELECT account, followers, following, mutuals FROM follow_graph.counts(ARRAY['
		  . join(',', @acc) . '])'),
	$expect, 'every count equals a single-node recomputation from the edges');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', 'verify() is empty on node ' . ($i + 1) . ' after the race');
}

# ---------------------------------------------------------------------------
# 4. Private account, request, accept; deactivation on every node.

my ($x) = grep { $owner{$_} == 2 && $_ > 3000 } sort { $a <=> $b } keys %owner;
my @others = map { my $i = $_; (grep { $owner{$_} == $i && $_ > 3000 && $_ != $x } sort { $a <=> $b } keys %owner)[0 .. 1] } (0, 1, 2);
my ($r1, $r2, $f1, $f2, $g1, $g2) = @others;
$router->safe_psql('postgres', "SELECT follow_graph.set_private($x, true)");
is($router->safe_psql('postgres', "SELECT follow_graph.follow($r1, $x), follow_graph.follow($f1, $x)"),
	't|t', 'requests to a private account from accounts on two other nodes');
is($nodes[2]->safe_psql('postgres', "SELECT array_agg(requester ORDER BY requester) FROM follow_graph.follow_requests($x)"),
	'{' . join(',', sort { $a <=> $b } ($r1, $f1)) . '}', 'the private account\'s node lists both requests');
is($nodes[0]->safe_psql('postgres', "SELECT follow_graph.relationship($r1, $x)"), 'requested',
	'the requester\'s node sees its request');
is($router->safe_psql('postgres', "SELECT follow_graph.accept_request($x, $r1), follow_graph.reject_request($x, $f1)"),
	't|t', 'accept one, reject the other');
is($nodes[0]->safe_psql('postgres', "SELECT follow_graph.relationship($r1, $x), follow_graph.following_count($r1)"),
	'following|1', 'the accepted requester\'s node has the edge');
is($nodes[1]->safe_psql('postgres', "SELECT follow_graph.relationship($f1, $x)"), 'none',
	'the rejected requester\'s node has nothing');
my $times = join('|', map { $_->safe_psql('postgres', "SELECT followed_at FROM follow_graph.edge WHERE follower = $r1 AND followee = $x") } ($nodes[0], $nodes[2]));
my ($t0, $t2) = split /\|/, $times;
is($t0, $t2, 'followed_at of the accepted edge is the same on both nodes');
# followed_at of plain follows across nodes: delivered at once, and by drain().
$router->safe_psql('postgres', "SELECT follow_graph.follow($r2, $f2)");
$nodes[0]->safe_psql('postgres', "SELECT follow_graph.node_write($r1, $f2, true)");
$router->safe_psql('postgres', 'SELECT pg_sleep(0.01), follow_graph.drain()');
for my $f ($r2, $r1)
{
	my ($ta, $tb) = map { $_->safe_psql('postgres', "SELECT followed_at FROM follow_graph.edge WHERE follower = $f AND followee = $f2") } ($nodes[0], $nodes[1]);
	ok($ta ne '' && $ta eq $tb, "followed_at of $f -> $f2 is the follower's node's on both nodes ($ta, $tb)");
}
$router->safe_psql('postgres', "SELECT follow_graph.unfollow($r2, $f2), follow_graph.unfollow($r1, $f2)");
$router->safe_psql('postgres', "SELECT follow_graph.follow($r2, $x), follow_graph.follow($g1, $x)");
is($router->safe_psql('postgres', "SELECT follow_graph.set_private($x, false)"), '2',
	'making the account public accepts the pending requests');
is(join(',', map { $_->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE followee = $x") } @nodes),
	'2,0,3', 'each requester\'s node and the account\'s node hold the accepted edges');
is(join(',', map { $_->safe_psql('postgres', "SELECT count(*) FROM follow_graph.request WHERE account = $x") } @nodes),
	'0,0,0', 'no request is left on any node');

# x follows and is followed by accounts of every node; deactivating x hides
# both directions on every node.
$router->safe_psql('postgres', "SELECT follow_graph.follow($x, a), follow_graph.follow(a, $x) FROM unnest(ARRAY[$f1, $f2, $g2]) AS a");
my $snap = q{SELECT account, followers, following, mutuals, requests FROM follow_graph.counts(ARRAY[%s])};
my $accs = join(',', $x, @others);
my $before = $router->safe_psql('postgres', sprintf($snap, $accs));
my $xedges = $nodes[2]->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE $x IN (follower, followee)");
is($xedges, '9', 'the account has 9 edges, both directions, with accounts of every node');
is($router->safe_psql('postgres', "SELECT follow_graph.deactivate_account($x)"), $xedges, 'deactivate hides them on its node');
is(join(',', map { $_->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE $x IN (follower, followee)") } @nodes),
	'0,0,0', 'no node shows an edge of the deactivated account, either direction');
is($router->safe_psql('postgres', "SELECT sum(followers + following) FROM follow_graph.counts(ARRAY[$accs]) WHERE account <> $x"),
	'0', 'the counterparts\' counts on their own nodes drop');
($rc, $out, $err) = $router->psql('postgres', "SELECT follow_graph.follow($g1, $x)");
like($err, qr/55000|deactivated|not active/, 'a follow of the deactivated account fails on another node');
is($router->safe_psql('postgres', "SELECT follow_graph.reactivate_account($x)"), $xedges, 'reactivate brings them back');
is(join(',', map { $_->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE $x IN (follower, followee)") } @nodes),
	'2,4,9', 'every node shows the edges of the reactivated account again');
is($router->safe_psql('postgres', sprintf($snap, $accs)), $before, 'every count is back on every account\'s node');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty at the end');
is(journals_empty(), '0,0,0', 'every journal is empty at the end');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', 'verify() is empty on node ' . ($i + 1) . ' at the end');
}

# ---------------------------------------------------------------------------
# 5. Pruning node_state_applied.

sub state_applied_counts
{
	return join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_state_applied') } @nodes);
}
is(state_applied_counts(), '0,0,0', 'drain() pruned every node_state_applied row');

# Accounts of node1 (a) and node2 (b), unused so far.
my @a5 = (grep { $owner{$_} == 0 && $_ > 5700 } sort { $a <=> $b } keys %owner)[0 .. 11];
my @b5 = (grep { $owner{$_} == 1 && $_ > 5700 } sort { $a <=> $b } keys %owner)[0 .. 11];
# b5[i] follows a5[i] for the removals below (node2 still up).
$router->safe_psql('postgres', join(';', map { "SELECT follow_graph.follow($b5[$_], $a5[$_])" } 6 .. 11));

# With node2 stopped, node1's state entries for it wait in node1's journal:
# blocks and unblocks (origin: the blocker's node), private and active flags
# (the account's node) and removals of followers (commands; origin: the
# node of the account that removes, node1).  Each piece of state changes
# several times, so that an older entry applied again would show.
$nodes[1]->stop('immediate');
my $ops5 = '';
for my $i (0 .. 5)
{
	my ($a, $b) = ($a5[$i], $b5[$i]);
	$ops5 .= "SELECT follow_graph.block($a, $b); SELECT follow_graph.unblock($a, $b); SELECT follow_graph.block($a, $b);";
	$ops5 .= "SELECT follow_graph.unblock($a, $b);" if $i % 2 == 0;
	$ops5 .= "SELECT follow_graph.set_private($a, true); SELECT follow_graph.set_private($a, false);";
	$ops5 .= "SELECT follow_graph.set_private($a, true);" if $i % 2 == 1;
	$ops5 .= "SELECT follow_graph.deactivate_account($a); SELECT follow_graph.reactivate_account($a);";
	$ops5 .= "SELECT follow_graph.deactivate_account($a);" if $i == 5;
}
$ops5 .= "SELECT follow_graph.remove_follower($a5[$_], $b5[$_]);" for 6 .. 11;
$router->safe_psql('postgres', $ops5);
my $owned2 = $router->safe_psql('postgres',
	"SELECT array_agg(m.part) FROM follow_graph.cluster_map() AS m WHERE m.node_part = 1");
my $sentries = $nodes[0]->safe_psql('postgres', qq{
	SELECT string_agg(format('%s|%s|%s|%s|%s|%s', version, kind, account, other, value, coalesce(at::text, '')), ';' ORDER BY version)
	FROM follow_graph.node_state_journal WHERE part = ANY ('$owned2'::integer[])});
my @sentries = map { [ split /\|/, $_, -1 ] } split /;/, $sentries;
my %kinds;
$kinds{ $_->[1] }++ for @sentries;
is(join(',', map { "$_ $kinds{$_}" } sort keys %kinds), 'active 13,block 21,cmd 6,private 15',
	'node1 journaled the blocks, flags and removals for node2');
$nodes[1]->start;
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(journals_empty(), '0,0,0', 'the journals drain after node2 is back');
is(state_applied_counts(), '0,0,0', 'drain() pruned every node_state_applied row, node2 included');
cmp_ok($nodes[1]->safe_psql('postgres', "SELECT version FROM follow_graph.node_applied_floor WHERE part = hashint8($a5[0]) & 255"), '>=',
	$sentries[-1][0], 'node2\'s floor of a node1 partition covers node1\'s last entry');
# The removed followers follow again (node2 acting, delivered to node1).
$router->safe_psql('postgres', join(';', map { "SELECT follow_graph.follow($b5[$_], $a5[$_])" } 6 .. 11));
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(state_applied_counts(), '0,0,0', 'still no node_state_applied row');
my $rows5 = rows($nodes[1], 1);
like($rows5, qr/(?:^|,)block $a5[1] $b5[1] (?:,|\n)/, 'node2 holds a block that ends on');
unlike($rows5, qr/(?:^|,)block $a5[0] $b5[0] (?:,|\n)/, 'node2 holds no block that ends off');
like($rows5, qr/(?:^|,)edge $b5[6] $a5[6] (?:,|\n)/, 'node2 holds an edge followed again after its removal');
like($rows5, qr/flags .*\b$a5[1] true true\b/, 'node2 knows a private flag that ends true');
like($rows5, qr/flags .*\b$a5[5] true false\b/, 'node2 knows an active flag that ends false');

# Deliver every entry again: reversed, shuffled and twice.
my @late5 = (reverse(@sentries), (sort { ($a->[0] * 7 + $a->[2] * 13) % 17 <=> ($b->[0] * 7 + $b->[2] * 13) % 17 } @sentries), @sentries);
for my $chunk (0 .. 5)
{
	my @c = @late5[ grep { $_ % 6 == $chunk } 0 .. $#late5 ];
	my $col = sub {
		my ($i, $t, $q) = @_;
		'ARRAY[' . join(',', map { $q ? ($_->[$i] eq '' ? 'NULL' : "'$_->[$i]'") : $_->[$i] } @c) . "]::$t";
	};
	is($nodes[1]->safe_psql('postgres', 'SELECT follow_graph.node_state_apply(' . join(', ',
			$col->(0, 'bigint[]'), $col->(1, 'text[]', 1), $col->(2, 'bigint[]'), $col->(3, 'bigint[]'),
			$col->(4, 'text[]', 1), $col->(5, 'timestamptz[]', 1)) . ')'),
		'0', "late state delivery $chunk: no entry applied");
}
is(rows($nodes[1], 1), $rows5, 'node2 holds the same rows and flags after the late deliveries');
is(state_applied_counts(), '0,0,0', 'the late deliveries recorded no version');
is(journals_empty(), '0,0,0', 'and journaled nothing');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the late state deliveries');
is($nodes[1]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'), '0', 'verify() is empty on node2');

# A block of f (node1) on e (node2), delivered and its version pruned; then
# on node1 an unblock and a follow whose edge entry overtakes the unblock.
# The edge entry is newer than the pruned block (it is above the floor): it
# lifts node2's copy of the block and applies, as it does when the block's
# version is still there.
my ($f5, $e5) = ($a5[0], $b5[1]);
$router->safe_psql('postgres', "SELECT follow_graph.block($f5, $e5)");
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($nodes[1]->safe_psql('postgres', "SELECT count(*) FROM follow_graph.block WHERE blocker = $f5 AND blocked = $e5")
	. ',' . state_applied_counts(), '1,0,0,0', 'node2 holds the block, its version pruned');
$nodes[0]->safe_psql('postgres', "SELECT * FROM follow_graph.node_state_write('unblock', $f5, $e5, NULL, NULL, NULL)");
$nodes[0]->safe_psql('postgres', "SELECT follow_graph.node_write($f5, $e5, true)");
my $edge5 = $nodes[0]->safe_psql('postgres',
	"SELECT version || ',' || changed_at FROM follow_graph.node_journal WHERE follower = $f5 AND followee = $e5");
my ($ev5, $et5) = split /,/, $edge5;
ok(defined $ev5 && $ev5 ne '', 'node1 journaled the edge');
is($nodes[1]->safe_psql('postgres',
		"SELECT follow_graph.node_apply(ARRAY[$f5]::bigint[], ARRAY[$e5]::bigint[], ARRAY[true], ARRAY[$ev5]::bigint[], ARRAY['$et5']::timestamptz[])"),
	'1', 'the edge entry overtaking the unblock applies on node2');
is($nodes[1]->safe_psql('postgres', "SELECT follow_graph.is_following($f5, $e5), (SELECT count(*) FROM follow_graph.block WHERE blocker = $f5)"),
	't|0', 'node2 lifted its copy of the pruned block and holds the edge');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(join(',', map { $_->safe_psql('postgres', "SELECT follow_graph.is_following($f5, $e5)") } @nodes[0, 1]),
	't,t', 'both nodes hold the edge after drain()');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty at the end of the pruning cases');
is(state_applied_counts(), '0,0,0', 'no node_state_applied row at the end');

done_testing();
