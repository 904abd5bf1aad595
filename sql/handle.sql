SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- The literals below are UTF-8; in another database encoding this file
-- skips itself (expected/handle_1.out).
SELECT getdatabaseencoding() = 'UTF8' AS utf8_db \gset
\if :utf8_db
\else
\echo 'skipped: database encoding is not UTF8'
\quit
\endif

--
-- Normalisation: display form kept (NFC), identity by NFKC_Casefold key.
--
SELECT h AS display, handle_key(h) AS key
FROM (VALUES ('Alice'::handle), ('@Alice'), ('ＡＬＩＣＥ'), ('straße'), ('STRASSE'),
	('ΟΔΟΣ'), ('οδος'), ('Οδός'), (U&'cafe\0301'), ('café'), ('１２３abc'),
	('東京tokyo'), ('a_b.c')) AS v(h);
-- case
SELECT 'Alice'::handle = 'alice' AS case_eq, 'ALICE'::handle = 'alice' AS upper_eq,
	'@Alice'::handle = 'alice' AS at_dropped;
-- width
SELECT 'ＡＬＩＣＥ'::handle = 'alice' AS fullwidth_eq, '１２３abc'::handle = '123ABC' AS fullwidth_digits;
-- sharp s
SELECT 'straße'::handle = 'STRASSE' AS sharp_s, 'straße'::handle = 'strasse' AS sharp_s_lower;
-- Greek final sigma
SELECT 'ΟΔΟΣ'::handle = 'οδος' AS final_sigma, 'οδοσ'::handle = 'οδος' AS medial_vs_final;
-- NFC and NFD: the same handle, displayed composed
SELECT U&'cafe\0301'::handle = 'café' AS nfd_eq_nfc,
	U&'cafe\0301'::handle::text = 'café' AS displayed_nfc,
	U&'cafe\0301'::handle::text IS NFC NORMALIZED AS is_nfc;
-- different handles stay different
SELECT 'alice'::handle = 'alice_' AS suffix, 'alice'::handle <> 'aIice' AS i_vs_l,
	'ali.ce'::handle = 'ali_ce' AS dot_vs_underscore;
-- ordering is by key, in code point order
SELECT array_agg(h ORDER BY h) FROM (VALUES ('bob'::handle), ('Alice'), ('alice2'), ('Zed'), ('ärger'), ('x_'), ('x.y')) AS v(h);
SELECT handle_cmp('Alice', 'alice') AS cmp_eq, handle_cmp('alice', 'bob') AS cmp_lt,
	handle_cmp('zed', 'Bob') AS cmp_gt, 'Zed'::handle > 'alice' AS gt,
	'ab'::handle < 'abc' AS prefix_first, 'zz'::handle < 'äb' AS ascii_before_latin1;
-- hashing agrees with equality (ASCII and non-ASCII layouts alike)
SELECT handle_hash('Alice') = handle_hash('ＡＬＩＣＥ') AS hash_width,
	handle_hash('straße') = handle_hash('STRASSE') AS hash_sharp_s,
	handle_hash_extended('Alice', 7) = handle_hash_extended('ａｌｉｃｅ', 7) AS hash_ext,
	handle_hash('Alice') = hashtext('alice') AS same_as_text_of_key;
SET enable_sort = off;
SELECT count(*) AS groups FROM (SELECT h FROM (VALUES ('Alice'::handle), ('alice'), ('ＡＬＩＣＥ'),
	('straße'), ('STRASSE'), ('bob')) AS v(h) GROUP BY h) AS g;
RESET enable_sort;
-- casts
SELECT 'Alice'::handle::text AS to_text, 'Bob'::text::handle AS from_text,
	'Bob'::varchar::handle AS from_varchar;
-- binary send: the display form
SELECT handle_send('Alice') AS send_ascii, handle_send('ＡＬ') AS send_fullwidth;

