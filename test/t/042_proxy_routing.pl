# Scale-out on PL/Proxy, the routing of the rest of the API and the pruning
# of node_applied (docs/scale-out.md); the same set-up as 040: three data
# nodes running follow_graph, a router running follow_graph_proxy, and a
# single node given the same calls for reference.
#  1. Two-account reads, the feed across nodes, known_followers_summary,
#     the single-account reads, the writes that live on one node (publish,
#     mute, dismiss_suggestion, forget_items) and the idset reads answer as
#     the single node does, drain() called after the writes.
#  2. Remote calls: a two-account read makes at most one call per node
#     involved (counted in the nodes' logs: every statement PL/Proxy sends).
#  3. Pruning: drain() empties node_applied; old, duplicated and reordered
#     deliveries of the pruned entries change nothing afterwards; the
#     horizon of a node waits for a writer holding a version.
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

# The node (0, 1 or 2) owning an account, as the router's map says.
my %owner = $c->owners(6000);

sub both { return $c->both(@_) }

sub same { return $c->same(@_) }

sub same_error { return $c->same_error(@_) }

# ---------------------------------------------------------------------------
# 1. The same answers as a single node.

srand(42);
my @calls;
for (1 .. 700)
{
	my ($a, $b) = (1 + int(rand(40)), 1 + int(rand(40)));
	next if $a == $b;
	push @calls, (rand() < 0.8 ? 'follow' : 'unfollow') . "($a, $b)";
}
for my $a (1 .. 40)
{
	for my $k (1 .. 1 + $a % 4)
	{
		push @calls, "publish($a, " . (1000 * $k + $a) . ")";
	}
}
push @calls, 'publish(3, 1003)', 'unpublish(4, 2004)', 'unpublish(4, 9999)';
push @calls, 'mute(1, 2)', 'mute(1, 5)', 'mute(7, 8, now() + interval \'1 day\')', 'unmute(1, 5)', 'mute(9, 10)';
push @calls, 'dismiss_suggestion(1, 30)', 'dismiss_suggestion(1, 30)';
my $batch = join("\n", map { "SELECT follow_graph.$_;" } @calls);
my ($s_res, $r_res) = both($batch);
is($r_res, $s_res, 'every write returns what a single node returns');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');

same(q{SELECT a, b, ARRAY(SELECT follow_graph.common_followers(a, b)),
		ARRAY(SELECT follow_graph.common_following(a, b)),
		ARRAY(SELECT follow_graph.known_followers(a, b))
	FROM generate_series(1, 40, 3) AS a, generate_series(2, 40, 3) AS b ORDER BY 1, 2},
	'common_followers, common_following and known_followers equal a single node');
same(q{SELECT a, b, ARRAY(SELECT follow_graph.common_followers(a, b, 2, 10)),
		ARRAY(SELECT follow_graph.common_following(a, b, 2, 10)),
		ARRAY(SELECT follow_graph.known_followers(a, b, 2, 10))
	FROM generate_series(1, 40, 4) AS a, generate_series(3, 40, 5) AS b ORDER BY 1, 2},
	'their pages after a cursor equal a single node');
same(q{SELECT a, ARRAY(SELECT follow_graph.common_followers(a, NULL)),
		ARRAY(SELECT follow_graph.known_followers(NULL, a)),
		ARRAY(SELECT follow_graph.common_following(a, a + 1, NULL))
	FROM generate_series(1, 3) AS a},
	'NULL accounts and page sizes give no rows, as on a single node');
same(q{SELECT v, r.* FROM generate_series(1, 40, 3) AS v,
		follow_graph.known_followers_summary(v, ARRAY[5, 2, NULL, 5, 17, 38, 39, v], 2) AS r},
	'known_followers_summary equals a single node (input order, sample most followed first)');

# The feed, walked page by page with the cursor.
my $feed = q{
DO $$
DECLARE cur bigint; got text := ''; r record; n int;
BEGIN
	FOR v IN 1 .. 40 LOOP
		cur := NULL;
		LOOP
			n := 0;
			FOR r IN SELECT * FROM follow_graph.feed(v, 4, cur) LOOP
				got := got || r.author || ':' || r.item || ' '; cur := r.item; n := n + 1;
			END LOOP;
			EXIT WHEN n < 4;
		END LOOP;
		got := got || '/';
	END LOOP;
	RAISE NOTICE 'feed %', md5(got);
END $$};
my (undef, undef, $s_feed) = $single->psql('postgres', $feed);
my (undef, undef, $r_feed) = $router->psql('postgres', $feed);
like($r_feed, qr/feed [0-9a-f]{32}/, 'feeds walked through the router');
is(($r_feed =~ /feed (\w+)/)[0], ($s_feed =~ /feed (\w+)/)[0],
	'every feed, page by page, equals a single node (followees across nodes, mutes)');
