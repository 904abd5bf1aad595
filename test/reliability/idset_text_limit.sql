-- test/reliability/idset_text_limit.sql: the idset text-size limit at its
-- exact boundary.  An idset whose text form would exceed 1 GB - 1 bytes
-- (MaxAllocSize, 1073741823) cannot be built: every constructor raises
-- 54000.  Reaching the boundary takes 51,130,563 elements, so this runs
-- outside the regression suite (about 1 GB of memory and half a minute to a
-- minute on a small machine):
--
--   psql -X -v ON_ERROR_STOP=0 -f test/reliability/idset_text_limit.sql
--
-- Arithmetic: 51,130,562 values of 20 characters (-9223372036854775808
-- upward) and one of 19 (-999999999999999999) print as
-- 2 + 51,130,562 * 20 + 19 + 51,130,562 commas = 1,073,741,823 bytes.
-- Expected: the first set is built (cardinality 51130563); adding 0 (2 more
-- bytes) fails; swapping the 19-character value for 0 and adding it back
-- reaches exactly the limit again; adding a 20-character value instead
-- exceeds it by one byte and fails.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;
SET max_parallel_workers_per_gather = 0;
\set VERBOSITY verbose
CREATE TEMP TABLE big AS
SELECT idset_agg(x) AS s FROM (
	SELECT -9223372036854775808 + g FROM generate_series(0, 51130561) g
	UNION ALL SELECT -999999999999999999) v(x);
-- 51130563 (exactly 1073741823 bytes of text)
SELECT cardinality(s) FROM big;
-- ERROR 54000: would be 1073741825 bytes
SELECT cardinality(s + 0) FROM big;
-- 51130563: 1073741803 + 2 bytes
SELECT cardinality(s - (-999999999999999999) + 0) FROM big;
-- 51130563: exactly 1073741823 bytes again
SELECT cardinality(s - (-999999999999999999) + (-999999999999999999)) FROM big;
-- ERROR 54000: would be 1073741824 bytes
SELECT cardinality(s - (-999999999999999999) + (-9000000000000000000)) FROM big;
DROP TABLE big;