--
-- Invalid forms: SQLSTATE 22P02, the rule in the message, the character and
-- its position in the detail.
--
\set SHOW_CONTEXT never
SELECT 'alice!'::handle;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT 'ali ce'::handle;
SELECT E'ali\tce'::handle;
SELECT 'bob😀'::handle;
SELECT U&'ab\200Dcd'::handle;
SELECT 'ab．cd'::handle;
SELECT '@@alice'::handle;
SELECT U&'\FDFAxx'::handle;
SELECT 'a-b'::handle;
SELECT U&'\0301abc'::handle;
SELECT U&'ab1\0301'::handle;
SELECT '.alice'::handle;
SELECT 'alice.'::handle;
SELECT 'al..ice'::handle;
SELECT U&'ål..ice'::handle;
SELECT 'a'::handle;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT ''::handle;
SELECT '@'::handle;
SELECT 'ä'::handle;
SELECT repeat('a', 31)::handle;
SELECT repeat('ä', 31)::handle;
-- byte limits say which form they measure: the NFC form, the input
SELECT repeat(U&'q\0301\0302\0303\0304\0305\0306\0307\0308\0309', 14)::handle;
SELECT repeat('a', 2000)::handle;
SELECT repeat('ä', 513)::handle;
SELECT repeat(U&'a\0308', 342)::handle;
-- valid edge cases
SELECT 'al.ice'::handle, '_x'::handle, 'x_'::handle, '__'::handle, '42'::handle;
SELECT length(repeat('a', 30)::handle::text) AS ascii_30;
-- a letter and its combining marks count as one character
SELECT length(repeat(U&'q\0301', 30)::handle::text) AS code_points_of_30_chars;
SELECT repeat(U&'q\0301', 31)::handle;

--
-- Invisible characters: every default-ignorable code point is refused,
-- wherever it stands.  The Hangul fillers are letters and the variation
-- selectors combining marks, so the other rules let them through; the key
-- (NFKC_Casefold) drops them, which made invisible and lookalike handles.
--
SELECT U&'\115F\115F'::handle;
SELECT U&'\1160\1160'::handle;
SELECT U&'\3164\3164'::handle;
SELECT U&'\FFA0\FFA0'::handle;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT U&'\3164alice'::handle;
SELECT U&'ali\3164ce'::handle;
SELECT U&'alice\3164'::handle;
SELECT U&'\115Fa'::handle;
SELECT U&'a\1160'::handle;
SELECT U&'ab\FFA0'::handle;
SELECT U&'\3164'::handle;
-- zero-width joiner and non-joiner, soft hyphen, word joiner
SELECT U&'al\200Dice'::handle;
SELECT U&'al\200Cice'::handle;
SELECT U&'al\00ADice'::handle;
SELECT U&'\2060alice'::handle;
-- variation selectors and the combining grapheme joiner (marks after a letter)
SELECT U&'alice\FE0F'::handle;
SELECT U&'ali\FE00ce'::handle;
SELECT U&'alice\+0E0100'::handle;
SELECT U&'al\034Fice'::handle;
-- tag characters, Mongolian free variation selector, Khmer inherent vowel
SELECT U&'alice\+0E0061\+0E007F'::handle;
SELECT U&'\+0E0001alice'::handle;
SELECT U&'\1820\180B\1821'::handle;
SELECT U&'\1780\17B4\1781'::handle;
-- the first invisible character is reported, before any other rule
SELECT U&'\FE0Falice!'::handle;
-- visible neighbours stay valid: a Hangul syllable, jamo, a combining mark
SELECT U&'\D55C\AE00'::handle, U&'\1112\1161\11AB\1100\1173\11AF'::handle,
	U&'cafe\0301'::handle;

--
-- The length rules apply to the key as well, in the same characters.
--
-- compatibility jamo compose into one syllable: a one-character key
SELECT U&'\3131\314F'::handle;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT U&'\FFA1\FFC2'::handle;
-- three jamo make a two-character key: accepted
SELECT h::text AS display, handle_key(h) AS key, length(handle_key(h)) AS key_chars
FROM (VALUES (U&'\3131\314F\3131'::handle)) AS v(h);
-- ligatures grow: 10 ffi make a 30-character key, 11 make 33
SELECT handle_key(repeat(U&'\FB03', 10)::handle) AS key_of_10;
SELECT repeat(U&'\FB03', 11)::handle;
SELECT repeat(U&'\00DF', 16)::handle;
-- a key over 255 bytes: U+FDF2 folds to six code points (four characters)
SELECT repeat(U&'\FDF2' || repeat(U&'\0301', 40), 3)::handle;

