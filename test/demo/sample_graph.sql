-- A sample social graph: 5,000 accounts with a skewed (power-law-ish)
-- number of followers, one celebrity followed by about half of everyone who
-- follows back 1% of them, and accounts that follow back now and then.
-- Deterministic: setseed fixes every random choice.
CREATE EXTENSION follow_graph;
SELECT setseed(0.42) \gset

CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
-- snowflake-like sparse ids; account 1 is the celebrity
INSERT INTO accounts
SELECT CASE WHEN g = 1 THEN 1 ELSE 1150000000000000000 + g * 7919 END,
       CASE WHEN g = 1 THEN 'celebrity'
            ELSE (ARRAY['alice','bob','carol','dave','erin','frank','grace','heidi','ivan','judy'])[1 + g % 10] || g END
FROM generate_series(1, 5000) AS g;

-- Each account follows ~12 others: 30% of the picks strongly biased towards
-- low numbers (popular accounts), the rest uniform, so in-degrees have a
-- long tail.
CREATE TEMP TABLE staging AS
SELECT DISTINCT a.id AS follower, b.id AS followee
FROM accounts a
CROSS JOIN LATERAL (
	SELECT 1150000000000000000 + (2 + floor(4998 * CASE WHEN random() < 0.3
	           THEN power(random(), 3) ELSE random() END))::bigint * 7919 AS id
	FROM generate_series(1, 12) WHERE a.id > 0) AS b
WHERE a.id <> b.id;

-- half of everyone follows the celebrity
INSERT INTO staging SELECT id, 1 FROM accounts WHERE id <> 1 AND random() < 0.5;

SELECT count(*) AS follows FROM (
	SELECT follow_graph.follow(follower, followee) FROM staging ORDER BY random()) AS s \gset
\echo loaded :follows follows

-- the celebrity follows back about 1% of its followers; others follow back 30%
SELECT count(*) FROM (
	SELECT follow_graph.follow(s.followee, s.follower) FROM staging s
	WHERE (s.followee = 1 AND random() < 0.01) OR (s.followee <> 1 AND random() < 0.3)) AS s \gset
\echo loaded :count follow-backs
ANALYZE;
