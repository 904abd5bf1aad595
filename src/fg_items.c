/*
 * fg_items.c
 *		Direct writes of the home feed's storage: the item rows of publish()
 *		and unpublish() and the author-recency bounds (item_bound), through
 *		the table and index access methods, without SPI and executor
 *		start-up (as fg_direct.c does for edges and counter stripes).
 *
 * publish() used to run INSERT ... ON CONFLICT DO NOTHING with the count in
 * a data-modifying CTE, then an upsert of the author's bound: two
 * statements' executor start-up, and a row lock on the bound that two
 * transactions publishing for two authors in opposite orders could take in
 * opposite orders (40P01), or that REPEATABLE READ found updated after its
 * snapshot (40001).  Here:
 *
 *	- an item is inserted as ON CONFLICT DO NOTHING inserts it: a
 *	  speculative heap insert whose primary-key entry is checked without
 *	  waiting; on a conflict the speculative tuple is killed and item_pkey
 *	  probed with a dirty snapshot (waiting for an inserter or deleter in
 *	  flight, then inserting again if the id is gone).  An id that exists is the
 *	  author's (false) or another author's (23505); under REPEATABLE READ
 *	  and SERIALIZABLE one committed after the snapshot fails with 40001, as
 *	  ON CONFLICT does;
 *	- an item is deleted as DELETE does, under the statement's snapshot,
 *	  waiting for a concurrent deleter (40001 under REPEATABLE READ and
 *	  SERIALIZABLE if it committed);
 *	- item_bound is append-only: a publish whose item no committed bound of
 *	  its author covers inserts a new row (author, item), then deletes the
 *	  author's committed rows below it that no other transaction is
 *	  changing (without waiting: a row it cannot take stays, costing a
 *	  reader one needless look).  No publish waits for another, so none can
 *	  deadlock or fail to serialize on a bound.
 *
 * Indexes a DBA adds to item make publish fall back to SQL (the caller's
 * plans); on item_bound they make the bound insert go through SQL.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "fg.h"

/* Columns of follow_graph.item and follow_graph.item_bound. */
#define FG_ITEM_NATTS	2

static SPIPlanPtr plan_bound_insert = NULL;
static SPIPlanPtr plan_bound_remove = NULL;

/*
 * Has the table the two columns and exactly the indexes the direct writes
 * know, and no trigger (a foreign key referencing it included) or row level
 * security of a DBA's, which only a SQL statement fires and enforces?
 */
static bool
LayoutOk(Relation heap, int nindexes)
{
	TupleDesc	desc = RelationGetDescr(heap);
	List	   *indexes;
	bool		ok;

	if (desc->natts != FG_ITEM_NATTS || !FgDirectWriteOk(heap) ||
		(desc->constr && desc->constr->num_check > 0))
		return false;
	indexes = RelationGetIndexList(heap);
	ok = list_length(indexes) == nindexes;
	list_free(indexes);
	return ok;
}

/*
 * Raise 40001 if the row in slot, which a dirty snapshot found committed,
 * is not visible to the transaction snapshot of REPEATABLE READ or
 * SERIALIZABLE (it committed after the snapshot), as ON CONFLICT DO NOTHING
 * does.
 */
static void
CheckRowVisible(Relation heap, TupleTableSlot *slot)
{
	bool		should_free;
	HeapTuple	tuple;
	TransactionId xmin;

	if (!IsolationUsesXactSnapshot() ||
		table_tuple_satisfies_snapshot(heap, slot, GetTransactionSnapshot()))
		return;
	tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
	xmin = HeapTupleHeaderGetXmin(tuple->t_data);
	if (should_free)
		heap_freetuple(tuple);
	if (!TransactionIdIsCurrentTransactionId(xmin))
		FgSerializationFailure();
}

/*
 * Insert the item (author, item) unless the id exists: 1 if inserted, 0 if
 * the author had published it already; 23505 if another author had.
 * Returns -1, having written nothing, if the item table has indexes,
 * triggers or row level security of a DBA's: the caller then writes
 * through SQL.  The caller fixes the count.
 */
