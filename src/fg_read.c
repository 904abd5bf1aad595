/*
 * fg_read.c
 *		The read side of the graph: relationship flags, O(1) counts, keyset
 *		pages newest first, and sorted set intersections (Friends, common
 *		followers, "followed by people you follow").
 *
 * Everything here reads the storage through its indexes under the caller's
 * active snapshot, without SPI and without privilege checks on the storage
 * tables (the functions are the access path granted to PUBLIC).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "fg.h"
#include "fg_probe.h"

/* How many steps a set walk takes before it re-descends the btree. */
#define FG_GALLOP_STEPS 8

PG_FUNCTION_INFO_V1(fg_is_following);
PG_FUNCTION_INFO_V1(fg_relationship);
PG_FUNCTION_INFO_V1(fg_relationships);
PG_FUNCTION_INFO_V1(fg_follower_count);
PG_FUNCTION_INFO_V1(fg_following_count);
PG_FUNCTION_INFO_V1(fg_mutual_count);
PG_FUNCTION_INFO_V1(fg_counts);
PG_FUNCTION_INFO_V1(fg_request_count);
PG_FUNCTION_INFO_V1(fg_followers);
PG_FUNCTION_INFO_V1(fg_following);
PG_FUNCTION_INFO_V1(fg_mutuals);
PG_FUNCTION_INFO_V1(fg_common_followers);
PG_FUNCTION_INFO_V1(fg_common_following);
PG_FUNCTION_INFO_V1(fg_known_followers);

/*
 * Open the counter table and its primary key for lookups.
 *
 * size_hint says the counts will only choose an algorithm, never reach the
 * result.  Under SERIALIZABLE such a read would still take SSI predicate
 * locks on the counter btree and rows, and every follow() that touches a
 * counter on the same page would then look like a read-write conflict with
 * us: false 40001 failures for work that never depended on the counts.  So
 * hint reads use SnapshotSelf there, which sees the latest committed counts
 * and takes no predicate lock (SSI tracks MVCC snapshots only).  The hint
 * may then be a little off, which costs speed at most.
 */
void
FgCounterReaderBegin(FgCounterReader *r, bool size_hint)
{
	Snapshot	snapshot = GetActiveSnapshot();

	if (size_hint && IsolationIsSerializable())
		snapshot = SnapshotSelf;
	r->heap = FgOpenTable(FG_COUNTER_TABLE, AccessShareLock);
	r->index = FgOpenIndex(FG_COUNTER_PKEY, AccessShareLock);
	r->scan = FgIndexBeginScan(r->heap, r->index, snapshot, 1, 0);
	r->slot = table_slot_create(r->heap, NULL);
}

/*
 * Sum the stripes of one account.  An account has one stripe row normally
 * and a handful after write storms, so this is O(1).
 */
void
FgCounterRead(FgCounterReader *r, int64 account, FgCounts *c)
{
	bool		has_requests;

	CHECK_FOR_INTERRUPTS();
	memset(c, 0, sizeof(FgCounts));
	has_requests = RelationGetDescr(r->heap)->natts >= FG_COUNTER_ATT_REQUESTS;
	ScanKeyInit(&r->key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	index_rescan(r->scan, &r->key, 1, NULL, 0);
	while (index_getnext_slot(r->scan, ForwardScanDirection, r->slot))
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		c->followers += DatumGetInt64(slot_getattr(r->slot, FG_COUNTER_ATT_FOLLOWERS, &isnull));
		c->following += DatumGetInt64(slot_getattr(r->slot, FG_COUNTER_ATT_FOLLOWING, &isnull));
		c->mutuals += DatumGetInt64(slot_getattr(r->slot, FG_COUNTER_ATT_MUTUALS, &isnull));
		/* 0.1.0's counter (before ALTER EXTENSION UPDATE) has no requests. */
		if (has_requests)
			c->requests += DatumGetInt64(slot_getattr(r->slot, FG_COUNTER_ATT_REQUESTS, &isnull));
	}
}

/*
 * Close what FgCounterReaderBegin opened.
 */
void
FgCounterReaderEnd(FgCounterReader *r)
{
	index_endscan(r->scan);
	ExecDropSingleTupleTableSlot(r->slot);
	index_close(r->index, NoLock);
	table_close(r->heap, NoLock);
}

