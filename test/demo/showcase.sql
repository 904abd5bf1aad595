-- What follow_graph answers, on every page view.
\pset footer off
\set alice 1150000000000000000 + 11 * 7919
\echo '-- A profile header: "1.2M followers · 310 following · N Friends" (exact, O(1))'
SELECT a.name, c.followers, c.following, c.mutuals AS friends
FROM follow_graph.counts(ARRAY[1, 1150000000000000000 + 2 * 7919, 1150000000000000000 + 4000 * 7919]) AS c
JOIN accounts a ON a.id = c.account
ORDER BY c.followers DESC;

\echo '-- The first page of the celebrity''s followers, newest first (keyset cursor)'
SELECT a.name, f.followed_at::time(0) AS at, f.cursor
FROM follow_graph.followers(1, 5) AS f JOIN accounts a ON a.id = f.follower
ORDER BY f.cursor DESC;

\echo '-- ...and the next page, from the last cursor'
SELECT a.name, f.cursor
FROM follow_graph.followers(1, 5, (SELECT min(cursor) FROM follow_graph.followers(1, 5))) AS f
JOIN accounts a ON a.id = f.follower
ORDER BY f.cursor DESC;

\echo '-- The Follow button on a page of profiles, as seen by alice11: one call'
SELECT a.name, r.following, r.followed_by,
       CASE WHEN r.following AND r.followed_by THEN 'Friends'
            WHEN r.following THEN 'Following'
            WHEN r.followed_by THEN 'Follow back'
            ELSE 'Follow' END AS button
FROM follow_graph.relationships(:alice,
	(SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM accounts ORDER BY id LIMIT 8) AS p)) AS r
JOIN accounts a ON a.id = r.target
ORDER BY a.id;

\echo '-- alice11''s Friends (mutual follows), first page'
SELECT m AS id, a.name FROM follow_graph.mutuals(:alice, 5) AS m JOIN accounts a ON a.id = m
ORDER BY m;

\echo '-- "Followed by X and N others you follow" on the celebrity''s profile'
SELECT (SELECT name FROM accounts WHERE id = k[1]) AS followed_by,
       cardinality(k) - 1 AS and_others
FROM (SELECT array_agg(x) AS k FROM follow_graph.known_followers(:alice, 1, 1000) AS x) AS s;

\echo '-- relationship() states'
SELECT follow_graph.relationship(1, 1) AS self,
       follow_graph.relationship(:alice, 1) AS alice_to_celebrity,
       follow_graph.relationship(1, :alice) AS celebrity_to_alice;

\echo '-- Leaderboard: follower_count() per account, joined with an app table'
SELECT a.name, follow_graph.follower_count(a.id) AS followers
FROM accounts a ORDER BY 2 DESC, 1 LIMIT 5;

\echo '-- Ad-hoc SQL over the read-only edges view: who the celebrity follows back'
SELECT a.name, e.followed_at::time(0) AS at
FROM follow_graph.edges e JOIN accounts a ON a.id = e.followee
WHERE e.follower = 1 ORDER BY e.followed_at DESC, a.name LIMIT 3;

\echo '-- Relationship states: a private account, a follow request, an accept'
\set quiet 1150000000000000000 + 4000 * 7919
\set fan 1150000000000000000 + 4001 * 7919
SELECT (SELECT name FROM accounts WHERE id = :quiet) AS private_account,
       follow_graph.set_private(:quiet, true) AS requests_accepted;
SELECT (SELECT name FROM accounts WHERE id = :fan) AS fan,
       follow_graph.follow(:fan, :quiet) AS asked;
SELECT r.following, r.requested, follow_graph.relationship(:fan, :quiet) AS fan_sees
FROM follow_graph.relationships(:fan, ARRAY[:quiet]) AS r;
SELECT a.name AS requester, c.requests AS pending, c.followers
FROM follow_graph.follow_requests(:quiet) AS f JOIN accounts a ON a.id = f.requester,
     follow_graph.counts(ARRAY[:quiet]) AS c;
SELECT follow_graph.accept_request(:quiet, :fan) AS accepted;
SELECT follow_graph.relationship(:fan, :quiet) AS fan_sees, c.followers, c.requests AS pending
FROM follow_graph.counts(ARRAY[:quiet]) AS c;

\echo '-- A block breaks a mutual: both follows go, every count at once'
SELECT m AS friend FROM follow_graph.mutuals(:alice, 1) AS m \gset
SELECT a.name AS friend, follow_graph.relationship(:alice, :friend) AS before,
       (SELECT mutuals FROM follow_graph.counts(ARRAY[:alice])) AS alice_friends
FROM accounts a WHERE a.id = :friend;
SELECT follow_graph.block(:alice, :friend) AS blocked;
SELECT follow_graph.relationship(:alice, :friend) AS alice_sees,
       follow_graph.relationship(:friend, :alice) AS friend_sees,
       (SELECT mutuals FROM follow_graph.counts(ARRAY[:alice])) AS alice_friends,
       r.following, r.followed_by, r.blocking, r.blocked_by
FROM follow_graph.relationships(:alice, ARRAY[:friend]) AS r;
