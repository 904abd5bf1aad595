SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- Text input canonicalises: any order, duplicates, whitespace, signs.
SELECT '{}'::idset, '{ }'::idset, '{42}'::idset, '{3,1,2,2,3}'::idset;
SELECT ' { +5 , -7 ,5 } '::idset;
SELECT '{-9223372036854775808,9223372036854775807,0}'::idset;
SELECT '{9223372036854775807,-9223372036854775808}'::idset::bigint[];

-- Malformed text: 22P02 or 22003 with the position.
\set VERBOSITY default
SELECT '{1,2'::idset;
SELECT '{a}'::idset;
SELECT '{1,,2}'::idset;
SELECT '{1}x'::idset;
SELECT '{1 2}'::idset;
SELECT ''::idset;
SELECT '1,2'::idset;
SELECT '{,}'::idset;
SELECT '{-}'::idset;
SELECT '{9223372036854775808}'::idset;
SELECT '{-9223372036854775809}'::idset;
SELECT '{1,99999999999999999999999}'::idset;
\set VERBOSITY sqlstate
SELECT '{1,2'::idset;
SELECT '{9223372036854775808}'::idset;
\set VERBOSITY default

-- Casts.
SELECT ARRAY[5,3,5,-1]::bigint[]::idset;
SELECT '{}'::bigint[]::idset, '{}'::idset::bigint[];
SELECT '{10,2,7}'::idset::bigint[];
SELECT ARRAY[1,NULL]::bigint[]::idset;
SELECT ARRAY[[1,2],[3,4]]::bigint[]::idset;
SELECT (ARRAY[1,2,3]::bigint[])[2:3]::idset;
CREATE TEMP TABLE assign_t (s idset);
INSERT INTO assign_t VALUES (ARRAY[3,2,1]::bigint[]);
SELECT s FROM assign_t;

-- cardinality and unnest.
SELECT cardinality('{}'::idset), cardinality('{7}'::idset), cardinality('{1,1,2}'::idset);
SELECT cardinality(idset(array(SELECT g FROM generate_series(1, 100000) g)));
SELECT * FROM unnest('{}'::idset);
SELECT * FROM unnest('{30,-1,20,9223372036854775807}'::idset);
SELECT count(*), min(x), max(x), bool_and(x % 3 = 0)
FROM unnest(idset(array(SELECT g * 3 FROM generate_series(1, 1000) g))) x;

-- Set algebra.
SELECT '{1,2,3}'::idset & '{2,3,4}', '{1,2,3}'::idset & '{}', '{}'::idset & '{}';
SELECT '{1,2,3}'::idset | '{2,3,4}', '{1}'::idset | '{}', '{}'::idset | '{}';
SELECT '{1,2,3}'::idset - '{2,3,4}'::idset, '{1}'::idset - '{}'::idset, '{}'::idset - '{1}'::idset;
SELECT '{1,3}'::idset + 2, '{1,3}'::idset + 3, '{}'::idset + (-9223372036854775808);
SELECT '{1,2,3}'::idset - 2, '{1,3}'::idset - 2, '{5}'::idset - 5;
SELECT '{-9223372036854775808}'::idset | '{9223372036854775807}';

-- Predicates.
SELECT '{1,2,3}'::idset @> '{1,3}', '{1,2}'::idset @> '{1,3}', '{1}'::idset @> '{}', '{}'::idset @> '{}', '{}'::idset @> '{1}';
SELECT '{1,3}'::idset <@ '{1,2,3}', '{1,4}'::idset <@ '{1,2,3}', '{}'::idset <@ '{}';
SELECT '{1,2}'::idset && '{2,3}', '{1,2}'::idset && '{3}', '{}'::idset && '{}', '{1}'::idset && '{}';
SELECT '{1,2}'::idset @> 2, '{1,2}'::idset @> 3, '{}'::idset @> 0, '{9223372036854775807}'::idset @> 9223372036854775807;
SELECT jaccard('{1,2}', '{2,3}'), jaccard('{1}', '{1}'), jaccard('{1}', '{2}'), jaccard('{}', '{}'), jaccard('{}', '{1}');

-- Equality and the total order ({} first, a proper prefix before longer).
SELECT '{1,2}'::idset = '{2,1}', '{1,2}'::idset = '{1}', '{1,2}'::idset <> '{1}', '{}'::idset = '{}';
SELECT '{}'::idset < '{1}', '{1}'::idset < '{1,2}', '{1,2}'::idset < '{2}', '{-1}'::idset < '{1}';
SELECT '{2}'::idset > '{1,2,3}', '{1}'::idset >= '{1}', '{1}'::idset <= '{1}', '{1,3}'::idset >= '{1,2}';
SELECT idset_cmp('{1,2}', '{1,2}'), idset_cmp('{1,2}', '{1,3}'), idset_cmp('{1,3}', '{1,2}');
SELECT s FROM (VALUES ('{2}'::idset), ('{}'), ('{1,2,3}'), ('{1,2}'), ('{-5}'), ('{1,3}')) v(s) ORDER BY s;
SELECT idset_hash('{1,2}') = idset_hash('{2,1,1}'), idset_hash_extended('{1,2}', 7) = idset_hash_extended('{2,1}', 7);

-- Large sets: the blocked form, comparisons across blocks, galloping.
CREATE TEMP TABLE big AS
SELECT idset(array(SELECT g * 7 FROM generate_series(1, 200000) g)) AS a,
       idset(array(SELECT g * 5 FROM generate_series(1, 200000) g)) AS b,
       '{35,70,71,1399965,1400000,1400007}'::idset AS small;
