/*
 * fg_maint.c
 *		Maintenance: verify() checks every stored count and every index of the
 *		storage against the edges; rebuild_counts() recomputes the counts.
 *
 * Both run with the extension owner's rights and a pinned search_path (see
 * 50_maint.sql); the SQL they run names every relation, function and
 * operator by schema all the same, so that nothing a caller can put on a
 * search_path is ever reached.
 *
 * verify() reads everything under the caller's one snapshot (SPI in read-only
 * mode plus index walks under the active snapshot).  follow() and unfollow()
 * change an edge and its counts in one transaction, so a consistent graph
 * verifies clean even while writers are busy.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "fg.h"

PG_FUNCTION_INFO_V1(fg_verify);
PG_FUNCTION_INFO_V1(fg_rebuild_counts);

/* The extension's own indexes of each storage table, as verify() checks them. */
static const char *const edge_indexes[] = {
	FG_EDGE_PKEY, FG_EDGE_BY_FOLLOWEE, FG_EDGE_FOLLOWEE_SEQ, FG_EDGE_FOLLOWER_SEQ,
	NULL
};
static const char *const counter_indexes[] = {FG_COUNTER_PKEY, NULL};
static const char *const account_state_indexes[] = {FG_ACCOUNT_STATE_PKEY, NULL};
static const char *const request_indexes[] = {FG_REQUEST_PKEY, FG_REQUEST_ACCOUNT_SEQ, NULL};
static const char *const hidden_indexes[] = {FG_HIDDEN_PKEY, FG_HIDDEN_BY_FOLLOWEE, NULL};
static const char *const block_indexes[] = {
	FG_BLOCK_PKEY, FG_BLOCK_BLOCKER_SEQ, FG_BLOCK_BY_BLOCKED, NULL
};
static const char *const mute_indexes[] = {
	FG_MUTE_PKEY, FG_MUTE_MUTER_SEQ, FG_MUTE_BY_MUTED, NULL
};
static const char *const item_indexes[] = {FG_ITEM_PKEY, FG_ITEM_AUTHOR_ITEM, NULL};
static const char *const mutual_indexes[] = {FG_MUTUAL_PKEY, NULL};
static const char *const bound_indexes[] = {FG_ITEM_BOUND_AUTHOR, FG_ITEM_BOUND_NEWEST, NULL};
static const char *const dismissal_indexes[] = {"dismissal_pkey", NULL};	/* fg_discovery.c */

/* Rows fetched from the verify cursor at a time. */
#define FG_VERIFY_BATCH 1000

/*
 * Per-account counts recomputed from the edges, the pending requests and the
 * home feed's items, as a CTE list shared by verify() and rebuild_counts().
 * Yields "actual" (account, followers, following, mutuals, requests, items,
 * self_edges, max_seq) for every account with an edge, a request or an item,
 * and "stored" (account, followers, following, mutuals, requests, items)
 * summed over stripes.
 * Each is computed once (MATERIALIZED): an aggregate must never end up on
 * the inner side of a nested loop, rerun for every outer row.
 */
#define FG_ACTUAL_AND_STORED_CTES(rq, sreq, it, sit) \
"WITH fr AS MATERIALIZED (" \
"  SELECT e.followee AS account, pg_catalog.count(*) AS n" \
"  FROM follow_graph.edge AS e GROUP BY e.followee)," \
" fg AS MATERIALIZED (" \
"  SELECT e.follower AS account, pg_catalog.count(*) AS n," \
"         pg_catalog.count(*) FILTER (WHERE e.follower OPERATOR(pg_catalog.=) e.followee) AS self_edges," \
"         pg_catalog.max(e.seq) AS max_seq" \
"  FROM follow_graph.edge AS e GROUP BY e.follower)," \
" mu AS MATERIALIZED (" \
"  SELECT e.follower AS account, pg_catalog.count(*) AS n" \
"  FROM follow_graph.edge AS e JOIN follow_graph.edge AS r" \
"    ON r.follower OPERATOR(pg_catalog.=) e.followee" \
"   AND r.followee OPERATOR(pg_catalog.=) e.follower" \
"  GROUP BY e.follower)," \
" rq AS MATERIALIZED (" \
"  " rq ")," \
" it AS MATERIALIZED (" \
"  " it ")," \
" actual AS (" \
"  SELECT COALESCE(fr.account, fg.account, rq.account, it.account) AS account," \
"         COALESCE(fr.n, 0) AS followers, COALESCE(fg.n, 0) AS following," \
"         COALESCE(mu.n, 0) AS mutuals, COALESCE(rq.n, 0) AS requests," \
"         COALESCE(it.n, 0) AS items," \
"         COALESCE(fg.self_edges, 0) AS self_edges, fg.max_seq" \
"  FROM fr FULL JOIN fg ON fg.account OPERATOR(pg_catalog.=) fr.account" \
"  LEFT JOIN mu ON mu.account OPERATOR(pg_catalog.=) fg.account" \
"  FULL JOIN rq ON rq.account OPERATOR(pg_catalog.=) COALESCE(fr.account, fg.account)" \
"  FULL JOIN it ON it.account OPERATOR(pg_catalog.=) COALESCE(fr.account, fg.account, rq.account))," \
" stored AS MATERIALIZED (" \
"  SELECT c.account, pg_catalog.sum(c.followers) AS followers," \
"         pg_catalog.sum(c.following) AS following, pg_catalog.sum(c.mutuals) AS mutuals," \
"         " sreq " AS requests, " sit " AS items" \
"  FROM follow_graph.counter AS c GROUP BY c.account)"

