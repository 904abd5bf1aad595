-- test/bench/load.sql: load the generated graph (already in bench.raw) into
-- follow_graph and into the plain-SQL baseline, verify both, and pick the
-- accounts the benchmark uses.  Run by run.sh with psql -v ON_ERROR_STOP=1.
\set QUIET on
SET client_min_messages = warning;

-- One timestamp per edge, shared by both schemas.
CREATE UNLOGGED TABLE bench.stage AS
	SELECT follower, followee,
		   timestamptz '2016-01-01 00:00:00+00' + t * interval '1 microsecond' AS followed_at
	FROM bench.raw;
DROP TABLE bench.raw;

--------------------------------------------------------------------------
-- Baseline: the plain-SQL design a competent user would write, with every
-- index its queries need.  Loaded in primary-key order, indexes built after.
--------------------------------------------------------------------------
CREATE TABLE bench.base (
	follower	bigint		NOT NULL,
	followee	bigint		NOT NULL,
	created_at	timestamptz	NOT NULL
);
INSERT INTO bench.base
	SELECT follower, followee, followed_at FROM bench.stage ORDER BY follower, followee;
ALTER TABLE bench.base ADD PRIMARY KEY (follower, followee);
CREATE UNIQUE INDEX base_followee_follower ON bench.base (followee, follower);
CREATE INDEX base_followee_created ON bench.base (followee, created_at DESC, follower);
CREATE INDEX base_follower_created ON bench.base (follower, created_at DESC, followee);

