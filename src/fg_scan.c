/*
 * fg_scan.c
 *		Walks over the btrees of follow_graph.edge, the one primitive every
 *		read of the graph is built from.
 *
 * Each index of the edge table starts with an owner id (a follower or a
 * followee).  An FgScan is positioned on one owner, optionally past a bound
 * on the second column, and then yields that column in index order.  When the
 * heap page is all-visible the value comes straight from the index tuple,
 * exactly as an index-only scan would; otherwise the heap tuple is fetched to
 * check visibility under the active snapshot.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/itup.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_index.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/predicate.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "fg.h"

/*
 * Open follow_graph.edge for reading; close it with table_close(rel, NoLock).
 */
Relation
FgOpenEdges(void)
{
	return FgOpenTable(FG_EDGE_TABLE, AccessShareLock);
}

/*
 * Start a walk over the named index of the edge table.  want_heap asks for
 * the whole heap tuple of each entry (for pages that need followed_at);
 * otherwise only the second index column is read.
 */
FgScan *
FgScanBegin(Relation heap, const char *indexname, ScanDirection dir,
			bool want_heap)
{
	return FgScanBeginSnapshot(heap, indexname, GetActiveSnapshot(), dir,
							   want_heap);
}

/*
 * Start a walk that sees the edges through the given snapshot: a dirty
 * snapshot for the writers' probes, otherwise an MVCC one.
 */
FgScan *
FgScanBeginSnapshot(Relation heap, const char *indexname, Snapshot snapshot,
					ScanDirection dir, bool want_heap)
{
	FgScan	   *s = palloc0(sizeof(FgScan));

	s->heap = heap;
	s->index = FgOpenIndex(indexname, AccessShareLock);
	s->snapshot = snapshot;

	/*
	 * Callers walk the second column ascending (forward) or descending
	 * (backward), as the extension builds its indexes.  An index a DBA
	 * rebuilt with that column DESC stores it the other way round: walk it
	 * the other way, so the values still come in the order asked for.
	 */
	if (IndexRelationGetNumberOfKeyAttributes(s->index) >= 2 &&
		(s->index->rd_indoption[1] & INDOPTION_DESC))
		dir = ScanDirectionIsForward(dir) ? BackwardScanDirection : ForwardScanDirection;
	s->dir = dir;
	s->vmbuffer = InvalidBuffer;
	s->scan = FgIndexBeginScan(heap, s->index, s->snapshot, 2, 0);
	s->scan->xs_want_itup = !want_heap;
	s->slot = table_slot_create(heap, NULL);
	return s;
}

/*
 * Position the walk on owner's entries.  With InvalidStrategy every entry of the
 * owner is visited; otherwise only those whose second column compares to
 * bound by the given btree strategy.
 */
void
FgScanSeek(FgScan *s, int64 owner, StrategyNumber strategy, int64 bound)
{
	RegProcedure proc;

	/*
	 * A btree scan keeps the number of keys it was started with, so the
	 * unbounded walk uses a second key that every value satisfies.
	 */
	if (strategy == InvalidStrategy)
	{
		strategy = BTGreaterEqualStrategyNumber;
		bound = PG_INT64_MIN;
	}

	switch (strategy)
	{
		case BTLessStrategyNumber:
			proc = F_INT8LT;
			break;
		case BTLessEqualStrategyNumber:
			proc = F_INT8LE;
			break;
		case BTEqualStrategyNumber:
			proc = F_INT8EQ;
			break;
		case BTGreaterEqualStrategyNumber:
			proc = F_INT8GE;
			break;
		case BTGreaterStrategyNumber:
			proc = F_INT8GT;
			break;
		default:
			elog(ERROR, "unexpected btree strategy %d", strategy);
			proc = InvalidOid;	/* keep compiler quiet */
	}

	s->owner = owner;
	ScanKeyInit(&s->keys[0], 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(owner));
	ScanKeyInit(&s->keys[1], 2, strategy, proc, Int64GetDatum(bound));
	index_rescan(s->scan, s->keys, 2, NULL, 0);
}

/*
 * Next visible entry: its second index column in *id.  Returns false at the
 * end of the owner's range.
 */
bool
FgScanNextId(FgScan *s, int64 *id)
{
	ItemPointer tid;

	while ((tid = index_getnext_tid(s->scan, s->dir)) != NULL)
	{
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();

		if (!VM_ALL_VISIBLE(s->heap, ItemPointerGetBlockNumber(tid),
							&s->vmbuffer))
		{
			/* Not known visible to all: ask the heap. */
			if (!index_fetch_heap(s->scan, s->slot))
				continue;
			ExecClearTuple(s->slot);
		}
		else if (IsolationIsSerializable() && IsMVCCSnapshot(s->snapshot))
			PredicateLockPage(s->heap, ItemPointerGetBlockNumber(tid),
							  s->snapshot);

		d = index_getattr(s->scan->xs_itup, 2, s->scan->xs_itupdesc, &isnull);
		Assert(!isnull);
		*id = DatumGetInt64(d);
		return true;
	}
	return false;
}