my $first = same('SELECT * FROM follow_graph.feed(1, 100)', 'feed(1) equals a single node');
my %nodes_of_feed = map { ($owner{(split /\|/)[0]} => 1) } split /\n/, $first;
cmp_ok(scalar(keys %nodes_of_feed), '>=', 2, 'feed(1) merges authors of several nodes');

same(q{SELECT a, follow_graph.item_count(a), ARRAY(SELECT follow_graph.author_items(a, 2)),
		follow_graph.relationship(a, 7), follow_graph.is_muting(1, a), follow_graph.is_private(a),
		follow_graph.is_active(a), follow_graph.is_blocking(a, 1), follow_graph.request_count(a),
		ARRAY(SELECT follow_graph.fans(a, 3)), ARRAY(SELECT follow_graph.not_following_back(a, 3, 5)),
		follow_graph.followers_set(a), follow_graph.following_set(a), follow_graph.mutuals_set(a),
		follow_graph.cardinality(follow_graph.followers_set(a))
	FROM generate_series(1, 40) AS a},
	'single-account reads (items, relationship, states, fans, id sets) equal a single node');
same(q{SELECT m.muted, m.expires_at IS NULL, m.cursor IS NOT NULL FROM follow_graph.mutes(1) AS m;
	SELECT count(*) FROM follow_graph.blocks(1); SELECT count(*) FROM follow_graph.follow_requests(1)},
	'mutes, blocks and follow_requests equal a single node');
same(q{SELECT '{5,3,3}'::follow_graph.idset, follow_graph.idset_to_array('{9,1}'),
		'@Alice'::text::follow_graph.handle},
	'the router has the idset and handle types');

