# A storm of every relationship-state call from many clients on a small set
# of accounts: follows and unfollows, blocks and unblocks, private accounts
# with requests accepted, rejected and cancelled, followers removed, mutes,
# deactivations and reactivations, and multi-call transactions.  Afterwards,
# and again once every account is reactivated, verify() must be empty, the
# stored counts must equal a recomputation from storage, and every count
# must equal the number of rows its list returns (no drift).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use FgDrift qw(count_drift mutual_drift);

my $node = PostgreSQL::Test::Cluster->new('states_storm');
$node->init;
$node->append_conf('postgresql.conf',
	"max_connections = 40\ndeadlock_timeout = 100ms\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION follow_graph');

# One call, with the refusals the rules allow (a deactivated account 55000,
# a block 42501) answered as false so that pgbench goes on; anything else
# (a wrong count, a crash, an unexpected error) still fails the client.
$node->safe_psql('postgres', q{
CREATE FUNCTION public.storm(op text, a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
	IF a = b THEN RETURN false; END IF;
	CASE op
	WHEN 'set_private' THEN RETURN follow_graph.set_private(a, b % 2 = 0) > 0;
	WHEN 'deactivate_account' THEN RETURN follow_graph.deactivate_account(a) > 0;
	WHEN 'reactivate_account' THEN RETURN follow_graph.reactivate_account(a) > 0;
	WHEN 'mute' THEN RETURN follow_graph.mute(a, b,
		CASE WHEN b % 3 = 0 THEN now() + interval '1 hour' END);
	ELSE
		RETURN follow_graph_storm_call(op, a, b);
	END CASE;
EXCEPTION WHEN SQLSTATE '55000' OR SQLSTATE '42501' THEN
	RETURN false;
END $$;
CREATE FUNCTION public.follow_graph_storm_call(op text, a bigint, b bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	r boolean;
BEGIN
	EXECUTE format('SELECT follow_graph.%I($1, $2)', op) INTO r USING a, b;
	RETURN r;
END $$;
});

# Drift against storage: stored counts that differ from the rows.
my $drift = count_drift(requests => 1);

# Drift through the API: each count against the length of its list, for
# every account the storm touched.
my $api_drift = q{
SELECT count(*) FROM generate_series(1, 30) AS a, follow_graph.counts(ARRAY[a::bigint]) AS c
WHERE c.followers <> (SELECT count(*) FROM follow_graph.followers(a, 100000))
   OR c.following <> (SELECT count(*) FROM follow_graph.following(a, 100000))
   OR c.mutuals <> (SELECT count(*) FROM follow_graph.mutuals(a, 100000))
   OR c.requests <> (SELECT count(*) FROM follow_graph.follow_requests(a, 100000))
   OR c.followers <> follow_graph.follower_count(a)
   OR c.requests <> follow_graph.request_count(a)
   OR c.followers <> follow_graph.cardinality(follow_graph.followers_set(a))};

# The mutual range against the edges: rows too many plus rows missing.
my $mutual_drift = mutual_drift();

# The invariants of docs/states-design.md, read from storage.
my $invariants = q{
SELECT (SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.block AS b
		ON (b.blocker, b.blocked) IN ((e.follower, e.followee), (e.followee, e.follower)))
	 + (SELECT count(*) FROM follow_graph.request AS r JOIN follow_graph.block AS b
		ON (b.blocker, b.blocked) IN ((r.requester, r.account), (r.account, r.requester)))
	 + (SELECT count(*) FROM follow_graph.hidden_edge AS h JOIN follow_graph.block AS b
		ON (b.blocker, b.blocked) IN ((h.follower, h.followee), (h.followee, h.follower)))
	 + (SELECT count(*) FROM follow_graph.request AS r WHERE NOT follow_graph.is_private(r.account))
	 + (SELECT count(*) FROM follow_graph.edge AS e
		WHERE NOT follow_graph.is_active(e.follower) OR NOT follow_graph.is_active(e.followee))
	 + (SELECT count(*) FROM follow_graph.request AS r
		WHERE NOT follow_graph.is_active(r.requester) OR NOT follow_graph.is_active(r.account))
	 + (SELECT count(*) FROM follow_graph.hidden_edge AS h
		WHERE follow_graph.is_active(h.follower) AND follow_graph.is_active(h.followee))
	 + (SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.request AS r
		ON r.requester = e.follower AND r.account = e.followee)
	 + (SELECT count(*) FROM follow_graph.edge AS e JOIN follow_graph.hidden_edge AS h
		ON h.follower = e.follower AND h.followee = e.followee)
	 + (SELECT count(*) FROM follow_graph.request AS r JOIN follow_graph.hidden_edge AS h
		ON h.follower = r.requester AND h.followee = r.account)};

# 12 clients for a few seconds on 30 accounts, so that pairs and accounts
# collide constantly.  Deadlocks (two pairs in opposite roles inside one
# transaction) are retried, as an application would.
$node->pgbench(
	'--no-vacuum --client=12 --jobs=2 --time=8 --max-tries=20',
	0,
	[qr{processed: [1-9]}],
	[qr{^$}],
	'storm of every states call runs without errors',
	{
		'states_pair@6' => q{
\set a random(1, 30)
\set b random(1, 30)
\set k random(0, 99)
SELECT public.storm(CASE WHEN :k < 30 THEN 'follow' WHEN :k < 38 THEN 'unfollow'
	WHEN :k < 43 THEN 'remove_follower' WHEN :k < 50 THEN 'block' WHEN :k < 58 THEN 'unblock'
	WHEN :k < 72 THEN 'accept_request' WHEN :k < 78 THEN 'reject_request'
	WHEN :k < 90 THEN 'mute' ELSE 'unmute' END, :a, :b);
},
		'states_account@2' => q{
\set a random(1, 30)
\set b random(1, 1000)
\set k random(0, 99)
SELECT public.storm(CASE WHEN :k < 50 THEN 'set_private' WHEN :k < 70 THEN 'deactivate_account'
	ELSE 'reactivate_account' END, :a, :b);
},
		'states_multi@2' => q{
\set a random(1, 30)
\set b random(1, 30)
BEGIN;
SELECT public.storm('follow', :a, :b);
SELECT public.storm('follow', :b, :a);
SELECT public.storm('accept_request', :b, :a);
SELECT public.storm('accept_request', :a, :b);
COMMIT;
}
	});

is($node->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
	'0', 'verify() is empty after the storm');
is($node->safe_psql('postgres', $mutual_drift), '0',
	'the mutual range equals the mutual pairs of the edges after the storm');
is($node->safe_psql('postgres', $drift), '0',
	'no stored count differs from storage after the storm');
is($node->safe_psql('postgres', $api_drift), '0',
	'every count equals what its list returns after the storm');
is($node->safe_psql('postgres', $invariants), '0',
	'the state invariants hold after the storm');

my $mix = $node->safe_psql('postgres', q{
SELECT format('%s edge cursors and %s state cursors handed out; %s edges, %s requests, %s hidden, %s blocks, %s mutes, %s inactive, %s private',
	(SELECT last_value FROM follow_graph.edge_seq), (SELECT last_value FROM follow_graph.state_seq),
	(SELECT count(*) FROM follow_graph.edge), (SELECT count(*) FROM follow_graph.request),
	(SELECT count(*) FROM follow_graph.hidden_edge), (SELECT count(*) FROM follow_graph.block),
	(SELECT count(*) FROM follow_graph.mute),
	(SELECT count(*) FROM follow_graph.account_state WHERE NOT active),
	(SELECT count(*) FROM follow_graph.account_state WHERE private))});
note("after the storm: $mix");

# Everyone back: every hidden row must come back and the counts follow.
$node->safe_psql('postgres',
	'SELECT follow_graph.reactivate_account(a) FROM generate_series(1, 30) AS a');
is($node->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.hidden_edge'),
	'0', 'reactivating every account brings back every hidden row');
is($node->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
	'0', 'verify() is empty after the reactivations');
is($node->safe_psql('postgres', $mutual_drift), '0',
	'the mutual range equals the mutual pairs of the edges after the reactivations');
is($node->safe_psql('postgres', $drift), '0',
	'no stored count differs from storage after the reactivations');
is($node->safe_psql('postgres', $api_drift), '0',
	'every count equals what its list returns after the reactivations');
is($node->safe_psql('postgres', $invariants), '0',
	'the state invariants hold after the reactivations');

# Everyone public: every pending request becomes an edge.
my $requests = $node->safe_psql('postgres',
	'SELECT count(*) FROM follow_graph.request');
my $accepted = $node->safe_psql('postgres',
	'SELECT sum(follow_graph.set_private(a, false)) FROM generate_series(1, 30) AS a');
is($accepted // 0, $requests, "making every account public accepts all $requests pending requests");
is($node->safe_psql('postgres', $api_drift), '0',
	'every count equals what its list returns with every account public');
is($node->safe_psql('postgres', 'SELECT count(*) FROM follow_graph.verify()'),
	'0', 'verify() is empty with every account public');
is($node->safe_psql('postgres', $mutual_drift), '0',
	'the mutual range equals the mutual pairs of the edges with every account public');

$node->stop;
done_testing();
