/*
 * fg_feed.c
 *		The home feed: publish(), unpublish(), forget_items(), feed(),
 *		author_items() and item_count().
 *
 * follow_graph.item holds one row per (author, item id) with two btrees:
 * item_pkey on (item) INCLUDE (author), and item_author_item on
 * (author, item).  Item ids are the app's time-ordered ids, so "newest
 * first" is "highest id first" in both.
 *
 * feed(viewer) merges the items of the viewer's followees (the visible
 * edges of follow_graph.edge, which already leave out blocks, pending
 * requests and deactivated accounts) and of the viewer, minus the accounts
 * the viewer actively mutes, highest id first.
 *
 *	1. first page (0.3.0): the threshold algorithm over item_bound, the
 *	   authors' upper bounds of their newest item (fg_items.c keeps them):
 *	   walk the bounds from the highest down, read the items of the viewer's
 *	   accounts met on the way while they can enter the page, stop at the
 *	   first bound at or below the page's worst item; past a budget, look
 *	   the remaining accounts' bounds up one by one (FeedBounded).
 *	2. later page: walk item_pkey backwards from the cursor and keep the
 *	   entries whose author (read from the index tuple) is one of the
 *	   viewer's accounts (a bitmap filter, then a binary search); no heap
 *	   visit for other authors.  Both walks read the leaf pages directly
 *	   (fg_bound_walk.c), and the viewer's followees come from edge_pkey's
 *	   leaf pages (FgProbeOwnerIds in fg_probe.c).  Past FG_FEED_DEEP_RATIO * (page_size +
 *	   accounts) entries, a k-way merge below where the scan stopped: one
 *	   backward probe of item_author_item per account, the heads in a
 *	   binary max-heap, a popped account's scan streaming its items while
 *	   they beat the next head (FeedMerge).
 *	   On a 0.2.0 catalog (no item_bound) a first page takes this plan too,
 *	   with the budget FG_FEED_SCAN_RATIO.
 *
 * Each page states how much it read in a DEBUG1 message.  Everything is read
 * through the indexes under the active snapshot, as the other reads do.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fg.h"
#include "fg_bound_walk.h"
#include "fg_probe.h"

/* Columns of item and item_bound (sql/install/70_feed.sql, 85_feed_bound.sql). */
#define FEED_ITEM_ATT_AUTHOR	1
#define FEED_ITEM_ATT_ITEM		2
#define FEED_BOUND_ATT_AUTHOR	1
#define FEED_BOUND_ATT_NEWEST	2

/* Budget of the newest-items scan, in entries per account and page row. */
#define FG_FEED_SCAN_RATIO 16

/*
 * Budget of a later page's newest-items scan, in entries per account and
 * page row: about what one descent of the merge costs.
 */
#ifndef FG_FEED_DEEP_RATIO
#define FG_FEED_DEEP_RATIO 32
#endif

/* Attribute numbers of follow_graph.mute. */
#define FG_MUTE_ATT_MUTED		2
#define FG_MUTE_ATT_EXPIRES_AT	5

PG_FUNCTION_INFO_V1(fg_publish);
PG_FUNCTION_INFO_V1(fg_unpublish);
PG_FUNCTION_INFO_V1(fg_forget_items);
PG_FUNCTION_INFO_V1(fg_feed);
PG_FUNCTION_INFO_V1(fg_author_items);
PG_FUNCTION_INFO_V1(fg_item_count);

static SPIPlanPtr plan_publish = NULL;
static SPIPlanPtr plan_insert_item = NULL;
static SPIPlanPtr plan_forget = NULL;
static SPIPlanPtr plan_remove_items = NULL;
static SPIPlanPtr plan_unpublish_sql = NULL;

/*
 * Insert or delete an item and add the count delta ($3) to a free stripe of
 * the author, in one statement.  Returns one row: the number of items
 * changed and the ctid of the stripe updated (NULL if the author had no free
 * stripe: the caller adds the delta itself).  $1 author, $2 item.
 */
#define FG_ITEM_COUNTER \
" pick AS MATERIALIZED (" \
"  SELECT (SELECT c.stripe FROM follow_graph.counter AS c" \
"          WHERE c.account OPERATOR(pg_catalog.=) $1" \
"          LIMIT 1 FOR UPDATE SKIP LOCKED) AS stripe" \
"  WHERE EXISTS (SELECT 1 FROM changed))," \
" upd AS (" \
"  UPDATE follow_graph.counter AS c" \
"  SET items = c.items OPERATOR(pg_catalog.+) $3" \
"  FROM pick AS p" \
"  WHERE c.account OPERATOR(pg_catalog.=) $1" \
"    AND c.stripe OPERATOR(pg_catalog.=) p.stripe" \
"  RETURNING c.ctid)" \
" SELECT (SELECT pg_catalog.count(*) FROM changed), u.ctid" \
" FROM (SELECT 1) AS one LEFT JOIN upd AS u ON true"

static const char *const sql_publish =
"WITH changed AS ("
"  INSERT INTO follow_graph.item (author, item) VALUES ($1, $2)"
"  ON CONFLICT (item) DO NOTHING RETURNING 1),"
FG_ITEM_COUNTER;

static const char *const sql_insert_item =
"INSERT INTO follow_graph.item (author, item) VALUES ($1, $2)"
" ON CONFLICT (item) DO NOTHING";

/*
 * Delete a set of items ($1: the bound, or $2: the author) and take their
 * counts back, authors in id order, each from a stripe nobody else holds or
 * a new one.  Returns the number of items deleted.
 */
#define FG_ITEMS_UNCOUNT \
" per AS (" \
"  SELECT d.author AS account, OPERATOR(pg_catalog.-) pg_catalog.count(*) AS n" \
"  FROM d GROUP BY d.author)," \
" up AS (" \
"  INSERT INTO follow_graph.counter AS c (account, stripe, items)" \
"  SELECT p.account," \
"         COALESCE((SELECT k.stripe FROM follow_graph.counter AS k" \
"                   WHERE k.account OPERATOR(pg_catalog.=) p.account" \
"                   ORDER BY k.stripe LIMIT 1 FOR UPDATE SKIP LOCKED)," \
"                  (pg_catalog.random() OPERATOR(pg_catalog.*) 2147483646)::pg_catalog.int4)," \
"         p.n" \
"  FROM per AS p ORDER BY p.account" \
"  ON CONFLICT (account, stripe) DO UPDATE" \
"  SET items = c.items OPERATOR(pg_catalog.+) excluded.items" \
"  RETURNING 1)" \
" SELECT pg_catalog.count(*) FROM d"

