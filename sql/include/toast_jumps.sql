-- Number of chunks that do not follow the one before on its page or the next.
CREATE FUNCTION pg_temp.jumps(rel regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	r bigint;
BEGIN
	EXECUTE format($q$
		SELECT count(*) FROM (
			SELECT (ctid::text::point)[0] AS blk,
				lag((ctid::text::point)[0]) OVER (PARTITION BY chunk_id ORDER BY chunk_seq) AS prev
			FROM %s) c
		WHERE blk <> prev AND blk <> prev + 1$q$,
		(SELECT reltoastrelid::regclass FROM pg_class WHERE oid = rel)) INTO r;
	RETURN r;
END $$;
