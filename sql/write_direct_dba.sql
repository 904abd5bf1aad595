-- The direct writes (fg_direct.c) against what a DBA may add to the edge
-- and counter tables: triggers, foreign keys referencing the edges, a
-- BRIN index, extra or dropped columns, a CHECK.  Each
-- is kept as a SQL statement would keep it, and nothing crashes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
SET search_path = follow_graph, public;

-- a row trigger on the edges sees every follow and unfollow
CREATE TABLE public.edge_audit (op text, follower bigint, followee bigint);
CREATE FUNCTION public.edge_audit_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO public.edge_audit VALUES (TG_OP, OLD.follower, OLD.followee);
		RETURN OLD;
	END IF;
	INSERT INTO public.edge_audit VALUES (TG_OP, NEW.follower, NEW.followee);
	RETURN NEW;
END $$;
CREATE TRIGGER edge_audit AFTER INSERT OR DELETE ON edge
	FOR EACH ROW EXECUTE FUNCTION public.edge_audit_trg();
SELECT follow(1, 2), follow(2, 1), unfollow(1, 2);
SELECT * FROM public.edge_audit ORDER BY op DESC, follower;
SELECT follower_count(1), following_count(1), mutual_count(2);
DROP TRIGGER edge_audit ON edge;

-- a foreign key referencing the edges: unfollow cascades to it
CREATE TABLE public.edge_note (follower bigint, followee bigint,
	FOREIGN KEY (follower, followee) REFERENCES edge ON DELETE CASCADE);
SELECT follow(3, 4);
INSERT INTO public.edge_note VALUES (3, 4);
SELECT unfollow(3, 4);
SELECT count(*) AS notes_left FROM public.edge_note;
DROP TABLE public.edge_note;

-- a trigger on the counters sees the stripe writes
CREATE TABLE public.counter_audit (account bigint);
CREATE FUNCTION public.counter_audit_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.counter_audit VALUES (NEW.account);
	RETURN NEW;
END $$;
CREATE TRIGGER counter_audit AFTER INSERT OR UPDATE ON counter
	FOR EACH ROW EXECUTE FUNCTION public.counter_audit_trg();
SELECT follow(10, 11);
SELECT account, count(*) FROM public.counter_audit GROUP BY account ORDER BY account;
DROP TRIGGER counter_audit ON counter;

-- a CHECK of the DBA's own in place of the table's one is enforced
ALTER TABLE edge DROP CONSTRAINT edge_not_self,
	ADD CONSTRAINT edge_positive CHECK (follower > 0 AND follower <> followee);
\set VERBOSITY terse
SELECT follow(-1, 2);
\set VERBOSITY default
SELECT is_following(-1, 2), follower_count(2);
ALTER TABLE edge DROP CONSTRAINT edge_positive,
	ADD CONSTRAINT edge_not_self CHECK (follower OPERATOR(pg_catalog.<>) followee);

-- a BRIN index on the edges (17 and later: no buffer pin left behind)
CREATE INDEX edge_brin ON edge USING brin (followed_at);
BEGIN;
SELECT follow(20, 21), follow(20, 22);
COMMIT;
SET enable_seqscan = off;
SELECT count(*) FROM edge WHERE followed_at <= now() AND follower = 20;
RESET enable_seqscan;
DROP INDEX edge_brin;

-- a generated bigint column on the counters stays right
ALTER TABLE counter ADD COLUMN total bigint
	GENERATED ALWAYS AS (followers + following) STORED;
SELECT follow(50, 51), follow(51, 52);
SELECT account, sum(total) FROM counter WHERE account IN (50, 51, 52)
GROUP BY account ORDER BY account;
ALTER TABLE counter DROP COLUMN total;

-- a column added to the counters (new stripes and updated ones), then
-- dropped; a CHECK on the counters is enforced (a dropped column stays in
-- the table: start again from a fresh one)
SET client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
RESET client_min_messages;
ALTER TABLE counter ADD COLUMN note text;
SELECT follow(30, 31), follow(32, 31), follow(31, 30);
SELECT follower_count(31), following_count(31), mutual_count(30);
ALTER TABLE counter DROP COLUMN note;
SELECT follow(33, 31), follow(34, 35);
SELECT follower_count(31), follower_count(35);
ALTER TABLE counter ADD CONSTRAINT counter_small CHECK (followers < 5);
SELECT follow(36, 31);
\set VERBOSITY terse
SELECT follow(37, 31);
\set VERBOSITY default
SELECT follower_count(31);
ALTER TABLE counter DROP CONSTRAINT counter_small;
SELECT * FROM verify();

-- the counters truncated (or the extension created again) in the
-- transaction that wrote a stripe: the next write of that account does not
-- look for its stripe where the old storage had it
BEGIN;
SELECT follow(40, 41);
TRUNCATE counter;
SELECT follow(40, 42);
SELECT following_count(40), follower_count(42);
ROLLBACK;
BEGIN;
SELECT follow(40, 41);
SET LOCAL client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
SELECT follow(40, 41), follow(40, 42);
SELECT following_count(40), follower_count(41);
COMMIT;
SELECT * FROM verify();

-- a foreign key referencing the items (or any trigger of a DBA's on them):
-- unpublish() deletes through SQL, so the key is enforced (23503) and an
-- unreferenced item goes; publish() inserts through SQL and fires the
-- trigger
CREATE TABLE public.item_like (item bigint REFERENCES follow_graph.item (item));
CREATE TABLE public.item_audit (item bigint);
CREATE FUNCTION public.item_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.item_audit VALUES (NEW.item);
	RETURN NEW;
END $$;
SELECT publish(50, 5000), publish(50, 5001);
INSERT INTO public.item_like VALUES (5000);
\set VERBOSITY terse
SELECT unpublish(50, 5000);
\set VERBOSITY default
SELECT unpublish(50, 5001), unpublish(50, 5001);
SELECT l.item, i.item AS item_row FROM public.item_like AS l
	LEFT JOIN item AS i USING (item);
SELECT item_count(50);
CREATE TRIGGER item_audit AFTER INSERT ON follow_graph.item
	FOR EACH ROW EXECUTE FUNCTION public.item_audit_row();
SELECT publish(50, 5002), publish(50, 5002);
SELECT * FROM public.item_audit;
SELECT item_count(50);
DROP TRIGGER item_audit ON follow_graph.item;
DROP TABLE public.item_like, public.item_audit;
DROP FUNCTION public.item_audit_row();
SELECT * FROM verify();

-- a first load into an empty edge table whose one CHECK is a DBA's
-- replacement of edge_not_self: the rows are appended through SQL, which
-- checks it (the in-memory path's multi-row inserts check nothing)
BEGIN;
SET LOCAL client_min_messages = warning;
DROP EXTENSION follow_graph CASCADE;
CREATE EXTENSION follow_graph;
ALTER TABLE edge DROP CONSTRAINT edge_not_self,
	ADD CONSTRAINT edge_small CHECK (followee < 1000);
CREATE TEMP TABLE stage_check (follower bigint, followee bigint);
INSERT INTO stage_check SELECT g, g % 900 + 1 FROM generate_series(1000, 12000) AS g;
INSERT INTO stage_check VALUES (3, 5000);
\set VERBOSITY terse
SELECT import_edges('stage_check');
\set VERBOSITY default
ROLLBACK;