static const char *const sql_forget =
"WITH d AS ("
"  DELETE FROM follow_graph.item AS i"
"  WHERE i.item OPERATOR(pg_catalog.<) $1 RETURNING i.author),"
FG_ITEMS_UNCOUNT;

static const char *const sql_remove_items =
"WITH d AS ("
"  DELETE FROM follow_graph.item AS i"
"  WHERE i.author OPERATOR(pg_catalog.=) $1 RETURNING i.author),"
FG_ITEMS_UNCOUNT;

static const Oid item_types[] = {INT8OID, INT8OID, INT8OID};

/* An open walk over follow_graph.account_state for repeated flag lookups. */
typedef struct FgStateReader
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
} FgStateReader;

/*
 * Open account_state and its primary key for lookups in the active snapshot.
 */
static void
StateReaderBegin(FgStateReader *r)
{
	r->heap = FgOpenTable(FG_ACCOUNT_STATE_TABLE, AccessShareLock);
	r->index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	r->scan = FgIndexBeginScan(r->heap, r->index, GetActiveSnapshot(), 1, 0);
	r->slot = table_slot_create(r->heap, NULL);
}

/*
 * Is the account active?  No row in account_state means active.
 */
static bool
StateReaderActive(FgStateReader *r, int64 account)
{
	ScanKeyData key;

	CHECK_FOR_INTERRUPTS();
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	index_rescan(r->scan, &key, 1, NULL, 0);
	if (index_getnext_slot(r->scan, ForwardScanDirection, r->slot))
	{
		bool		isnull;

		return DatumGetBool(slot_getattr(r->slot, FG_STATE_ATT_ACTIVE, &isnull));
	}
	return true;
}

/*
 * Close what StateReaderBegin opened.
 */
static void
StateReaderEnd(FgStateReader *r)
{
	index_endscan(r->scan);
	ExecDropSingleTupleTableSlot(r->slot);
	index_close(r->index, NoLock);
	table_close(r->heap, NoLock);
}

/*
 * Is the account active in the active snapshot?  (One lookup.)
 */
static bool
AccountActive(int64 account)
{
	FgStateReader r;
	bool		active;

	StateReaderBegin(&r);
	active = StateReaderActive(&r, account);
	StateReaderEnd(&r);
	return active;
}

/*
 * Wait until no other transaction is changing the author's flags, then
 * raise 55000 if the author is deactivated.
 */
static void
CheckAuthorActive(int64 author)
{
	Relation	heap = FgOpenTable(FG_ACCOUNT_STATE_TABLE, AccessShareLock);

	for (;;)
	{
		FgEdgeVersion v;
		bool		is_private;
		bool		is_active;

		CHECK_FOR_INTERRUPTS();
		FgProbeDirtyAccount(heap, author, &v, &is_private, &is_active);
		if (v.found && TransactionIdIsValid(v.wait))
		{
			XactLockTableWait(v.wait, heap, &v.tid, XLTW_None);
			continue;
		}
		if (!is_active)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("account " INT64_FORMAT " is deactivated", author),
					 errdetail("A deactivated account cannot publish.")));
		break;
	}
	table_close(heap, NoLock);
}

/*
 * The author of an item as a dirty snapshot sees it (committed, or being
 * inserted or deleted right now); false if there is no such item.
 */
static bool
ItemOwner(int64 item, int64 *author)
{
	Relation	heap = FgOpenTable(FG_ITEM_TABLE, AccessShareLock);
	Relation	index = FgOpenIndex(FG_ITEM_PKEY, AccessShareLock);
	SnapshotData dirty;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	bool		found;

	InitDirtySnapshot(dirty);
	found = FgFetchByKey(heap, index, &dirty, item, slot);
	if (found)
	{
		bool		isnull;

		*author = DatumGetInt64(slot_getattr(slot, 1, &isnull));
	}
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return found;
}

/*
 * Insert the row (author, item) through SQL and add one to the author's
 * item count; true if a row was inserted.  Inside SPI_connect.  (The path
 * for an item table with indexes of a DBA's: fg_items.c writes directly.)
 */
static bool
InsertItemSql(int64 author, int64 item)
{
	Datum		values[3];
	bool		changed;

	values[0] = Int64GetDatum(author);
	values[1] = Int64GetDatum(item);
	values[2] = Int64GetDatum(1);

	if (FgStripeHeld(author))
	{
		/* This transaction holds a stripe: update it by ctid. */
		changed = FgSpiExecPlan(FgSpiPrepareKeep(&plan_insert_item,
												 sql_insert_item, 2,
												 item_types),
								values, SPI_OK_INSERT) > 0;
		if (changed)
			FgBumpItems(author, 1);
		return changed;
	}

	FgSpiExecPlan(FgSpiPrepareKeep(&plan_publish, sql_publish, 3, item_types),
				  values, SPI_OK_SELECT);
	changed = FgSpiGetInt64(0, 1) > 0;
	if (changed && !FgStripeRemember(author, 0, 2))
		FgBumpItems(author, 1);	/* no free stripe: a new one */
	return changed;
}

/*
 * publish(author, item): true if the item is new; false if the author had
 * already published it; 23505 if another author had.
 */