/*
 * Next visible entry with its heap tuple in s->slot.
 */
bool
FgScanNextTuple(FgScan *s)
{
	CHECK_FOR_INTERRUPTS();
	return index_getnext_slot(s->scan, s->dir, s->slot);
}

/*
 * Is there a visible entry (owner, other)?  Used on the primary key for
 * is_following() and its friends.  Callers probe in loops of up to a
 * million absent ids, where FgScanNextId never reaches its own check.
 */
bool
FgScanProbe(FgScan *s, int64 owner, int64 other)
{
	int64		id;

	CHECK_FOR_INTERRUPTS();
	FgScanSeek(s, owner, BTEqualStrategyNumber, other);
	return FgScanNextId(s, &id);
}

/*
 * Release everything the walk holds; the heap stays open for the caller.
 */
void
FgScanEnd(FgScan *s)
{
	if (BufferIsValid(s->vmbuffer))
		ReleaseBuffer(s->vmbuffer);
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	index_close(s->index, NoLock);
	pfree(s);
}

/*
 * Look for the edge a -> b in the primary key with a dirty snapshot, which
 * sees committed rows and the changes of transactions still in progress.
 * On return v says whether a version was found, where, who made it, and
 * which other transaction, if any, is inserting or deleting it right now.
 * The caller holds the pair's critical section (or the gate), so v stays
 * true until it leaves it.
 */
void
FgProbeDirty(Relation heap, int64 a, int64 b, FgEdgeVersion *v)
{
	FgProbeDirtyPair(heap, a, b, v, NULL);
}

/*
 * FgProbeDirty for a -> b and, when rev is given, for b -> a with the same
 * index scan; b -> a is skipped (rev->found false) when a version of
 * a -> b is being changed by another transaction, which must be waited for
 * first anyway.
 */
void
FgProbeDirtyPair(Relation heap, int64 a, int64 b, FgEdgeVersion *own,
				 FgEdgeVersion *rev)
{
	FgProbeDirtyKeys(heap, FG_EDGE_PKEY, a, b, own, rev);
}

/*
 * FgProbeDirtyPair on any storage table whose named index begins with two
 * bigint columns: the (a, b) entry in own and, when rev is given, the
 * (b, a) entry (skipped, rev->found false, when own is being changed by
 * another transaction).  The state tables (request, hidden_edge, block,
 * mute) are probed this way by the pair writers.
 */
void
FgProbeDirtyKeys(Relation heap, const char *indexname, int64 a, int64 b,
				 FgEdgeVersion *own, FgEdgeVersion *rev)
{
	SnapshotData dirty;
	FgScan	   *s;

	InitDirtySnapshot(dirty);
	s = FgScanBeginSnapshot(heap, indexname, &dirty, ForwardScanDirection,
							true);
	memset(own, 0, sizeof(FgEdgeVersion));
	FgScanSeek(s, a, BTEqualStrategyNumber, b);
	if (FgScanNextTuple(s))
		FgNoteVersion(s->slot, &dirty, own);
	if (rev)
	{
		memset(rev, 0, sizeof(FgEdgeVersion));
		if (!own->found || !TransactionIdIsValid(own->wait))
		{
			FgScanSeek(s, b, BTEqualStrategyNumber, a);
			if (FgScanNextTuple(s))
				FgNoteVersion(s->slot, &dirty, rev);
		}
	}
	FgScanEnd(s);
}

/*
 * Look up an account's row of follow_graph.account_state (heap) with a dirty
 * snapshot.  v says whether a row was found and which other transaction, if
 * any, is inserting, updating or deleting it (the caller waits for it and
 * looks again).  The flags are those of the row found; an account without a
 * row is public and active.
 */
void
FgProbeDirtyAccount(Relation heap, int64 account, FgEdgeVersion *v,
					bool *is_private, bool *is_active)
{
	SnapshotData dirty;
	Relation	index = FgOpenIndex(FG_ACCOUNT_STATE_PKEY, AccessShareLock);
	IndexScanDesc scan;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ScanKeyData key;

	InitDirtySnapshot(dirty);
	memset(v, 0, sizeof(FgEdgeVersion));
	*is_private = false;
	*is_active = true;
	scan = FgIndexBeginScan(heap, index, &dirty, 1, 0);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	index_rescan(scan, &key, 1, NULL, 0);
	CHECK_FOR_INTERRUPTS();
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		FgNoteVersion(slot, &dirty, v);
		*is_private = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_PRIVATE,
												&isnull));
		*is_active = DatumGetBool(slot_getattr(slot, FG_STATE_ATT_ACTIVE,
											   &isnull));
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
}