--------------------------------------------------------------------------
-- follow_graph: import_edges() when the tree has it, else the storage is
-- written directly (superuser): edges in the same physical order as the
-- baseline, seq in followed_at order (ties: follower descending, so a
-- followers page newest first has the baseline's tie order), one counter
-- stripe per account.
--------------------------------------------------------------------------
SELECT to_regprocedure('follow_graph.import_edges(regclass)') IS NOT NULL AS has_import \gset
\if :has_import
\echo loading follow_graph with follow_graph.import_edges()
SELECT follow_graph.import_edges('bench.stage'::regclass);
\else
INSERT INTO follow_graph.edge (follower, followee, seq, followed_at)
	SELECT follower, followee, seq, followed_at
	FROM (SELECT s.*, row_number() OVER (ORDER BY followed_at, follower DESC, followee DESC) AS seq
		  FROM bench.stage AS s) AS x
	ORDER BY follower, followee;
SELECT setval('follow_graph.edge_seq', (SELECT max(seq) FROM follow_graph.edge)) AS last_seq \gset
INSERT INTO follow_graph.counter (account, stripe, followers, following, mutuals)
	SELECT account, 0, sum(fr), sum(fg), sum(mu)
	FROM (SELECT followee AS account, 1 AS fr, 0 AS fg, 0 AS mu FROM bench.stage
		  UNION ALL
		  SELECT follower, 0, 1, 0 FROM bench.stage
		  UNION ALL
		  SELECT a.follower, 0, 0, 1 FROM bench.stage AS a
		  JOIN bench.stage AS b ON b.follower = a.followee AND b.followee = a.follower) AS u
	GROUP BY account ORDER BY account;
-- The indexes were filled in random order; rebuild them so both schemas are
-- measured freshly built (same fill as the baseline's CREATE INDEX).
REINDEX TABLE follow_graph.edge;
REINDEX TABLE follow_graph.counter;
\endif
DROP TABLE bench.stage;

--------------------------------------------------------------------------
-- Exactness: the same edges in both schemas, and every account's stored
-- counts equal to count(*) over the baseline.
--------------------------------------------------------------------------
SELECT (SELECT count(*) FROM follow_graph.edge) AS ext_edges,
	   (SELECT count(*) FROM bench.base) AS base_edges \gset
SELECT count(*) AS edge_diff FROM (
	SELECT follower, followee, followed_at FROM follow_graph.edge
	EXCEPT
	SELECT follower, followee, created_at FROM bench.base) AS d \gset
CREATE TABLE bench.truth AS
	SELECT account, sum(fr)::bigint AS followers, sum(fg)::bigint AS following, sum(mu)::bigint AS mutuals
	FROM (SELECT followee AS account, 1 AS fr, 0 AS fg, 0 AS mu FROM bench.base
		  UNION ALL
		  SELECT follower, 0, 1, 0 FROM bench.base
		  UNION ALL
		  SELECT a.follower, 0, 0, 1 FROM bench.base AS a
		  JOIN bench.base AS b ON b.follower = a.followee AND b.followee = a.follower) AS u
	GROUP BY account;
SELECT count(*) AS count_diff FROM bench.truth AS t
	FULL JOIN (SELECT account, sum(followers) AS followers, sum(following) AS following,
					  sum(mutuals) AS mutuals
			   FROM follow_graph.counter GROUP BY account) AS c USING (account)
	WHERE coalesce(t.followers, 0) <> coalesce(c.followers, 0)
	   OR coalesce(t.following, 0) <> coalesce(c.following, 0)
	   OR coalesce(t.mutuals, 0) <> coalesce(c.mutuals, 0) \gset
\echo edges: follow_graph :ext_edges, baseline :base_edges, differing :edge_diff; accounts with a wrong count: :count_diff
SELECT :ext_edges = :base_edges AND :edge_diff = 0 AND :count_diff = 0 AS load_ok \gset
\if :load_ok
\else
\warn 'LOAD CHECK FAILED: the two schemas do not hold the same graph'
SELECT 1/0 AS load_check_failed;
\endif

--------------------------------------------------------------------------
-- The accounts the benchmark uses, chosen deterministically.
--------------------------------------------------------------------------
-- The celebrity: the account with the most followers.
CREATE TABLE bench.celeb AS
	SELECT account AS id, followers, following, mutuals FROM bench.truth
	ORDER BY followers DESC, account LIMIT 1;

-- Every account with an edge, in a fixed pseudo-random order.
CREATE TABLE bench.account AS
	SELECT row_number() OVER (ORDER BY hashint8(account), account) AS n, account AS id
	FROM bench.truth;
CREATE UNIQUE INDEX ON bench.account (n);

-- Viewers: accounts that follow at least 10 others when there are enough.
CREATE TABLE bench.viewer AS
	SELECT row_number() OVER (ORDER BY following >= 10 DESC, hashint8(account), account) AS i,
		   account AS id
	FROM bench.truth WHERE following > 0 AND account <> (SELECT id FROM bench.celeb)
	ORDER BY following >= 10 DESC, hashint8(account), account LIMIT 1000;
CREATE UNIQUE INDEX ON bench.viewer (i);

-- is_following pairs: half existing edges, half pairs of random accounts.
CREATE TABLE bench.pair AS
	SELECT row_number() OVER () AS i, a, b FROM (
		(SELECT follower AS a, followee AS b FROM bench.base
		 ORDER BY hashint8(follower # followee), follower, followee LIMIT 500)
		UNION ALL
		(SELECT x.id, y.id FROM bench.account AS x
		 JOIN bench.account AS y ON y.n = (x.n * 7919) % (SELECT count(*) FROM bench.account) + 1
		 WHERE x.id <> y.id ORDER BY x.n LIMIT 500)) AS p;
CREATE UNIQUE INDEX ON bench.pair (i);

-- relationships cases: a viewer and a page of 100 distinct profiles, as a
-- timeline or search page would show them: some the viewer follows, some
-- that follow the viewer, the rest anyone.
CREATE TABLE bench.rel_case AS
	SELECT v.i, v.id AS viewer, ARRAY(
		SELECT t FROM (
			(SELECT followee AS t, 1 AS pri FROM bench.base WHERE follower = v.id LIMIT 34)
			UNION ALL
			(SELECT follower, 2 FROM bench.base WHERE followee = v.id LIMIT 33)
			UNION ALL
			(SELECT a.id, 3 FROM bench.account AS a
			 WHERE a.n > (v.i * 7919) % (SELECT count(*) FROM bench.account)
			 ORDER BY a.n LIMIT 120)) AS x
		WHERE t <> v.id GROUP BY t ORDER BY min(pri), hashint8(t), t LIMIT 100) AS targets
	FROM bench.viewer AS v;
CREATE UNIQUE INDEX ON bench.rel_case (i);

-- The deep page: the last row before 80% depth of the celebrity's
-- followers, newest first (walked once, outside timing).
CREATE TABLE bench.deep AS
	SELECT e.seq AS cursor, e.followed_at, e.follower
	FROM follow_graph.edge AS e
	WHERE e.followee = (SELECT id FROM bench.celeb)
	ORDER BY e.seq DESC
	OFFSET greatest((SELECT followers FROM bench.celeb) * 8 / 10 - 1, 0) LIMIT 1;

DROP TABLE bench.truth;
VACUUM (ANALYZE) bench.base, follow_graph.edge, follow_graph.counter;
VACUUM ANALYZE bench.celeb, bench.account, bench.viewer, bench.pair, bench.rel_case, bench.deep;
CHECKPOINT;