/* The two forms of the CTEs: with the states, and on a 0.1.0 catalog. */
#define FG_RQ_STATES \
"SELECT r.account, pg_catalog.count(*) AS n FROM follow_graph.request AS r GROUP BY r.account"
#define FG_RQ_NONE \
"SELECT NULL::pg_catalog.int8 AS account, 0::pg_catalog.int8 AS n WHERE false"
#define FG_SREQ_STATES "pg_catalog.sum(c.requests)"
#define FG_SREQ_NONE "0::pg_catalog.numeric"
#define FG_IT_STATES \
"SELECT i.author AS account, pg_catalog.count(*) AS n FROM follow_graph.item AS i GROUP BY i.author"
#define FG_IT_NONE FG_RQ_NONE
#define FG_SIT_STATES "pg_catalog.sum(c.items)"
#define FG_SIT_NONE FG_SREQ_NONE

/*
 * The invariants of the relationship states (docs/states-design.md), one
 * problem row per offending row, appended to verify()'s statement.  Each
 * lookup is an equality join, so that whole tables hash-join.
 */
#define FG_VERIFY_STATES \
" UNION ALL" \
" SELECT s.account, pg_catalog.format('edge %s -> %s is visible but account %s is deactivated'," \
"                                     e.follower, e.followee, s.account)" \
" FROM follow_graph.edge AS e JOIN follow_graph.account_state AS s" \
"   ON s.account OPERATOR(pg_catalog.=) e.follower AND NOT s.active" \
" UNION ALL" \
" SELECT s.account, pg_catalog.format('edge %s -> %s is visible but account %s is deactivated'," \
"                                     e.follower, e.followee, s.account)" \
" FROM follow_graph.edge AS e JOIN follow_graph.account_state AS s" \
"   ON s.account OPERATOR(pg_catalog.=) e.followee AND NOT s.active" \
" UNION ALL" \
" SELECT s.account, pg_catalog.format('request %s -> %s is visible but account %s is deactivated'," \
"                                     r.requester, r.account, s.account)" \
" FROM follow_graph.request AS r JOIN follow_graph.account_state AS s" \
"   ON s.account OPERATOR(pg_catalog.=) r.requester AND NOT s.active" \
" UNION ALL" \
" SELECT s.account, pg_catalog.format('request %s -> %s is visible but account %s is deactivated'," \
"                                     r.requester, r.account, s.account)" \
" FROM follow_graph.request AS r JOIN follow_graph.account_state AS s" \
"   ON s.account OPERATOR(pg_catalog.=) r.account AND NOT s.active" \
" UNION ALL" \
" SELECT h.follower, pg_catalog.format('hidden %s %s -> %s has no deactivated account'," \
"                                      CASE WHEN h.pending THEN 'request' ELSE 'edge' END," \
"                                      h.follower, h.followee)" \
" FROM follow_graph.hidden_edge AS h" \
" WHERE NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s" \
"                   WHERE s.account OPERATOR(pg_catalog.=) h.follower AND NOT s.active)" \
"   AND NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s" \
"                   WHERE s.account OPERATOR(pg_catalog.=) h.followee AND NOT s.active)" \
" UNION ALL" \
" SELECT x.followee, pg_catalog.format('%s %s -> %s is pending but account %s is public'," \
"                                      x.kind, x.follower, x.followee, x.followee)" \
" FROM (SELECT r.requester AS follower, r.account AS followee, 'request' AS kind" \
"       FROM follow_graph.request AS r" \
"       UNION ALL" \
"       SELECT h.follower, h.followee, 'hidden request' FROM follow_graph.hidden_edge AS h" \
"       WHERE h.pending) AS x" \
" WHERE NOT EXISTS (SELECT 1 FROM follow_graph.account_state AS s" \
"                   WHERE s.account OPERATOR(pg_catalog.=) x.followee AND s.private)" \
" UNION ALL" \
" SELECT b.blocker, pg_catalog.format('block %s -> %s coexists with %s %s -> %s'," \
"                                     b.blocker, b.blocked, x.kind, x.follower, x.followee)" \
" FROM follow_graph.block AS b" \
" CROSS JOIN LATERAL (VALUES (b.blocker, b.blocked), (b.blocked, b.blocker)) AS p (a1, a2)" \
" JOIN (SELECT e.follower, e.followee, 'edge' AS kind FROM follow_graph.edge AS e" \
"       UNION ALL" \
"       SELECT r.requester, r.account, 'request' FROM follow_graph.request AS r" \
"       UNION ALL" \
"       SELECT h.follower, h.followee," \
"              CASE WHEN h.pending THEN 'hidden request' ELSE 'hidden edge' END" \
"       FROM follow_graph.hidden_edge AS h) AS x" \
"   ON x.follower OPERATOR(pg_catalog.=) p.a1 AND x.followee OPERATOR(pg_catalog.=) p.a2" \
" UNION ALL" \
" SELECT x.follower, pg_catalog.format('pair %s -> %s is both %s and %s'," \
"                                      x.follower, x.followee, x.k1, x.k2)" \
" FROM (SELECT e.follower, e.followee, 'an edge' AS k1," \
"              CASE WHEN h.pending THEN 'a hidden request' ELSE 'a hidden edge' END AS k2" \
"       FROM follow_graph.edge AS e JOIN follow_graph.hidden_edge AS h" \
"         ON h.follower OPERATOR(pg_catalog.=) e.follower" \
"        AND h.followee OPERATOR(pg_catalog.=) e.followee" \
"       UNION ALL" \
"       SELECT e.follower, e.followee, 'an edge', 'a pending request'" \
"       FROM follow_graph.edge AS e JOIN follow_graph.request AS r" \
"         ON r.requester OPERATOR(pg_catalog.=) e.follower" \
"        AND r.account OPERATOR(pg_catalog.=) e.followee" \
"       UNION ALL" \
"       SELECT r.requester, r.account, 'a pending request'," \
"              CASE WHEN h.pending THEN 'a hidden request' ELSE 'a hidden edge' END" \
"       FROM follow_graph.request AS r JOIN follow_graph.hidden_edge AS h" \
"         ON h.follower OPERATOR(pg_catalog.=) r.requester" \
"        AND h.followee OPERATOR(pg_catalog.=) r.account) AS x" \
" UNION ALL" \
" SELECT NULL::pg_catalog.int8," \
"        pg_catalog.format('state_seq would next give %s but a request, block or mute already has seq %s'," \
"                          q.next_seq, m.max_seq)" \
" FROM (SELECT pg_catalog.max(x.seq) AS max_seq FROM" \
"        (SELECT pg_catalog.max(r.seq) AS seq FROM follow_graph.request AS r" \
"         UNION ALL SELECT pg_catalog.max(h.seq) FROM follow_graph.hidden_edge AS h WHERE h.pending" \
"         UNION ALL SELECT pg_catalog.max(b.seq) FROM follow_graph.block AS b" \
"         UNION ALL SELECT pg_catalog.max(u.seq) FROM follow_graph.mute AS u) AS x) AS m," \
"      (SELECT CASE WHEN s.is_called THEN s.last_value OPERATOR(pg_catalog.+) 1" \
"              ELSE s.last_value END AS next_seq" \
"       FROM follow_graph.state_seq AS s) AS q" \
" WHERE m.max_seq OPERATOR(pg_catalog.>=) q.next_seq"