# The router's types are built from the node's install fragments (the
# Makefile puts sql/install/20_idset.sql, 21_idset_card.sql and 30_handle.sql
# in place of the --@include lines of proxy/follow_graph_proxy.sql.in): a
# node and the router must define the same idset and handle objects, down
# to their attributes, so that a new type object in another fragment (not
# included) or a node-local one in these (dragged into the router) shows.
# The node-local ones are named: the graph sets (22_idset_graph.sql, routed
# on the router) and the handle maintenance (31_handle_maint.sql).
my $nodelocal = q{'^(follow_graph\.)?(followers_set|following_set|mutuals_set|handle_refresh_icu_version|handle_invalid_values|handle_icu_version|handle_icu_indexes)\M'};
my $typed = q{(idset|handle|jaccard|union_agg|intersect_agg|icu_|cardinality|unnest)};
my %types = (
	'functions' => qq{SELECT p.oid::regprocedure, l.lanname, p.probin, p.prosrc, p.provolatile,
			p.proisstrict, p.proparallel, p.proleakproof, p.prosupport, p.prokind, p.procost,
			p.prorows, pg_get_function_result(p.oid), p.proacl
		FROM pg_proc AS p JOIN pg_language AS l ON l.oid = p.prolang
		WHERE p.pronamespace = 'follow_graph'::regnamespace
		  AND (p.proname ~ '^$typed' OR p.oid::regprocedure::text ~ 'follow_graph\\.(idset|handle)\\M'
			   OR p.prorettype::regtype::text ~ '^follow_graph\\.(idset|handle)'
			   OR (l.lanname = 'c' AND p.prosrc ~ '^(idset|handle)_'))
		  AND p.proname !~ $nodelocal
		ORDER BY p.oid::regprocedure::text},
	'types' => q{SELECT t.oid::regtype, t.typlen, t.typbyval, t.typalign, t.typstorage,
			t.typinput, t.typoutput, t.typreceive, t.typsend, t.typelem::regtype, t.typcategory
		FROM pg_type AS t WHERE t.typnamespace = 'follow_graph'::regnamespace AND t.typtype = 'b'
		  AND (t.typelem = 0 OR t.typelem::regtype::text ~ '^follow_graph\.(idset|handle)$')
		ORDER BY t.oid::regtype::text},
	'operators' => q{SELECT o.oid::regoperator, o.oprcode::regprocedure, o.oprcom::regoperator,
			o.oprnegate::regoperator, o.oprrest, o.oprjoin, o.oprcanhash, o.oprcanmerge
		FROM pg_operator AS o WHERE o.oprnamespace = 'follow_graph'::regnamespace
		ORDER BY o.oid::regoperator::text},
	'operator classes' => q{SELECT c.opcname, a.amname, c.opcintype::regtype, c.opcdefault,
			c.opckeytype::regtype,
			(SELECT string_agg(format('%s %s', o.amopstrategy, o.amopopr::regoperator), ', '
							   ORDER BY o.amopstrategy, o.amopopr::regoperator::text)
			 FROM pg_amop AS o WHERE o.amopfamily = c.opcfamily),
			(SELECT string_agg(format('%s %s', p.amprocnum, p.amproc::regprocedure), ', '
							   ORDER BY p.amprocnum, p.amproc::regprocedure::text)
			 FROM pg_amproc AS p WHERE p.amprocfamily = c.opcfamily)
		FROM pg_opclass AS c JOIN pg_am AS a ON a.oid = c.opcmethod
		WHERE c.opcnamespace = 'follow_graph'::regnamespace
		ORDER BY 1, 2},
	'casts' => q{SELECT c.castsource::regtype, c.casttarget::regtype, c.castfunc::regprocedure,
			c.castcontext, c.castmethod
		FROM pg_cast AS c
		WHERE c.castsource::regtype::text ~ '^follow_graph\.' OR c.casttarget::regtype::text ~ '^follow_graph\.'
		ORDER BY c.castsource::regtype::text, c.casttarget::regtype::text},
	'comments' => qq{SELECT x.what, x.description FROM (
			SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) AS what, d.description
			FROM pg_description AS d
			WHERE d.classoid IN ('pg_type'::regclass, 'pg_operator'::regclass, 'pg_opclass'::regclass,
								 'pg_cast'::regclass, 'pg_proc'::regclass)) AS x
		WHERE x.what ~ 'follow_graph\\.$typed' AND substring(x.what from '^[a-z ]+ (.*)\$') !~ $nodelocal
		ORDER BY 1, 2});
for my $what (sort keys %types)
{
	my $n = $single->safe_psql('postgres', $types{$what});
	isnt($n, '', "a node has idset and handle $what");
	is($router->safe_psql('postgres', $types{$what}), $n,
		"the router defines the idset and handle $what a node has, the same (but the node-local ones)");
}

same_error('SELECT * FROM follow_graph.feed(1, 0)', 'feed(1, 0)');
same_error('SELECT * FROM follow_graph.common_followers(1, 2, 0)', 'common_followers(1, 2, 0)');
same_error('SELECT * FROM follow_graph.known_followers(1, 9, -1)', 'known_followers(1, 9, -1)');
same_error(q{SELECT * FROM follow_graph.known_followers_summary(1, '{2}', 0)}, 'known_followers_summary sample 0');
same_error(q{SELECT * FROM follow_graph.known_followers_summary(1, '{{2}}')}, 'known_followers_summary of a 2-D array');
same_error('SELECT follow_graph.publish(NULL, 5)', 'publish(NULL, 5)');
same_error('SELECT follow_graph.mute(3, 3)', 'mute(3, 3)');

same('SELECT follow_graph.forget_items(2010)', 'forget_items() on every node sums to a single node\'s answer');
same('SELECT a, follow_graph.item_count(a) FROM generate_series(1, 40) AS a', 'item counts after forget_items');
same('SELECT follow_graph.remove_account(7), follow_graph.remove_account(7)',
	'remove_account() answers as a single node');
same('SELECT * FROM follow_graph.counts(ARRAY(SELECT generate_series(1, 40)::bigint))',
	'every count after remove_account() equals a single node');
same_error('SELECT follow_graph.remove_account(NULL)', 'remove_account(NULL)');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'), '0',
	'cluster_verify() is empty after remove_account()');