int
FgDirectItemInsert(int64 author, int64 item)
{
	Relation	heap = FgOpenTable(FG_ITEM_TABLE, RowExclusiveLock);
	Relation	pkey;
	Relation	byauthor;
	IndexInfo  *pinfo;
	IndexInfo  *ainfo;
	TupleTableSlot *found;
	TupleTableSlot *ins;
	int			result;

	if (!LayoutOk(heap, 2))
	{
		table_close(heap, NoLock);
		return -1;
	}
	PreventCommandIfReadOnly("INSERT");
	pkey = FgOpenIndex(FG_ITEM_PKEY, RowExclusiveLock);
	byauthor = FgOpenIndex(FG_ITEM_AUTHOR_ITEM, RowExclusiveLock);
	pinfo = BuildIndexInfo(pkey);
	ainfo = BuildIndexInfo(byauthor);
	found = table_slot_create(heap, NULL);
	ins = table_slot_create(heap, NULL);

	for (bool probe = false;; probe = true)
	{
		SnapshotData dirty;
		uint32		token;
		Datum		ivalues[2];
		bool		inull[2] = {false, false};
		bool		unique;

		/*
		 * After a conflict: is the id there, committed, in flight or being
		 * deleted?
		 */
		CHECK_FOR_INTERRUPTS();
		InitDirtySnapshot(dirty);
		if (probe && FgFetchByKey(heap, pkey, &dirty, item, found))
		{
			TransactionId xwait;
			bool		isnull;
			int64		owner;

			if (dirty.speculativeToken != 0)
			{
				SpeculativeInsertionWait(dirty.xmin, dirty.speculativeToken);
				ExecClearTuple(found);
				continue;
			}
			xwait = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
			if (TransactionIdIsValid(xwait))
			{
				ItemPointerData tid = found->tts_tid;

				ExecClearTuple(found);
				XactLockTableWait(xwait, heap, &tid, XLTW_InsertIndex);
				continue;
			}
			CheckRowVisible(heap, found);
			owner = DatumGetInt64(slot_getattr(found, 1, &isnull));
			if (owner != author)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("item " INT64_FORMAT " was already published by another account",
								item),
						 errdetail("Item ids are unique across all authors.")));
			result = 0;
			break;
		}

		/*
		 * Insert it speculatively, then check the primary key without
		 * waiting (new ids, the common case, cost no probe).
		 */
		ExecClearTuple(ins);
		ins->tts_values[0] = Int64GetDatum(author);
		ins->tts_values[1] = Int64GetDatum(item);
		ins->tts_isnull[0] = ins->tts_isnull[1] = false;
		ExecStoreVirtualTuple(ins);
		token = SpeculativeInsertionLockAcquire(GetCurrentTransactionId());
		table_tuple_insert_speculative(heap, ins, GetCurrentCommandId(true), 0,
									   NULL, token);
		ivalues[0] = Int64GetDatum(item);
		ivalues[1] = Int64GetDatum(author);
		unique = index_insert(pkey, ivalues, inull, &ins->tts_tid, heap,
							  UNIQUE_CHECK_PARTIAL, false, pinfo);
		if (!unique)
		{
			/* The id is there: back out, then probe it. */
			table_tuple_complete_speculative(heap, ins, token, false);
			SpeculativeInsertionLockRelease(GetCurrentTransactionId());
			continue;
		}
		ivalues[0] = Int64GetDatum(author);
		ivalues[1] = Int64GetDatum(item);
		index_insert(byauthor, ivalues, inull, &ins->tts_tid, heap,
					 UNIQUE_CHECK_NO, false, ainfo);
		table_tuple_complete_speculative(heap, ins, token, true);
		SpeculativeInsertionLockRelease(GetCurrentTransactionId());
		result = 1;
		break;
	}
	if (result > 0)
		CommandCounterIncrement();

	ExecDropSingleTupleTableSlot(found);
	ExecDropSingleTupleTableSlot(ins);
	index_close(byauthor, NoLock);
	index_close(pkey, NoLock);
	table_close(heap, NoLock);
	return result;
}

/*
 * Delete the author's item, as DELETE ... WHERE item = $2 AND author = $1
 * does: 1 if deleted, 0 if not.  Returns -1, having written nothing, if
 * the item table has triggers (a foreign key referencing it included) or
 * row level security of a DBA's: the caller then deletes through SQL.  The
 * caller fixes the count.
 */
int
FgDirectItemDelete(int64 author, int64 item)
{
	Relation	heap = FgOpenTable(FG_ITEM_TABLE, RowExclusiveLock);
	Relation	pkey;
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	Snapshot	snapshot;
	TupleTableSlot *slot;
	bool		deleted = false;

	if (!FgDirectWriteOk(heap))
	{
		table_close(heap, NoLock);
		return -1;
	}
	pkey = FgOpenIndex(FG_ITEM_PKEY, RowExclusiveLock);
	snapshot = RegisterSnapshot(xact_snapshot ? GetTransactionSnapshot() :
								GetLatestSnapshot());
	slot = table_slot_create(heap, NULL);
	PreventCommandIfReadOnly("DELETE");
	if (FgFetchByKey(heap, pkey, snapshot, item, slot))
	{
		bool		isnull;
		ItemPointerData tid = slot->tts_tid;
		TM_FailureData tmfd;
		TM_Result	res = TM_Ok;

		if (DatumGetInt64(slot_getattr(slot, 1, &isnull)) == author)
			res = table_tuple_delete(heap, &tid, GetCurrentCommandId(true),
									 snapshot, InvalidSnapshot, true, &tmfd,
									 false);
		else
			res = TM_Invisible;	/* not the author's: nothing to do */
		switch (res)
		{
			case TM_Ok:
				deleted = true;
				break;
			case TM_Invisible:
			case TM_SelfModified:
				break;
			case TM_Updated:
			case TM_Deleted:
				/* another transaction deleted it after the snapshot */
				if (xact_snapshot)
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent delete")));
				break;
			default:
				elog(ERROR, "unexpected result %d deleting an item", (int) res);
		}
	}
	if (deleted)
		CommandCounterIncrement();
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(pkey, NoLock);
	table_close(heap, NoLock);
	return deleted ? 1 : 0;
}