/*
 * verify(): one row per problem.  Counts are compared as numeric sums so that
 * no stored value, however wrong, can overflow the check itself.
 */
#define SQL_VERIFY(rq, sreq, it, sit, states) \
FG_ACTUAL_AND_STORED_CTES(rq, sreq, it, sit) \
", diff AS (" \
"  SELECT COALESCE(a.account, s.account) AS account, v.what," \
"         COALESCE(v.stored, 0) AS stored, COALESCE(v.actual, 0) AS actual" \
"  FROM actual AS a FULL JOIN stored AS s ON s.account OPERATOR(pg_catalog.=) a.account" \
"  CROSS JOIN LATERAL (VALUES" \
"    (1, 'followers', s.followers, a.followers::pg_catalog.numeric)," \
"    (2, 'following', s.following, a.following::pg_catalog.numeric)," \
"    (3, 'mutuals', s.mutuals, a.mutuals::pg_catalog.numeric)," \
"    (4, 'requests', s.requests, a.requests::pg_catalog.numeric)," \
"    (5, 'items', s.items, a.items::pg_catalog.numeric)) AS v(ord, what, stored, actual)" \
"  WHERE COALESCE(v.stored, 0) OPERATOR(pg_catalog.<>) COALESCE(v.actual, 0))" \
" SELECT d.account," \
"        pg_catalog.format('%s count is %s but the %s give %s', d.what, d.stored," \
"                          CASE d.what WHEN 'requests' THEN 'pending requests'" \
"                                      WHEN 'items' THEN 'items' ELSE 'edges' END," \
"                          d.actual)" \
" FROM diff AS d" \
" UNION ALL" \
" SELECT a.account, pg_catalog.format('%s edge(s) from the account to itself', a.self_edges)" \
" FROM actual AS a WHERE a.self_edges OPERATOR(pg_catalog.>) 0" \
" UNION ALL" \
" SELECT NULL::pg_catalog.int8," \
"        pg_catalog.format('edge_seq would next give %s but an edge already has seq %s'," \
"                          q.next_seq, m.max_seq)" \
" FROM (SELECT pg_catalog.max(a.max_seq) AS max_seq FROM actual AS a) AS m," \
"      (SELECT CASE WHEN s.is_called THEN s.last_value OPERATOR(pg_catalog.+) 1" \
"              ELSE s.last_value END AS next_seq" \
"       FROM follow_graph.edge_seq AS s) AS q" \
" WHERE m.max_seq OPERATOR(pg_catalog.>=) q.next_seq" \
states