# The router's privileges follow follow_graph's recipe.
# (The PUBLIC user mapping connects to the nodes as the calling role.)
$_->safe_psql('postgres', 'CREATE ROLE reader LOGIN') for ($router, @nodes);
for my $w ('publish(1, 5)', 'unpublish(1, 5)', 'mute(1, 3)', 'unmute(1, 3)',
	'dismiss_suggestion(1, 3)', 'forget_items(1)', 'remove_account(1)')
{
	my ($rc, $out, $err) = $router->psql('postgres', "SET ROLE reader; SELECT follow_graph.$w");
	like($err, qr/permission denied for function/, "$w is not executable by PUBLIC on the router");
}
is($router->safe_psql('postgres', q{SET ROLE reader;
	SELECT count(*) FROM follow_graph.feed(1) UNION ALL
	SELECT count(*) FROM follow_graph.common_followers(1, 2) UNION ALL
	SELECT count(*) FROM follow_graph.known_followers_summary(1, '{2,3}')}) =~ /^\d+\n\d+\n\d+$/ ? 1 : 0,
	1, 'the routed reads are executable by PUBLIC');

# ---------------------------------------------------------------------------
# 2. Remote calls, counted in the nodes' logs (log_statement = all: every
# statement PL/Proxy sends is logged as "execute"; psql's are "statement").

sub remote_calls
{
	my ($sql) = @_;
	# Connections warm: PL/Proxy's set-up statements are not counted.
	$router->safe_psql('postgres', 'SELECT follow_graph.counts(ARRAY[1, 2, 3, 4, 5, 6, 7, 8])');
	my @pos = map { -s $_->logfile } @nodes;
	$router->safe_psql('postgres', $sql);
	my @n;
	for my $i (0 .. 2)
	{
		my $log = slurp_file($nodes[$i]->logfile, $pos[$i]);
		push @n, scalar(() = $log =~ /LOG:  execute /g);
	}
	return @n;
}

my ($pa, $pb);
for my $a (1 .. 40)
{
	for my $b (1 .. 40)
	{
		($pa, $pb) = ($a, $b) if $owner{$a} != $owner{$b} && !defined $pa;
	}
}
my @calls_ab = remote_calls("SELECT count(*) FROM follow_graph.common_followers($pa, $pb)");
is($calls_ab[$owner{$pa}] . '+' . $calls_ab[$owner{$pb}], '1+1',
	'common_followers of two nodes\' accounts: one call to each');
is($calls_ab[0] + $calls_ab[1] + $calls_ab[2], 2, '... and none to the third');
my ($sa, $sb);
for my $b (2 .. 40)
{
	($sa, $sb) = (1, $b) if $owner{1} == $owner{$b} && !defined $sa;
}
my @calls_ss = remote_calls("SELECT count(*) FROM follow_graph.known_followers($sa, $sb)");
is($calls_ss[0] + $calls_ss[1] + $calls_ss[2], 1, 'known_followers of two accounts of one node: one call');
my @calls_feed = remote_calls('SELECT count(*) FROM follow_graph.feed(1, 10)');
cmp_ok($calls_feed[0] + $calls_feed[1] + $calls_feed[2], '<=', 4,
	'feed(): the viewer\'s node, then at most one call per node');
cmp_ok((sort { $b <=> $a } @calls_feed)[0], '<=', 2, '... at most two to any node');
my @calls_sum = remote_calls(q{SELECT count(*) FROM follow_graph.known_followers_summary(1, ARRAY(SELECT generate_series(2, 40)))});
cmp_ok($calls_sum[0] + $calls_sum[1] + $calls_sum[2], '<=', 7,
	'known_followers_summary of 39 targets: at most 1 + 2 x nodes calls, none per target');

# ---------------------------------------------------------------------------
# 3. Pruning node_applied.

