-- Review of the 0.4.0 wide-gap decoder (idset_format.c, widths 25-56) and
-- of the streamed intersection's TOAST slices of at most 48 chunks
-- (idset_stream.c): shapes idset_wide.sql and idset_stream.sql do not
-- reach.
-- 1. Blocks of width 56 whose first value puts the decoder's guard
--    ((k - 1) << w <= room) exactly at its bound, one past and one short,
--    and a block of width 56 ending at 9223372036854775807.
-- 2. Sets stored out of line whose gaps all have one width (25, 26, 44),
--    sized so that the packed gaps of the last segment the streamed
--    intersection reads end one byte before, exactly at and one byte past
--    the end of 48 TOAST chunks from the chunk where they start (one slice
--    read in place, or pieces copied); full segments of these widths are
--    always read in pieces.  The last segment ends at the last byte of the
--    value.
-- Every result equals the one computed from the values in memory, with the
-- SIMD kernels on and off.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- n values from v0 with gaps d_i in [2^(w-1), 2^w) (so every block of 128
-- has width w), as a bigint array
CREATE FUNCTION pg_temp.uniform(v0 numeric, n int, w int) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT array_agg(v::bigint ORDER BY i) FROM (
		SELECT i, v0 + sum(CASE WHEN i = 0 THEN 0
								ELSE 2::numeric ^ (w - 1) + (i::numeric * 7919 * 104729) % (2::numeric ^ (w - 1)) + 1 END)
				   OVER (ORDER BY i) AS v
		FROM generate_series(0, n - 1) AS i) AS s
$$;

-- 1. the guard of the wide decoder at its bound (w = 56, k = 128: the
-- block may climb 127 * 2^56 from its first value, 2^56 - 1 when that is
-- exactly the room left), with gaps 2^55 + 1 apart
CREATE TEMP TABLE guard (name text, arr bigint[]);
INSERT INTO guard
	SELECT name, array_agg((v0 + i * (2::numeric ^ 55 + 1) + CASE WHEN i = 127 THEN 2::numeric ^ 55 - 2 ELSE 0 END)::bigint ORDER BY i)
	FROM (VALUES ('fits by 1', 72057594037927934::numeric), ('fits exactly', 72057594037927935),
				 ('misses by 1', 72057594037927936)) AS s(name, v0),
		 generate_series(0, 127) AS i
	GROUP BY name;
-- a block of width 56 whose last value is the largest bigint
INSERT INTO guard SELECT 'top', array_agg((9223372036854775807 - (127 - i) * (2::numeric ^ 55 + 7))::bigint ORDER BY i)
	FROM generate_series(0, 127) AS i;
-- and two blocks of 56, the second starting right after the first
INSERT INTO guard SELECT 'two blocks', array_agg((-9223372036854775808 + i * (2::numeric ^ 55 + 3))::bigint ORDER BY i)
	FROM generate_series(0, 255) AS i;
SELECT name, cardinality(arr), arr[1], arr[cardinality(arr)] FROM guard ORDER BY 1;
CREATE FUNCTION pg_temp.guard_bad() RETURNS TABLE (name text, what text) LANGUAGE sql AS $$
	SELECT name, what FROM guard AS g,
		LATERAL (VALUES ('cast', idset(g.arr)::bigint[] = g.arr),
						('text', idset(g.arr)::text::idset::bigint[] = g.arr),
						('and', (idset(g.arr) & idset(g.arr[2:100]))::bigint[] = g.arr[2:100]),
						('count', idset_intersect_cardinality(idset(g.arr), idset(g.arr[50:128])) = 79),
						('last', (SELECT max(x) FROM unnest(idset(g.arr)) AS x) = g.arr[cardinality(g.arr)]))
			AS c(what, ok)
	WHERE NOT ok
$$;
SELECT 'simd' AS kernel, * FROM pg_temp.guard_bad();
SET follow_graph.idset_simd = off;
SELECT 'portable' AS kernel, * FROM pg_temp.guard_bad();
RESET follow_graph.idset_simd;

-- 2. stored sets of one width; x is walked in segments of 256 blocks (it
-- has fewer blocks than y = every third value of x and each value of x
-- plus one), so each slice of its packed gaps starts at a known offset:
-- 8 + 13 * blocks + 256 * segment * bytes per block
CREATE TEMP TABLE stored (name text, w int, n int, x idset, y idset);
INSERT INTO stored (name, w, n)
	VALUES ('w25 end - 1', 25, 63556), ('w25 end + 1', 25, 128987),
		   ('w26 end', 26, 62368), ('w44 end - 1', 44, 50234),
		   ('w44 end', 44, 82888), ('w44 end + 1', 44, 115542);
UPDATE stored SET x = idset(pg_temp.uniform(-9223372036854775808 + 5, n, w));
UPDATE stored SET y = idset(ARRAY(SELECT v FROM unnest(x) WITH ORDINALITY AS u(v, o) WHERE o % 3 = 1
								  UNION ALL SELECT v + 1 FROM unnest(x) AS v ORDER BY 1));
-- out of line and not compressed (the streamed path), and where the last
-- segment's packed gaps end against the 48-chunk bound (1996-byte chunks)
SELECT name, cardinality(x) AS n, cardinality(y) > cardinality(x) AS y_larger,
	pg_column_compression(x) IS NULL AND pg_column_size(x) > 2100 AS x_streamed,
	pg_column_compression(y) IS NULL AND pg_column_size(y) > 2100 AS y_streamed,
	e.last_end - ((e.last_off / 1996 + 48) * 1996) AS end_past_bound,
	e.last_end = pg_column_size(x) AS ends_value
FROM stored,
	LATERAL (SELECT ceil(127 * w / 8.0)::int AS bytes, (n + 127) / 128 AS blocks) AS b,
	LATERAL (SELECT 8 + 13 * blocks + 256 * ((blocks - 1) / 256) * bytes AS last_off) AS o,
	LATERAL (SELECT last_off + (blocks - 1 - 256 * ((blocks - 1) / 256)) * bytes
					+ ceil((n - 128 * (blocks - 1) - 1) * w / 8.0)::int AS last_end) AS e0,
	LATERAL (SELECT o.last_off, e0.last_end) AS e
ORDER BY 1;

-- the reference: x | '{}' is in memory, so its intersection with y
-- detoasts y whole
CREATE FUNCTION pg_temp.stored_bad() RETURNS TABLE (name text, what text) LANGUAGE sql AS $$
	SELECT name, what FROM stored AS s,
		LATERAL (SELECT (s.x | '{}'::idset) & s.y AS r) AS ref,
		LATERAL (VALUES ('count', idset_intersect_cardinality(s.x, s.y) = cardinality(ref.r)),
						('count reversed', idset_intersect_cardinality(s.y, s.x) = cardinality(ref.r)),
						('and', s.x & s.y = ref.r),
						('and reversed', s.y & s.x = ref.r),
						('third', cardinality(ref.r) = (s.n + 2) / 3),
						('decoded', s.x::bigint[] = pg_temp.uniform(-9223372036854775808 + 5, s.n, s.w)))
			AS c(what, ok)
	WHERE NOT ok
$$;
SELECT 'simd' AS kernel, * FROM pg_temp.stored_bad();
SET follow_graph.idset_simd = off;
SELECT 'portable' AS kernel, * FROM pg_temp.stored_bad();
RESET follow_graph.idset_simd;