/*
 * Counts of one account (size_hint: see FgCounterReaderBegin).
 */
static FgCounts
CountsOf(int64 account, bool size_hint)
{
	FgCounterReader r;
	FgCounts	c;

	FgCounterReaderBegin(&r, size_hint);
	FgCounterRead(&r, account, &c);
	FgCounterReaderEnd(&r);
	return c;
}

/*
 * Start a materialised result with InitMaterializedSRF(), whose descriptor
 * is the one the executor expects: for SETOF a scalar its one column, for
 * RETURNS TABLE the row type (taking it from the call site spares a rebuild
 * from the catalog's argument arrays on every call).
 */
static ReturnSetInfo *
BeginSRF(FunctionCallInfo fcinfo, bool scalar)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, scalar ||
						(rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) &&
						 rsinfo->expectedDesc != NULL) ?
						MAT_SRF_USE_EXPECTED_DESC : 0);
	return rsinfo;
}

/*
 * Order for FgArrayItem: by id, then by position.
 */
static inline int
CompareItemById(const FgArrayItem *x, const FgArrayItem *y)
{
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->pos - y->pos;
}

/*
 * SortItemsById(items, n): a sort specialised for FgArrayItem
 * (lib/sort_template.h), which inlines the comparison.
 */
#define ST_SORT SortItemsById
#define ST_ELEMENT_TYPE FgArrayItem
#define ST_COMPARE(a, b) CompareItemById(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Put the distinct items FgDistinctIds() returned back in input order.  Their
 * positions are distinct array subscripts, so a map from position to item
 * does it in one pass, without a second sort.
 */
void
FgInInputOrder(FgArrayItem *items, int n)
{
	int			maxpos = -1;
	int		   *map;
	FgArrayItem *copy;
	int			k = 0;

	if (n < 2)
		return;
	for (int i = 0; i < n; i++)
		maxpos = Max(maxpos, items[i].pos);
	map = palloc(sizeof(int) * (maxpos + 1));
	memset(map, -1, sizeof(int) * (maxpos + 1));
	for (int i = 0; i < n; i++)
		map[items[i].pos] = i;
	copy = palloc(sizeof(FgArrayItem) * n);
	memcpy(copy, items, sizeof(FgArrayItem) * n);
	for (int p = 0; p <= maxpos; p++)
		if (map[p] >= 0)
			items[k++] = copy[map[p]];
	Assert(k == n);
	pfree(copy);
	pfree(map);
}

/*
 * The distinct non-null ids of a bigint[] argument other than skip (when
 * has_skip), sorted by id.  The caller restores input order if it wants it.
 */
FgArrayItem *
FgDistinctIds(ArrayType *arr, const char *argname, bool has_skip,
			  int64 skip, int *count)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			n = 0;
	int			kept = 0;
	FgArrayItem *items;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	nelems = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (nelems > FG_MAX_ARRAY_ELEMENTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has too many elements", argname),
				 errdetail("The array has %d elements; the limit is %d.",
						   nelems, FG_MAX_ARRAY_ELEMENTS),
				 errhint("Split the array into smaller calls.")));

	if (ARR_ELEMTYPE(arr) != INT8OID)
		elog(ERROR, "%s must be a bigint array", argname);
	items = palloc(sizeof(FgArrayItem) * Max(nelems, 1));
	if (!ARR_HASNULL(arr))
	{
		/* No NULLs: the elements are a plain int64 vector, read in place. */
		const int64 *v = (const int64 *)
			((const char *) arr + ARR_OVERHEAD_NONULLS(ARR_NDIM(arr)));

		for (int i = 0; i < nelems; i++)
		{
			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (has_skip && v[i] == skip)
				continue;
			items[n].id = v[i];
			items[n].pos = i;
			n++;
		}
	}
	else
	{
		deconstruct_array(arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
						  TYPALIGN_DOUBLE, &elems, &nulls, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			int64		id;

			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			if (nulls[i])
				continue;
			id = DatumGetInt64(elems[i]);
			if (has_skip && id == skip)
				continue;
			items[n].id = id;
			items[n].pos = i;
			n++;
		}
		pfree(elems);
		pfree(nulls);
	}

	SortItemsById(items, n);
	for (int i = 0; i < n; i++)
	{
		if (kept > 0 && items[kept - 1].id == items[i].id)
			continue;
		items[kept++] = items[i];
	}
	*count = kept;
	return items;
}

