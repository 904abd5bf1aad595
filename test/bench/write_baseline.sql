-- The baseline a user would write for O(1) counts: the edge table with its
-- primary key and reverse index, and a trigger that upserts one counter row
-- per account (lower id first, so that two writers never deadlock).
CREATE SCHEMA base;
CREATE TABLE base.edge (
	follower	bigint	NOT NULL,
	followee	bigint	NOT NULL,
	followed_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (follower, followee)
);
CREATE INDEX ON base.edge (followee, follower);
CREATE TABLE base.counter (
	account		bigint	PRIMARY KEY,
	followers	bigint	NOT NULL DEFAULT 0,
	following	bigint	NOT NULL DEFAULT 0,
	mutuals		bigint	NOT NULL DEFAULT 0
);
CREATE FUNCTION base.bump(a bigint, fr int, fg int, mu int) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO base.counter AS c VALUES (a, fr, fg, mu)
	ON CONFLICT (account) DO UPDATE SET followers = c.followers + fr,
		following = c.following + fg, mutuals = c.mutuals + mu
$$;
-- AFTER INSERT (the row exists) and BEFORE DELETE (the reverse row of a pair
-- deleted in the same statement is still there for the first of the two).
CREATE FUNCTION base.edge_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	d int := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
	r base.edge := CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END;
	m int := 0;
BEGIN
	IF EXISTS (SELECT 1 FROM base.edge e WHERE e.follower = r.followee AND e.followee = r.follower) THEN
		m := d;
	END IF;
	IF r.follower < r.followee THEN
		PERFORM base.bump(r.follower, 0, d, m);
		PERFORM base.bump(r.followee, d, 0, m);
	ELSE
		PERFORM base.bump(r.followee, d, 0, m);
		PERFORM base.bump(r.follower, 0, d, m);
	END IF;
	RETURN CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD END;
END $$;
CREATE TRIGGER edge_count_ins AFTER INSERT ON base.edge FOR EACH ROW EXECUTE FUNCTION base.edge_count();
CREATE TRIGGER edge_count_del BEFORE DELETE ON base.edge FOR EACH ROW EXECUTE FUNCTION base.edge_count();