/*
 * Is the author-recency table of 0.3.0 there?  (A 0.2.0 catalog, before
 * ALTER EXTENSION UPDATE, has none.)
 */
bool
FgBoundInstalled(void)
{
	return OidIsValid(FgRelationIdIfExists(FG_ITEM_BOUND_TABLE));
}

/*
 * Make a committed bound of the author cover the item once this transaction
 * commits (inside SPI_connect): nothing if one covers it already, else a new
 * row (author, item), and the author's older rows deleted where no other
 * transaction is changing them.  Never waits for another transaction.
 *
 * The check reads the committed rows and this transaction's own
 * (SnapshotSelf: no predicate locks, the bounds are not a read of the
 * transaction): a bound committed before it is seen by every snapshot that
 * sees this transaction's item.  Deleting a row
 * below the new one is safe: a snapshot that does not see the deletion
 * either does not see this item or reads the index entry of the new row,
 * which feed() reads whatever its visibility.
 */
void
FgBoundCover(int64 author, int64 item)
{
	Relation	heap;
	Relation	byauthor;
	Snapshot	snapshot;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData key;
	bool		covered = false;
	ItemPointerData below[8];
	int			nbelow = 0;

	if (!FgBoundInstalled())
		return;
	heap = FgOpenTable(FG_ITEM_BOUND_TABLE, RowExclusiveLock);
	byauthor = FgOpenIndex(FG_ITEM_BOUND_AUTHOR, RowExclusiveLock);
	snapshot = SnapshotSelf;
	slot = table_slot_create(heap, NULL);
	scan = FgIndexBeginScan(heap, byauthor, snapshot, 1, 0);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(author));
	index_rescan(scan, &key, 1, NULL, 0);

	/* The author's rows, lowest first: those below the item, then a cover. */
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		if (DatumGetInt64(slot_getattr(slot, 2, &isnull)) >= item)
		{
			covered = true;
			break;
		}
		if (nbelow == lengthof(below))
			continue;			/* the next uncovered publish takes the rest */
		below[nbelow++] = slot->tts_tid;
	}
	ExecClearTuple(slot);

	if (!covered)
	{
		bool		direct = LayoutOk(heap, 2);

		PreventCommandIfReadOnly("INSERT");
		if (direct)
		{
			Relation	newest = FgOpenIndex(FG_ITEM_BOUND_NEWEST, RowExclusiveLock);
			Datum		values[2];
			bool		isnull[2] = {false, false};
			HeapTuple	tuple;

			values[0] = Int64GetDatum(author);
			values[1] = Int64GetDatum(item);
			tuple = heap_form_tuple(RelationGetDescr(heap), values, isnull);
			simple_heap_insert(heap, tuple);
			index_insert(byauthor, values, isnull, &tuple->t_self, heap,
						 UNIQUE_CHECK_NO, false, BuildIndexInfo(byauthor));
			values[0] = Int64GetDatum(item);
			values[1] = Int64GetDatum(author);
			index_insert(newest, values, isnull, &tuple->t_self, heap,
						 UNIQUE_CHECK_NO, false, BuildIndexInfo(newest));
			heap_freetuple(tuple);
			index_close(newest, NoLock);
		}
		else
		{
			static const Oid types[2] = {INT8OID, INT8OID};
			Datum		values[2];

			values[0] = Int64GetDatum(author);
			values[1] = Int64GetDatum(item);
			FgSpiExecPlan(FgSpiPrepareKeep(&plan_bound_insert,
										   "INSERT INTO follow_graph.item_bound (author, newest) VALUES ($1, $2)",
										   2, types),
						  values, SPI_OK_INSERT);
		}

		/*
		 * The author's committed rows below the new one, unless taken (and
		 * unless a DBA's trigger or policy would have to see the deletes:
		 * then they stay).
		 */
		if (!FgDirectWriteOk(heap))
			nbelow = 0;
		for (int i = 0; i < nbelow; i++)
		{
			TM_FailureData tmfd;

			/* whatever the result, the row is someone else's or gone */
			(void) table_tuple_delete(heap, &below[i], GetCurrentCommandId(true),
									  InvalidSnapshot, InvalidSnapshot, false,
									  &tmfd, false);
		}
		CommandCounterIncrement();
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(byauthor, NoLock);
	table_close(heap, NoLock);
}

/*
 * Delete every bound of an account (remove_account(); inside SPI_connect).
 */
void
FgBoundRemove(int64 account)
{
	static const Oid types[1] = {INT8OID};
	Datum		value = Int64GetDatum(account);

	if (!FgBoundInstalled())
		return;
	FgSpiExecPlan(FgSpiPrepareKeep(&plan_bound_remove,
								   "DELETE FROM follow_graph.item_bound AS b WHERE b.author OPERATOR(pg_catalog.=) $1",
								   1, types),
				  &value, SPI_OK_DELETE);
}
