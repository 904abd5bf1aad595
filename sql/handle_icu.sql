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

--
-- handle_icu_indexes finds every index whose entries ICU computed, by
-- walking pg_depend: directly, through functions with SQL-standard bodies,
-- casts into handle (which run handle_in), stored generated columns and
-- materialized views; each with the command that rebuilds it.
--
CREATE TABLE icu_acc (
	id		int PRIMARY KEY,
	h		follow_graph.handle,
	t		text,
	skel	text GENERATED ALWAYS AS (follow_graph.handle_skeleton(h)) STORED,
	k		text GENERATED ALWAYS AS (follow_graph.handle_key(h)) STORED,
	th		follow_graph.handle GENERATED ALWAYS AS (t::follow_graph.handle) STORED
);
CREATE FUNCTION icu_wrap(x follow_graph.handle) RETURNS text
	IMMUTABLE LANGUAGE sql RETURN follow_graph.handle_skeleton(x);
CREATE FUNCTION icu_wrap2(x follow_graph.handle) RETURNS text
	IMMUTABLE LANGUAGE sql RETURN icu_wrap(x) || '';
CREATE FUNCTION key_wrap(x follow_graph.handle) RETURNS text
	IMMUTABLE LANGUAGE sql RETURN follow_graph.handle_key(x);
CREATE FUNCTION cast_wrap(x text) RETURNS text
	IMMUTABLE LANGUAGE sql RETURN follow_graph.handle_key(x::follow_graph.handle);
INSERT INTO icu_acc (id, h, t) VALUES (1, 'paypal', 'Alice'), (2, 'g00gle', 'Bob');
-- not ICU data: the handle itself, its stored key, a wrapper of it
CREATE INDEX icu_acc_h ON icu_acc (h);
CREATE INDEX icu_acc_key ON icu_acc (handle_key(h));
CREATE INDEX icu_acc_key_wrap ON icu_acc (key_wrap(h));
CREATE INDEX icu_acc_k ON icu_acc (k);
-- ICU data
CREATE INDEX icu_acc_skel_expr ON icu_acc (handle_skeleton(h));
CREATE INDEX icu_acc_wrap ON icu_acc (icu_wrap(h));
CREATE INDEX icu_acc_wrap2 ON icu_acc (icu_wrap2(h));
CREATE INDEX icu_acc_pred ON icu_acc (id) WHERE handle_is_suspicious(h);
CREATE INDEX icu_acc_cast ON icu_acc ((t::follow_graph.handle));
CREATE INDEX icu_acc_cast_wrap ON icu_acc (cast_wrap(t));
CREATE INDEX icu_acc_skel ON icu_acc (skel);
CREATE INDEX icu_acc_th ON icu_acc (th);
CREATE VIEW icu_v AS SELECT id, handle_skeleton(h) AS s FROM icu_acc;
CREATE MATERIALIZED VIEW icu_mv AS SELECT id, s FROM icu_v;
CREATE INDEX icu_mv_s ON icu_mv (s);
CREATE UNIQUE INDEX icu_mv_id ON icu_mv (id);
CREATE MATERIALIZED VIEW key_mv AS SELECT id, handle_key(h) AS k FROM icu_acc;
CREATE INDEX key_mv_k ON key_mv (k);
SELECT index_name, table_name, function_name, rebuild FROM handle_icu_indexes
ORDER BY index_name::text, function_name::text;
-- every rebuild command runs
SELECT rebuild FROM handle_icu_indexes ORDER BY 1 \gexec
SELECT count(*) AS rows_kept FROM icu_mv;
-- known limit: a function with a string body records no dependencies
CREATE FUNCTION icu_wrap_string(x follow_graph.handle) RETURNS text
	IMMUTABLE LANGUAGE sql AS 'SELECT follow_graph.handle_skeleton(x)';
CREATE INDEX icu_acc_string ON icu_acc (icu_wrap_string(h));
SELECT count(*) AS string_body_found FROM handle_icu_indexes WHERE index_name = 'icu_acc_string'::regclass;
DROP TABLE icu_acc CASCADE;
DROP FUNCTION icu_wrap2, icu_wrap, key_wrap, cast_wrap, icu_wrap_string;

--
-- The ICU version the data was computed with is recorded at install, and a
-- backend's first ICU computation warns once if the library differs.  (The
-- versions in the detail depend on the machine: shown tersely here.)
--
SELECT icu_version = icu_library_version() AS icu_recorded,
	unicode_version = icu_unicode_version() AS unicode_recorded,
	count(*) OVER () AS rows
FROM handle_icu_version;
-- not dumped (a restore records the restoring server's version)
SELECT 'follow_graph.handle_icu_version'::regclass::oid <> ALL (coalesce(extconfig, '{}')) AS not_dumped
FROM pg_extension WHERE extname = 'follow_graph';
-- only the owner may re-record it
CREATE ROLE regress_handle_icu;
SET ROLE regress_handle_icu;
SELECT follow_graph.handle_refresh_icu_version();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
-- as if the library had changed under the database
UPDATE handle_icu_version SET icu_version = '1.0', unicode_version = '1.1';
\c
SET search_path = follow_graph, public;
\set VERBOSITY terse
-- ASCII input computes nothing with ICU: no check yet
SELECT 'alice'::handle;
-- the first ICU computation warns, any role, once per backend
SET ROLE regress_handle_icu;
SELECT 'Ålice'::handle;
SELECT 'Ålice'::handle, handle_skeleton('Bøb') IS NOT NULL AS skeleton;
RESET ROLE;
SELECT icu_version = icu_library_version() AS icu_refreshed,
	unicode_version = icu_unicode_version() AS unicode_refreshed
FROM handle_refresh_icu_version();
\c
SET search_path = follow_graph, public;
SELECT 'Ålice'::handle;
SELECT icu_version = icu_library_version() AS recorded FROM handle_icu_version;
\set VERBOSITY default
DROP ROLE regress_handle_icu;
