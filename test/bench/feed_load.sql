-- test/bench/feed_load.sql: items for the home feed bench (feed.sh), on top
-- of the read bench's graph (run.sh, load.sql).  psql variable :items is the
-- number of items wanted.
--
-- Every account with an edge gets a Zipf-distributed number of items: the
-- accounts ranked in a fixed pseudo-random order, rank r publishing about
-- items * r^-1.1 / H (s = 1.1, so the top 10% of accounts make about 90% of
-- the items).  Item ids are time-ordered: each item gets a random time, and
-- ids follow the times (id = 1000 * position in time + author mod 1000, so
-- they are unique and scattered like snowflake ids).
--
-- The same rows go into the baseline, bench.posts (id PRIMARY KEY, author)
-- with a btree on (author, id DESC), and into follow_graph.item, whose
-- indexes are then rebuilt (both sides freshly built), with the item counts
-- written into the counter.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS bench.posts, bench.feed_viewer;
TRUNCATE follow_graph.item;
UPDATE follow_graph.counter SET items = 0 WHERE items <> 0;

CREATE TEMP TABLE acct AS
	SELECT a.id, row_number() OVER (ORDER BY hashint8(a.id), a.id) AS rank
	FROM (SELECT DISTINCT account AS id FROM follow_graph.counter) AS a;
CREATE TEMP TABLE quota AS
	SELECT a.id, floor(:items * power(a.rank, -1.1) / s.h + random())::int AS n
	FROM acct AS a, (SELECT sum(power(rank, -1.1)) AS h FROM acct) AS s;
SELECT setseed(0.2026);
CREATE TEMP TABLE raw AS
	SELECT q.id AS author, random() AS t FROM quota AS q, generate_series(1, q.n) WHERE q.n > 0;

CREATE TABLE bench.posts (id bigint NOT NULL, author bigint NOT NULL);
INSERT INTO bench.posts
	SELECT 1000 * row_number() OVER (ORDER BY r.t) + abs(r.author % 1000), r.author FROM raw AS r;
ALTER TABLE bench.posts ADD PRIMARY KEY (id);
CREATE INDEX posts_author_id ON bench.posts (author, id DESC);

INSERT INTO follow_graph.item (author, item) SELECT author, id FROM bench.posts ORDER BY id;
REINDEX TABLE follow_graph.item;
UPDATE follow_graph.counter AS c SET items = q.n
FROM (SELECT author, count(*) AS n FROM follow_graph.item GROUP BY author) AS q
WHERE c.account = q.author
  AND c.stripe = (SELECT min(k.stripe) FROM follow_graph.counter AS k WHERE k.account = q.author);
DROP TABLE raw;
-- 0.3.0: each author's bound (its newest item), as the upgrade fills it
DO $$ BEGIN
	IF to_regclass('follow_graph.item_bound') IS NOT NULL THEN
		TRUNCATE follow_graph.item_bound;
		INSERT INTO follow_graph.item_bound (author, newest)
		SELECT author, max(item) FROM follow_graph.item GROUP BY author;
	END IF;
END $$;

-- Viewers: for each target number of followees, the 5 accounts whose
-- following count is closest to it.
CREATE TABLE bench.feed_viewer AS
	SELECT g.target, row_number() OVER (PARTITION BY g.target ORDER BY x.dist, x.account) AS i,
		   x.account AS id, x.following
	FROM (VALUES (10), (100), (300), (1000), (3000), (10000)) AS g(target),
		 LATERAL (SELECT c.account, sum(c.following) AS following,
						 abs(sum(c.following) - g.target) AS dist
				  FROM follow_graph.counter AS c GROUP BY c.account
				  ORDER BY abs(sum(c.following) - g.target), c.account LIMIT 5) AS x;
ALTER TABLE bench.feed_viewer ADD COLUMN before20 bigint;
-- the cursor of page 20: the last item of page 19
UPDATE bench.feed_viewer AS v
SET before20 = (SELECT min(f.item) FROM follow_graph.feed(v.id, 950) AS f);

VACUUM ANALYZE follow_graph.item;
SELECT to_regclass('follow_graph.item_bound') IS NOT NULL AS has_bound \gset
\if :has_bound
VACUUM ANALYZE follow_graph.item_bound;
\endif
VACUUM ANALYZE follow_graph.counter;
VACUUM ANALYZE bench.posts;
VACUUM ANALYZE bench.feed_viewer;
CHECKPOINT;

SELECT (SELECT count(*) FROM bench.posts) AS items,
	   (SELECT count(*) FROM follow_graph.item) AS fg_items,
	   (SELECT sum(items) FROM follow_graph.counter) AS counted,
	   (SELECT round(100.0 * sum(n) FILTER (WHERE rank <= (SELECT count(*) / 10 FROM acct)) / sum(n), 1)
		FROM quota JOIN acct USING (id)) AS top10_pct,
	   (SELECT max(n) FROM quota) AS max_per_author;
