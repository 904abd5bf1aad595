-- idset limits and hardening: long codec loops can be cancelled, equality
-- is not LEAKPROOF (it can raise on a damaged value), fresh install and
-- upgrade agree on that.  The text-size limit (54000 when the text form
-- would exceed 1 GB - 1 bytes) needs sets of 51 million elements; it is
-- exercised by test/reliability/idset_text_limit.sql, outside this suite.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = public, follow_graph;

-- A statement timeout cancels text input of ten million elements inside
-- the codec, which checks for interrupts every 65536 values: the division
-- by zero after it is never reached.  The text is built beforehand and
-- stored compressed, and nothing between its decompression and the codec
-- checks for interrupts; without the codec's checks the parse runs to the
-- end and the division fails first.
CREATE TEMP TABLE cancel_input AS
SELECT '{' || repeat('-1234567890123456789,', 10000000) || '0}' AS t;
SET statement_timeout = '100ms';
DO $$
BEGIN
	PERFORM cardinality(t::idset) / 0 FROM cancel_input;
EXCEPTION
	WHEN query_canceled THEN
		RAISE NOTICE 'cancelled with SQLSTATE %', SQLSTATE;
	WHEN division_by_zero THEN
		RAISE NOTICE 'not cancelled inside the codec';
END
$$;
RESET statement_timeout;
DROP TABLE cancel_input;

-- idset_eq and idset_ne can raise (a damaged stored value is XX001), so
-- they are not LEAKPROOF; the same after an upgrade from 0.1.0.
SELECT p.proname, p.proleakproof
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'follow_graph' AND p.proname IN ('idset_eq', 'idset_ne')
ORDER BY 1;
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph VERSION '0.1.0';
RESET client_min_messages;
SELECT p.proname, p.proleakproof
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'follow_graph' AND p.proname IN ('idset_eq', 'idset_ne')
ORDER BY 1;
ALTER EXTENSION follow_graph UPDATE TO '0.2.0';
SELECT p.proname, p.proleakproof
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'follow_graph' AND p.proname IN ('idset_eq', 'idset_ne')
ORDER BY 1;
