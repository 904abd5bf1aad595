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
SELECT repeat(U&'q\0301\0302\0303\0304\0305\0306\0307\0308\0309', 14)::handle;
SELECT repeat('a', 2000)::handle;
-- valid edge cases
SELECT 'al.ice'::handle, '_x'::handle, 'x_'::handle, '__'::handle, '42'::handle;
SELECT length(repeat('a', 30)::handle::text) AS ascii_30;
-- a letter and its combining marks count as one character
SELECT length(repeat(U&'q\0301', 30)::handle::text) AS code_points_of_30_chars;
SELECT repeat(U&'q\0301', 31)::handle;

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
