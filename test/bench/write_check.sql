-- Compare stored counts with a recomputation from the edges, for both the
-- extension (:'schema' = follow_graph) and the baseline (:'schema' = base).
SELECT :'schema' AS schema, CASE WHEN pg_catalog.count(*) = 0 THEN 'ok' ELSE 'mismatch' END AS counts FROM (
	SELECT account, sum(followers) AS fr, sum(following) AS fg, sum(mutuals) AS mu
	FROM :"schema".counter GROUP BY account) AS c
FULL JOIN (
	SELECT a AS account, sum(fr) AS fr, sum(fg) AS fg, sum(mu) AS mu FROM (
		SELECT followee AS a, 1 AS fr, 0 AS fg, 0 AS mu FROM :"schema".edge
		UNION ALL SELECT follower, 0, 1, 0 FROM :"schema".edge
		UNION ALL SELECT e.follower, 0, 0, 1 FROM :"schema".edge AS e
			JOIN :"schema".edge AS r ON r.follower = e.followee AND r.followee = e.follower) AS x
	GROUP BY a) AS r USING (account)
WHERE coalesce(c.fr, 0) <> coalesce(r.fr, 0) OR coalesce(c.fg, 0) <> coalesce(r.fg, 0)
	OR coalesce(c.mu, 0) <> coalesce(r.mu, 0);
