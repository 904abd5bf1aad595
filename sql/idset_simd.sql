-- idset decoding with the SIMD kernel and with the portable code
-- (follow_graph.idset_simd = on / off): the same answers on values stored by
-- 0.1.0 and 0.2.0 (the stored form did not change in 0.3.0) and on blocks of
-- every bit width, through every reader: cast, unnest, the intersection
-- paths (bitmap, block merge, galloping), overlap and containment.  On a CPU
-- without AVX2 both settings run the portable code and the output is the
-- same.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

SHOW follow_graph.idset_simd;

-- Stored forms as the 0.2.0 encoder wrote them (the same bytes as a build of
-- v0.2.0's src/idset_format.c; native byte order, little-endian on every
-- platform we build for), read back through a binary-coercible cast: three
-- blocks of width 3 (the last one short), one block of width 0, the raw
-- form, and width 40 with a 2-value tail.
CREATE CAST (bytea AS follow_graph.idset) WITHOUT FUNCTION;
-- Every step-th element of a, from position start.
CREATE FUNCTION pg_temp.every(a bigint[], step int, start int DEFAULT 1) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(x ORDER BY o), '{}') FROM unnest(a) WITH ORDINALITY u(x, o)
	WHERE o >= start AND (o - start) % step = 0
$$;
CREATE TEMP TABLE old_values (name text, v idset, want bigint[]);
INSERT INTO old_values VALUES
	('width 3, 300 values',
	 '\x010100002c01000006000000000000008502000000000000070500000000000030000000600000007100000003030355ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab16ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5a156ad5aa55ab56ad5ab56ad5aa55ab56ad00'::bytea::idset,
	 array(SELECT g * 5 + (g % 3) FROM generate_series(1, 300) g)),
	('width 0, 206 values',
	 '\x01010000ce000000fbffffffffffffff7b0000000000000000000000000000000000'::bytea::idset,
	 array(SELECT g FROM generate_series(-5, 200) g)),
	('raw, both ends of bigint',
	 '\x01000000020000000000000000000080ffffffffffffff7f'::bytea::idset,
	 '{-9223372036854775808,9223372036854775807}'),
	('width 40, 130 values',
	 '\x0101000082000000ef1e0000000100006f960f00008100008b020000910200002929ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040770f000080ee1e000000dd3d000000ba7b00000074f7000000e8ee010000d0dd030000a0bb07000040ee1e00000001'::bytea::idset,
	 array(SELECT g::bigint << 40 | (g * 7919) FROM generate_series(1, 130) g));

-- Every reader, with each kernel: decoded values, text, unnest, equality
-- and hash with a freshly built value (so the encoder still writes these
-- bytes), membership, and intersections on each path.
CREATE TEMP TABLE old_checks AS
SELECT name, v::bigint[] = want AS cast_ok,
	v::text = idset(want)::text AS text_ok,
	(SELECT array_agg(x) FROM unnest(v) x) = want AS unnest_ok,
	v = idset(want) AND idset_hash(v) = idset_hash(idset(want)) AS same_bytes,
	v @> want[cardinality(want) / 2 + 1] AS member,
	(v & idset(want)) = v AS self_and,
	(v & idset(pg_temp.every(want, 2)))::bigint[] = pg_temp.every(want, 2) AS strided_and,
	(v & idset(want[2:2])) = idset(want[2:2]) AS gallop_and,
	v && idset(want[cardinality(want):]) AND v @> idset(want[3:5]) AS overlap_contains
FROM old_values;
SET follow_graph.idset_simd = off;
SHOW follow_graph.idset_simd;
INSERT INTO old_checks
SELECT name || ' (portable)', v::bigint[] = want,
	v::text = idset(want)::text,
	(SELECT array_agg(x) FROM unnest(v) x) = want,
	v = idset(want) AND idset_hash(v) = idset_hash(idset(want)),
	v @> want[cardinality(want) / 2 + 1],
	(v & idset(want)) = v,
	(v & idset(pg_temp.every(want, 2)))::bigint[] = pg_temp.every(want, 2),
	(v & idset(want[2:2])) = idset(want[2:2]),
	v && idset(want[cardinality(want):]) AND v @> idset(want[3:5])
FROM old_values;
RESET follow_graph.idset_simd;
SELECT * FROM old_checks ORDER BY name;

