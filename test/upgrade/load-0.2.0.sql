-- test/upgrade/load-0.2.0.sql: data of the features added in 0.2.0
-- (relationship states, items, dismissals), loaded through the API after
-- load.sql in every release from 0.2.0 on.  Deterministic, as load.sql.
\set ON_ERROR_STOP 1
SET search_path = follow_graph, public;

-- Private accounts with pending requests, one accepted, one rejected, and a
-- private account made public again (accepts what is pending).
SELECT set_private(a, true) FROM generate_series(3000, 3004) AS a;
SELECT count(*) FILTER (WHERE follow(r, a)) AS requests
FROM generate_series(3000, 3004) AS a, generate_series(1, 12) AS r;
SELECT accept_request(3000, 1), accept_request(3000, 2), reject_request(3001, 3),
	accept_request(3001, 999) AS absent;
SELECT set_private(3004, false) AS accepted;
SELECT unfollow(4, 3002) AS cancelled;

-- Blocks: one across a mutual pair, one across pending requests, one undone.
SELECT block(1000, 1001), block(3002, 5), block(1, 2), unblock(1, 2);
SELECT remove_follower(3000, 1);

-- Mutes, one with an expiry far in the future and one long expired.
SELECT mute(10, 11), mute(10, 12, timestamptz '2100-01-01 00:00+00'),
	mute(10, 13, timestamptz '2001-01-01 00:00+00'), mute(11, 10), unmute(11, 10);

-- Items: authors with several items, one unpublished, one retention cut.
SELECT count(*) FILTER (WHERE publish(a, a * 1000 + i)) AS published
FROM generate_series(1, 30) AS a, generate_series(1, 5) AS i;
SELECT publish(3000, 9000001), unpublish(1, 1001), forget_items(2002) AS forgotten;

-- A deactivated account (its edges and requests hidden) and one reactivated.
SELECT deactivate_account(20), deactivate_account(21), reactivate_account(21);

-- Dismissed suggestions.
SELECT dismiss_suggestion(1, 50), dismiss_suggestion(1, 51), dismiss_suggestion(2, 50);
