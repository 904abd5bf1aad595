# Scale-out on PL/Proxy (docs/scale-out.md): three data nodes running
# follow_graph and a router running follow_graph_proxy, each its own server.
#  1. A scenario of follows and unfollows through the router gives the same
#     answers (counts, lists, pages, mutuals, relationships, errors) as a
#     single node given the same calls.
#  2. The mutual race across nodes: follow(a,b) and follow(b,a) at once, a
#     and b on different nodes, end with both mutual counts right after
#     drain().
#  3. A stopped node: a write whose own side is on it fails with 08006, a
#     write whose other side is on it is journaled; after a restart and
#     drain() every acknowledged call is there, the journals are empty,
#     cluster_verify() is empty and every count equals a recomputation.
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

# The router may not share a database with follow_graph.
my ($rc, $out, $err) = $single->psql('postgres', 'CREATE EXTENSION follow_graph_proxy CASCADE');
like($err, qr/extension follow_graph is installed in this database/,
	'follow_graph_proxy refuses a database that has follow_graph');
is( $nodes[1]->safe_psql('postgres',
		'SELECT node_name, partitions, cardinality(owned) FROM follow_graph.node_config'),
	'node2|256|85',
	'cluster_configure tells each node its partitions');

# The node (0, 1 or 2) owning an account, as the router's map says.
my %owner = $c->owners(6000);

sub both { return $c->both(@_) }

sub same { return $c->same(@_) }

# ---------------------------------------------------------------------------
# 1. The same answers as a single node.

srand(16);
my @calls;
for (1 .. 400)
{
	my ($a, $b) = (1 + int(rand(40)), 1 + int(rand(40)));
	next if $a == $b;
	push @calls, (rand() < 0.7 ? 'follow' : 'unfollow') . "($a, $b)";
}
my $batch = join("\n", map { "SELECT follow_graph.$_;" } @calls);
my ($s_res, $r_res) = both($batch);
is($r_res, $s_res, 'every follow() and unfollow() returns what a single node returns');
is($router->safe_psql('postgres', 'SELECT follow_graph.drain() >= 0'), 't', 'drain() runs');

my $all = 'ARRAY(SELECT generate_series(0, 41))';
same("SELECT * FROM follow_graph.counts($all || ARRAY[NULL, 5, 7]::bigint[])",
	'counts() of every account, in input order, equals a single node');
same(q{SELECT a, follow_graph.follower_count(a), follow_graph.following_count(a),
		follow_graph.mutual_count(a) FROM generate_series(0, 41) AS a},
	'follower_count, following_count and mutual_count equal a single node');
same(q{SELECT a, (SELECT array_agg(f.follower) FROM follow_graph.followers(a, 1000) AS f),
		(SELECT array_agg(f.followee) FROM follow_graph.following(a, 1000) AS f),
		(SELECT array_agg(m) FROM follow_graph.mutuals(a, 1000) AS m)
	FROM generate_series(0, 41) AS a},
	'followers, following (newest first) and mutuals equal a single node');
same(q{SELECT a, b, follow_graph.is_following(a, b) FROM generate_series(1, 40) AS a,
		generate_series(1, 40) AS b WHERE a <> b},
	'is_following equals a single node for every pair');
same("SELECT a, r.* FROM generate_series(1, 40) AS a, follow_graph.relationships(a, $all || ARRAY[3, 3]::bigint[]) AS r",
	'relationships() equals a single node');

# Keyset pages, walked with the cursors each side hands out.
my $pages = q{
DO $$
DECLARE cur bigint; got bigint[] := '{}'; r record; n int;
BEGIN
	FOR a IN 1 .. 40 LOOP
		cur := NULL;
		LOOP
			n := 0;
			FOR r IN SELECT * FROM follow_graph.followers(a, 3, cur) LOOP
				got := got || r.follower; cur := r.cursor; n := n + 1;
			END LOOP;
			EXIT WHEN n < 3;
		END LOOP;
		cur := NULL;
		LOOP
			n := 0;
			FOR r IN SELECT m FROM follow_graph.mutuals(a, 2, cur) AS m LOOP
				got := got || r.m; cur := r.m; n := n + 1;
			END LOOP;
			EXIT WHEN n < 2;
		END LOOP;
	END LOOP;
	RAISE NOTICE 'pages %', md5(got::text);
END $$};
my (undef, undef, $s_pages) = $single->psql('postgres', $pages);
my (undef, undef, $r_pages) = $router->psql('postgres', $pages);
like($r_pages, qr/pages [0-9a-f]{32}/, 'pages walked through the router');
is(($r_pages =~ /pages (\w+)/)[0], ($s_pages =~ /pages (\w+)/)[0],
	'keyset pages of followers and mutuals equal a single node');

