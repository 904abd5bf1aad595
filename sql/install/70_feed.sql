--------------------------------------------------------------------------
-- HOME FEED
--
-- follow_graph keeps an index of the app's posts, never their content: one
-- row per (author, item), where item is the app's own time-ordered bigint id
-- (a snowflake id or a serial).  feed() merges the newest items of the
-- accounts a viewer follows inside the server, reading the two btrees below;
-- the app joins the ids it gets with its own posts table.
--   item_pkey         (item) INCLUDE (author): global uniqueness of ids, and
--                     the newest items of everyone, newest first
--   item_author_item  (author, item): one author's items, newest first
-- The count of each author's items is the counter column items.
--------------------------------------------------------------------------

CREATE TABLE follow_graph.item (
	author		bigint		NOT NULL,
	item		bigint		NOT NULL,
	CONSTRAINT item_pkey PRIMARY KEY (item) INCLUDE (author)
);
CREATE INDEX item_author_item ON follow_graph.item (author, item);

REVOKE ALL ON follow_graph.item FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item', '');
COMMENT ON TABLE follow_graph.item IS 'follow_graph storage: one row per published item (author, item id) of the home feed';

-- Writes (not executable by PUBLIC).
CREATE FUNCTION follow_graph.publish(author bigint, item bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_publish'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.unpublish(author bigint, item bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'fg_unpublish'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION follow_graph.forget_items(older_than bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_forget_items'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION follow_graph.publish(bigint, bigint),
	follow_graph.unpublish(bigint, bigint),
	follow_graph.forget_items(bigint) FROM PUBLIC;

-- Reads (PUBLIC).  Pages are not STRICT: a NULL cursor means "first page";
-- a NULL account or page_size gives no rows.
CREATE FUNCTION follow_graph.feed(viewer bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (author bigint, item bigint)
AS 'MODULE_PATHNAME', 'fg_feed'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.author_items(author bigint, page_size integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'fg_author_items'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 50;

CREATE FUNCTION follow_graph.item_count(author bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'fg_item_count'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION follow_graph.publish(bigint, bigint) IS 'record that author published item (the app''s post id); true if new';
COMMENT ON FUNCTION follow_graph.unpublish(bigint, bigint) IS 'remove author''s item from every feed; true if it was there';
COMMENT ON FUNCTION follow_graph.forget_items(bigint) IS 'remove every item whose id is below older_than (retention window); returns how many';
COMMENT ON FUNCTION follow_graph.feed(bigint, integer, bigint) IS 'items of the accounts viewer follows and viewer''s own, highest id first, keyset-paged by the last item';
COMMENT ON FUNCTION follow_graph.author_items(bigint, integer, bigint) IS 'one author''s items, highest id first, keyset-paged by the last item';
COMMENT ON FUNCTION follow_graph.item_count(bigint) IS 'exact number of items of an author, O(1)';