/*
 * is_following(follower, followee)
 */
Datum
fg_is_following(PG_FUNCTION_ARGS)
{
	int64		follower = PG_GETARG_INT64(0);
	int64		followee = PG_GETARG_INT64(1);
	Relation	heap = FgOpenEdges();
	FgScan	   *s = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	bool		result = FgScanProbe(s, follower, followee);

	FgScanEnd(s);
	table_close(heap, NoLock);
	PG_RETURN_BOOL(result);
}

/*
 * relationship(viewer, target): the strongest of self, blocking, blocked_by,
 * mutual, following, requested, followed_by, none (in that order).
 */
Datum
fg_relationship(PG_FUNCTION_ARGS)
{
	int64		viewer = PG_GETARG_INT64(0);
	int64		target = PG_GETARG_INT64(1);
	Relation	heap;
	FgScan	   *s;
	bool		following;
	bool		followed_by;
	bool		blocking;
	bool		blocked_by;
	bool		requested;
	const char *state;

	if (viewer == target)
		PG_RETURN_TEXT_P(cstring_to_text("self"));

	FgPairStates(viewer, target, &blocking, &blocked_by, &requested);
	if (blocking)
		PG_RETURN_TEXT_P(cstring_to_text("blocking"));
	if (blocked_by)
		PG_RETURN_TEXT_P(cstring_to_text("blocked_by"));

	heap = FgOpenEdges();
	s = FgScanBegin(heap, FG_EDGE_PKEY, ForwardScanDirection, false);
	following = FgScanProbe(s, viewer, target);
	followed_by = FgScanProbe(s, target, viewer);
	FgScanEnd(s);
	table_close(heap, NoLock);

	if (following && followed_by)
		state = "mutual";
	else if (following)
		state = "following";
	else if (requested)
		state = "requested";
	else if (followed_by)
		state = "followed_by";
	else
		state = "none";
	PG_RETURN_TEXT_P(cstring_to_text(state));
}

/*
 * relationships(viewer, targets[]): one row per distinct non-null target
 * other than the viewer, in the order the targets were given, with the
 * columns FgRelationshipFlags() computes.
 */
Datum
fg_relationships(PG_FUNCTION_ARGS)
{
	int64		viewer = PG_GETARG_INT64(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	ReturnSetInfo *rsinfo = BeginSRF(fcinfo, false);
	FgArrayItem *items;
	bool	   *flags;
	int64	   *ids;
	int			n;

	items = FgDistinctIds(arr, "targets", true, viewer, &n);
	flags = palloc0(sizeof(bool) * FG_REL_COLUMNS * Max(n, 1));
	ids = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		items[i].keep = i;
		ids[i] = items[i].id;
	}

	/* Under 0.1.0's definition (before ALTER EXTENSION UPDATE): 3 columns. */
	FgRelationshipFlags(viewer, ids, n, rsinfo->setDesc->natts > 3, flags);

	FgInInputOrder(items, n);
	for (int i = 0; i < n; i++)
	{
		Datum		values[1 + FG_REL_COLUMNS];
		bool		nulls[1 + FG_REL_COLUMNS] = {false};
		bool	   *f = &flags[FG_REL_COLUMNS * items[i].keep];

		CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(items[i].id);
		for (int c = 0; c < FG_REL_COLUMNS; c++)
			values[1 + c] = BoolGetDatum(f[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_FREE_IF_COPY(arr, 1);
	return (Datum) 0;
}

/*
 * follower_count(account)
 */
Datum
fg_follower_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(CountsOf(PG_GETARG_INT64(0), false).followers);
}

/*
 * following_count(account)
 */
Datum
fg_following_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(CountsOf(PG_GETARG_INT64(0), false).following);
}

/*
 * mutual_count(account)
 */
Datum
fg_mutual_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(CountsOf(PG_GETARG_INT64(0), false).mutuals);
}