--
-- Uniqueness through the default btree and hash opclasses.
--
CREATE TABLE users (
	id		bigint PRIMARY KEY,
	handle	follow_graph.handle NOT NULL UNIQUE
);
INSERT INTO users VALUES (1, '@Alice'), (2, 'straße'), (3, 'Bob'), (4, 'alicia'),
	(5, 'ali_baba'), (6, 'aliXYZ'), (7, 'Ολυμπία');
INSERT INTO users VALUES (10, 'alice');
INSERT INTO users VALUES (11, 'ＡＬＩＣＥ');
INSERT INTO users VALUES (12, 'STRASSE');
INSERT INTO users VALUES (13, 'ΟΛΥΜΠΊΑ');
SELECT id, handle FROM users ORDER BY handle;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM users WHERE handle = 'ＡＬＩＣＥ';
SELECT id, handle FROM users WHERE handle = 'ＡＬＩＣＥ';
CREATE INDEX users_handle_hash ON users USING hash (handle);
ALTER TABLE users DROP CONSTRAINT users_handle_key;
EXPLAIN (COSTS OFF) SELECT id FROM users WHERE handle = 'BOB';
SELECT id, handle FROM users WHERE handle = 'BOB';
ALTER TABLE users ADD CONSTRAINT users_handle_key UNIQUE (handle);