/*
 * Each statement that reads the state tables or columns comes in two forms:
 * [0] for a catalog still at 0.1.0 (the library was updated, ALTER
 * EXTENSION UPDATE has not run), [1] with the states.
 */
static const char *const sql_verify[2] = {
	SQL_VERIFY(FG_RQ_NONE, FG_SREQ_NONE, FG_IT_NONE, FG_SIT_NONE, ""),
	SQL_VERIFY(FG_RQ_STATES, FG_SREQ_STATES, FG_IT_STATES, FG_SIT_STATES,
			   FG_VERIFY_STATES)
};

/*
 * rebuild_counts(), step 1: drop every stripe of each account whose summed
 * counts disagree with the edges, and say how many accounts that was.
 */
#define SQL_REBUILD_DROP(rq, sreq, it, sit) \
FG_ACTUAL_AND_STORED_CTES(rq, sreq, it, sit) \
", changed AS (" \
"  SELECT COALESCE(a.account, s.account) AS account" \
"  FROM actual AS a FULL JOIN stored AS s ON s.account OPERATOR(pg_catalog.=) a.account" \
"  WHERE COALESCE(s.followers, 0) OPERATOR(pg_catalog.<>) COALESCE(a.followers, 0)" \
"     OR COALESCE(s.following, 0) OPERATOR(pg_catalog.<>) COALESCE(a.following, 0)" \
"     OR COALESCE(s.mutuals, 0) OPERATOR(pg_catalog.<>) COALESCE(a.mutuals, 0)" \
"     OR COALESCE(s.requests, 0) OPERATOR(pg_catalog.<>) COALESCE(a.requests, 0)" \
"     OR COALESCE(s.items, 0) OPERATOR(pg_catalog.<>) COALESCE(a.items, 0))," \
" dropped AS (" \
"  DELETE FROM follow_graph.counter AS c USING changed AS ch" \
"  WHERE c.account OPERATOR(pg_catalog.=) ch.account RETURNING 1)" \
" SELECT pg_catalog.count(*) FROM changed"

static const char *const sql_rebuild_drop[2] = {
	SQL_REBUILD_DROP(FG_RQ_NONE, FG_SREQ_NONE, FG_IT_NONE, FG_SIT_NONE),
	SQL_REBUILD_DROP(FG_RQ_STATES, FG_SREQ_STATES, FG_IT_STATES, FG_SIT_STATES)
};

/*
 * rebuild_counts(), step 2: one fresh stripe for every account with edges and
 * no stripe left, that is exactly the accounts step 1 dropped.
 */
#define SQL_REBUILD_INSERT(rq, sreq, it, sit, cols, vals) \
FG_ACTUAL_AND_STORED_CTES(rq, sreq, it, sit) \
" INSERT INTO follow_graph.counter (account, stripe, followers, following, mutuals" cols ")" \
" SELECT a.account, 0, a.followers, a.following, a.mutuals" vals \
" FROM actual AS a" \
" WHERE NOT EXISTS (SELECT FROM follow_graph.counter AS c" \
"                   WHERE c.account OPERATOR(pg_catalog.=) a.account)"