for my $bad ('follow(1, 1)', 'unfollow(NULL, 2)', 'follow(3, NULL)')
{
	my (undef, undef, $se) = $single->psql('postgres', "SELECT follow_graph.$bad", extra_params => ['-v', 'VERBOSITY=sqlstate']);
	my (undef, undef, $re) = $router->psql('postgres', "SELECT follow_graph.$bad", extra_params => ['-v', 'VERBOSITY=sqlstate']);
	isnt($se, '', "$bad fails on a single node");
	is($re, $se, "$bad fails through the router with the same SQLSTATE");
	(undef, undef, $se) = $single->psql('postgres', "SELECT follow_graph.$bad");
	(undef, undef, $re) = $router->psql('postgres', "SELECT follow_graph.$bad");
	# psql prefixes stderr with "psql:<stdin>:1:": match past it.
	my ($sm) = $se =~ /(ERROR:.*)$/m;
	my ($rm) = $re =~ /(ERROR:.*)$/m;
	ok(defined $sm, "$bad: a single node's message read");
	is($rm, $sm, "$bad: the same message");
}

is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the scenario');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', "verify() is empty on node " . ($i + 1));
}

# The router's privileges follow follow_graph's recipe.
$router->safe_psql('postgres', 'CREATE ROLE reader LOGIN');
($rc, $out, $err) = $router->psql('postgres', 'SET ROLE reader; SELECT follow_graph.follow(1, 2)');
like($err, qr/permission denied for function follow/, 'follow() is not executable by PUBLIC on the router');
($rc, $out, $err) = $router->psql('postgres', 'SET ROLE reader; SELECT follow_graph.drain()');
like($err, qr/permission denied for function drain/, 'drain() is not executable by PUBLIC');

# ---------------------------------------------------------------------------
# 2. The mutual race across nodes.

my @pairs;
for my $a (1001 .. 1400)
{
	my $b = $a + 3000;
	push @pairs, [ $a, $b ] if $owner{$a} != $owner{$b};
	last if @pairs == 100;
}
is(scalar(@pairs), 100, '100 pairs whose accounts live on different nodes');
my $values = join(',', map { "($_->[0], $_->[1])" } @pairs);
$router->safe_psql('postgres', "CREATE TABLE race_pair (k serial, a bigint, b bigint); INSERT INTO race_pair (a, b) VALUES $values");
# Each transaction follows one pair in the direction its client stands for;
# the two clients walk the pairs in the same random order, so the two
# directions of a pair are usually in flight together.
$router->pgbench(
	'--no-vacuum --client=4 --jobs=2 --transactions=150',
	0,
	[qr{processed: 600/600}],
	[qr{^$}],
	'follow(a,b) and follow(b,a) at once from four clients',
	{
		'race' => q{
\set k random(1, 100)
SELECT CASE WHEN :client_id % 2 = 0 THEN follow_graph.follow(a, b)
            ELSE follow_graph.follow(b, a) END FROM race_pair WHERE k = :k;
}
	});
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is( $router->safe_psql('postgres', q{
	SELECT count(*) FROM race_pair AS p
	WHERE follow_graph.mutual_count(p.a) <> (follow_graph.is_following(p.a, p.b) AND follow_graph.is_following(p.b, p.a))::int
	   OR follow_graph.mutual_count(p.b) <> (follow_graph.is_following(p.a, p.b) AND follow_graph.is_following(p.b, p.a))::int}),
	'0', 'after drain() both mutual counts of every raced pair are right');
is( $router->safe_psql('postgres', q{
	SELECT count(*) FILTER (WHERE follow_graph.mutual_count(p.a) = 1) > 0 FROM race_pair AS p}),
	't', 'some raced pairs became mutual');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the race');

# ---------------------------------------------------------------------------
# 3. A stopped node.

my $dead = 2;	# node3
my %model;		# "a b" => 1 for every edge the acknowledged calls leave
for (split /\n/, $router->safe_psql('postgres', q{
	SELECT a, b FROM generate_series(1, 40) AS a, generate_series(1, 40) AS b
	WHERE a <> b AND follow_graph.is_following(a, b)}))
{
	my ($a, $b) = split /\|/;
	$model{"$a $b"} = 1;
}
my @accounts = (1 .. 40);
my ($on_dead) = grep { $owner{$_} == $dead } @accounts;
my ($on_live) = grep { $owner{$_} != $dead } @accounts;

$nodes[$dead]->stop('immediate');
($rc, $out, $err) = $router->psql('postgres', "SELECT follow_graph.follow($on_dead, $on_live)",
	extra_params => ['-v', 'VERBOSITY=verbose']);
like($err, qr/ERROR:  08006: the node of account $on_dead is unavailable/,
	'a write whose own side is on the stopped node fails with 08006');
