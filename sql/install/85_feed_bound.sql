--------------------------------------------------------------------------
-- HOME FEED: AUTHOR RECENCY (0.3.0)
--
-- Per author who ever published, UPPER BOUNDS of the id of the author's
-- newest item: the highest of an author's rows is its bound.  The table is
-- append-only for publishers: publish() inserts a row (author, item) when
-- no committed row of the author covers the item, then deletes the
-- author's committed rows below it that no other transaction is changing
-- (never waiting), so no two publishers wait for each other.  unpublish()
-- and forget_items() never lower a bound (a bound that is too high only
-- costs feed() one needless look at the author's items); remove_account()
-- deletes the account's rows.  feed() walks the rows from the highest bound
-- down, looks only at the accounts the viewer sees, and stops at the first
-- bound below the page it has gathered: an account whose newest item is
-- older than the page costs no descent.  It reads the bounds from the two
-- indexes only (every version: a bound is a hint, the items are read under
-- the snapshot).
--   item_bound_author  (author, newest): one author's bounds
--   item_bound_newest  (newest) INCLUDE (author): the authors, newest first
--------------------------------------------------------------------------

CREATE TABLE follow_graph.item_bound (
	author		bigint		NOT NULL,
	newest		bigint		NOT NULL
);
CREATE INDEX item_bound_author ON follow_graph.item_bound (author, newest);
CREATE INDEX item_bound_newest ON follow_graph.item_bound (newest) INCLUDE (author);

REVOKE ALL ON follow_graph.item_bound FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item_bound', '');
COMMENT ON TABLE follow_graph.item_bound IS 'follow_graph storage: per author, upper bounds of its newest item id, the highest one counting (the home feed skips authors older than the page)';
