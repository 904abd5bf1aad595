-- The unrolled decoder for wide gaps (bit widths 25 to 56, the sparse
-- 62-bit ids of snowflake-like keys; used with follow_graph.idset_simd on):
-- blocks of every width from 23 to 58 whose gaps all use their top bit
-- (drawn in [2^(w-1), 2^w)), so every group of eight gaps spans whole words
-- at every bit offset; lengths around the group of eight and the block of
-- 128.  Each set decodes to its values, and its intersection with a set
-- sharing every third value (plus values of its own) gives, with each
-- kernel, what plain SQL INTERSECT gives.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SELECT setseed(0.25);
CREATE TEMP TABLE wide AS
SELECT w, n, array_agg(v ORDER BY i) AS arr
FROM (SELECT w, n, i, (-9223372036854775808::numeric
		+ sum(CASE WHEN i = 0 THEN 0
				   ELSE 2::numeric ^ (w - 1) + floor(random() * 2 ^ (w - 1))::numeric END)
		  OVER (PARTITION BY w, n ORDER BY i)) AS v
	  FROM generate_series(23, 58) w,
		   (VALUES (1), (2), (8), (9), (10), (16), (17), (24), (127), (128), (129), (136), (255), (256), (257)) s(n),
		   generate_series(0, n - 1) i) x
GROUP BY w, n
HAVING max(v) <= 9223372036854775807;
ALTER TABLE wide ALTER COLUMN arr TYPE bigint[] USING arr::bigint[];
-- The other side: every third value of arr and a value between each pair.
ALTER TABLE wide ADD COLUMN other bigint[];
UPDATE wide SET other = array(
	SELECT x FROM (SELECT x, o FROM unnest(arr) WITH ORDINALITY u(x, o) WHERE o % 3 = 1
				   UNION ALL
				   SELECT x + 1, o FROM unnest(arr) WITH ORDINALITY u(x, o) WHERE o % 2 = 0 AND x < 9223372036854775807) y
	ORDER BY x);
SELECT count(*) AS shapes, min(w) AS narrowest, max(w) AS widest,
	count(*) FILTER (WHERE w BETWEEN 25 AND 56) AS wide_shapes FROM wide;

CREATE FUNCTION pg_temp.wide_failures() RETURNS TABLE (w int, n int, what text)
LANGUAGE sql AS $$
	SELECT w, n, what FROM (
		SELECT w, n, arr, idset(arr) AS s, idset(other) AS t,
			   array(SELECT unnest(arr) INTERSECT SELECT unnest(other) ORDER BY 1) AS want
		FROM wide) z,
	LATERAL (VALUES
		('cast', s::bigint[] = arr),
		('unnest', (SELECT array_agg(x) FROM unnest(s) x) = arr),
		('text', s::text::idset::bigint[] = arr),
		('and', (s & t)::bigint[] = want),
		('and reversed', (t & s)::bigint[] = want),
		('count', cardinality(s & t) = cardinality(want)),
		('count fn', idset_intersect_cardinality(s, t) = cardinality(want)),
		('contains', s @> idset(want) AND (cardinality(want) = 0 OR s && t))) c(what, ok)
	WHERE NOT ok
$$;
SELECT 'simd' AS kernel, * FROM pg_temp.wide_failures();
SET follow_graph.idset_simd = off;
SELECT 'portable' AS kernel, * FROM pg_temp.wide_failures();
RESET follow_graph.idset_simd;