/*
 * Record in v the edge version in slot, just judged visible by the dirty
 * snapshot: its place, its inserter, and the other transaction changing it.
 */
void
FgNoteVersion(TupleTableSlot *slot, Snapshot dirty, FgEdgeVersion *v)
{
	HeapTuple	tuple = ExecFetchSlotHeapTuple(slot, false, NULL);

	v->found = true;
	ItemPointerCopy(&slot->tts_tid, &v->tid);
	v->xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
	v->wait = TransactionIdIsValid(dirty->xmin) ? dirty->xmin : dirty->xmax;
}

/*
 * Does the edge version found by FgProbeDirty exist for good?  If another
 * transaction was inserting or deleting it, wait for that transaction to end
 * first (and for no other: the caller decided which outcome it depends on).
 * The version is read again by its place, which also covers a transaction
 * that inserted and deleted it, and a version pruned meanwhile.
 */
bool
FgVersionExists(Relation heap, FgEdgeVersion *v)
{
	SnapshotData dirty;
	TupleTableSlot *slot;
	bool		live;

	if (!v->found)
		return false;
	if (!TransactionIdIsValid(v->wait))
		return true;

	XactLockTableWait(v->wait, heap, &v->tid, XLTW_None);

	InitDirtySnapshot(dirty);
	slot = table_slot_create(heap, NULL);
	live = table_tuple_fetch_row_version(heap, &v->tid, &dirty, slot);
	if (live)
	{
		HeapTuple	tuple = ExecFetchSlotHeapTuple(slot, false, NULL);

		/*
		 * The same place may hold a newer row by now; only the version we saw
		 * counts, and only if no inserter is still pending on it.
		 */
		live = TransactionIdEquals(HeapTupleHeaderGetRawXmin(tuple->t_data),
								   v->xmin) &&
			!TransactionIdIsValid(dirty.xmin);
	}
	ExecDropSingleTupleTableSlot(slot);
	return live;
}

/*
 * Is there an edge a -> b in the transaction snapshot?  Used under
 * REPEATABLE READ and SERIALIZABLE to check that a writer counts from a
 * state its snapshot can see.  Every version is judged by hand, so that
 * a difference is reported as a concurrent update (40001) by the caller
 * before the serializable checks of an ordinary read could report it
 * otherwise; under SERIALIZABLE an ordinary read follows, to record it.
 */
bool
FgProbeSnapshot(Relation heap, int64 a, int64 b)
{
	return FgProbeSnapshotKeys(heap, FG_EDGE_PKEY, a, b);
}

/*
 * FgProbeSnapshot on any storage table whose named index begins with two
 * bigint columns.
 */
bool
FgProbeSnapshotKeys(Relation heap, const char *indexname, int64 a, int64 b)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	FgScan	   *s;
	bool		found = false;

	s = FgScanBeginSnapshot(heap, indexname, SnapshotAny,
							ForwardScanDirection, true);
	FgScanSeek(s, a, BTEqualStrategyNumber, b);
	while (!found && FgScanNextTuple(s))
	{
		BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) s->slot;

		Assert(TTS_IS_BUFFERTUPLE(s->slot));
		LockBuffer(bslot->buffer, BUFFER_LOCK_SHARE);
		found = HeapTupleSatisfiesVisibility(bslot->base.tuple, snapshot,
											 bslot->buffer);
		LockBuffer(bslot->buffer, BUFFER_LOCK_UNLOCK);
	}
	FgScanEnd(s);

	if (IsolationIsSerializable())
	{
		PushActiveSnapshot(snapshot);
		s = FgScanBegin(heap, indexname, ForwardScanDirection, false);
		(void) FgScanProbe(s, a, b);
		FgScanEnd(s);
		PopActiveSnapshot();
	}
	UnregisterSnapshot(snapshot);
	return found;
}

/*
 * Raise the retryable error of a writer whose transaction snapshot cannot
 * see the state it would have to count from.
 */
void
FgSerializationFailure(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to concurrent update")));
}

/*
 * Fetch into slot the row whose unique int8 key (the index's first column)
 * is key, as snapshot sees it; false if there is none.  The slot keeps the
 * row after the scan ends.
 */
bool
FgFetchByKey(Relation heap, Relation index, Snapshot snapshot, int64 key,
			 TupleTableSlot *slot)
{
	IndexScanDesc scan = FgIndexBeginScan(heap, index, snapshot, 1, 0);
	ScanKeyData skey;
	bool		found;

	ScanKeyInit(&skey, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(key));
	index_rescan(scan, &skey, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	index_endscan(scan);
	return found;
}