static const char *const sql_rebuild_insert[2] = {
	SQL_REBUILD_INSERT(FG_RQ_NONE, FG_SREQ_NONE, FG_IT_NONE, FG_SIT_NONE, "", ""),
	SQL_REBUILD_INSERT(FG_RQ_STATES, FG_SREQ_STATES, FG_IT_STATES, FG_SIT_STATES,
					   ", requests, items", ", a.requests, a.items")
};

/*
 * rebuild_counts(), step 3: move edge_seq past the highest seq in use, so
 * that edges inserted around the API never make a follow reuse a cursor.
 */
static const char *const sql_rebuild_seq =
"SELECT pg_catalog.setval('follow_graph.edge_seq'::pg_catalog.regclass, m.max_seq)"
" FROM (SELECT pg_catalog.max(e.seq) AS max_seq FROM follow_graph.edge AS e) AS m,"
"      follow_graph.edge_seq AS s"
" WHERE m.max_seq OPERATOR(pg_catalog.>) s.last_value"
"    OR (m.max_seq OPERATOR(pg_catalog.=) s.last_value AND NOT s.is_called)";

/*
 * rebuild_counts(), step 4: fold the stripes of every account that has more
 * than one into its lowest-numbered stripe, so that reads of its counts are
 * one row again after a write storm.  Stripes some other transaction holds
 * locked are skipped (SKIP LOCKED) and stay as they are; the sum over an
 * account's stripes is unchanged either way.  Returns the number of stripes
 * merged away and the number of stripes skipped.
 */
#define SQL_REBUILD_MERGE(cols, sums, sets) \
"WITH multi AS (" \
"  SELECT c.account FROM follow_graph.counter AS c GROUP BY c.account" \
"  HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1)," \
" candidates AS (" \
"  SELECT pg_catalog.count(*) AS n FROM follow_graph.counter AS c" \
"  JOIN multi AS m ON m.account OPERATOR(pg_catalog.=) c.account)," \
" free AS (" \
"  SELECT c.ctid AS tid, c.account, c.stripe, c.followers, c.following, c.mutuals" cols \
"  FROM follow_graph.counter AS c" \
"  JOIN multi AS m ON m.account OPERATOR(pg_catalog.=) c.account" \
"  FOR UPDATE OF c SKIP LOCKED)," \
" sums AS (" \
"  SELECT f.account, pg_catalog.min(f.stripe) AS keep," \
"         pg_catalog.sum(f.followers) AS followers," \
"         pg_catalog.sum(f.following) AS following," \
"         pg_catalog.sum(f.mutuals) AS mutuals" sums \
"  FROM free AS f GROUP BY f.account" \
"  HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1)," \
" dropped AS (" \
"  DELETE FROM follow_graph.counter AS c USING free AS f, sums AS s" \
"  WHERE c.ctid OPERATOR(pg_catalog.=) f.tid" \
"    AND f.account OPERATOR(pg_catalog.=) s.account" \
"    AND f.stripe OPERATOR(pg_catalog.<>) s.keep RETURNING 1)," \
" kept AS (" \
"  UPDATE follow_graph.counter AS c" \
"  SET followers = s.followers::pg_catalog.int8," \
"      following = s.following::pg_catalog.int8," \
"      mutuals = s.mutuals::pg_catalog.int8" sets \
"  FROM free AS f, sums AS s" \
"  WHERE c.ctid OPERATOR(pg_catalog.=) f.tid" \
"    AND f.account OPERATOR(pg_catalog.=) s.account" \
"    AND f.stripe OPERATOR(pg_catalog.=) s.keep RETURNING 1)" \
" SELECT (SELECT pg_catalog.count(*) FROM dropped) AS merged," \
"        (SELECT pg_catalog.count(*) FROM kept) AS accounts," \
"        (SELECT c.n FROM candidates AS c) OPERATOR(pg_catalog.-)" \
"        (SELECT pg_catalog.count(*) FROM free) AS skipped"

static const char *const sql_rebuild_merge[2] = {
	SQL_REBUILD_MERGE("", "", ""),
	SQL_REBUILD_MERGE(", c.requests, c.items",
					  ", pg_catalog.sum(f.requests) AS requests,"
					  " pg_catalog.sum(f.items) AS items",
					  ", requests = s.requests::pg_catalog.int8,"
					  " items = s.items::pg_catalog.int8")
};

/* API writers take ROW EXCLUSIVE; this mode waits for them and keeps them out. */
static const char *const sql_rebuild_lock[2] = {
	"LOCK TABLE follow_graph.edge, follow_graph.counter IN SHARE ROW EXCLUSIVE MODE",
	"LOCK TABLE follow_graph.edge, follow_graph.request, follow_graph.item,"
	" follow_graph.counter IN SHARE ROW EXCLUSIVE MODE"
};

/*
 * The mutual pairs of the edges, both rows of each, as the mutual range
 * must hold them.
 */