SELECT cardinality(a & b), cardinality(a | b), cardinality(a - b), cardinality(b - a) FROM big;
SELECT a & small, small & a, cardinality(a - small), a @> small, a @> '{35,70,1400000}'::idset FROM big;
SELECT a @> 1400000::bigint, a @> 1400001::bigint, a @> 7::bigint, a @> 0::bigint FROM big;
SELECT (a + 3) @> 3::bigint, cardinality(a + 3), cardinality(a - 7::bigint), (a - 7::bigint) @> 7::bigint FROM big;
SELECT a = a, a = b, a < b, b < a, a = (a - 7::bigint) + 7 FROM big;
SELECT (a & b)::bigint[] = array(SELECT x FROM unnest(a) x INTERSECT SELECT y FROM unnest(b) y ORDER BY 1) FROM big;
SELECT round(jaccard(a, b)::numeric, 6) FROM big;
-- Sparse sets of similar size take the merge path, dense ones the bitmap.
SELECT cardinality(x & y), (x & y) = idset(array(SELECT g * 3000 FROM generate_series(1, 1000) g)),
       cardinality(x | y), cardinality(x - y)
FROM (SELECT idset(array(SELECT g * 1000 FROM generate_series(1, 3000) g)) AS x,
             idset(array(SELECT g * 1500 FROM generate_series(1, 3000) g)) AS y) s;
SELECT pg_column_size(a) < 200000 * 2 AS compact FROM big;
-- A set with a gap of 2^63 packs no better than raw int64: it uses the raw
-- form (two blocks of it here), with the same results.
CREATE TEMP TABLE wide AS
SELECT idset('{-9223372036854775808}'::bigint[] || array(SELECT g * 3 FROM generate_series(1, 128) g)) AS w,
       '{-9223372036854775808,3,4,300,384,385}'::idset AS probe;
SELECT pg_column_size(w) - 4 - 8 * cardinality(w) AS header_bytes, w & probe, probe & w,
       w @> probe, w @> 384::bigint, w @> 385::bigint, w @> 3::bigint, w @> (-9223372036854775808)::bigint,
       cardinality(w - probe), w - probe <@ w, w > w - 384::bigint, cardinality(w::text::idset & w)
FROM wide;
-- Round trips: text, array and binary send.
SELECT a::text::idset = a, a::bigint[]::idset = a FROM big;
SELECT idset_send('{}'), idset_send('{1,-1}');

-- Binary input through COPY BINARY: a bytea field has the same framing, so
-- COPY bytea out and read it back as idset.
SELECT '/tmp/idset_regress_' || pg_backend_pid() || '.bin' AS wire \gset
CREATE TEMP TABLE wire_in (s idset);
CREATE TEMP TABLE wire_src (b bytea);
INSERT INTO wire_src VALUES (idset_send('{-9223372036854775808,1,9223372036854775807}'));
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
SELECT s FROM wire_in;
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x0100000000');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
SELECT s FROM wire_in ORDER BY s;
-- Corrupt wire values: each is rejected.
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x01000000');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x02000000010000000000000001');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x01000000020000000000000001');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x0100000002000000000000000200000000000000010000000000000003');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x010000000200000000000000010000000000000001');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x01000000010000000000000001ff');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
TRUNCATE wire_src;
INSERT INTO wire_src VALUES ('\x01ffffffff0000000000000001');
COPY wire_src TO :'wire' WITH (FORMAT binary);
COPY wire_in FROM :'wire' WITH (FORMAT binary);
SELECT count(*) FROM wire_in;
\set rm_wire 'rm -f ' :wire
COPY (SELECT 1 WHERE false) TO PROGRAM :'rm_wire';

-- Random text through the input function: only 22P02/22003 errors, and
-- whatever is accepted round-trips to the same canonical value.  Half the
-- inputs are well-formed sets, some of them with one character mutated.
DO $$
DECLARE
	alphabet text[] := ARRAY['{', '}', ',', '-', '+', ' ', '0', '1', '9', '7', 'a', '92233720368547758', '{1,2}', ''];
	numbers text[] := ARRAY['0', '1', '-1', '42', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '+17', '007'];
	t text;
	p int;
	v follow_graph.idset;
	accepted int := 0;
	rejected int := 0;
BEGIN
	PERFORM setseed(0.42);
	FOR i IN 1..20000 LOOP
		t := '';
		IF random() < 0.5 THEN
			FOR j IN 1..(1 + (random() * 12)::int) LOOP
				t := t || alphabet[1 + (random() * 13)::int];
			END LOOP;
		ELSE
			SELECT '{' || coalesce(string_agg(numbers[1 + (random() * 8)::int], ','), '') || '}'
			  INTO t FROM generate_series(1, (random() * 6)::int);
			IF random() < 0.3 THEN
				p := 1 + (random() * (length(t) - 1))::int;
				t := overlay(t placing alphabet[1 + (random() * 12)::int] from p for 1);
			END IF;
		END IF;
		BEGIN
			v := t::follow_graph.idset;
			IF v::text::follow_graph.idset OPERATOR(follow_graph.=) v IS NOT TRUE
				OR v::text <> (SELECT coalesce('{' || string_agg(x::text, ',' ORDER BY x) || '}', '{}')
							   FROM (SELECT DISTINCT x FROM unnest(v::bigint[]) x) d) THEN
				RAISE EXCEPTION 'round trip failed for %', t;
			END IF;
			accepted := accepted + 1;
		EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
			rejected := rejected + 1;
		END;
	END LOOP;
	RAISE NOTICE 'random text: more than 1000 accepted: %, more than 1000 rejected: %',
		accepted > 1000, rejected > 1000;
END
$$;