is(join(',', map { $_->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_applied') } @nodes),
	'0,0,0', 'drain() pruned every node_applied row');

# Pairs with the follower on node1 and the followee on node2.
my @pp;
for my $a (2001 .. 2400)
{
	next unless $owner{$a} == 0;
	for my $b (3001 .. 3400)
	{
		if ($owner{$b} == 1) { push @pp, [ $a, $b ]; last; }
	}
	last if @pp == 30;
}
is(scalar(@pp), 30, '30 pairs from node1 to node2');
# Each pair: follow, unfollow, follow again; the even ones end unfollowed.
# node2 is stopped, so every entry waits in node1's journal.
$nodes[1]->stop('immediate');
my $k = 0;
my $ops = '';
for my $p (@pp)
{
	$ops .= "SELECT follow_graph.follow($p->[0], $p->[1]); SELECT follow_graph.unfollow($p->[0], $p->[1]);";
	$ops .= "SELECT follow_graph.follow($p->[0], $p->[1]);";
	$ops .= "SELECT follow_graph.unfollow($p->[0], $p->[1]);" if $k++ % 2 == 0;
}
$router->safe_psql('postgres', $ops);
my $entries = $nodes[0]->safe_psql('postgres',
	"SELECT string_agg(format('%s,%s,%s,%s', follower, followee, present, version), ';' ORDER BY version)
	 FROM follow_graph.node_journal WHERE follower BETWEEN 2001 AND 2400");
my @entries = map { [ split /,/ ] } split /;/, $entries;
is(scalar(@entries), 105, 'every change of the pairs journaled on node1');
$nodes[1]->start;
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($nodes[1]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.node_applied'), '0',
	'after drain() node2 keeps no version of the pairs');
cmp_ok($nodes[1]->safe_psql('postgres', 'SELECT min(version) FROM follow_graph.node_applied_floor WHERE part % 3 = 0'), '>=',
	$entries[-1][3], 'the floor of every partition of node1 covers its last entry');

# Deliver every entry again: reversed, shuffled and twice, as a late
# network or a replayed drain would.
my @late = (reverse(@entries), (sort { ($a->[0] * 7 + $a->[3] * 13) % 17 <=> ($b->[0] * 7 + $b->[3] * 13) % 17 } @entries), @entries);
for my $chunk (0 .. 5)
{
	my @c = @late[ map { $_ } grep { $_ % 6 == $chunk } 0 .. $#late ];
	my $arr = sub { my ($i, $t) = @_; 'ARRAY[' . join(',', map { $_->[$i] eq 't' ? 'true' : $_->[$i] eq 'f' ? 'false' : $_->[$i] } @c) . "]::$t" };
	is($nodes[1]->safe_psql('postgres', 'SELECT follow_graph.node_apply(' . join(', ',
			$arr->(0, 'bigint[]'), $arr->(1, 'bigint[]'), $arr->(2, 'boolean[]'), $arr->(3, 'bigint[]'),
			'array_fill(NULL::timestamptz, ARRAY[' . scalar(@c) . '])') . ')'),
		'0', "late delivery $chunk: no entry applied");
}
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'), '0',
	'cluster_verify() is empty after the late deliveries');
is($nodes[1]->safe_psql('postgres', "SELECT count(*) FROM follow_graph.edges WHERE follower BETWEEN 2001 AND 2400"),
	'15', 'node2 holds exactly the 15 pairs that end followed');
is($nodes[1]->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'), '0', 'verify() is empty on node2');

# A newer entry after the prune still applies.
my ($f0, $e0) = @{ $pp[0] };
$router->safe_psql('postgres', "SELECT follow_graph.follow($f0, $e0)");
is($nodes[1]->safe_psql('postgres', "SELECT follow_graph.is_following($f0, $e0)"), 't',
	'a write after the prune reaches the other node');

# The horizon waits for a writer that holds a version it has not committed.
my $bg = $nodes[0]->background_psql('postgres');
$bg->query_safe('BEGIN');
# (pp[1] ends followed: this unfollow changes it and journals an entry.)
$bg->query_safe("SELECT * FROM follow_graph.node_write($pp[1][0], $pp[1][1], false)");
is($nodes[0]->safe_psql('postgres', 'SELECT follow_graph.node_horizon(100) IS NULL'), 't',
	'node_horizon() gives no horizon while a journal writer is open');
$bg->query_safe('COMMIT');
$bg->quit;
cmp_ok($nodes[0]->safe_psql('postgres', 'SELECT follow_graph.node_horizon(100)'), '<',
	$nodes[0]->safe_psql('postgres', "SELECT max(version) FROM follow_graph.node_journal"),
	'... and then one below the entry it left journaled');
$router->safe_psql('postgres', 'SELECT follow_graph.drain()');
is($nodes[1]->safe_psql('postgres', "SELECT follow_graph.is_following($pp[1][0], $pp[1][1])"), 'f',
	'the entry is delivered by the next drain()');
is($router->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.cluster_verify()'), '0',
	'cluster_verify() is empty at the end');

done_testing();