#define FG_MUTUAL_FROM_EDGES \
"SELECT e.follower AS account, e.followee AS friend" \
" FROM follow_graph.edge AS e JOIN follow_graph.edge AS r" \
"   ON r.follower OPERATOR(pg_catalog.=) e.followee" \
"  AND r.followee OPERATOR(pg_catalog.=) e.follower"

/*
 * verify(), the mutual range: a row the edges do not give, and a mutual
 * pair of edges whose row is missing.
 */
static const char *const sql_verify_mutual =
"WITH want AS MATERIALIZED (" FG_MUTUAL_FROM_EDGES ")"
" SELECT m.account,"
"        pg_catalog.format('mutual range has %s -> %s but the edges do not make them mutual',"
"                          m.account, m.friend)"
" FROM follow_graph.mutual AS m"
" WHERE NOT EXISTS (SELECT 1 FROM want AS w"
"                   WHERE w.account OPERATOR(pg_catalog.=) m.account"
"                     AND w.friend OPERATOR(pg_catalog.=) m.friend)"
" UNION ALL"
" SELECT w.account,"
"        pg_catalog.format('edges %s -> %s and back are mutual but the mutual range lacks %s -> %s',"
"                          w.account, w.friend, w.account, w.friend)"
" FROM want AS w"
" WHERE NOT EXISTS (SELECT 1 FROM follow_graph.mutual AS m"
"                   WHERE m.account OPERATOR(pg_catalog.=) w.account"
"                     AND m.friend OPERATOR(pg_catalog.=) w.friend)"
" ORDER BY 1, 2";

/*
 * rebuild_counts(), the mutual range: delete the rows the edges do not
 * give, add the missing ones; returns the rows deleted and added.
 */
static const char *const sql_rebuild_mutual =
"WITH want AS MATERIALIZED (" FG_MUTUAL_FROM_EDGES "),"
" del AS ("
"  DELETE FROM follow_graph.mutual AS m"
"  WHERE NOT EXISTS (SELECT 1 FROM want AS w"
"                    WHERE w.account OPERATOR(pg_catalog.=) m.account"
"                      AND w.friend OPERATOR(pg_catalog.=) m.friend)"
"  RETURNING 1),"
" ins AS ("
"  INSERT INTO follow_graph.mutual (account, friend)"
"  SELECT w.account, w.friend FROM want AS w"
"  WHERE NOT EXISTS (SELECT 1 FROM follow_graph.mutual AS m"
"                    WHERE m.account OPERATOR(pg_catalog.=) w.account"
"                      AND m.friend OPERATOR(pg_catalog.=) w.friend)"
"  RETURNING 1)"
" SELECT (SELECT pg_catalog.count(*) FROM del), (SELECT pg_catalog.count(*) FROM ins)";

static const char *const sql_rebuild_lock_mutual =
"LOCK TABLE follow_graph.mutual IN SHARE ROW EXCLUSIVE MODE";

/*
 * Add one problem row; account may be absent (a problem of the whole graph).
 */
