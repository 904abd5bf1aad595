-- test/upgrade/ddl_once.sql: after ddl_log.sql and an install or update
-- script, one line per function, procedure, aggregate, table, index, view or
-- sequence that the script created more than once (CREATE OR REPLACE counts
-- as a creation) or created and then dropped, with what it did to it in
-- order; nothing when each was created once, in its final form.  Types are
-- left out: a base type is created twice by design (shell, then full).
-- Then removes the event triggers and the log.
DROP EVENT TRIGGER fg_ddl_log_end;
DROP EVENT TRIGGER fg_ddl_log_drop;
SELECT pg_catalog.format('%s %s: %s', l.kind, l.identity,
		pg_catalog.string_agg(l.tag || CASE WHEN l.dropped THEN ' (dropped)' ELSE '' END, ', ' ORDER BY l.n))
FROM public.fg_ddl_log AS l
WHERE l.kind IN ('function', 'procedure', 'aggregate', 'table', 'index', 'view',
				 'materialized view', 'sequence')
GROUP BY l.kind, l.identity
HAVING pg_catalog.count(*) FILTER (WHERE l.tag LIKE 'CREATE %' AND NOT l.dropped) > 1
	OR pg_catalog.max(l.n) FILTER (WHERE l.dropped)
	   > pg_catalog.min(l.n) FILTER (WHERE l.tag LIKE 'CREATE %' AND NOT l.dropped)
ORDER BY 1;
DROP TABLE public.fg_ddl_log;
DROP FUNCTION public.fg_ddl_log_end(), public.fg_ddl_log_drop();
