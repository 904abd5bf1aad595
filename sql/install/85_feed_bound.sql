--------------------------------------------------------------------------
-- HOME FEED: AUTHOR RECENCY (0.3.0)
--
-- One row per author who ever published: an UPPER BOUND of the id of the
-- author's newest item.  publish() raises it in the item's transaction when
-- the item is above the latest committed bound; unpublish() and
-- forget_items() never lower it (a bound that is too high only costs feed()
-- one needless look at the author's items).  feed() walks the authors from
-- the highest bound down, looks only at the accounts the viewer sees, and
-- stops at the first bound below the page it has gathered: an account whose
-- newest item is older than the page costs no descent.  It reads the bounds
-- from the two indexes only (every version: a bound is a hint, the items are
-- read under the snapshot).
--   item_bound_pkey    (author) INCLUDE (newest): one author's bound
--   item_bound_newest  (newest) INCLUDE (author): the authors, newest first
--------------------------------------------------------------------------

CREATE TABLE follow_graph.item_bound (
	author		bigint		NOT NULL,
	newest		bigint		NOT NULL,
	CONSTRAINT item_bound_pkey PRIMARY KEY (author) INCLUDE (newest)
);
CREATE INDEX item_bound_newest ON follow_graph.item_bound (newest) INCLUDE (author);

REVOKE ALL ON follow_graph.item_bound FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('follow_graph.item_bound', '');
COMMENT ON TABLE follow_graph.item_bound IS 'follow_graph storage: per author, an upper bound of its newest item id (the home feed skips authors older than the page)';