static void
AddProblem(ReturnSetInfo *rsinfo, bool has_account, int64 account,
		   const char *problem)
{
	Datum		values[2];
	bool		nulls[2] = {!has_account, false};

	values[0] = Int64GetDatum(account);
	values[1] = CStringGetTextDatum(problem);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * Number of tuples of the relation visible to the snapshot, by a sequential
 * scan of the heap.
 */
static int64
CountHeap(Relation heap, Snapshot snapshot)
{
	TableScanDesc scan = table_beginscan(heap, snapshot, 0, NULL);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	int64		n = 0;

	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		n++;
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	return n;
}

/*
 * Number of tuples visible to the snapshot that a full walk of the index
 * reaches.  As in an index-only scan, the heap is visited only for pages the
 * visibility map does not know to be all-visible.
 */
static int64
CountThroughIndex(Relation heap, Relation index, Snapshot snapshot)
{
	IndexScanDesc scan = FgIndexBeginScan(heap, index, snapshot, 0, 0);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	Buffer		vmbuffer = InvalidBuffer;
	ItemPointer tid;
	int64		n = 0;

	scan->xs_want_itup = true;
	index_rescan(scan, NULL, 0, NULL, 0);
	while ((tid = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (!VM_ALL_VISIBLE(heap, ItemPointerGetBlockNumber(tid), &vmbuffer))
		{
			if (!index_fetch_heap(scan, slot))
				continue;
			ExecClearTuple(slot);
		}
		n++;
	}
	if (BufferIsValid(vmbuffer))
		ReleaseBuffer(vmbuffer);
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	return n;
}

/*
 * Compare each of the extension's own indexes of one storage table (a
 * NULL-terminated list of names) with its heap: each must exist, belong to
 * the table, and reach exactly the rows a heap scan sees.  (Whether each entry
 * holds the right key is amcheck's bt_index_check(..., heapallindexed =>
 * true).)  One recreated under its name in a shape the functions refuse
 * (FgIndexShapeProblem(): partial, on expressions, on other key columns,
 * not a btree, a primary key no longer unique on its columns, another
 * operator class) is reported as such.  Indexes a DBA added on top
 * (hash, BRIN, partial, expression) are not ours to judge and are left
 * alone: a partial index rightly reaches fewer rows, and BRIN cannot be
 * walked tuple by tuple at all.
 */
static void
CheckIndexes(ReturnSetInfo *rsinfo, const char *relname,
			 const char *const *indexnames, Snapshot snapshot)
{
	Relation	heap = FgOpenTable(relname, AccessShareLock);
	Oid			nsp = RelationGetNamespace(heap);
	int64		nheap = CountHeap(heap, snapshot);

	for (const char *const *name = indexnames; *name != NULL; name++)
	{
		Oid			indexid = get_relname_relid(*name, nsp);
		Relation	index;
		const char *shape;

		CHECK_FOR_INTERRUPTS();
		if (!OidIsValid(indexid) || get_rel_relkind(indexid) != RELKIND_INDEX)
		{
			AddProblem(rsinfo, false, 0,
					   psprintf("index %s of table %s is missing", *name, relname));
			continue;
		}
		index = index_open(indexid, AccessShareLock);
		if (index->rd_index->indrelid != RelationGetRelid(heap) ||
			strcmp(RelationGetRelationName(index), *name) != 0)
			AddProblem(rsinfo, false, 0,
					   psprintf("index %s of table %s is missing", *name, relname));
		else if (!index->rd_index->indisvalid)
			AddProblem(rsinfo, false, 0,
					   psprintf("index %s of table %s is not valid", *name, relname));
		else if ((shape = FgIndexShapeProblem(index)) != NULL)
			AddProblem(rsinfo, false, 0,
					   psprintf("index %s of table %s is %s", *name, relname, shape));
		else
		{
			int64		nindex = CountThroughIndex(heap, index, snapshot);

			if (nindex != nheap)
				AddProblem(rsinfo, false, 0,
						   psprintf("index %s reaches " INT64_FORMAT " rows but table %s has " INT64_FORMAT,
									*name, nindex, relname, nheap));
		}
		index_close(index, NoLock);
	}
	table_close(heap, NoLock);
}

/*
 * verify() and rebuild_counts() read whole tables: plan their statements
 * with hash and merge joins only.  Right after a bulk write the statistics
 * may still say the tables are nearly empty, and a nested loop over two
 * whole tables then costs minutes instead of milliseconds.  Returns the GUC
 * nest level to close with AtEOXact_GUC(true, level).
 */
static int
PlanForWholeTables(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("enable_nestloop", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

	/*
	 * Before PostgreSQL 18 a disabled node adds 1e10 to the cost, which
	 * would put every such plan far above jit_above_cost: compiling the
	 * whole statement then takes seconds, even on an empty graph.
	 */
	(void) set_config_option("jit", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/*
 * verify(), the mutual range against the edges: one problem row per row
 * too many or missing (SPI connected, read-only).
 */
static void
VerifyMutual(ReturnSetInfo *rsinfo)
{
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL, sql_verify_mutual, 0, NULL, NULL,
									   NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FG_VERIFY_BATCH);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			bool		isnull;
			Datum		account = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull);
			Datum		problem = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull);

			CHECK_FOR_INTERRUPTS();
			AddProblem(rsinfo, true, DatumGetInt64(account),
					   TextDatumGetCString(problem));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

/*
 * verify() → table(account bigint, problem text): no rows means the counts,
 * the indexes and the edge sequence all agree with the edges.
 */
Datum
fg_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Snapshot	snapshot = GetActiveSnapshot();
	static SPIPlanPtr plans[2] = {NULL, NULL};
	bool		states = FgStatesInstalled();
	bool		mutual = FgMutualInstalled();
	Portal		portal;
	int			guc_level;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CheckIndexes(rsinfo, FG_EDGE_TABLE, edge_indexes, snapshot);
	CheckIndexes(rsinfo, FG_COUNTER_TABLE, counter_indexes, snapshot);
	if (states)
	{
		CheckIndexes(rsinfo, FG_ACCOUNT_STATE_TABLE, account_state_indexes, snapshot);
		CheckIndexes(rsinfo, FG_REQUEST_TABLE, request_indexes, snapshot);
		CheckIndexes(rsinfo, FG_HIDDEN_TABLE, hidden_indexes, snapshot);
		CheckIndexes(rsinfo, FG_BLOCK_TABLE, block_indexes, snapshot);
		CheckIndexes(rsinfo, FG_MUTE_TABLE, mute_indexes, snapshot);
		CheckIndexes(rsinfo, FG_ITEM_TABLE, item_indexes, snapshot);
		CheckIndexes(rsinfo, "dismissal", dismissal_indexes, snapshot);
	}
	if (FgBoundInstalled())
		CheckIndexes(rsinfo, FG_ITEM_BOUND_TABLE, bound_indexes, snapshot);
	if (mutual)
		CheckIndexes(rsinfo, FG_MUTUAL_TABLE, mutual_indexes, snapshot);

	SPI_connect();
	guc_level = PlanForWholeTables();
	FgSpiPrepareKeep(&plans[states], sql_verify[states], 0, NULL);
	portal = SPI_cursor_open(NULL, plans[states], NULL, NULL, true);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, FG_VERIFY_BATCH);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			bool		account_null;
			bool		problem_null;
			Datum		account = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &account_null);
			Datum		problem = SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &problem_null);

			CHECK_FOR_INTERRUPTS();
			AddProblem(rsinfo, !account_null,
					   account_null ? 0 : DatumGetInt64(account),
					   problem_null ? "?" : TextDatumGetCString(problem));
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	if (mutual)
		VerifyMutual(rsinfo);
	AtEOXact_GUC(true, guc_level);
	SPI_finish();
	return (Datum) 0;
}