--
-- Prefix search for @-mention autocomplete on handle_key().
--
CREATE INDEX users_handle_prefix ON users (handle_key(handle) text_pattern_ops);
EXPLAIN (COSTS OFF) SELECT handle FROM users WHERE handle_key(handle) LIKE 'ali%';
SELECT handle FROM users WHERE handle_key(handle) LIKE 'ali%' ORDER BY 1;
-- handle_prefix_pattern folds the typed prefix and escapes LIKE's _ and %
SELECT handle_prefix_pattern('@ALI') AS ali, handle_prefix_pattern('Ali_') AS ali_,
	handle_prefix_pattern('ＳＴＲＡß') AS fullwidth, handle_prefix_pattern('50%\') AS escaped;
EXPLAIN (COSTS OFF) SELECT handle FROM users WHERE handle_key(handle) LIKE handle_prefix_pattern('@ALI');
SELECT handle FROM users WHERE handle_key(handle) LIKE handle_prefix_pattern('@ALI_') ORDER BY 1;
SELECT handle FROM users WHERE handle_key(handle) LIKE handle_prefix_pattern('STRAß') ORDER BY 1;
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- Binary round trip through COPY.
--
\copy users TO 'results/handle_users.bin' WITH (FORMAT binary)
CREATE TABLE users_copy (LIKE users);
\copy users_copy FROM 'results/handle_users.bin' WITH (FORMAT binary)
SELECT u.handle::text = c.handle::text AS same_display, count(*)
FROM users u JOIN users_copy c USING (id) WHERE u.handle = c.handle GROUP BY 1;

-- after an ICU upgrade: rows whose stored key differs from a fresh one (none
-- here), and no index built with ICU data (handle_key reads the stored key)
SELECT count(*) AS stale_keys FROM users
WHERE handle_key(handle) <> handle_key(handle::text::handle);
SELECT count(*) AS icu_indexes FROM handle_icu_indexes;

-- the ICU Unicode version is exposed as major.minor
SELECT icu_unicode_version() ~ '^[0-9]+\.[0-9]+$' AS version_format;

DROP TABLE users, users_copy;

--
-- Stored values the rules now reject.  0.1.0 accepted the handles above
-- that hold default-ignorable letters or marks, or whose key breaks the
-- length rules; a dump holding one would not restore, since values are
-- dumped as text and read back through input.  No input path makes such a
-- value any more (binary input validates again), so the test builds the
-- bytes 0.1.0 stored with a binary-coercible cast only a superuser can make.
--
CREATE CAST (bytea AS follow_graph.handle) WITHOUT FUNCTION;
CREATE DOMAIN handle_d AS follow_graph.handle;
CREATE TABLE legacy (
	id		int PRIMARY KEY,
	h		follow_graph.handle,
	hs		follow_graph.handle[],
	d		handle_d
);
-- 0.1.0 layout: flags 0, key length (2 bytes, little-endian), key, display
INSERT INTO legacy VALUES
	(1, 'alice', NULL, NULL),
	(2, '\x000500616c696365616c696365e385a4'::bytea::handle,			-- aliceㅤ
		ARRAY['bob'::handle, '\x0002006162efbea06162'::bytea::handle], NULL),	-- ﾠab
	(3, '\x000300eab080e384b1e3858f'::bytea::handle, NULL, NULL),	-- ㄱㅏ, key 가
	(4, '\x00020061626162efb88f'::bytea::handle, NULL,				-- ab + VS16
		'\x0001007878efbea0'::bytea::handle),							-- xﾠ, key x
	(5, 'straße', ARRAY['ok'::handle, 'fine'], 'ok');
SELECT id, h::text AS display, handle_key(h) AS key, handle_check(h) AS reason
FROM legacy ORDER BY id;
SELECT table_name, column_name, ctid, element, value, reason
FROM handle_invalid_values() ORDER BY table_name::text, column_name, ctid, element;
-- such a value would not survive a dump: its text is refused
SELECT h::text::handle FROM legacy WHERE id = 2;
-- binary input validates again: binary COPY cannot carry one either
\copy (SELECT h FROM legacy WHERE id = 2) TO 'results/handle_legacy.bin' WITH (FORMAT binary)
CREATE TABLE legacy_copy (h follow_graph.handle);
\copy legacy_copy FROM 'results/handle_legacy.bin' WITH (FORMAT binary)
DROP TABLE legacy_copy;
-- damaged values are reported without printing them
INSERT INTO legacy (id, h) VALUES (6, '\x00ff0061'::bytea::handle),
	(7, '\x000200616261ff'::bytea::handle);
SELECT id, ctid, value, reason FROM legacy
JOIN handle_invalid_values() AS v ON v.ctid = legacy.ctid
WHERE v.column_name = 'h' AND id > 5 ORDER BY id;
-- ICU failures carry a SQLSTATE a client can act on: invalid UTF-8, 22021
SELECT handle_skeleton('\x0003006162ff6162'::bytea::handle);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the fix: rewrite each value to a valid handle (or NULL), then check again
UPDATE legacy SET h = 'alice_', hs = ARRAY['bob'::handle, 'ab'] WHERE id = 2;
UPDATE legacy SET h = '가나' WHERE id = 3;
UPDATE legacy SET h = 'ab', d = 'xx' WHERE id = 4;
DELETE FROM legacy WHERE id > 5;
SELECT count(*) AS invalid_left FROM handle_invalid_values();
-- it runs with the caller's rights: only columns the caller may read
INSERT INTO legacy VALUES (8, '\x0001007878efbea0'::bytea::handle, NULL, NULL);
CREATE ROLE regress_handle_reader;
GRANT SELECT (h) ON legacy TO regress_handle_reader;
-- and a table whose policies would apply to the caller is named, not read
CREATE TABLE legacy_rls (h follow_graph.handle);
INSERT INTO legacy_rls VALUES ('\x0001007878efbea0'::bytea::handle);
ALTER TABLE legacy_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY legacy_rls_all ON legacy_rls USING (true);
GRANT SELECT ON legacy_rls TO regress_handle_reader;
SET ROLE regress_handle_reader;
SELECT table_name, column_name, ctid, element, value, reason
FROM handle_invalid_values() ORDER BY table_name::text;
RESET ROLE;
SELECT table_name, value FROM handle_invalid_values() WHERE table_name = 'legacy_rls'::regclass;
-- partitioned tables are read through the parent, rows named by partition
CREATE TABLE legacy_p (h follow_graph.handle) PARTITION BY RANGE (h);
CREATE TABLE legacy_p1 PARTITION OF legacy_p FOR VALUES FROM ('aa') TO ('mm');
CREATE TABLE legacy_p2 PARTITION OF legacy_p FOR VALUES FROM ('mm') TO (MAXVALUE);
INSERT INTO legacy_p VALUES ('bob'), ('zed'), ('\x0001007878efbea0'::bytea::handle);
SELECT table_name, column_name, value FROM handle_invalid_values() WHERE table_name::text LIKE 'legacy_p%';
DROP TABLE legacy, legacy_p, legacy_rls;
DROP DOMAIN handle_d;
DROP CAST (bytea AS follow_graph.handle);
DROP ROLE regress_handle_reader;