-- A damaged value: the second block's first value moved below the first
-- block's last.  Decoding it whole and the block merge of & both refuse it.
SELECT '\x010100002c01000006000000000000000500000000000000070500000000000030000000600000007100000003030355ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab16ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5a156ad5aa55ab56ad5ab56ad5aa55ab56ad00'::bytea::idset::bigint[];
SELECT cardinality('\x010100002c01000006000000000000000500000000000000070500000000000030000000600000007100000003030355ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab16ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5ab56ad5aa55ab56ad5a156ad5aa55ab56ad5ab56ad5aa55ab56ad00'::bytea::idset
	& idset(array(SELECT g * 5 + (g % 3) FROM generate_series(1, 300) g)));
DROP CAST (bytea AS follow_graph.idset);

-- Blocks of every width w from 0 to 64: gaps drawn below 2^w (below 256
-- from w = 25 on, so that the values stay inside bigint) plus one gap of
-- exactly 2^w - 1 in each block, so each block is packed at width w; sizes
-- around the block (128) and the SIMD group (8), and a 3000-value set that
-- takes the bitmap path.  Shapes that would pass the top of bigint are left
-- out (the widest blocks fit only once or twice).
SELECT setseed(0.15);
CREATE TEMP TABLE shapes AS
SELECT w, n, array_agg(v ORDER BY i) AS arr
FROM (SELECT w, n, i, (-9223372036854775808::numeric
		+ sum(CASE WHEN i = 0 THEN 0
				   WHEN i % 128 = 1 THEN 2::numeric ^ w
				   ELSE 1 + floor(random() * CASE WHEN w <= 24 THEN 2 ^ w ELSE 256 END)::numeric END)
		  OVER (PARTITION BY w, n ORDER BY i)) AS v
	  FROM generate_series(0, 64) w,
		   (VALUES (1), (2), (9), (16), (17), (127), (128), (129), (300), (1000), (3000)) s(n),
		   generate_series(0, n - 1) i
	  WHERE n < 3000 OR w <= 7) x
GROUP BY w, n
HAVING max(v) <= 9223372036854775807;
ALTER TABLE shapes ALTER COLUMN arr TYPE bigint[] USING arr::bigint[];
SELECT count(*) AS shapes, count(DISTINCT w) AS widths, max(w) AS widest FROM shapes;

-- The same checks with each kernel; failures are listed by shape.
CREATE FUNCTION pg_temp.shape_failures() RETURNS TABLE (w int, n int, what text)
LANGUAGE sql AS $$
	SELECT w, n, what FROM (
		SELECT w, n, s, arr,
			   idset(pg_temp.every(arr, 2)) AS half,
			   idset(pg_temp.every(arr, 3)) AS third
		FROM (SELECT w, n, idset(arr) AS s, arr FROM shapes) z) y,
	LATERAL (VALUES
		('cast', s::bigint[] = arr),
		('unnest', (SELECT array_agg(x) FROM unnest(s) x) = arr),
		('cardinality', cardinality(s) = cardinality(arr)),
		('half', (s & half)::bigint[] = pg_temp.every(arr, 2)),
		('third', (half & s & third)::bigint[] = pg_temp.every(arr, 6)),
		('gallop', (s & idset(arr[n / 2 + 1:n / 2 + 1])) = idset(arr[n / 2 + 1:n / 2 + 1])),
		('union', (half | third)::bigint[] = array(SELECT unnest(pg_temp.every(arr, 2)) UNION SELECT unnest(pg_temp.every(arr, 3)) ORDER BY 1)),
		('minus', (s - half)::bigint[] = pg_temp.every(arr, 2, 2) OR (n = 1 AND cardinality(s - half) = 0)),
		('overlap', s && third AND s @> half AND half <@ s),
		('jaccard', jaccard(s, half) = cardinality(half)::float8 / n)) c(what, ok)
	WHERE NOT ok
$$;
SELECT 'simd' AS kernel, * FROM pg_temp.shape_failures();
SET follow_graph.idset_simd = off;
SELECT 'portable' AS kernel, * FROM pg_temp.shape_failures();
RESET follow_graph.idset_simd;
SELECT count(*) * 10 AS checks_per_kernel FROM shapes;

-- The setting is per session and accepts only booleans.
SET follow_graph.idset_simd = 'maybe';
