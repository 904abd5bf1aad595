-- test/reliability/apifuzz.sql: targeted fuzzing of the API, run by
-- sqlsmith.sh after sqlsmith (which rarely picks our functions among the
-- thousands in pg_catalog).  Calls random API functions with random and
-- extreme arguments (NULL, 0, negative, INT64_MIN/MAX, page sizes out of
-- range, arrays with NULLs, empty and two-dimensional arrays), each in its
-- own subtransaction; prints how many calls ran, the SQLSTATEs of the ones
-- that failed, and verify() at the end.  A crash ends the script early.
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
						'known_followers'];
	fn text; a bigint; b bigint; p int; c bigint; arr bigint[]; state text;
BEGIN
	PERFORM setseed(0.7);
	FOR i IN 1..20000 LOOP
		fn := fns[1 + floor(random() * array_length(fns, 1))::int];
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
