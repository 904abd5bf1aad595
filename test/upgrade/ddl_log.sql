-- test/upgrade/ddl_log.sql: record every DDL command from here on (event
-- triggers into public.fg_ddl_log), for ddl_once.sql to check what an
-- install or update script created.  Superuser; run just before the script.
CREATE TABLE public.fg_ddl_log (
	n			bigserial,
	tag			text,
	kind		text,
	identity	text,
	dropped		boolean
);
CREATE FUNCTION public.fg_ddl_log_end() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	INSERT INTO public.fg_ddl_log (tag, kind, identity, dropped)
	SELECT c.command_tag, c.object_type, c.object_identity, false
	FROM pg_event_trigger_ddl_commands() AS c;
END
$$;
CREATE FUNCTION public.fg_ddl_log_drop() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	INSERT INTO public.fg_ddl_log (tag, kind, identity, dropped)
	SELECT tg_tag, d.object_type, d.object_identity, true
	FROM pg_event_trigger_dropped_objects() AS d;
END
$$;
CREATE EVENT TRIGGER fg_ddl_log_end ON ddl_command_end EXECUTE FUNCTION public.fg_ddl_log_end();
CREATE EVENT TRIGGER fg_ddl_log_drop ON sql_drop EXECUTE FUNCTION public.fg_ddl_log_drop();