/*
 * rebuild_counts() → bigint: recompute the counts of every account whose
 * stored counts disagree with the edges, and move edge_seq past every seq in
 * use; returns how many accounts changed.
 */
Datum
fg_rebuild_counts(PG_FUNCTION_ARGS)
{
	int64		changed;
	int64		merged;
	int64		merged_accounts;
	int64		skipped;
	int			guc_level;
	bool		states = FgStatesInstalled();
	bool		mutual = FgMutualInstalled();
	int64		mutual_deleted = 0;
	int64		mutual_added = 0;

	/*
	 * The lock below only helps if the statements after it take fresh
	 * snapshots; a transaction snapshot could predate a writer's commit.
	 */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("rebuild_counts() must run at the READ COMMITTED isolation level"),
				 errdetail("A transaction snapshot could miss follows committed while it waits for its lock."),
				 errhint("Run it in its own READ COMMITTED transaction.")));

	SPI_connect();
	guc_level = PlanForWholeTables();
	FgSpiExec(sql_rebuild_lock[states], 0, NULL, NULL, SPI_OK_UTILITY);
	if (FgSpiExec(sql_rebuild_drop[states], 0, NULL, NULL, SPI_OK_SELECT) != 1)
		elog(ERROR, "rebuild_counts: the count of changed accounts is missing");
	changed = FgSpiGetInt64(0, 1);
	FgSpiExec(sql_rebuild_insert[states], 0, NULL, NULL, SPI_OK_INSERT);
	FgSpiExec(sql_rebuild_merge[states], 0, NULL, NULL, SPI_OK_SELECT);
	merged = FgSpiGetInt64(0, 1);
	merged_accounts = FgSpiGetInt64(0, 2);
	skipped = FgSpiGetInt64(0, 3);
	FgSpiExec(sql_rebuild_seq, 0, NULL, NULL, SPI_OK_SELECT);
	if (mutual)
	{
		FgSpiExec(sql_rebuild_lock_mutual, 0, NULL, NULL, SPI_OK_UTILITY);
		FgSpiExec(sql_rebuild_mutual, 0, NULL, NULL, SPI_OK_SELECT);
		mutual_deleted = FgSpiGetInt64(0, 1);
		mutual_added = FgSpiGetInt64(0, 2);
	}
	AtEOXact_GUC(true, guc_level);
	SPI_finish();


	if (merged > 0 || skipped > 0)
		ereport(NOTICE,
				(errmsg_plural("merged the counter stripes of " INT64_FORMAT " account into one row",
							   "merged the counter stripes of " INT64_FORMAT " accounts into one row each",
							   merged_accounts, merged_accounts),
				 skipped > 0 ?
				 errdetail("Removed " INT64_FORMAT " stripe rows; " INT64_FORMAT " stripes locked by other transactions were left as they are.",
						   merged, skipped) :
				 errdetail("Removed " INT64_FORMAT " stripe rows.", merged)));
	if (mutual_deleted > 0 || mutual_added > 0)
		ereport(NOTICE,
				(errmsg("repaired the mutual range"),
				 errdetail("Removed " INT64_FORMAT " rows the edges do not give and added " INT64_FORMAT " missing rows.",
						   mutual_deleted, mutual_added)));
	PG_RETURN_INT64(changed);
}