/*
 * request_count(account): pending incoming follow requests
 */
Datum
fg_request_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(CountsOf(PG_GETARG_INT64(0), false).requests);
}

/*
 * counts(accounts[]): one row per distinct non-null account, input order.
 */
Datum
fg_counts(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	ReturnSetInfo *rsinfo = BeginSRF(fcinfo, false);
	FgArrayItem *items;
	FgCounts   *counts;
	FgCounterReader r;
	int			n;

	items = FgDistinctIds(arr, "accounts", false, 0, &n);
	counts = palloc(sizeof(FgCounts) * Max(n, 1));
	FgCounterReaderBegin(&r, false);
	for (int i = 0; i < n; i++)
	{
		items[i].keep = i;
		FgCounterRead(&r, items[i].id, &counts[i]);
	}
	FgCounterReaderEnd(&r);

	FgInInputOrder(items, n);
	for (int i = 0; i < n; i++)
	{
		FgCounts   *c = &counts[items[i].keep];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		CHECK_FOR_INTERRUPTS();
		values[0] = Int64GetDatum(items[i].id);
		values[1] = Int64GetDatum(c->followers);
		values[2] = Int64GetDatum(c->following);
		values[3] = Int64GetDatum(c->mutuals);
		values[4] = Int64GetDatum(c->requests);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_FREE_IF_COPY(arr, 0);
	return (Datum) 0;
}

/*
 * Is a row with this expiry (isnull: none) in force at now(), the start of
 * the transaction?
 */
bool
FgExpiryInForce(Datum expires_at, bool isnull)
{
	return isnull ||
		DatumGetTimestampTz(expires_at) > GetCurrentTransactionStartTimestamp();
}

/*
 * One page of a newest-first list: walk the (owner, seq) index backwards
 * from the cursor and return (other, at, [expires_at,] seq) per row, skipping
 * rows no longer in force.  A NULL account or page_size gives no rows, a NULL
 * cursor the first page.
 */
Datum
FgSeqListPage(FunctionCallInfo fcinfo, const FgSeqList *list)
{
	ReturnSetInfo *rsinfo = BeginSRF(fcinfo, false);
	int64		account;
	int32		page_size;
	Relation	heap;
	FgScan	   *s;
	int32		n = 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	account = PG_GETARG_INT64(0);
	page_size = PG_GETARG_INT32(1);
	FgCheckPageSize(page_size);

	heap = FgOpenTable(list->table, AccessShareLock);
	s = FgScanBegin(heap, list->index, BackwardScanDirection, true);
	if (PG_ARGISNULL(2))
		FgScanSeek(s, account, InvalidStrategy, 0);
	else
		FgScanSeek(s, account, BTLessStrategyNumber, PG_GETARG_INT64(2));

	while (n < page_size && FgScanNextTuple(s))
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		bool		isnull;
		int			col = 0;

		values[col++] = slot_getattr(s->slot, list->other_att, &isnull);
		values[col++] = slot_getattr(s->slot, list->at_att, &isnull);
		if (list->expires_att != InvalidAttrNumber)
		{
			values[col] = slot_getattr(s->slot, list->expires_att, &nulls[col]);
			if (!FgExpiryInForce(values[col], nulls[col]))
				continue;
			col++;
		}
		values[col++] = slot_getattr(s->slot, list->seq_att, &isnull);
		Assert(col == rsinfo->setDesc->natts);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		n++;
	}
	FgScanEnd(s);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/*
 * One page of an edge list, newest first: (other, followed_at, seq).
 */
static Datum
ListPage(FunctionCallInfo fcinfo, const char *indexname, AttrNumber other_att)
{
	FgSeqList	list = {
		FG_EDGE_TABLE, indexname,
		other_att, FG_EDGE_ATT_FOLLOWED_AT, FG_EDGE_ATT_SEQ, InvalidAttrNumber
	};

	return FgSeqListPage(fcinfo, &list);
}

/*
 * followers(account, page_size, before)
 */
Datum
fg_followers(PG_FUNCTION_ARGS)
{
	/* Index-only from the 0.3.0 covering index (fg_pages.c). */
	return FgFollowersPage(fcinfo, FG_EDGE_FOLLOWEE_SEQ);
}

/*
 * following(account, page_size, before)
 */
Datum
fg_following(PG_FUNCTION_ARGS)
{
	return ListPage(fcinfo, FG_EDGE_FOLLOWER_SEQ, FG_EDGE_ATT_FOLLOWEE);
}

/*
 * Move a set walk to its first id >= target: a few steps along the leaf
 * first (cheap when the sets are of similar size), then a fresh descent of
 * the btree (so a small set never walks a large one).
 */
bool
FgAdvanceTo(FgScan *s, int64 *cur, int64 target)
{
	for (int i = 0; i < FG_GALLOP_STEPS; i++)
	{
		if (!FgScanNextId(s, cur))
			return false;
		if (*cur >= target)
			return true;
	}
	FgScanSeek(s, s->owner, BTGreaterEqualStrategyNumber, target);
	return FgScanNextId(s, cur);
}

/* One side of a set intersection: the followers or the followees of owner. */
typedef struct FgSide
{
	int64		owner;
	bool		followers;		/* true: followers of owner; false: following */
} FgSide;

/*
 * The index that lists a side's ids in ascending order.
 */
static const char *
SideIndex(FgSide side)
{
	return side.followers ? FG_EDGE_BY_FOLLOWEE : FG_EDGE_PKEY;
}

/*
 * The exact size of a side, from the counters (O(1)).
 */
static int64
SideSize(FgCounterReader *r, FgSide side)
{
	FgCounts	c;

	FgCounterRead(r, side.owner, &c);
	return side.followers ? c.followers : c.following;
}

/*
 * Position a walk on a side, past the cursor if there is one.
 */
static void
SeekSide(FgScan *s, FgSide side, bool has_after, int64 after)
{
	if (has_after)
		FgScanSeek(s, side.owner, BTGreaterStrategyNumber, after);
	else
		FgScanSeek(s, side.owner, InvalidStrategy, 0);
}

/*
 * Emit one id into a SETOF bigint result.
 */
static void
EmitId(ReturnSetInfo *rsinfo, int64 id)
{
	Datum		value = Int64GetDatum(id);
	bool		isnull = false;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
}

/*
 * The position in ids[0..n) (ascending) of the first id past the cursor.
 */
static int
FirstPastCursor(const int64 *ids, int n, bool has_after, int64 after)
{
	int			low = 0;
	int			high = n;

	if (!has_after)
		return 0;
	while (low < high)
	{
		int			mid = low + (high - low) / 2;

		if (ids[mid] <= after)
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

/*
 * The path of IntersectPage for a small first side, tried before the
 * counters are read: side a's range is read into an array in one pass over
 * its leaf pages (FgProbeOwnerIdsUpTo, inline, no index scan), giving up
 * past FG_PROBE_READ_MAX ids.  Side b's size is then judged from the
 * level-1 page above its range (FgProbeRangeLeaves, no leaf read): a range
 * of a few leaves that a merge would read anyway is read whole too and the
 * arrays merged; a longer one is probed once per id of a past the cursor,
 * one leaf page per probe.  So the common call, a viewer following a few
 * hundred accounts against anyone, reads no counter and starts no index
 * scan.  False, the page not begun, when either index is not one the
 * probes support or side a is too long; the caller then goes by the
 * counters.
 */
static bool
IntersectSmallFirst(ReturnSetInfo *rsinfo, Relation heap, FgSide side_a,
					FgSide side_b, int32 page_size, bool has_after, int64 after)
{
	Relation	index_a = FgOpenIndex(SideIndex(side_a), AccessShareLock);
	Relation	index_b = FgOpenIndex(SideIndex(side_b), AccessShareLock);
	bool		done = false;

	if (FgProbeSupported(index_a) && FgProbeSupported(index_b))
	{
		FgProbe		probe;
		int			cap = FG_PROBE_READ_MAX / 4;
		int			nids = 0;
		int64	   *ids = palloc(sizeof(int64) * cap);

		/* Side a, ascending, unless it is longer than the bound. */
		FgProbeBegin(&probe, heap, index_a, side_a.owner);
		done = FgProbeOwnerIdsUpTo(&probe, &ids, &nids, &cap, FG_PROBE_READ_MAX);
		FgProbeEnd(&probe);
		if (!done)
			elog(DEBUG1, "set intersection: first side over %d ids, sized by the counters",
				 FG_PROBE_READ_MAX);

		if (done)
		{
			int			i = FirstPastCursor(ids, nids, has_after, after);
			int32		n = 0;

			FgProbeBegin(&probe, heap, index_b, side_b.owner);
			if (i < nids)
			{
				int			leaves = FgProbeRangeLeaves(&probe);

				if (leaves <= FG_PROBE_MERGE_LEAVES &&
					(int64) leaves * FG_PROBE_LEAF_IDS < (int64) FG_PROBE_RATIO * (nids - i))
				{
					/* Side b is a leaf or a few: read it too and merge. */
					int			cap_b = FG_PROBE_READ_MAX / 4;
					int			nb = 0;
					int64	   *ids_b = palloc(sizeof(int64) * cap_b);
					int			j;

					FgProbeOwnerIds(&probe, &ids_b, &nb, &cap_b);
					elog(DEBUG1, "set intersection: %d and %d ids read whole, merged",
						 nids, nb);
					j = FirstPastCursor(ids_b, nb, has_after, after);
					while (i < nids && j < nb && n < page_size)
					{
						if (ids[i] < ids_b[j])
							i++;
						else if (ids[i] > ids_b[j])
							j++;
						else
						{
							EmitId(rsinfo, ids[i]);
							n++;
							i++;
							j++;
						}
					}
					pfree(ids_b);
				}
				else
				{
					int			first = i;

					for (; i < nids && n < page_size; i++)
					{
						if (FgProbeFind(&probe, ids[i]))
						{
							EmitId(rsinfo, ids[i]);
							n++;
						}
					}
					elog(DEBUG1, "set intersection: %d ids read whole, %d probed",
						 nids, i - first);
				}
			}
			FgProbeEnd(&probe);
		}
		pfree(ids);
	}
	index_close(index_a, NoLock);
	index_close(index_b, NoLock);
	return done;
}

/*
 * One page of the intersection of two sides, ascending, past the cursor.
 *
 * The algorithm is picked by the sides' exact sizes, which the counters give
 * for free.  When one side is FG_PROBE_RATIO times smaller, it is walked and
 * each of its ids is looked up in the other side's btree with an equality
 * probe, so a 100-id set against a 10M-id one costs 100 probes and never
 * walks the large one.  Otherwise both sides are merged in step, with a
 * fresh descent when one falls far behind.
 */
static Datum
IntersectPage(FunctionCallInfo fcinfo, FgSide side_a, FgSide side_b,
			  int page_arg)
{
	ReturnSetInfo *rsinfo = BeginSRF(fcinfo, true);
	int32		page_size;
	bool		has_after = !PG_ARGISNULL(page_arg + 1);
	int64		after = has_after ? PG_GETARG_INT64(page_arg + 1) : 0;
	FgCounterReader r;
	int64		size_a;
	int64		size_b;
	Relation	heap;
	FgScan	   *sa;
	FgScan	   *sb;
	int64		a;
	int64		b;
	int32		n = 0;

	page_size = PG_GETARG_INT32(page_arg);
	FgCheckPageSize(page_size);

	heap = FgOpenEdges();
	if (IntersectSmallFirst(rsinfo, heap, side_a, side_b, page_size,
							has_after, after))
	{
		table_close(heap, NoLock);
		return (Datum) 0;
	}

	/*
	 * The sizes only choose the algorithm; the result comes from the edges
	 * alone, so it stays right even if someone wrote around the API and the
	 * counters are off until rebuild_counts().
	 */
	FgCounterReaderBegin(&r, true);
	size_a = SideSize(&r, side_a);
	size_b = SideSize(&r, side_b);
	FgCounterReaderEnd(&r);

	/* Make side a the smaller one; intersection is symmetric. */
	if (size_b < size_a)
	{
		FgSide		t = side_a;
		int64		ts = size_a;

		side_a = side_b;
		side_b = t;
		size_a = size_b;
		size_b = ts;

		/* The other side first, if it is the short one (tried above). */
		if (size_a <= FG_PROBE_READ_MAX &&
			IntersectSmallFirst(rsinfo, heap, side_a, side_b, page_size,
								has_after, after))
		{
			table_close(heap, NoLock);
			return (Datum) 0;
		}
	}

	sa = FgScanBegin(heap, SideIndex(side_a), ForwardScanDirection, false);
	sb = FgScanBegin(heap, SideIndex(side_b), ForwardScanDirection, false);
	SeekSide(sa, side_a, has_after, after);

	if (size_a * FG_PROBE_RATIO < size_b && FgProbeSupported(sb->index))
	{
		FgProbe		probe;

		/*
		 * Walk the small side, probe the large one, one leaf page per probe
		 * (fg_probe.c).
		 */
		FgProbeBegin(&probe, heap, sb->index, side_b.owner);
		while (n < page_size && FgScanNextId(sa, &a))
		{
			if (FgProbeFind(&probe, a))
			{
				EmitId(rsinfo, a);
				n++;
			}
		}
		FgProbeEnd(&probe);
	}
	else if (size_a * FG_PROBE_RATIO < size_b)
	{
		/* The same with a descent per probe (an index built otherwise). */
		while (n < page_size && FgScanNextId(sa, &a))
		{
			if (FgScanProbe(sb, side_b.owner, a))
			{
				EmitId(rsinfo, a);
				n++;
			}
		}
	}
	else
	{
		/* Merge. */
		SeekSide(sb, side_b, has_after, after);
		if (FgScanNextId(sa, &a) && FgScanNextId(sb, &b))
		{
			while (n < page_size)
			{
				if (a == b)
				{
					EmitId(rsinfo, a);
					n++;
					if (!FgScanNextId(sa, &a) || !FgScanNextId(sb, &b))
						break;
				}
				else if (a < b)
				{
					if (!FgAdvanceTo(sa, &a, b))
						break;
				}
				else if (!FgAdvanceTo(sb, &b, a))
					break;
			}
		}
	}

	FgScanEnd(sa);
	FgScanEnd(sb);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/* True if any of the first nargs arguments is NULL. */
static bool
AnyArgNull(FunctionCallInfo fcinfo, int nargs)
{
	for (int i = 0; i < nargs; i++)
		if (PG_ARGISNULL(i))
			return true;
	return false;
}

/*
 * mutuals(account, page_size, after): following(account) ∩ followers(account),
 * read from the mutual range when the catalog has it
 */
Datum
fg_mutuals(PG_FUNCTION_ARGS)
{
	int64		account;

	if (AnyArgNull(fcinfo, 2))
	{
		BeginSRF(fcinfo, true);
		return (Datum) 0;
	}
	account = PG_GETARG_INT64(0);
	if (FgMutualInstalled())
		return FgMutualPage(fcinfo, account);	/* one range (fg_mutual.c) */
	return IntersectPage(fcinfo, (FgSide) {account, false},
						 (FgSide) {account, true}, 1);
}

/*
 * Shared body of the two-account set functions.
 */
static Datum
PairSetPage(FunctionCallInfo fcinfo, bool a_followers, bool b_followers)
{
	if (AnyArgNull(fcinfo, 3))
	{
		BeginSRF(fcinfo, true);
		return (Datum) 0;
	}
	return IntersectPage(fcinfo, (FgSide) {PG_GETARG_INT64(0), a_followers},
						 (FgSide) {PG_GETARG_INT64(1), b_followers}, 2);
}

/*
 * common_followers(a, b, page_size, after): followers(a) ∩ followers(b)
 */
Datum
fg_common_followers(PG_FUNCTION_ARGS)
{
	return PairSetPage(fcinfo, true, true);
}

/*
 * common_following(a, b, page_size, after): following(a) ∩ following(b)
 */
Datum
fg_common_following(PG_FUNCTION_ARGS)
{
	return PairSetPage(fcinfo, false, false);
}

/*
 * known_followers(viewer, target, page_size, after):
 * following(viewer) ∩ followers(target)
 */
Datum
fg_known_followers(PG_FUNCTION_ARGS)
{
	return PairSetPage(fcinfo, false, true);
}