Datum
fg_publish(PG_FUNCTION_ARGS)
{
	int64		author = FgGetIdArg(fcinfo, 0, "author");
	int64		item = FgGetIdArg(fcinfo, 1, "item");
	bool		changed;
	int			direct;

	CheckAuthorActive(author);
	SPI_connect();
	direct = FgDirectItemInsert(author, item);
	if (direct >= 0)
	{
		changed = direct > 0;
		if (changed)
		{
			int64		deltas[5] = {0, 0, 0, 0, 1};

			FgDirectStripeAddCommuting(author, deltas, 5);
		}
	}
	else
	{
		/* The item table has indexes of a DBA's: write through SQL. */
		FgCheckArbiterIndex(FG_ITEM_TABLE, FG_ITEM_PKEY);
		FgCheckArbiterIndex(FG_COUNTER_TABLE, FG_COUNTER_PKEY);
		for (;;)
		{
			int64		owner;

			changed = InsertItemSql(author, item);
			if (changed)
				break;

			/*
			 * The id exists (ON CONFLICT waited for its inserter).  If it
			 * was deleted since, try again.
			 */
			if (!ItemOwner(item, &owner))
				continue;
			if (owner != author)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("item " INT64_FORMAT " was already published by another account",
								item),
						 errdetail("Item ids are unique across all authors.")));
			break;
		}
	}
	if (changed)
		FgBoundCover(author, item);
	SPI_finish();
	PG_RETURN_BOOL(changed);
}

/*
 * unpublish(author, item): true if the author's item was removed.
 */
Datum
fg_unpublish(PG_FUNCTION_ARGS)
{
	int64		author = FgGetIdArg(fcinfo, 0, "author");
	int64		item = FgGetIdArg(fcinfo, 1, "item");
	bool		changed;
	int			direct;

	SPI_connect();
	direct = FgDirectItemDelete(author, item);
	if (direct >= 0)
		changed = direct > 0;
	else
	{
		/* The item table has triggers of a DBA's: delete through SQL. */
		static const Oid types[2] = {INT8OID, INT8OID};
		Datum		values[2];

		values[0] = Int64GetDatum(author);
		values[1] = Int64GetDatum(item);
		changed = FgSpiExecPlan(FgSpiPrepareKeep(&plan_unpublish_sql,
												 "DELETE FROM follow_graph.item AS i WHERE i.item OPERATOR(pg_catalog.=) $2 AND i.author OPERATOR(pg_catalog.=) $1",
												 2, types),
								values, SPI_OK_DELETE) > 0;
	}
	if (changed)
	{
		int64		deltas[5] = {0, 0, 0, 0, -1};

		FgDirectStripeAddCommuting(author, deltas, 5);
	}
	SPI_finish();
	PG_RETURN_BOOL(changed);
}

/*
 * forget_items(older_than): remove every item whose id is below the bound
 * and take back the counts; returns how many were removed.
 */
Datum
fg_forget_items(PG_FUNCTION_ARGS)
{
	int64		bound = FgGetIdArg(fcinfo, 0, "older_than");
	Datum		value = Int64GetDatum(bound);
	int64		n;

	FgCheckArbiterIndex(FG_COUNTER_TABLE, FG_COUNTER_PKEY);
	SPI_connect();
	FgSpiExecPlan(FgSpiPrepareKeep(&plan_forget, sql_forget, 1, item_types),
				  &value, SPI_OK_SELECT);
	n = FgSpiGetInt64(0, 1);
	SPI_finish();
	PG_RETURN_INT64(n);
}

/*
 * Remove every item of an account and fix its count (remove_account());
 * inside SPI_connect.  Returns how many were removed.
 */
int64
FgRemoveAccountItems(int64 account)
{
	Datum		value = Int64GetDatum(account);
	int64		n;

	/* A catalog still at 0.1.0 (before ALTER EXTENSION UPDATE) has no items. */
	if (!FgStatesInstalled())
		return 0;

	FgSpiExecPlan(FgSpiPrepareKeep(&plan_remove_items, sql_remove_items, 1,
								   item_types),
				  &value, SPI_OK_SELECT);
	n = FgSpiGetInt64(0, 1);
	FgBoundRemove(account);
	return n;
}

/*
 * item_count(author): the sum of the author's stripes; 0 for a deactivated
 * author, whose items are hidden.
 */
Datum
fg_item_count(PG_FUNCTION_ARGS)
{
	int64		author = PG_GETARG_INT64(0);
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	int64		n = 0;

	if (!AccountActive(author))
		PG_RETURN_INT64(0);

	heap = FgOpenTable(FG_COUNTER_TABLE, AccessShareLock);
	index = FgOpenIndex(FG_COUNTER_PKEY, AccessShareLock);
	scan = FgIndexBeginScan(heap, index, GetActiveSnapshot(), 1, 0);
	slot = table_slot_create(heap, NULL);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(author));
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		n += DatumGetInt64(slot_getattr(slot, FG_COUNTER_ATT_ITEMS, &isnull));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	PG_RETURN_INT64(n);
}

/*
 * Emit one id into a SETOF bigint result.
 */
static void
EmitItem(ReturnSetInfo *rsinfo, int64 item)
{
	Datum		value = Int64GetDatum(item);
	bool		isnull = false;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
}

/*
 * author_items(author, page_size, before): one author's items, highest id
 * first; none for a deactivated author.
 */