($rc, $out, $err) = $router->psql('postgres', "SELECT follow_graph.follow($on_live, $on_dead)");
is($out, 't', 'a write whose other side is on the stopped node succeeds');
$model{"$on_live $on_dead"} = 1;
is($nodes[$owner{$on_live}]->safe_psql('postgres', 'SELECT count(*) > 0 FROM follow_graph.node_journal'),
	't', 'and is journaled on its own node');

# A storm of single calls while the node is down: the model keeps what the
# router acknowledged; calls on the dead node's side must fail with 08006.
my ($ok, $refused, $wrong) = (0, 0, 0);
srand(1616);
my @storm;
for (1 .. 300)
{
	my ($a, $b) = (1 + int(rand(40)), 1 + int(rand(40)));
	push @storm, [ rand() < 0.6 ? 'follow' : 'unfollow', $a, $b ] if $a != $b;
}
# One session, each call on its own (a refused call does not stop the rest):
# a NOTICE per call says whether the router acknowledged it.
my $storm_sql = 'DO $$ DECLARE st text; BEGIN ' . join("\n", map {
	"BEGIN PERFORM follow_graph.$storm[$_][0]($storm[$_][1], $storm[$_][2]); RAISE NOTICE 'call $_ ok';"
	  . " EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE; RAISE NOTICE 'call $_ %', st; END;"
} 0 .. $#storm) . ' END $$';
(undef, undef, $err) = $router->psql('postgres', $storm_sql);
my %result = $err =~ /NOTICE:  call (\d+) (\w+)/g;
is(scalar(keys %result), scalar(@storm), 'every call of the storm answered');
for my $i (0 .. $#storm)
{
	my ($f, $a, $b) = @{ $storm[$i] };
	if (($result{$i} // '') eq 'ok')
	{
		$ok++;
		$wrong++ if $owner{$a} == $dead;
		if ($f eq 'follow') { $model{"$a $b"} = 1; } else { delete $model{"$a $b"}; }
	}
	else
	{
		$refused++;
		$wrong++ if $owner{$a} != $dead || ($result{$i} // '') ne '08006';
	}
}
ok($ok > 0 && $refused > 0, "storm with a node down: $ok calls acknowledged, $refused refused");
is($wrong, 0, 'exactly the calls whose own side is on the stopped node were refused, with 08006');

my (undef, undef, $warn) = $router->psql('postgres', 'SELECT follow_graph.drain()');
like($warn, qr/WARNING:  journal entries for the node of partition $dead not delivered/,
	'drain() warns about the unreachable node');

$nodes[$dead]->start;
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is( join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_journal') } @nodes),
	'0,0,0', 'after the restart drain() empties every journal');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty');

my @edges = sort keys %model;
my $have = $router->safe_psql('postgres', q{
	SELECT string_agg(a || ' ' || b, ',' ORDER BY a::text || ' ' || b::text)
	FROM generate_series(1, 40) AS a, generate_series(1, 40) AS b
	WHERE a <> b AND follow_graph.is_following(a, b)});
is($have, join(',', sort @edges), 'every acknowledged call is there, nothing else');

# Counts against a recomputation from the model.
my (%followers, %following, %mutuals);
for my $e (@edges)
{
	my ($a, $b) = split / /, $e;
	$following{$a}++;
	$followers{$b}++;
	$mutuals{$a}++ if $model{"$b $a"};
}
my $expect = join("\n", map { join('|', $_, $followers{$_} // 0, $following{$_} // 0, $mutuals{$_} // 0) } 1 .. 40);
is( $router->safe_psql('postgres',
		'SELECT account, followers, following, mutuals FROM follow_graph.counts(ARRAY(SELECT generate_series(1, 40)))'),
	$expect, 'every count equals a recomputation from the acknowledged calls');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', "verify() is empty on node " . ($i + 1) . " at the end");
}

# cluster_verify() finds a half removed behind the API, cluster_repair()
# re-sends it.
my ($fa, $fb) = map { split / / } grep { my ($x, $y) = split / /; $owner{$x} != $owner{$y} } @edges;
$nodes[$owner{$fb}]->safe_psql('postgres', "DELETE FROM follow_graph.edge WHERE follower = $fa AND followee = $fb");
like($router->safe_psql('postgres', 'SELECT follower, followee, problem FROM follow_graph.cluster_verify()'),
	qr/^$fa\|$fb\|missing on the followee's node$/, 'cluster_verify() names a missing half');
is($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()'), '1', 'cluster_repair() re-sends it');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the repair');
# cluster_repair() waits for a router write in flight (whose node call could
# otherwise commit after node_rejournal() read the pair, under an older
# version than the state re-sent), and runs once it ends.  (Found in review.)
my $writer = $router->background_psql('postgres');
$writer->query_safe("BEGIN; SELECT follow_graph.unfollow($fa, $fb)");
my $repairer = $router->background_psql('postgres');
$repairer->query_until(qr/started/, "\\echo started\nSELECT follow_graph.cluster_repair();\n");
ok( $router->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"),
	'cluster_repair() waits for a router write in flight');
$writer->query_safe('COMMIT');
$writer->quit;
$repairer->quit;
$router->safe_psql('postgres', "SELECT follow_graph.follow($fa, $fb)");

# The deletion behind the API left that node's counts off, as it would on a
# single node: rebuild_counts() there puts them right.
$nodes[$owner{$fb}]->safe_psql('postgres', 'SELECT follow_graph.rebuild_counts()');
is($nodes[$owner{$fb}]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
	'0', 'verify() is empty there after rebuild_counts()');

# ---------------------------------------------------------------------------
# 4. Moving a partition keeps the answers.

my $snapshot = q{
	SELECT a, c.followers, c.following, c.mutuals,
		(SELECT array_agg(f.follower ORDER BY f.follower) FROM follow_graph.followers(a, 1000) AS f),
		(SELECT array_agg(f.followee ORDER BY f.followee) FROM follow_graph.following(a, 1000) AS f),
		(SELECT array_agg(m) FROM follow_graph.mutuals(a, 1000) AS m),
		(SELECT array_agg(r.target ORDER BY r.target) FROM follow_graph.relationships(a, ARRAY(SELECT generate_series(1, 40))) AS r
		 WHERE r.following OR r.followed_by)
	FROM generate_series(1, 40) AS a, follow_graph.counts(ARRAY[a]) AS c};
my $mover = $on_dead;
my $from = $owner{$mover};
my $to = ($from + 1) % 3;
my $third = ($from + 2) % 3;
my $part = $router->safe_psql('postgres', "SELECT follow_graph.partition_hash($mover) & 255");

# (Accounts above 4400: the race of section 2 used lower ones.)
# The moved partition's accounts get every kind of state, with accounts of
# the old node, of the new node and of the third node: blocks both ways, a
# private account with pending requests (one from a moved account), a
# request from a moved account, mutes, a deactivated account with hidden
# edges and a hidden request, items, a dismissal.
my @in_part = grep { $_ > 4400 } sort { $a <=> $b } split /\n/, $router->safe_psql('postgres',
	"SELECT a FROM generate_series(1, 6000) AS a WHERE (follow_graph.partition_hash(a) & 255) = $part");
my ($m1, $m2, $m3) = @in_part[0 .. 2];
my @pool = grep { $_ > 4400 } sort { $a <=> $b } keys %owner;
my @on_to = grep { $owner{$_} == $to } @pool;
my @on_third = grep { $owner{$_} == $third } @pool;
my @on_from = grep { my $x = $_; $owner{$x} == $from && !grep { $_ == $x } @in_part } @pool;
my ($x_to1, $x_to2) = @on_to[0 .. 1];
my ($x_th1, $x_th2, $x_th3) = @on_third[0 .. 2];
my ($x_from1) = @on_from;
my @moved = ($mover, $m1, $m2, $m3);
my @touched = (@moved, $x_to1, $x_to2, $x_th1, $x_th2, $x_th3, $x_from1);
$router->safe_psql('postgres', qq{
	SELECT follow_graph.follow($m1, $x_th1), follow_graph.follow($x_th1, $m1),
		   follow_graph.follow($m1, $x_to1), follow_graph.follow($x_from1, $m1),
		   follow_graph.follow($m2, $m1), follow_graph.follow($m2, $x_th3);
	SELECT follow_graph.block($mover, $x_th2), follow_graph.block($x_to2, $m1),
		   follow_graph.block($m2, $x_from1);
	SELECT follow_graph.set_private($m2, true);
	SELECT follow_graph.follow($x_th1, $m2), follow_graph.follow($x_to1, $m2),
		   follow_graph.follow($m1, $m2);
	SELECT follow_graph.set_private($x_th3, true);
	SELECT follow_graph.follow($m1, $x_th3);
	SELECT follow_graph.mute($mover, $x_th1), follow_graph.mute($m1, $x_to1, '2100-01-01 00:00+00'),
		   follow_graph.mute($x_th2, $mover);
	SELECT follow_graph.follow($m3, $x_th1), follow_graph.follow($x_to1, $m3),
		   follow_graph.follow($m3, $m1), follow_graph.follow($x_from1, $m3),
		   follow_graph.follow($m3, $m2), follow_graph.publish($m3, 9000004);
	SELECT follow_graph.deactivate_account($m3);
	SELECT follow_graph.publish($mover, 9000001), follow_graph.publish($mover, 9000005),
		   follow_graph.publish($m1, 9000003), follow_graph.publish($x_th1, 9000002);
	SELECT follow_graph.dismiss_suggestion($mover, $x_th1);
	SELECT follow_graph.drain();});

# Every read about the accounts involved, through the router.
my $touched = join(', ', @touched);
my $states_snapshot = qq{
	SELECT a, c.followers, c.following, c.mutuals, c.requests,
		follow_graph.is_private(a), follow_graph.is_active(a), follow_graph.request_count(a),
		follow_graph.item_count(a),
		(SELECT array_agg(f.follower ORDER BY f.follower) FROM follow_graph.followers(a, 1000) AS f),
		(SELECT array_agg(f.followee ORDER BY f.followee) FROM follow_graph.following(a, 1000) AS f),
		(SELECT array_agg(m) FROM follow_graph.mutuals(a, 1000) AS m),
		(SELECT array_agg(r.requester ORDER BY r.requester) FROM follow_graph.follow_requests(a, 1000) AS r),
		(SELECT array_agg(b.blocked ORDER BY b.blocked) FROM follow_graph.blocks(a, 1000) AS b),
		(SELECT array_agg(m.muted || ' ' || coalesce(m.expires_at::text, '-')) FROM follow_graph.mutes(a, 1000) AS m),
		(SELECT array_agg(i) FROM follow_graph.author_items(a, 1000) AS i),
		(SELECT array_agg(f.author || ':' || f.item) FROM follow_graph.feed(a, 1000) AS f),
		(SELECT array_agg(x ORDER BY x) FROM follow_graph.fans(a, 1000) AS x),
		(SELECT array_agg(x ORDER BY x) FROM follow_graph.not_following_back(a, 1000) AS x),
		(SELECT string_agg(r.target || ':' || row(r.*)::text, ',' ORDER BY r.target)
		 FROM follow_graph.relationships(a, ARRAY[$touched]) AS r),
		(SELECT string_agg(t || ':' || follow_graph.relationship(a, t) || ':' || follow_graph.is_blocking(a, t)
						   || ':' || follow_graph.is_muting(a, t) || ':' || follow_graph.is_following(a, t), ',' ORDER BY t)
		 FROM unnest(ARRAY[$touched]) AS t WHERE t <> a)
	FROM unnest(ARRAY[$touched]) AS a, follow_graph.counts(ARRAY[a]) AS c ORDER BY a};

# The rows a node holds that name an account of the partition (a block's
# time is left out: each node keeps its own).
sub part_rows
{
	my ($node) = @_;
	my $in = "(hashint8(%s) & 255) = $part";
	my ($i1, $i2) = map { sprintf($in, $_) } ('x.a', 'x.b');
	return $node->safe_psql('postgres', qq{
		SELECT string_agg(x.t || ' ' || x.a || ' ' || coalesce(x.b::text, '') || ' ' || x.v, ',' ORDER BY x.t, x.a, x.b, x.v)
		FROM (SELECT 'edge' AS t, follower AS a, followee AS b, followed_at::text AS v FROM follow_graph.edge
			  UNION ALL SELECT 'request', requester, account, requested_at::text FROM follow_graph.request
			  UNION ALL SELECT 'hidden', follower, followee, pending::text || followed_at FROM follow_graph.hidden_edge
			  UNION ALL SELECT 'block', blocker, blocked, '' FROM follow_graph.block
			  UNION ALL SELECT 'mute', muter, NULL, muted || ' ' || muted_at || coalesce(expires_at::text, '') FROM follow_graph.mute
			  UNION ALL SELECT 'dismissal', account, NULL, candidate || ' ' || dismissed_at FROM follow_graph.dismissal
			  UNION ALL SELECT 'item', author, NULL, item::text FROM follow_graph.item
			  UNION ALL SELECT 'bound', author, NULL, newest::text FROM follow_graph.item_bound) AS x
		WHERE $i1 OR $i2});
}

# Rows of which a node owns no account.
sub stray_rows
{
	my ($node) = @_;
	return $node->safe_psql('postgres', q{
		WITH c AS (SELECT partitions - 1 AS mask, owned FROM follow_graph.node_config)
		SELECT count(*) FROM c, (
			SELECT follower AS a, followee AS b FROM follow_graph.edge
			UNION ALL SELECT requester, account FROM follow_graph.request
			UNION ALL SELECT follower, followee FROM follow_graph.hidden_edge
			UNION ALL SELECT blocker, blocked FROM follow_graph.block
			UNION ALL SELECT muter, muter FROM follow_graph.mute
			UNION ALL SELECT account, account FROM follow_graph.dismissal
			UNION ALL SELECT author, author FROM follow_graph.item
			UNION ALL SELECT author, author FROM follow_graph.item_bound) AS x
		WHERE NOT (hashint8(x.a) & c.mask) = ANY (c.owned) AND NOT (hashint8(x.b) & c.mask) = ANY (c.owned)});
}

my $states_before = $router->safe_psql('postgres', $states_snapshot);
like($states_before, qr/\{9000001,9000005\}|\{9000005,9000001\}/, 'the moved account\'s items are read before the move');
my $rows_before = part_rows($nodes[$from]);
like($rows_before, qr/^(?=.*block)(?=.*request)(?=.*hidden)(?=.*mute)(?=.*dismissal)(?=.*item)(?=.*bound)/,
	'the old node holds blocks, requests, hidden edges, mutes, a dismissal and items of the partition');
my $before = $router->safe_psql('postgres', $snapshot);

# A move whose old node cannot give the partition up (a lock it waits for,
# lock_timeout there) changes nothing: the new node gives it back.
my $target_conn = 'host=' . $nodes[$to]->host . ' port=' . $nodes[$to]->port . ' dbname=postgres';
$nodes[$from]->safe_psql('postgres', "ALTER DATABASE postgres SET lock_timeout = '1s'");
my $holder = $nodes[$from]->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE follow_graph.mute IN ROW EXCLUSIVE MODE');
($rc, $out, $err) = $router->psql('postgres', "SELECT follow_graph.cluster_move_partition($part, '$target_conn')",
	extra_params => ['-v', 'VERBOSITY=verbose']);
like($err, qr/ERROR:  55000: the old node of partition $part did not give it up/,
	'a move whose old node cannot give the partition up fails with 55000');
$holder->query_safe('COMMIT');
$holder->quit;
$nodes[$from]->safe_psql('postgres', 'ALTER DATABASE postgres RESET lock_timeout');
is($router->safe_psql('postgres', "SELECT node_part FROM follow_graph.cluster_map() WHERE part = $part"),
	$from, 'the map still names the old node');
is($nodes[$to]->safe_psql('postgres', "SELECT $part = ANY (owned) FROM follow_graph.node_config"),
	'f', 'the new node gave the partition back');
is(stray_rows($nodes[$to]), '0', 'and dropped the rows it had copied');
is($router->safe_psql('postgres', $states_snapshot), $states_before, 'every read is as before');
is(part_rows($nodes[$from]), $rows_before, 'the old node still holds every row of the partition');

# The move again: it runs through.
my $copied = $router->safe_psql('postgres',
	"SELECT follow_graph.cluster_move_partition($part, 'host=" . $nodes[$to]->host . " port=" . $nodes[$to]->port . " dbname=postgres')");
ok($copied > 0, "cluster_move_partition() moved partition $part from node " . ($from + 1) . " to node " . ($to + 1) . " ($copied edges copied)");
is($router->safe_psql('postgres', "SELECT node_part FROM follow_graph.cluster_map() WHERE part = $part"),
	$to, 'the map names the new node');
is( join(',', map { $_->safe_psql('postgres', "SELECT $part = ANY (owned) FROM follow_graph.node_config") } @nodes),
	join(',', map { $_ == $to ? 't' : 'f' } 0 .. 2), 'only the new node owns the partition');
is($router->safe_psql('postgres', $snapshot), $before,
	'counts, followers, following, mutuals and relationships are the same after the move');
is($router->safe_psql('postgres', $states_snapshot), $states_before,
	'every read about the moved accounts and their counterparts (states, requests, mutes, items, feeds) is the same after the move');
is(part_rows($nodes[$to]), $rows_before, 'the new node holds every row of the partition the old node held');
is(stray_rows($nodes[$from]), '0', 'the old node keeps no row of which it owns no account');
is(stray_rows($nodes[$to]), '0', 'neither does the new node');
$owner{$_} = $to for @moved;
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after the move');

# Writes of the moved account now go to its new node, and the other nodes
# apply them even for pairs the old node had given higher versions.
my ($far) = grep { $owner{$_} != $to && $owner{$_} != $from } @accounts;
$router->safe_psql('postgres', "SELECT follow_graph.follow($mover, $far), follow_graph.follow($far, $mover)");
$router->safe_psql('postgres', "SELECT follow_graph.unfollow($mover, b) FROM generate_series(1, 40) AS b WHERE b <> $mover AND b <> $far");
$router->safe_psql('postgres', "SELECT follow_graph.follow($mover, b) FROM generate_series(1, 40) AS b WHERE b <> $mover AND b % 3 = 0");
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty after writes of the moved account');
is( $router->safe_psql('postgres', qq{
	WITH e AS (SELECT a, b FROM generate_series(1, 40) AS a, generate_series(1, 40) AS b
			   WHERE a <> b AND follow_graph.is_following(a, b)),
	t AS (SELECT x AS account,
				 (SELECT count(*) FROM e WHERE e.b = x) AS followers,
				 (SELECT count(*) FROM e WHERE e.a = x) AS following,
				 (SELECT count(*) FROM e WHERE e.a = x AND EXISTS (SELECT 1 FROM e AS r WHERE r.a = e.b AND r.b = x)) AS mutuals
		  FROM generate_series(1, 40) AS x)
	SELECT count(*) FROM t JOIN follow_graph.counts(ARRAY(SELECT generate_series(1, 40))) AS c USING (account)
	WHERE (t.followers, t.following, t.mutuals) <> (c.followers, c.following, c.mutuals)}),
	'0', 'every count equals a recomputation from the edges after the move');
is($router->safe_psql('postgres', "SELECT follow_graph.mutual_count($far)"),
	$router->safe_psql('postgres', "SELECT count(*) FROM follow_graph.mutuals($far, 1000)"),
	'the far account\'s mutual count matches its list');
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', "verify() is empty on node " . ($i + 1) . " after the move");
}

# ---------------------------------------------------------------------------
# 5. A node that hangs (its edge table locked): the router's statement_timeout
#    bounds the call (PL/Proxy 2.10 checks its own timeouts only when a socket
#    event arrives), PL/Proxy cancels the node's statement, and whatever the
#    outcome, both sides agree after drain().

# (The moved account is left out: %owner has its old node.)
my ($slow) = grep { $owner{$_} == 2 && $_ != $mover } @accounts;
my ($peer) = grep { $owner{$_} == 0 && $_ != $mover } @accounts;
$router->safe_psql('postgres', "SELECT follow_graph.unfollow($slow, $peer)");
my $locker = $nodes[2]->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE follow_graph.edge IN ACCESS EXCLUSIVE MODE');
($rc, $out, $err) = $router->psql('postgres',
	"SET statement_timeout = '2s'; SELECT follow_graph.follow($slow, $peer)",
	extra_params => ['-v', 'VERBOSITY=verbose']);
like($err, qr/ERROR:  57014: canceling statement due to statement timeout/,
	'a call to a hung node ends at the router\'s statement_timeout');
$locker->query_safe('COMMIT');
$locker->quit;
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($router->safe_psql('postgres', "SELECT follow_graph.is_following($slow, $peer) = ($slow IN (SELECT follower FROM follow_graph.followers($peer, 1000)))"),
	't', 'both sides agree on the pair afterwards');
is($router->safe_psql('postgres', "SELECT follow_graph.follow($slow, $peer) IS NOT NULL, follow_graph.is_following($slow, $peer)"),
	't|t', 'the node answers again once it moves on');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'),
	'0', 'cluster_verify() is empty');

# The reads are PUBLIC on the router: a role with no grant can call them,
# counts() too (it calls the internal proxy_counts()).  (Found in review.)
# (With no node_user the nodes are reached as the calling role.)
$_->safe_psql('postgres', 'CREATE ROLE reader LOGIN') for @nodes;
is( $router->safe_psql('postgres',
		"SET ROLE reader; SELECT count(*) FROM follow_graph.counts(ARRAY[$slow, $peer]); SELECT follow_graph.is_following($slow, $peer)"),
	"2\nt", 'a role with no grant reads counts() and is_following() through the router');

# A write routed to a node that does not own the acting account is refused.
my ($other) = grep { $owner{$_} != 0 } @accounts;
($rc, $out, $err) = $nodes[0]->psql('postgres', "SELECT * FROM follow_graph.node_write($other, $other + 1000000, true)");
like($err, qr/account $other is not stored on node node1/, 'a node refuses a write for an account it does not own');
# A NULL present is an error, not an unfollow.  (Found in review.)
my ($mine) = grep { $owner{$_} == 0 } @accounts;
($rc, $out, $err) = $nodes[0]->psql('postgres', "SELECT * FROM follow_graph.node_write($mine, $mine + 1000000, NULL)");
like($err, qr/ERROR:  present must not be null/, 'node_write() refuses a NULL present');

# ---------------------------------------------------------------------------
# 6. cluster_verify() covers the states and cluster_repair() re-sends them:
#    state rows damaged behind the API on one node.

sub verify_rows
{
	return $router->safe_psql('postgres',
		'SELECT follower, coalesce(followee::text, \'-\'), problem FROM follow_graph.cluster_verify()');
}
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is(verify_rows(), '', 'cluster_verify() is empty before the damage');
is( join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_state_digest()') > 0 ? 't' : 'f' } @nodes),
	't,t,t', 'every node gives state digests');

# (a) A block's copy deleted on the blocked account's node.
$nodes[$from]->safe_psql('postgres', "DELETE FROM follow_graph.block WHERE blocker = $m2 AND blocked = $x_from1");
is(verify_rows(), "$m2|$x_from1|block missing on the blocked account's node",
	'cluster_verify() names a block missing on one side');
ok($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()') >= 1, 'cluster_repair() re-sends it');
is($nodes[$from]->safe_psql('postgres', "SELECT count(*) FROM follow_graph.block WHERE blocker = $m2 AND blocked = $x_from1"),
	'1', 'the block is back on the blocked account\'s node');
is(verify_rows(), '', 'cluster_verify() is empty after the repair');

# (b) A stray block next to edges: the blocker's node (authoritative) has no
#     such block; the blocked account's node has it beside both edges.
is($router->safe_psql('postgres', "SELECT follow_graph.is_following($m1, $x_th1), follow_graph.is_following($x_th1, $m1)"),
	't|t', "$m1 and $x_th1 follow each other");
$nodes[$to]->safe_psql('postgres', "INSERT INTO follow_graph.block VALUES ($x_th1, $m1, nextval('follow_graph.state_seq'), now())");
my $v = verify_rows();
like($v, qr/^$x_th1\|$m1\|block missing on the blocker's node$/m, 'cluster_verify() names the stray block');
like($v, qr/^$m1\|$x_th1\|edge next to the block $x_th1 -> $m1 on the node of partition $to$/m,
	'and the edge next to it');
like($v, qr/^$x_th1\|$m1\|edge next to the block $x_th1 -> $m1 on the node of partition $to$/m,
	'and the reverse edge');
ok($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()') >= 1, 'cluster_repair() re-sends the block state');
is(verify_rows(), '', 'cluster_verify() is empty after the repair');
is($router->safe_psql('postgres', "SELECT follow_graph.is_blocking($x_th1, $m1), follow_graph.is_following($m1, $x_th1), follow_graph.is_following($x_th1, $m1)"),
	'f|t|t', 'the blocker\'s node had the last word: no block, both edges kept');

# (c) A real block whose blocked side still holds an edge next to it.
$router->safe_psql('postgres', "SELECT follow_graph.block($x_th1, $m1)");
$nodes[$to]->safe_psql('postgres', "INSERT INTO follow_graph.edge VALUES ($m1, $x_th1, nextval('follow_graph.edge_seq'), now())");
$v = verify_rows();
like($v, qr/^$m1\|$x_th1\|edge next to the block $x_th1 -> $m1 on the node of partition $to$/m,
	'cluster_verify() names an edge next to a block (it is missing on the other node too)');
ok($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()') >= 1, 'cluster_repair() runs');
is(verify_rows(), '', 'cluster_verify() is empty after the repair');
is(join(',', map { $_->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edge WHERE (follower, followee) IN (($m1, $x_th1), ($x_th1, $m1))") } @nodes),
	'0,0,0', 'no edge is left next to the block on any node');
$nodes[$to]->safe_psql('postgres', 'SELECT follow_graph.rebuild_counts()');

# (d) A flag changed on a node that only holds a copy.
$nodes[$third]->safe_psql('postgres', "UPDATE follow_graph.account_state SET private = false WHERE account = $m2");
like(verify_rows(), qr/^$m2\|-\|flags differ on the node of partition $third: private false, active true there, private true, active true on the account's node$/,
	'cluster_verify() names a flag that differs from the account\'s node');
ok($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()') >= 2, 'cluster_repair() re-sends the flags');
is(verify_rows(), '', 'cluster_verify() is empty after the repair');
is($nodes[$third]->safe_psql('postgres', "SELECT follow_graph.is_private($m2)"), 't', 'the copy is private again');

# (e) A request's copy deleted on the requested account's node.
$router->safe_psql('postgres', "SELECT follow_graph.follow($x_th2, $m2)");
$nodes[$to]->safe_psql('postgres', "DELETE FROM follow_graph.request WHERE requester = $x_th2 AND account = $m2");
is(verify_rows(), "$x_th2|$m2|request missing on the requested account's node",
	'cluster_verify() names a request missing on one side');
ok($router->safe_psql('postgres', 'SELECT follow_graph.cluster_repair()') >= 1, 'cluster_repair() re-sends the relation');
is(verify_rows(), '', 'cluster_verify() is empty after the repair');
is($router->safe_psql('postgres', "SELECT array_agg(requester ORDER BY requester) @> ARRAY[${x_th2}::bigint] FROM follow_graph.follow_requests($m2, 1000)"),
	't', 'the request is listed again');
# The deletions behind the API left counts off, as on a single node.
$_->safe_psql('postgres', 'SELECT follow_graph.rebuild_counts()') for @nodes;
for my $i (0 .. 2)
{
	is($nodes[$i]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
		'0', 'verify() is empty on node ' . ($i + 1) . ' after the repairs');
}

done_testing();
