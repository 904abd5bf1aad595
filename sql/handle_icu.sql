SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- Confusable skeletons and restriction levels come from ICU's UTS #39 data.
-- The pairs below have been stable since Unicode 10 (ICU 60); with older
-- data, or in a database that is not UTF8, this file skips itself
-- (expected/handle_icu_1.out).
SELECT getdatabaseencoding() = 'UTF8'
	AND split_part(icu_unicode_version(), '.', 1)::int >= 10 AS icu_data_ok \gset
\if :icu_data_ok
\else
\echo 'skipped: needs a UTF8 database and ICU Unicode data 10.0 or later'
\quit
\endif

--
-- Skeletons: lookalikes collide, different names do not.
--
SELECT a, b, handle_skeleton(a::handle) = handle_skeleton(b::handle) AS collide
FROM (VALUES ('paypal', 'paypa1'), ('google', 'g00gle'), ('modern', 'rnodern'),
	('modern', 'modem'), ('apple', U&'\0430pple'), ('apple', U&'\0251pple'),
	('apple', 'ＡＰＰＬＥ'), ('bob', 'b0b'), ('PayPal', 'paypa1')) AS v(a, b);
SELECT a, b, handle_skeleton(a::handle) = handle_skeleton(b::handle) AS collide
FROM (VALUES ('alice', 'bob'), ('alice', 'alicia'), ('paypal', 'paypals'),
	('straße', 'strase'), ('東京tokyo', '京東tokyo'), ('ljubljana', 'lubljana'),
	('modern', 'modes')) AS v(a, b);
-- the skeleton is case-folded again: 0 maps to a capital O, then to o
SELECT handle_skeleton('g00gle') AS g00gle, handle_skeleton('paypa1') AS paypa1,
	handle_skeleton('rnodern') AS rnodern, handle_skeleton(U&'\0430pple') AS cyrillic_a;

--
-- A unique index on the skeleton refuses lookalikes of existing handles.
--
CREATE TABLE accounts (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	handle	follow_graph.handle NOT NULL UNIQUE
);
CREATE UNIQUE INDEX accounts_handle_skeleton ON accounts (handle_skeleton(handle));
INSERT INTO accounts (handle) VALUES ('paypal'), ('google'), ('modern'), ('apple');
INSERT INTO accounts (handle) VALUES ('paypa1');
INSERT INTO accounts (handle) VALUES ('g00gle');
INSERT INTO accounts (handle) VALUES ('rnodern');
INSERT INTO accounts (handle) VALUES (U&'\0430pple');
-- Known limit: the skeleton is of the case-folded key, so a capital I that
-- looks like l only in the display form is not caught (key "paypai").
INSERT INTO accounts (handle) VALUES ('PayPaI');
-- legitimate neighbours are accepted
INSERT INTO accounts (handle) VALUES ('paypals'), ('googler'), ('modes'), ('apples'), ('東京tokyo');
SELECT handle, handle_key(handle) FROM accounts ORDER BY id;
-- the skeleton index is listed for rebuilding after an ICU upgrade
SELECT index_name, table_name, function_name FROM handle_icu_indexes;

--
-- Suspicious script mixes (fail ICU's highly restrictive level) and
-- legitimate ones.
--
SELECT h, handle_is_suspicious(h::handle) AS suspicious
FROM (VALUES (U&'\0430pple'), (U&'M\043E\0441\043A\0432\0430'), (U&'a\03B2\03B3'),
	(U&'\0440aypal'), ('paypal'), ('東京tokyo'), ('とうきょうtokyo'), ('서울seoul'),
	('Москва'), ('αβγ'), (U&'\0251pple'), ('straße'), ('ＡＰＰＬＥ'), ('x_1.y')) AS v(h);

DROP TABLE accounts;