Datum
fg_author_items(PG_FUNCTION_ARGS)
{
	int64		author;
	int32		page_size;
	Relation	heap;
	FgScan	   *s;
	int64		item;
	int32		n = 0;
	ReturnSetInfo *rsinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	author = PG_GETARG_INT64(0);
	page_size = PG_GETARG_INT32(1);
	FgCheckPageSize(page_size);
	if (!AccountActive(author))
		return (Datum) 0;

	heap = FgOpenTable(FG_ITEM_TABLE, AccessShareLock);
	s = FgScanBegin(heap, FG_ITEM_AUTHOR_ITEM, BackwardScanDirection, false);
	if (PG_ARGISNULL(2))
		FgScanSeek(s, author, InvalidStrategy, 0);
	else
		FgScanSeek(s, author, BTLessStrategyNumber, PG_GETARG_INT64(2));
	while (n < page_size && FgScanNextId(s, &item))
	{
		EmitItem(rsinfo, item);
		n++;
	}
	FgScanEnd(s);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/* The head of one account's items in the merge. */
typedef struct FeedHead
{
	int64		item;
	int			account;		/* index into the account set */
} FeedHead;

/* What one feed page read, for the DEBUG1 report. */
typedef struct FeedStats
{
	int64		scanned;		/* entries of the newest-items scan */
	int64		merged;			/* entries of the per-account walks */
	int64		descents;		/* positionings of the per-account walk */
	int64		bounds;			/* entries of the author-recency walk */
	int64		probes;			/* bounds looked up one account at a time */
} FeedStats;

/* The state of one feed page. */
typedef struct FeedPage
{
	ReturnSetInfo *rsinfo;
	int64	   *accounts;		/* sorted, distinct */
	int			naccounts;
	char	   *checked;		/* per account: 0 unknown, 1 active, 2 not */
	FgStateReader states;		/* for the lookups that fill checked */
	int32		want;			/* rows still to emit */
	FeedStats	stats;
	/* the bounded plan (0.3.0): the best items so far, a min-heap */
	FeedHead   *top;
	int			ntop;
	char	   *visited;		/* per account: its items were read */
	uint64	   *filter;			/* FG_FEED_FILTER_BITS bits: hashes of accounts */
	FgScan	   *items;			/* over item_author_item */
	bool		has_before;
	int64		before;
} FeedPage;

/*
 * Order int64 ids ascending.
 */
static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * Position of an id in the sorted account set, or -1.
 */
static int
FindAccount(const int64 *accounts, int n, int64 id)
{
	int			lo = 0;
	int			hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (accounts[mid] == id)
			return mid;
		if (accounts[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Bits of the account filter of the newest-items scan (a power of 2). */
#define FG_FEED_FILTER_BITS 65536

/*
 * The filter bit of an id (a 64-bit mix, so that ids with common low bits
 * spread).
 */
static inline uint32
FilterBit(int64 id)
{
	uint64		x = (uint64) id;

	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (uint32) (x & (FG_FEED_FILTER_BITS - 1));
}

/*
 * A bitmap of the accounts' filter bits: an author whose bit is clear is not
 * one of them, without a binary search (most entries of a newest-items scan
 * are someone else's).
 */
static uint64 *
BuildFilter(const int64 *accounts, int n)
{
	uint64	   *filter = palloc0(FG_FEED_FILTER_BITS / 8);

	for (int i = 0; i < n; i++)
	{
		uint32		b = FilterBit(accounts[i]);

		filter[b / 64] |= UINT64CONST(1) << (b % 64);
	}
	return filter;
}

/*
 * The accounts whose items the viewer sees: every visible followee and the
 * viewer, minus the accounts the viewer actively mutes; sorted, distinct.
 */
static int64 *
FeedAccounts(int64 viewer, int *n)
{
	Relation	edges = FgOpenEdges();
	Relation	mutes = FgOpenTable(FG_MUTE_TABLE, AccessShareLock);
	Relation	pkey;
	FgScan	   *s;
	int64		id;
	int			cap = 64;
	int			count = 0;
	int64	   *ids = palloc(cap * sizeof(int64));
	int64	   *muted = NULL;
	int			nmuted = 0;
	int			cmuted = 0;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	int			out;

	/*
	 * Followees in ascending id order, from the primary key: its leaf pages
	 * read directly (fg_probe.c), or an index scan if a DBA rebuilt it in
	 * another shape.
	 */
	pkey = FgOpenIndex(FG_EDGE_PKEY, AccessShareLock);
	if (FgProbeSupported(pkey))
	{
		FgProbe		probe;

		FgProbeBegin(&probe, edges, pkey, viewer);
		FgProbeOwnerIds(&probe, &ids, &count, &cap);
		FgProbeEnd(&probe);
	}
	else
	{
		s = FgScanBegin(edges, FG_EDGE_PKEY, ForwardScanDirection, false);
		FgScanSeek(s, viewer, InvalidStrategy, 0);
		while (FgScanNextId(s, &id))
		{
			if (count >= cap)
			{
				cap *= 2;
				ids = repalloc_huge(ids, cap * sizeof(int64));
			}
			ids[count++] = id;
		}
		FgScanEnd(s);
	}
	index_close(pkey, NoLock);
	if (count >= cap)
	{
		cap++;
		ids = repalloc_huge(ids, cap * sizeof(int64));	/* room for the viewer */
	}

	/*
	 * The viewer's own items, kept in order: the followees come sorted, so
	 * the viewer goes in its place (a qsort of the nearly sorted list costs
	 * more than the scan).  If the index ever yields them out of order, sort.
	 */
	{
		int			at = count;
		bool		sorted = true;

		for (int i = 1; i < count && sorted; i++)
			sorted = ids[i - 1] < ids[i];
		if (sorted)
		{
			while (at > 0 && ids[at - 1] > viewer)
				at--;
			memmove(&ids[at + 1], &ids[at], (count - at) * sizeof(int64));
			ids[at] = viewer;
			count++;
		}
		else
		{
			ids[count++] = viewer;
			qsort(ids, count, sizeof(int64), CompareInt64);
		}
	}

	/* Active mutes, in ascending id order. */
	s = FgScanBegin(mutes, FG_MUTE_PKEY, ForwardScanDirection, true);
	FgScanSeek(s, viewer, InvalidStrategy, 0);
	while (FgScanNextTuple(s))
	{
		bool		isnull;
		Datum		expires = slot_getattr(s->slot, FG_MUTE_ATT_EXPIRES_AT, &isnull);

		if (!isnull && DatumGetTimestampTz(expires) <= now)
			continue;
		if (nmuted == cmuted)
		{
			cmuted = cmuted ? cmuted * 2 : 16;
			muted = muted ? repalloc_huge(muted, cmuted * sizeof(int64)) :
				palloc(cmuted * sizeof(int64));
		}
		muted[nmuted++] = DatumGetInt64(slot_getattr(s->slot, FG_MUTE_ATT_MUTED,
													 &isnull));
	}
	FgScanEnd(s);

	/* Set difference of two sorted lists. */
	out = 0;
	for (int i = 0, j = 0; i < count; i++)
	{
		while (j < nmuted && muted[j] < ids[i])
			j++;
		if (j < nmuted && muted[j] == ids[i])
			continue;
		ids[out++] = ids[i];
	}
	table_close(mutes, NoLock);
	table_close(edges, NoLock);
	*n = out;
	return ids;
}

/*
 * May the author be one of the page's accounts?  (False: certainly not.)
 */
static inline bool
FilterHas(FeedPage *fp, int64 author)
{
	uint32		b = FilterBit(author);

	return (fp->filter[b / 64] & (UINT64CONST(1) << (b % 64))) != 0;
}

/*
 * May the page show items of the account at position pos?  Its edge from
 * the viewer is visible, so it is active unless the storage says otherwise;
 * each account emitted is looked up once.
 */
static bool
FeedAccountShown(FeedPage *fp, int pos)
{
	if (fp->checked[pos] == 0)
		fp->checked[pos] = StateReaderActive(&fp->states, fp->accounts[pos]) ? 1 : 2;
	return fp->checked[pos] == 1;
}

/*
 * Emit one feed row.
 */
static void
EmitFeedRow(FeedPage *fp, int pos, int64 item)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = Int64GetDatum(fp->accounts[pos]);
	values[1] = Int64GetDatum(item);
	tuplestore_putvalues(fp->rsinfo->setResult, fp->rsinfo->setDesc, values,
						 nulls);
	fp->want--;
}

/*
 * Is the index's column col (counted from 1) the table's column att?  A DBA
 * may rebuild an index without its INCLUDE column: the column is then read
 * from the heap tuple.
 */
static bool
FeedIndexColumnIs(Relation index, int col, AttrNumber att)
{
	return col <= IndexRelationGetNumberOfAttributes(index) &&
		index->rd_index->indkey.values[col - 1] == att;
}

/*
 * Strategy 1: the newest items of everyone below the cursor, keeping those
 * of the viewer's accounts, for at most budget entries.  Returns true if the
 * page is complete (full, or no item left); otherwise *bound is the lowest
 * id examined, and *bound_shown whether the page shows it: the merge goes
 * on below it, or from it when it was not shown (another version of the
 * same id, dead or alive, may come right after the entry examined).
 */
static bool
FeedScanNewest(FeedPage *fp, Relation heap, bool has_before, int64 before,
			   int64 budget, int64 *bound, bool *bound_shown)
{
	Relation	index = FgOpenIndex(FG_ITEM_PKEY, AccessShareLock);
	Snapshot	snapshot = GetActiveSnapshot();
	Buffer		vmbuffer = InvalidBuffer;
	bool		exhausted = false;
	bool		done;

	if (FgBoundWalkSupported(index, FEED_ITEM_ATT_ITEM, FEED_ITEM_ATT_AUTHOR))
	{
		/* The index's leaf pages read directly, right to left. */
		FgBoundWalk w;
		IndexFetchTableData *fetch = table_index_fetch_begin(heap);
		TupleTableSlot *slot = table_slot_create(heap, NULL);
		bool		serializable = IsolationIsSerializable();

		FgBoundWalkBegin(&w, heap, index, has_before, before);
		while (fp->want > 0 && fp->stats.scanned < budget)
		{
			int			n = FgBoundWalkPage(&w);

			if (n == 0)
			{
				exhausted = true;
				break;
			}
			for (int i = 0; i < n && fp->want > 0 && fp->stats.scanned < budget; i++)
			{
				int64		item = w.newest[i];
				int64		author = w.author[i];
				BlockNumber blk;
				int			pos;

				if ((++fp->stats.scanned & 1023) == 0)
					CHECK_FOR_INTERRUPTS();
				/* another version of the id just shown leaves it shown */
				if (fp->stats.scanned == 1 || item != *bound)
				{
					*bound = item;
					*bound_shown = false;
				}
				if (!FilterHas(fp, author))
					continue;
				pos = FindAccount(fp->accounts, fp->naccounts, author);
				if (pos < 0)
					continue;

				/* One of ours: is this version visible? */
				blk = ItemPointerGetBlockNumber(&w.tid[i]);
				if (!VM_ALL_VISIBLE(heap, blk, &vmbuffer))
				{
					bool		call_again = false;
					bool		all_dead = false;
					bool		visible;

					visible = table_index_fetch_tuple(fetch, &w.tid[i], snapshot,
													  slot, &call_again, &all_dead);
					ExecClearTuple(slot);
					if (!visible)
						continue;
				}
				else if (serializable)
					PredicateLockPage(heap, blk, snapshot);
				if (FeedAccountShown(fp, pos))
				{
					EmitFeedRow(fp, pos, item);
					*bound_shown = true;
				}
			}
		}
		FgBoundWalkEnd(&w);
		ExecDropSingleTupleTableSlot(slot);
		table_index_fetch_end(fetch);
	}
	else
	{
		IndexScanDesc scan = FgIndexBeginScan(heap, index, snapshot, 1, 0);
		TupleTableSlot *slot = table_slot_create(heap, NULL);
		bool		covering = FeedIndexColumnIs(index, 2, FEED_ITEM_ATT_AUTHOR);
		ScanKeyData key;
		ItemPointer tid = NULL;

		scan->xs_want_itup = true;
		if (has_before)
			ScanKeyInit(&key, 1, BTLessStrategyNumber, F_INT8LT,
						Int64GetDatum(before));
		else
			ScanKeyInit(&key, 1, BTLessEqualStrategyNumber, F_INT8LE,
						Int64GetDatum(PG_INT64_MAX));
		index_rescan(scan, &key, 1, NULL, 0);

		while (fp->want > 0 && fp->stats.scanned < budget &&
			   (tid = index_getnext_tid(scan, BackwardScanDirection)) != NULL)
		{
			bool		isnull;
			int64		item;
			int64		author;
			int			pos;

			if ((++fp->stats.scanned & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			item = DatumGetInt64(index_getattr(scan->xs_itup, 1,
											   scan->xs_itupdesc, &isnull));
			/* another version of the id just shown leaves it shown */
			if (fp->stats.scanned == 1 || item != *bound)
			{
				*bound = item;
				*bound_shown = false;
			}
			if (!covering)
			{
				/* no author in the index: the visible version's */
				if (!index_fetch_heap(scan, slot))
					continue;
				author = DatumGetInt64(slot_getattr(slot, FEED_ITEM_ATT_AUTHOR,
													&isnull));
				ExecClearTuple(slot);
			}
			else
				author = DatumGetInt64(index_getattr(scan->xs_itup, 2,
													 scan->xs_itupdesc, &isnull));
			if (!FilterHas(fp, author))
				continue;
			pos = FindAccount(fp->accounts, fp->naccounts, author);
			if (pos < 0)
				continue;

			/* One of ours: is this version visible?  (Known if fetched.) */
			if (covering &&
				!VM_ALL_VISIBLE(heap, ItemPointerGetBlockNumber(tid), &vmbuffer))
			{
				if (!index_fetch_heap(scan, slot))
					continue;
				ExecClearTuple(slot);
			}
			else if (covering && IsolationIsSerializable())
				PredicateLockPage(heap, ItemPointerGetBlockNumber(tid), snapshot);
			if (FeedAccountShown(fp, pos))
			{
				EmitFeedRow(fp, pos, item);
				*bound_shown = true;
			}
		}
		exhausted = fp->want > 0 && fp->stats.scanned < budget && tid == NULL;
		ExecDropSingleTupleTableSlot(slot);
		index_endscan(scan);
	}
	done = fp->want == 0 || exhausted;

	if (BufferIsValid(vmbuffer))
		ReleaseBuffer(vmbuffer);
	index_close(index, NoLock);
	return done;
}

/*
 * Restore the heap property downwards from position i of a max-heap.
 */
static void
HeapSiftDown(FeedHead *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			m = i;
		FeedHead	t;

		if (l < n && h[l].item > h[m].item)
			m = l;
		if (l + 1 < n && h[l + 1].item > h[m].item)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/*
 * Strategy 2: k-way merge of the accounts' items below the bound (or from
 * it, with inclusive).
 */
static void
FeedMerge(FeedPage *fp, Relation heap, int64 bound, bool inclusive)
{
	FgScan	   *s = FgScanBegin(heap, FG_ITEM_AUTHOR_ITEM, BackwardScanDirection,
								false);
	FeedHead   *h = palloc_extended(Max(fp->naccounts, 1) * sizeof(FeedHead),
									MCXT_ALLOC_HUGE);
	int			n = 0;

	/* The newest item of every account: one probe each, in id order. */
	for (int i = 0; i < fp->naccounts; i++)
	{
		int64		item;

		FgScanSeek(s, fp->accounts[i],
				   inclusive ? BTLessEqualStrategyNumber : BTLessStrategyNumber,
				   bound);
		fp->stats.descents++;
		if (FgScanNextId(s, &item))
		{
			fp->stats.merged++;
			h[n].item = item;
			h[n].account = i;
			n++;
		}
	}
	for (int i = n / 2 - 1; i >= 0; i--)
		HeapSiftDown(h, n, i);

	/*
	 * Drain: emit the top, then walk its account on from there, emitting
	 * while its items beat the next head; its first item that does not goes
	 * back into the heap in the top's place.
	 */
	while (fp->want > 0 && n > 0)
	{
		FeedHead	top = h[0];
		bool		refill = false;
		int64		item;

		CHECK_FOR_INTERRUPTS();
		if (!FeedAccountShown(fp, top.account))
		{
			h[0] = h[--n];
			HeapSiftDown(h, n, 0);
			continue;
		}
		EmitFeedRow(fp, top.account, top.item);
		if (fp->want == 0)
			break;

		FgScanSeek(s, fp->accounts[top.account], BTLessStrategyNumber,
				   top.item);
		fp->stats.descents++;
		while (FgScanNextId(s, &item))
		{
			int64		next;

			fp->stats.merged++;
			/* The best other head: a child of the root. */
			next = n > 1 ? h[1].item : PG_INT64_MIN;
			if (n > 2 && h[2].item > next)
				next = h[2].item;
			if (item > next)
			{
				EmitFeedRow(fp, top.account, item);
				if (fp->want == 0)
					break;
				continue;
			}
			h[0].item = item;
			refill = true;
			break;
		}
		if (fp->want == 0)
			break;
		if (!refill)
			h[0] = h[--n];
		HeapSiftDown(h, n, 0);
	}
	pfree(h);
	FgScanEnd(s);
}

/* Walk entries of the author-recency index per account of the viewer
 * before the bounded plan looks the remaining accounts' bounds up one by
 * one (a lookup costs about as much as this many walk entries). */
#define FG_FEED_WALK_RATIO 8

/*
 * Restore the min-heap property of the page's best items downwards from i.
 */
static void
TopSiftDown(FeedHead *h, int n, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1;
		int			m = i;
		FeedHead	t;

		if (l < n && h[l].item < h[m].item)
			m = l;
		if (l + 1 < n && h[l + 1].item < h[m].item)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/*
 * Does the page hold want items, all above x?  Then no item at or below x
 * can enter it (item ids are unique).
 */
static inline bool
TopBeats(FeedPage *fp, int64 x)
{
	return fp->ntop == fp->want && fp->top[0].item >= x;
}

/*
 * Offer an item to the page's best items.
 */
static void
TopOffer(FeedPage *fp, int pos, int64 item)
{
	if (fp->ntop < fp->want)
	{
		int			i = fp->ntop++;

		/* sift up */
		fp->top[i].item = item;
		fp->top[i].account = pos;
		while (i > 0 && fp->top[(i - 1) / 2].item > fp->top[i].item)
		{
			FeedHead	t = fp->top[i];

			fp->top[i] = fp->top[(i - 1) / 2];
			fp->top[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	}
	else if (item > fp->top[0].item)
	{
		fp->top[0].item = item;
		fp->top[0].account = pos;
		TopSiftDown(fp->top, fp->ntop, 0);
	}
}

/*
 * Read the items of the account at pos below the cursor, newest first, into
 * the page's best items while they can enter it; at most want of them.
 */
static void
FeedReadAccount(FeedPage *fp, int pos)
{
	int64		item;
	int32		taken = 0;

	Assert(!fp->visited[pos]);
	fp->visited[pos] = 1;
	if (!FeedAccountShown(fp, pos))
		return;

	/*
	 * Once the page is full only items above its worst can enter: with that
	 * bound as a key the btree stops reading the leaf there (a backward scan
	 * reads a whole leaf page's worth of matches otherwise, hundreds for an
	 * author who publishes much).  A first page has no cursor (FeedBounded).
	 */
	Assert(!fp->has_before);
	if (fp->ntop == fp->want)
		FgScanSeek(fp->items, fp->accounts[pos], BTGreaterStrategyNumber,
				   fp->top[0].item);
	else
		FgScanSeek(fp->items, fp->accounts[pos], InvalidStrategy, 0);
	fp->stats.descents++;
	while (taken < fp->want && FgScanNextId(fp->items, &item))
	{
		fp->stats.merged++;
		if (TopBeats(fp, item))
			break;
		TopOffer(fp, pos, item);
		taken++;
	}
}

/*
 * The most the page can take from an account whose bound is b.
 */
static inline int64
FeedCeiling(FeedPage *fp, int64 b)
{
	return fp->has_before ? Min(b, fp->before - 1) : b;
}

/* What the walk does after one bound. */
typedef enum FeedWalkStep
{
	FEED_WALK_ON,				/* go on to the next bound */
	FEED_WALK_SETTLED,			/* the page is settled */
	FEED_WALK_BUDGET			/* the walk read its budget */
} FeedWalkStep;

/*
 * One bound of the walk: stop if the page beats it, else read the author's
 * items if the author is one of the viewer's accounts not read yet.
 */
static inline FeedWalkStep
FeedWalkBound(FeedPage *fp, int64 budget, int64 newest, int64 author)
{
	int			pos;

	if ((++fp->stats.bounds & 1023) == 0)
		CHECK_FOR_INTERRUPTS();
	if (TopBeats(fp, FeedCeiling(fp, newest)))
		return FEED_WALK_SETTLED;
	if (fp->stats.bounds > budget)
		return FEED_WALK_BUDGET;
	if (!FilterHas(fp, author))
		return FEED_WALK_ON;
	pos = FindAccount(fp->accounts, fp->naccounts, author);
	if (pos >= 0 && !fp->visited[pos])
		FeedReadAccount(fp, pos);
	return FEED_WALK_ON;
}

/*
 * Sorted access: walk the authors from the highest bound down (the index
 * only: a bound is a hint, every version counts) and read the items of the
 * viewer's accounts met on the way, until the bound falls to the page's
 * worst item.  Returns true if that settled the page; false if the walk read
 * its budget first.  The index's leaf pages are read one at a time
 * (fg_bound_walk.c), or through an ordinary index scan if a DBA rebuilt the
 * index in another shape (highest first either way: DESC is walked forward).
 */
static bool
FeedWalkBounds(FeedPage *fp, int64 budget)
{
	Relation	heap = FgOpenTable(FG_ITEM_BOUND_TABLE, AccessShareLock);
	Relation	index = FgOpenIndex(FG_ITEM_BOUND_NEWEST, AccessShareLock);
	FeedWalkStep step = FEED_WALK_ON;

	if (FgBoundWalkSupported(index, FEED_BOUND_ATT_NEWEST, FEED_BOUND_ATT_AUTHOR))
	{
		FgBoundWalk w;
		int			n;

		FgBoundWalkBegin(&w, heap, index, false, 0);
		while (step == FEED_WALK_ON && (n = FgBoundWalkPage(&w)) > 0)
		{
			for (int i = 0; i < n && step == FEED_WALK_ON; i++)
				step = FeedWalkBound(fp, budget, w.newest[i], w.author[i]);
		}
		FgBoundWalkEnd(&w);
	}
	else
	{
		IndexScanDesc scan = FgIndexBeginScan(heap, index, GetActiveSnapshot(),
											  1, 0);
		ScanDirection dir = (index->rd_indoption[0] & INDOPTION_DESC) ?
			ForwardScanDirection : BackwardScanDirection;
		bool		covering = FeedIndexColumnIs(index, 2, FEED_BOUND_ATT_AUTHOR);
		TupleTableSlot *slot = table_slot_create(heap, NULL);
		ScanKeyData key;

		scan->xs_want_itup = true;
		ScanKeyInit(&key, 1, BTLessEqualStrategyNumber, F_INT8LE,
					Int64GetDatum(PG_INT64_MAX));
		index_rescan(scan, &key, 1, NULL, 0);
		while (step == FEED_WALK_ON &&
			   index_getnext_tid(scan, dir) != NULL)
		{
			bool		isnull;
			int64		newest = DatumGetInt64(index_getattr(scan->xs_itup, 1,
															 scan->xs_itupdesc,
															 &isnull));
			int64		author;

			if (covering)
				author = DatumGetInt64(index_getattr(scan->xs_itup, 2,
													 scan->xs_itupdesc,
													 &isnull));
			else
			{
				/*
				 * No author in the index: the visible version's (the row
				 * covering a visible item is visible, so the visible
				 * versions are hints enough).
				 */
				if (!index_fetch_heap(scan, slot))
					continue;
				author = DatumGetInt64(slot_getattr(slot, FEED_BOUND_ATT_AUTHOR,
													&isnull));
				ExecClearTuple(slot);
			}
			step = FeedWalkBound(fp, budget, newest, author);
		}
		ExecDropSingleTupleTableSlot(slot);
		index_endscan(scan);
	}
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return step != FEED_WALK_BUDGET;
}

/* An account and its bound, for the lookups of FeedProbeBounds. */
typedef struct FeedBound
{
	int64		bound;
	int			account;
} FeedBound;

/*
 * Order bounds from the highest down.
 */
static int
CompareBoundDesc(const void *a, const void *b)
{
	int64		x = ((const FeedBound *) a)->bound;
	int64		y = ((const FeedBound *) b)->bound;

	return (x < y) - (x > y);
}

/*
 * Random access: look up the bound of every account the walk did not reach
 * (the highest of the index's versions; none if the account never
 * published), then read the accounts from the highest bound down until the
 * bound falls to the page's worst item.
 */
static void
FeedProbeBounds(FeedPage *fp)
{
	Relation	heap = FgOpenTable(FG_ITEM_BOUND_TABLE, AccessShareLock);
	Relation	index = FgOpenIndex(FG_ITEM_BOUND_AUTHOR, AccessShareLock);
	IndexScanDesc scan = FgIndexBeginScan(heap, index, GetActiveSnapshot(), 1, 0);
	FeedBound  *b = palloc_extended(Max(fp->naccounts, 1) * sizeof(FeedBound),
									MCXT_ALLOC_HUGE);
	int			n = 0;
	bool		covering = FeedIndexColumnIs(index, 2, FEED_BOUND_ATT_NEWEST);
	TupleTableSlot *slot = table_slot_create(heap, NULL);

	/* without newest in the index, the visible versions' (hints enough) */
	scan->xs_want_itup = covering;
	for (int i = 0; i < fp->naccounts; i++)
	{
		ScanKeyData key;
		bool		found = false;
		int64		bound = PG_INT64_MIN;

		if (fp->visited[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
					Int64GetDatum(fp->accounts[i]));
		index_rescan(scan, &key, 1, NULL, 0);
		fp->stats.probes++;
		while (index_getnext_tid(scan, ForwardScanDirection) != NULL)
		{
			bool		isnull;

			if (covering)
				bound = Max(bound, DatumGetInt64(index_getattr(scan->xs_itup, 2,
															   scan->xs_itupdesc,
															   &isnull)));
			else
			{
				if (!index_fetch_heap(scan, slot))
					continue;
				bound = Max(bound, DatumGetInt64(slot_getattr(slot, FEED_BOUND_ATT_NEWEST,
															  &isnull)));
				ExecClearTuple(slot);
			}
			found = true;
		}
		if (found)
		{
			b[n].bound = bound;
			b[n].account = i;
			n++;
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	index_close(index, NoLock);
	table_close(heap, NoLock);

	qsort(b, n, sizeof(FeedBound), CompareBoundDesc);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (TopBeats(fp, FeedCeiling(fp, b[i].bound)))
			break;
		FeedReadAccount(fp, b[i].account);
	}
	pfree(b);
}

/*
 * Order feed heads from the highest item down.
 */
static int
CompareHeadDesc(const void *a, const void *b)
{
	int64		x = ((const FeedHead *) a)->item;
	int64		y = ((const FeedHead *) b)->item;

	return (x < y) - (x > y);
}

/*
 * The bounded plan (0.3.0; the threshold algorithm over the author-recency
 * index): sorted access from the highest bound down within a budget, then
 * random access for the accounts left; emits the page.
 */
static void
FeedBounded(FeedPage *fp, Relation heap)
{
	int32		page = fp->want;

	fp->top = palloc(page * sizeof(FeedHead));
	fp->visited = palloc0(Max(fp->naccounts, 1));
	fp->items = FgScanBegin(heap, FG_ITEM_AUTHOR_ITEM, BackwardScanDirection,
							false);
	if (!FeedWalkBounds(fp, (int64) FG_FEED_WALK_RATIO * (fp->naccounts + page)))
		FeedProbeBounds(fp);
	FgScanEnd(fp->items);

	qsort(fp->top, fp->ntop, sizeof(FeedHead), CompareHeadDesc);
	for (int i = 0; i < fp->ntop; i++)
		EmitFeedRow(fp, fp->top[i].account, fp->top[i].item);
}

/*
 * feed(viewer, page_size, before) → table(author, item)
 */
Datum
fg_feed(PG_FUNCTION_ARGS)
{
	FeedPage	fp;
	int64		viewer;
	bool		has_before;
	int64		before = 0;
	int64		bound = 0;
	bool		bound_shown = false;
	Relation	heap;

	InitMaterializedSRF(fcinfo, 0);
	memset(&fp, 0, sizeof(fp));
	fp.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	viewer = PG_GETARG_INT64(0);
	fp.want = PG_GETARG_INT32(1);
	FgCheckPageSize(fp.want);
	has_before = !PG_ARGISNULL(2);
	if (has_before)
		before = PG_GETARG_INT64(2);

	/* A deactivated viewer sees nothing (its edges are hidden too). */
	StateReaderBegin(&fp.states);
	if (!StateReaderActive(&fp.states, viewer))
	{
		StateReaderEnd(&fp.states);
		return (Datum) 0;
	}

	fp.accounts = FeedAccounts(viewer, &fp.naccounts);
	fp.filter = BuildFilter(fp.accounts, fp.naccounts);
	fp.checked = palloc0(Max(fp.naccounts, 1));
	fp.has_before = has_before;
	fp.before = before;
	heap = FgOpenTable(FG_ITEM_TABLE, AccessShareLock);

	if (has_before && before == PG_INT64_MIN)
	{
		/* nothing is below the lowest id */
	}
	else if (fp.naccounts > 0 && FgBoundInstalled() && !has_before)
	{
		/* A first page: the bounded plan. */
		FeedBounded(&fp, heap);
	}
	else if (fp.naccounts > 0 && has_before)
	{
		/*
		 * A later page scans the newest items below the cursor: it reads
		 * about the entries a first page's walk reads, as cheap deep as at
		 * the top, with no descent.  Where the viewer's accounts publish too
		 * thinly for that, it stops after about the cost of a descent per
		 * account (FG_FEED_DEEP_RATIO entries each) and merges below where
		 * it stopped: one descent per account.  (Every account whose bound
		 * is above the cursor may have items below it: the bounds cannot
		 * narrow a later page.)
		 */
		if (!FeedScanNewest(&fp, heap, has_before, before,
							(int64) FG_FEED_DEEP_RATIO * (fp.want + fp.naccounts),
							&bound, &bound_shown))
			FeedMerge(&fp, heap, bound, !bound_shown);
	}
	else if (fp.naccounts > 0 &&
		!FeedScanNewest(&fp, heap, has_before, before,
						(int64) FG_FEED_SCAN_RATIO * (fp.want + fp.naccounts),
						&bound, &bound_shown))
	{
		/* The scan read its budget: merge from where it stopped. */
		FeedMerge(&fp, heap, bound, !bound_shown);
	}
	table_close(heap, NoLock);
	StateReaderEnd(&fp.states);

	ereport(DEBUG1,
			(errmsg_internal("feed of " INT64_FORMAT ": %d accounts, " INT64_FORMAT " index entries read (" INT64_FORMAT " by the newest-items scan, " INT64_FORMAT " by the merge in " INT64_FORMAT " descents, " INT64_FORMAT " bounds walked, " INT64_FORMAT " bounds looked up)",
							 viewer, fp.naccounts,
							 fp.stats.scanned + fp.stats.merged +
							 fp.stats.bounds + fp.stats.probes,
							 fp.stats.scanned, fp.stats.merged,
							 fp.stats.descents, fp.stats.bounds,
							 fp.stats.probes)));
	return (Datum) 0;
}
