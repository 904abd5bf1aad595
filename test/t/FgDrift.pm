# test/t/FgDrift.pm: the storage checks the storm tests (010, 030) run once
# their storm is over.  Each query counts what disagrees: 0 means exact.
#
#   use FindBin;
#   use lib $FindBin::RealBin;
#   use FgDrift qw(count_drift mutual_drift);
#   my $drift = count_drift(requests => 1);
package FgDrift;

use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(count_drift mutual_drift);

# Accounts whose stored counts (their counter stripes summed) differ from a
# recomputation from the edges: followers, following and mutuals, and with
# requests => 1 the pending requests too.
sub count_drift
{
	my (%opt) = @_;
	my $req = $opt{requests};
	my $sum = $req ? ", sum(requests) AS requests" : '';
	my $count = $req ? ",\n\t       count(*) FILTER (WHERE dir = 'req') AS requests" : '';
	my $rows = $req
	  ? "\n\t      UNION ALL SELECT account, requester, 'req' FROM follow_graph.request"
	  : '';
	my $where = $req ? "\n   OR coalesce(c.requests, 0) <> coalesce(t.requests, 0)" : '';
	return qq{
SELECT count(*) FROM (
	SELECT account, sum(followers) AS followers, sum(following) AS following,
	       sum(mutuals) AS mutuals$sum
	FROM follow_graph.counter GROUP BY account) AS c
FULL JOIN (
	SELECT a AS account,
	       count(*) FILTER (WHERE dir = 'in') AS followers,
	       count(*) FILTER (WHERE dir = 'out') AS following,
	       count(*) FILTER (WHERE dir = 'out' AND EXISTS (
	           SELECT 1 FROM follow_graph.edge r
	           WHERE r.follower = x.b AND r.followee = x.a)) AS mutuals$count
	FROM (SELECT followee AS a, follower AS b, 'in' AS dir FROM follow_graph.edge
	      UNION ALL SELECT follower, followee, 'out' FROM follow_graph.edge$rows) AS x
	GROUP BY a) AS t USING (account)
WHERE coalesce(c.followers, 0) <> coalesce(t.followers, 0)
   OR coalesce(c.following, 0) <> coalesce(t.following, 0)
   OR coalesce(c.mutuals, 0) <> coalesce(t.mutuals, 0)$where};
}

# The mutual range against the edges: rows too many plus rows missing.
sub mutual_drift
{
	return q{
SELECT (SELECT count(*) FROM (
		SELECT m.account, m.friend FROM follow_graph.mutual AS m
		EXCEPT
		SELECT e.follower, e.followee FROM follow_graph.edge AS e
		JOIN follow_graph.edge AS r ON r.follower = e.followee AND r.followee = e.follower) AS extra)
	 + (SELECT count(*) FROM (
		SELECT e.follower, e.followee FROM follow_graph.edge AS e
		JOIN follow_graph.edge AS r ON r.follower = e.followee AND r.followee = e.follower
		EXCEPT
		SELECT m.account, m.friend FROM follow_graph.mutual AS m) AS missing)};
}

1;
