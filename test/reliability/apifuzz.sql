-- test/reliability/apifuzz.sql: targeted fuzzing of the API, run by
-- sqlsmith.sh after sqlsmith (which rarely picks our functions among the
-- thousands in pg_catalog).  Calls random API functions with random and
-- extreme arguments (NULL, 0, negative, INT64_MIN/MAX, page sizes out of
-- range, arrays with NULLs, empty and two-dimensional arrays), each in its
-- own subtransaction; prints how many calls ran, the SQLSTATEs of the ones
-- that failed, and verify() at the end.  Every function of the API is
-- among them (0.1.0's and the states, home feed and discovery of 0.2.0).  A crash ends the script early.
\set ON_ERROR_STOP 1
SET search_path = pg_catalog, pg_temp;
CREATE TEMP TABLE fuzz_result (fn text, sqlstate text);
DO $fuzz$
DECLARE
	ids bigint[] := ARRAY[NULL, 0, 1, 2, 3, -1, 9223372036854775807, -9223372036854775808,
						  4294967296, 2147483647, -2147483648, 150, 199];
	pages int[] := ARRAY[NULL, 0, 1, 2, 50, -1, 100000000, 100000001, 2147483647, -2147483648];
	fns text[] := ARRAY['follow', 'unfollow', 'is_following', 'relationship', 'relationships',
						'follower_count', 'following_count', 'mutual_count', 'counts', 'followers',
						'following', 'mutuals', 'common_followers', 'common_following',
						'known_followers',
						-- relationship states (0.2.0)
						'block', 'unblock', 'is_blocking', 'blocks', 'accept_request',
						'reject_request', 'remove_follower', 'follow_requests', 'request_count',
						'set_private', 'is_private', 'deactivate_account', 'reactivate_account',
						'is_active', 'mute', 'unmute', 'is_muting', 'mutes', 'remove_account',
						-- home feed (0.2.0)
						'publish', 'unpublish', 'feed', 'author_items', 'item_count', 'forget_items',
						-- discovery (0.2.0)
						'suggest_follows', 'dismiss_suggestion', 'similar_accounts',
						'known_followers_summary', 'fans', 'not_following_back'];
	stamps timestamptz[] := ARRAY[NULL, now() - interval '1 hour', now() + interval '1 hour',
								  '-infinity', 'infinity', now()];
	fn text; a bigint; b bigint; p int; c bigint; arr bigint[]; state text; t timestamptz;
BEGIN
	PERFORM setseed(0.7);
	FOR i IN 1..40000 LOOP
		fn := fns[1 + floor(random() * array_length(fns, 1))::int];
		-- account-wide writes stay rare, so that the graph keeps its edges
		IF fn IN ('remove_account', 'forget_items', 'deactivate_account', 'set_private')
		   AND random() < 0.8 THEN
			fn := 'follow';
		END IF;
		t := stamps[1 + floor(random() * array_length(stamps, 1))::int];
		a := CASE WHEN random() < 0.3 THEN ids[1 + floor(random() * array_length(ids, 1))::int]
				  ELSE floor(random() * 200)::bigint END;
		b := CASE WHEN random() < 0.3 THEN ids[1 + floor(random() * array_length(ids, 1))::int]
				  ELSE floor(random() * 200)::bigint END;
		p := CASE WHEN random() < 0.5 THEN pages[1 + floor(random() * array_length(pages, 1))::int]
				  ELSE floor(random() * 300)::int END;
		c := CASE WHEN random() < 0.5 THEN ids[1 + floor(random() * array_length(ids, 1))::int]
				  ELSE floor(random() * 200)::bigint END;
		arr := CASE floor(random() * 5)::int
				 WHEN 0 THEN NULL
				 WHEN 1 THEN '{}'::bigint[]
				 WHEN 2 THEN '{{1,2},{3,4}}'::bigint[]
				 WHEN 3 THEN ARRAY(SELECT CASE WHEN random() < 0.1 THEN NULL ELSE floor(random() * 200)::bigint END
								   FROM generate_series(1, floor(random() * 500)::int))
				 ELSE ids END;
		state := 'ok';
		BEGIN
			CASE fn
			WHEN 'follow' THEN PERFORM follow_graph.follow(a, b);
			WHEN 'unfollow' THEN PERFORM follow_graph.unfollow(a, b);
			WHEN 'is_following' THEN PERFORM follow_graph.is_following(a, b);
			WHEN 'relationship' THEN PERFORM follow_graph.relationship(a, b);
			WHEN 'relationships' THEN PERFORM count(*) FROM follow_graph.relationships(a, arr);
			WHEN 'follower_count' THEN PERFORM follow_graph.follower_count(a);
			WHEN 'following_count' THEN PERFORM follow_graph.following_count(a);
			WHEN 'mutual_count' THEN PERFORM follow_graph.mutual_count(a);
			WHEN 'counts' THEN PERFORM count(*) FROM follow_graph.counts(arr);
			WHEN 'followers' THEN PERFORM count(*) FROM follow_graph.followers(a, p, c);
			WHEN 'following' THEN PERFORM count(*) FROM follow_graph.following(a, p, c);
			WHEN 'mutuals' THEN PERFORM count(*) FROM follow_graph.mutuals(a, p, c);
			WHEN 'common_followers' THEN PERFORM count(*) FROM follow_graph.common_followers(a, b, p, c);
			WHEN 'common_following' THEN PERFORM count(*) FROM follow_graph.common_following(a, b, p, c);
			WHEN 'known_followers' THEN PERFORM count(*) FROM follow_graph.known_followers(a, b, p, c);
			WHEN 'block' THEN PERFORM follow_graph.block(a, b);
			WHEN 'unblock' THEN PERFORM follow_graph.unblock(a, b);
			WHEN 'is_blocking' THEN PERFORM follow_graph.is_blocking(a, b);
			WHEN 'blocks' THEN PERFORM count(*) FROM follow_graph.blocks(a, p, c);
			WHEN 'accept_request' THEN PERFORM follow_graph.accept_request(a, b);
			WHEN 'reject_request' THEN PERFORM follow_graph.reject_request(a, b);
			WHEN 'remove_follower' THEN PERFORM follow_graph.remove_follower(a, b);
			WHEN 'follow_requests' THEN PERFORM count(*) FROM follow_graph.follow_requests(a, p, c);
			WHEN 'request_count' THEN PERFORM follow_graph.request_count(a);
			WHEN 'set_private' THEN PERFORM follow_graph.set_private(a, CASE WHEN p IS NULL THEN NULL ELSE p % 2 = 0 END);
			WHEN 'is_private' THEN PERFORM follow_graph.is_private(a);
			WHEN 'deactivate_account' THEN PERFORM follow_graph.deactivate_account(a);
			WHEN 'reactivate_account' THEN PERFORM follow_graph.reactivate_account(a);
			WHEN 'is_active' THEN PERFORM follow_graph.is_active(a);
			WHEN 'mute' THEN PERFORM follow_graph.mute(a, b, t);
			WHEN 'unmute' THEN PERFORM follow_graph.unmute(a, b);
			WHEN 'is_muting' THEN PERFORM follow_graph.is_muting(a, b);
			WHEN 'mutes' THEN PERFORM count(*) FROM follow_graph.mutes(a, p, c);
			WHEN 'remove_account' THEN PERFORM follow_graph.remove_account(a);
			WHEN 'publish' THEN PERFORM follow_graph.publish(a, c);
			WHEN 'unpublish' THEN PERFORM follow_graph.unpublish(a, c);
			WHEN 'feed' THEN PERFORM count(*) FROM follow_graph.feed(a, p, c);
			WHEN 'author_items' THEN PERFORM count(*) FROM follow_graph.author_items(a, p, c);
			WHEN 'item_count' THEN PERFORM follow_graph.item_count(a);
			WHEN 'forget_items' THEN PERFORM follow_graph.forget_items(c);
			WHEN 'suggest_follows' THEN PERFORM count(*) FROM follow_graph.suggest_follows(a, p);
			WHEN 'dismiss_suggestion' THEN PERFORM follow_graph.dismiss_suggestion(a, b);
			WHEN 'similar_accounts' THEN PERFORM count(*) FROM follow_graph.similar_accounts(a, p);
			WHEN 'known_followers_summary' THEN PERFORM count(*) FROM follow_graph.known_followers_summary(a, arr, p);
			WHEN 'fans' THEN PERFORM count(*) FROM follow_graph.fans(a, p, c);
			WHEN 'not_following_back' THEN PERFORM count(*) FROM follow_graph.not_following_back(a, p, c);
			END CASE;
		EXCEPTION WHEN OTHERS THEN
			state := SQLSTATE;
		END;
		INSERT INTO fuzz_result VALUES (fn, state);
	END LOOP;
END
$fuzz$;
SELECT 'apifuzz calls ' || count(*) FROM fuzz_result;
SELECT 'apifuzz ' || sqlstate || ' ' || count(*) FROM fuzz_result GROUP BY sqlstate ORDER BY sqlstate;
SELECT 'apifuzz verify problems ' || count(*) FROM follow_graph.verify();
