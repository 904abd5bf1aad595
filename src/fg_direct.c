/*
 * fg_direct.c
 *		Direct writes of the pair writers' storage rows (edges and counter
 *		stripes) through the table and index access methods, without SPI and
 *		executor start-up.
 *
 * A single follow() used to run one SQL statement (insert the edge, lock a
 * free stripe of each account with FOR UPDATE SKIP LOCKED, update both):
 * planning was cached, but every call still paid executor start-up and
 * shutdown for a statement with two data-modifying CTEs, and that was most
 * of its time (issue 15).  The same work done here keeps the statement's
 * semantics step by step:
 *
 *	- an edge is inserted with heap_insert and one index_insert per index
 *	  (unique ones checked), its seq from nextval() and followed_at from
 *	  now(); the caller is inside the pair's critical section and has probed
 *	  the pair settled, so the primary key cannot conflict (if it somehow
 *	  did, the unique check raises 23505 and nothing is left behind);
 *	- a stripe is taken as FOR UPDATE SKIP LOCKED takes it: the account's
 *	  stripes are scanned in the statement snapshot, each one locked without
 *	  waiting (skipped if another transaction holds it); under READ
 *	  COMMITTED a stripe updated since the snapshot is followed to its
 *	  newest version, under REPEATABLE READ and SERIALIZABLE it fails with
 *	  40001, as the executor does;
 *	- the locked stripe is updated in place (a HOT update when the page has
 *	  room, otherwise with a new primary-key entry);
 *	- a read-only transaction (or a hot standby) is refused with 25006, as
 *	  the executor refuses the statement;
 *	- every write ends with CommandCounterIncrement(), so that the next
 *	  statement or call of the same transaction sees it.
 *
 * Indexes a DBA adds to the storage (verify() allows them) are kept right:
 * with any index besides the primary key on the counter table, a locked
 * stripe is written through a one-row SQL statement instead (kept plans);
 * the edge writer takes the SQL path for expression or partial indexes.
 *
 * The mutual range's rows (fg_mutual.c) are written the same way, as
 * INSERT ... ON CONFLICT DO NOTHING and DELETE would write them, unless the
 * mutual table has an index besides its primary key or another layout.
 *
 * The edge writer checks that the table still has the layout it knows
 * (columns follower, followee, seq, followed_at; plain indexes on columns)
 * and returns false otherwise, so that the caller falls back to SQL.
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
#include "commands/sequence.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "nodes/execnodes.h"
#include "tcop/utility.h"
#include "lib/stringinfo.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "fg.h"

/* The columns of follow_graph.edge the direct insert knows how to fill. */
static const char *const edge_columns[] = {"follower", "followee", "seq", "followed_at"};

#define FG_EDGE_NATTS	4
#define FG_MAX_EDGE_INDEXES	8

/*
 * The snapshot in which a statement of the calling function would look for
 * a free stripe: the transaction snapshot under REPEATABLE READ and
 * SERIALIZABLE, a new one under READ COMMITTED.
 */
static Snapshot
StatementSnapshot(void)
{
	return IsolationUsesXactSnapshot() ? GetTransactionSnapshot() :
		GetLatestSnapshot();
}

/*
 * Write the stripe in slot (a version this transaction holds locked) back
 * with the deltas added to columns 3 and on; returns the new version's tid
 * in *newtid.
 */
static void
StripeUpdate(Relation heap, Relation index, TupleTableSlot *slot,
			 const int64 *deltas, int ndeltas, ItemPointer newtid)
{
	TupleDesc	desc = RelationGetDescr(heap);
	int			natts = desc->natts;
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *isnull = palloc(sizeof(bool) * natts);
	HeapTuple	tuple;
	ItemPointerData oldtid = slot->tts_tid;

	slot_getallattrs(slot);
	memcpy(values, slot->tts_values, sizeof(Datum) * natts);
	memcpy(isnull, slot->tts_isnull, sizeof(bool) * natts);
	for (int i = 0; i < ndeltas; i++)
	{
		int			att = FG_COUNTER_ATT_FOLLOWERS - 1 + i;

		if (deltas[i] == 0)
			continue;
		if (att >= natts || isnull[att])
			elog(ERROR, "counter stripe has no column %d", att + 1);
		values[att] = Int64GetDatum(DatumGetInt64(values[att]) + deltas[i]);
	}
	tuple = heap_form_tuple(desc, values, isnull);
	FgSimpleHeapUpdate(heap, &oldtid, tuple);
	if (!HeapTupleIsHeapOnly(tuple))
	{
		IndexInfo  *info = BuildIndexInfo(index);
		Datum		keys[2];
		bool		keynull[2] = {false, false};

		keys[0] = values[0];
		keys[1] = values[1];
		index_insert(index, keys, keynull, &tuple->t_self, heap,
					 UNIQUE_CHECK_YES, true, info);
	}
	*newtid = tuple->t_self;
	heap_freetuple(tuple);
	pfree(values);
	pfree(isnull);
}

/* Names of the delta columns, in order (fg.h FG_COUNTER_ATT_*). */
static const char *const delta_columns[] = {"followers", "following", "mutuals", "requests", "items"};

/* Kept plans of the SQL stripe writes: [0] update by ctid, [1] insert. */
static SPIPlanPtr stripe_sql_plans[2][5];

/*
 * May the storage table be written without the executor?  Not when a DBA
 * gave it triggers (foreign keys referencing it included) or row level
 * security: only a SQL statement fires and enforces them.
 */
bool
FgDirectWriteOk(Relation heap)
{
	return heap->trigdesc == NULL && !heap->rd_rel->relrowsecurity;
}

/*
 * Does the counter table have the layout the direct writes fill (account,
 * stripe, then up to five plain bigint counts, no dropped or generated
 * column, no CHECK constraint) and no index but its primary key?  Indexes,
 * columns, constraints or triggers a DBA added are kept right by writing
 * through SQL.
 */
static bool
CounterDirectOk(Relation heap)
{
	TupleDesc	desc = RelationGetDescr(heap);
	List	   *indexes;
	bool		ok;

	if (!FgDirectWriteOk(heap) || desc->natts > FG_COUNTER_ATT_ITEMS ||
		(desc->constr && desc->constr->num_check > 0))
		return false;
	for (int att = 0; att < desc->natts; att++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, att);

		if (a->attisdropped || a->attgenerated ||
			(att >= FG_COUNTER_ATT_FOLLOWERS - 1 && a->atttypid != INT8OID))
			return false;
	}
	indexes = RelationGetIndexList(heap);
	ok = list_length(indexes) == 1;
	list_free(indexes);
	return ok;
}

/*
 * Write a stripe through SQL (the counter table has indexes of its own):
 * add the deltas to the version at *tid, which this transaction holds
 * locked, or (tid NULL) insert a new stripe.  Returns the new version's tid
 * in *newtid.  Runs inside the caller's SPI connection.
 */
static void
StripeWriteSql(ItemPointer tid, int64 account, int32 stripe,
			   const int64 *deltas, int ndeltas, ItemPointer newtid)
{
	SPIPlanPtr *plan = &stripe_sql_plans[tid == NULL][ndeltas - 1];
	Oid			types[7];
	Datum		values[7];
	bool		isnull;

	if (*plan == NULL)
	{
		StringInfoData sql;

		initStringInfo(&sql);
		if (tid != NULL)
		{
			appendStringInfoString(&sql, "UPDATE follow_graph.counter AS c SET ");
			for (int i = 0; i < ndeltas; i++)
				appendStringInfo(&sql, "%s%s = c.%s OPERATOR(pg_catalog.+) $%d",
								 i > 0 ? ", " : "", delta_columns[i],
								 delta_columns[i], i + 2);
			appendStringInfoString(&sql, " WHERE c.ctid OPERATOR(pg_catalog.=) $1 RETURNING c.ctid");
		}
		else
		{
			appendStringInfoString(&sql, "INSERT INTO follow_graph.counter (account, stripe");
			for (int i = 0; i < ndeltas; i++)
				appendStringInfo(&sql, ", %s", delta_columns[i]);
			appendStringInfoString(&sql, ") VALUES ($1, $2");
			for (int i = 0; i < ndeltas; i++)
				appendStringInfo(&sql, ", $%d", i + 3);
			appendStringInfoString(&sql, ") RETURNING ctid");
		}
		types[0] = tid != NULL ? TIDOID : INT8OID;
		if (tid == NULL)
			types[1] = INT4OID;
		for (int i = 0; i < ndeltas; i++)
			types[(tid != NULL ? 1 : 2) + i] = INT8OID;
		FgSpiPrepareKeep(plan, sql.data, (tid != NULL ? 1 : 2) + ndeltas, types);
		pfree(sql.data);
	}
	values[0] = tid != NULL ? PointerGetDatum(tid) : Int64GetDatum(account);
	if (tid == NULL)
		values[1] = Int32GetDatum(stripe);
	for (int i = 0; i < ndeltas; i++)
		values[(tid != NULL ? 1 : 2) + i] = Int64GetDatum(deltas[i]);
	if (FgSpiExecPlan(*plan, values,
					  tid != NULL ? SPI_OK_UPDATE_RETURNING : SPI_OK_INSERT_RETURNING) != 1)
		elog(ERROR, "counter stripe of account " INT64_FORMAT " vanished while locked",
			 account);
	ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0],
																SPI_tuptable->tupdesc,
																1, &isnull)),
					newtid);
}

/*
 * Lock any stripe of the account that no other transaction holds, as FOR
 * UPDATE SKIP LOCKED would, leaving the locked version in lockslot; false
 * if there is none.
 */
static bool
StripeLockFree(Relation heap, Relation index, int64 account,
			   TupleTableSlot *lockslot, bool commuting)
{
	bool		xact_snapshot = IsolationUsesXactSnapshot();
	Snapshot	xact = NULL;
	Snapshot	snapshot;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan;
	ScanKeyData key;
	bool		found = false;

	/*
	 * A commuting writer under REPEATABLE READ or SERIALIZABLE reads the
	 * committed stripes (no predicate locks: the count is not a read of the
	 * transaction) and takes only one its snapshot sees unchanged, so that
	 * its own reads of the count stay those of its snapshot.
	 */
	if (commuting && xact_snapshot)
	{
		xact = GetTransactionSnapshot();
		snapshot = SnapshotSelf;
	}
	else
		snapshot = RegisterSnapshot(StatementSnapshot());

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	scan = FgIndexBeginScan(heap, index, snapshot, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	while (!found && index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		TM_FailureData tmfd;
		TM_Result	res;
		ItemPointerData tid = slot->tts_tid;

		if (xact != NULL && !table_tuple_satisfies_snapshot(heap, slot, xact))
		{
			ExecClearTuple(slot);
			continue;			/* changed since the snapshot: skip it */
		}
		res = table_tuple_lock(heap, &tid, snapshot, lockslot,
							   GetCurrentCommandId(true), LockTupleExclusive,
							   LockWaitSkip,
							   xact_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							   &tmfd);
		switch (res)
		{
			case TM_Ok:
				found = true;
				break;
			case TM_WouldBlock:
				break;			/* held by another writer: skip it */
			case TM_Updated:
				if (xact_snapshot && !commuting)
					FgSerializationFailure();
				break;			/* not reached under READ COMMITTED */
			case TM_Deleted:
				if (xact_snapshot && !commuting)
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent delete")));
				break;			/* merged away: look further */
			case TM_SelfModified:
			case TM_Invisible:
			default:
				elog(ERROR, "unexpected result %d locking a counter stripe",
					 (int) res);
		}
		ExecClearTuple(slot);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	if (xact == NULL)
		UnregisterSnapshot(snapshot);
	return found;
}

/*
 * A random stripe number the account has no row for (in flight included):
 * the new stripe's primary-key entry then conflicts only with another
 * writer's new stripe that drew the same number at the same moment, a
 * chance of 1 in 2^31, in which case the unique check fails (23505) and
 * the transaction leaves nothing behind.
 */
static int32
FreeStripeNumber(Relation heap, Relation index, int64 account)
{
	SnapshotData dirty;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan;
	ScanKeyData keys[2];
	int32		stripe;

	InitDirtySnapshot(dirty);
	scan = FgIndexBeginScan(heap, index, &dirty, 2, 0);
	for (;;)
	{
		stripe = (int32) (pg_prng_uint32(&pg_global_prng_state) & 0x7fffffff);
		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ,
					Int64GetDatum(account));
		ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT4EQ,
					Int32GetDatum(stripe));
		index_rescan(scan, keys, 2, NULL, 0);
		if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			break;
		ExecClearTuple(slot);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	return stripe;
}

/*
 * Add deltas (followers, following, mutuals, requests, items: ndeltas of
 * them, in column order) to a stripe of the account: the one this
 * transaction holds, else any free one, else a new one with a random stripe
 * number, as the SQL statements the pair writers ran through SPI before
 * 0.3.0 did.  Inside SPI_connect (the SQL path of StripeWriteSql).
 */
static void
StripeAdd(int64 account, const int64 *deltas, int ndeltas, bool commuting)
{
	Relation	heap = FgOpenTable(FG_COUNTER_TABLE, RowExclusiveLock);
	Relation	index = FgOpenIndex(FG_COUNTER_PKEY, RowExclusiveLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ItemPointerData tid;
	bool		locked = false;

	Assert(ndeltas >= 1 && ndeltas <= 5);
	PreventCommandIfReadOnly("UPDATE");

	/*
	 * The version this transaction wrote last, if it is still cached and the
	 * table still has the storage it was written in (a TRUNCATE in this
	 * transaction leaves the cached place pointing past the new file).
	 */
	if (!FgRelStorageNewInXact(heap) && FgStripeCacheLookup(account, &tid))
	{
		Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());

		if (table_tuple_fetch_row_version(heap, &tid, snapshot, slot))
		{
			bool		isnull;

			locked = DatumGetInt64(slot_getattr(slot, 1, &isnull)) == account;
			if (!locked)
				ExecClearTuple(slot);
		}
		UnregisterSnapshot(snapshot);
	}
	if (!locked)
		locked = StripeLockFree(heap, index, account, slot, commuting);

	if (!CounterDirectOk(heap))
	{
		ItemPointerData locked_tid = slot->tts_tid;

		StripeWriteSql(locked ? &locked_tid : NULL, account,
					   locked ? 0 : FreeStripeNumber(heap, index, account),
					   deltas, ndeltas, &tid);
	}
	else if (locked)
		StripeUpdate(heap, index, slot, deltas, ndeltas, &tid);
	else
	{
		/*
		 * The account has no stripe yet, or every stripe is held by a
		 * concurrent writer: start a new one.
		 */
		TupleDesc	desc = RelationGetDescr(heap);
		Datum	   *values = palloc0(sizeof(Datum) * desc->natts);
		bool	   *isnull = palloc0(sizeof(bool) * desc->natts);
		HeapTuple	tuple;
		IndexInfo  *info = BuildIndexInfo(index);

		values[0] = Int64GetDatum(account);
		values[1] = Int32GetDatum(FreeStripeNumber(heap, index, account));
		for (int att = FG_COUNTER_ATT_FOLLOWERS - 1; att < desc->natts; att++)
		{
			int			i = att - (FG_COUNTER_ATT_FOLLOWERS - 1);

			values[att] = Int64GetDatum(i < ndeltas ? deltas[i] : 0);
		}
		for (int i = desc->natts - (FG_COUNTER_ATT_FOLLOWERS - 1); i < ndeltas; i++)
			if (deltas[i] != 0)
				elog(ERROR, "counter stripe has no column %d",
					 FG_COUNTER_ATT_FOLLOWERS + i);
		tuple = heap_form_tuple(desc, values, isnull);
		simple_heap_insert(heap, tuple);
		index_insert(index, values, isnull, &tuple->t_self, heap,
					 UNIQUE_CHECK_YES, false, info);
		tid = tuple->t_self;
		heap_freetuple(tuple);
		pfree(values);
		pfree(isnull);
	}
	FgStripeCacheStore(account, &tid);
	CommandCounterIncrement();

	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
}

/*
 * Add deltas to a stripe of the account, as the pair writers' statements
 * did: under REPEATABLE READ and SERIALIZABLE a stripe updated after the
 * snapshot fails with 40001, as FOR UPDATE does.
 */
void
FgDirectStripeAdd(int64 account, const int64 *deltas, int ndeltas)
{
	StripeAdd(account, deltas, ndeltas, false);
}

/*
 * Add deltas to a stripe of the account, skipping (under REPEATABLE READ
 * and SERIALIZABLE) a stripe updated after the snapshot instead of failing:
 * for writers whose only conflict would be the count, which commutes (the
 * item count of publish() and unpublish()).
 */
void
FgDirectStripeAddCommuting(int64 account, const int64 *deltas, int ndeltas)
{
	StripeAdd(account, deltas, ndeltas, true);
}

/*
 * Insert the edge follower -> followee (new seq, followed_at now()) into the
 * open edge table, inside the pair's critical section that found it absent.
 * Returns false, having written nothing, if the table's layout is not the
 * one this function knows: the caller then writes through SQL.
 */
bool
FgDirectEdgeInsert(Relation heap, int64 follower, int64 followee)
{
	TupleDesc	desc = RelationGetDescr(heap);
	List	   *indexes;
	ListCell   *lc;
	Relation	irels[FG_MAX_EDGE_INDEXES];
	IndexInfo  *infos[FG_MAX_EDGE_INDEXES];
	int			nindexes = 0;
	bool		usable = true;
	Datum		values[FG_EDGE_NATTS];
	bool		isnull[FG_EDGE_NATTS] = {false, false, false, false};
	HeapTuple	tuple;

	Assert(follower != followee);	/* the table's only CHECK */
	PreventCommandIfReadOnly("INSERT");
	if (desc->natts != FG_EDGE_NATTS || !FgDirectWriteOk(heap) ||
		(desc->constr && desc->constr->num_check > 1) ||
		(desc->constr && desc->constr->num_check == 1 &&
		 strcmp(desc->constr->check[0].ccname, "edge_not_self") != 0))
		return false;
	for (int i = 0; i < FG_EDGE_NATTS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), edge_columns[i]) != 0 ||
			att->atttypid != (i == FG_EDGE_NATTS - 1 ? TIMESTAMPTZOID : INT8OID))
			return false;
	}

	/* Every index must be a plain, immediate one on columns. */
	indexes = RelationGetIndexList(heap);
	if (list_length(indexes) > FG_MAX_EDGE_INDEXES)
		usable = false;
	foreach(lc, indexes)
	{
		Relation	irel;
		IndexInfo  *info;

		if (!usable)
			break;
		irel = index_open(lfirst_oid(lc), RowExclusiveLock);
		info = BuildIndexInfo(irel);
		irels[nindexes] = irel;
		infos[nindexes++] = info;
		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
			info->ii_ExclusionOps != NULL || !irel->rd_index->indimmediate ||
			!irel->rd_index->indisready)
			usable = false;
	}
	list_free(indexes);
	if (!usable)
	{
		for (int i = 0; i < nindexes; i++)
			index_close(irels[i], NoLock);
		return false;
	}

	values[0] = Int64GetDatum(follower);
	values[1] = Int64GetDatum(followee);
	values[2] = Int64GetDatum(nextval_internal(FgRelationId("edge_seq"), true));
	values[3] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	tuple = heap_form_tuple(desc, values, isnull);
	simple_heap_insert(heap, tuple);
	for (int i = 0; i < nindexes; i++)
	{
		Datum		ivalues[INDEX_MAX_KEYS];
		bool		inull[INDEX_MAX_KEYS];

		for (int k = 0; k < infos[i]->ii_NumIndexAttrs; k++)
		{
			AttrNumber	attno = infos[i]->ii_IndexAttrNumbers[k];

			Assert(attno >= 1 && attno <= FG_EDGE_NATTS);
			ivalues[k] = values[attno - 1];
			inull[k] = false;
		}
		index_insert(irels[i], ivalues, inull, &tuple->t_self, heap,
					 irels[i]->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
					 false, infos[i]);
		FgIndexInsertCleanup(irels[i], infos[i]);
		index_close(irels[i], NoLock);
	}
	heap_freetuple(tuple);
	CommandCounterIncrement();
	return true;
}

/*
 * Delete the edge version at tid, found settled by the pair's probe:
 * through SQL (inside the caller's SPI connection) when the table has
 * triggers or row level security, so that they run as for a DELETE.
 */
void
FgDirectEdgeDelete(Relation heap, ItemPointer tid)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[1] = {TIDOID};

	PreventCommandIfReadOnly("DELETE");
	if (FgDirectWriteOk(heap))
		simple_heap_delete(heap, tid);
	else
	{
		Datum		value = PointerGetDatum(tid);

		if (FgSpiExecPlan(FgSpiPrepareKeep(&plan,
										   "DELETE FROM follow_graph.edge AS e"
										   " WHERE e.ctid OPERATOR(pg_catalog.=) $1",
										   1, types),
						  &value, SPI_OK_DELETE) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
					 errmsg("a trigger or policy on follow_graph.edge kept the edge from being deleted")));
	}
	CommandCounterIncrement();
}

/*
 * Does the mutual table have the layout the direct writes know (columns
 * account and friend, no index but its primary key)?  Otherwise the pair
 * writers maintain it through SQL.
 */
static bool
MutualDirectOk(Relation heap)
{
	TupleDesc	desc = RelationGetDescr(heap);
	List	   *indexes;
	bool		ok;

	if (desc->natts != 2 || (desc->constr && desc->constr->num_check > 0))
		return false;
	for (int i = 0; i < 2; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != INT8OID)
			return false;
	}
	indexes = RelationGetIndexList(heap);
	ok = list_length(indexes) == 1;
	list_free(indexes);
	return ok;
}

/*
 * Insert the row (account, friend) unless one exists, as INSERT ... ON
 * CONFLICT DO NOTHING does: a row another transaction is writing is waited
 * for, and under REPEATABLE READ or SERIALIZABLE a committed row the
 * snapshot cannot see fails with 40001.
 */
static void
MutualRowInsert(Relation heap, Relation index, IndexInfo *info,
				TupleTableSlot *slot, int64 account, int64 friend)
{
	Datum		values[2];
	bool		isnull[2] = {false, false};
	HeapTuple	tuple;

	values[0] = Int64GetDatum(account);
	values[1] = Int64GetDatum(friend);
	for (;;)
	{
		SnapshotData dirty;
		IndexScanDesc scan;
		ScanKeyData keys[2];
		bool		found;
		TransactionId wait = InvalidTransactionId;

		InitDirtySnapshot(dirty);
		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ, values[0]);
		ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ, values[1]);
		scan = FgIndexBeginScan(heap, index, &dirty, 2, 0);
		index_rescan(scan, keys, 2, NULL, 0);
		found = index_getnext_slot(scan, ForwardScanDirection, slot);
		index_endscan(scan);
		if (found)
			wait = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
		if (TransactionIdIsValid(wait))
		{
			ItemPointerData tid = slot->tts_tid;

			ExecClearTuple(slot);
			XactLockTableWait(wait, heap, &tid, XLTW_InsertIndex);
			continue;
		}
		if (found)
		{
			if (IsolationUsesXactSnapshot() &&
				!table_tuple_satisfies_snapshot(heap, slot, GetTransactionSnapshot()))
				FgSerializationFailure();
			ExecClearTuple(slot);
			return;				/* DO NOTHING */
		}
		break;
	}
	tuple = heap_form_tuple(RelationGetDescr(heap), values, isnull);
	simple_heap_insert(heap, tuple);
	index_insert(index, values, isnull, &tuple->t_self, heap,
				 UNIQUE_CHECK_YES, false, info);
	heap_freetuple(tuple);
}

/*
 * Delete the row (account, friend) seen by the statement snapshot, as a
 * DELETE does: under REPEATABLE READ or SERIALIZABLE a row changed since
 * the snapshot fails with 40001; under READ COMMITTED a row already deleted
 * is left alone.
 */
static void
MutualRowDelete(Relation heap, Relation index, TupleTableSlot *slot,
				int64 account, int64 friend)
{
	Snapshot	snapshot = RegisterSnapshot(StatementSnapshot());
	IndexScanDesc scan;
	ScanKeyData keys[2];

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(account));
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum(friend));
	scan = FgIndexBeginScan(heap, index, snapshot, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		TM_FailureData tmfd;
		TM_Result	res;

		res = table_tuple_delete(heap, &slot->tts_tid,
								 GetCurrentCommandId(true), snapshot,
								 InvalidSnapshot, true, &tmfd, false);
		switch (res)
		{
			case TM_Ok:
			case TM_SelfModified:
				break;
			case TM_Updated:
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					FgSerializationFailure();
				break;			/* gone under READ COMMITTED */
			default:
				elog(ERROR, "unexpected result %d deleting a mutual row",
					 (int) res);
		}
		ExecClearTuple(slot);
	}
	index_endscan(scan);
	UnregisterSnapshot(snapshot);
}

/*
 * The pair {a,b} became mutual (insert both of its rows into the mutual
 * range) or stopped being mutual (delete them), written directly, inside
 * the pair's critical section.  Returns false, having written nothing, if
 * the mutual table's layout is not the one known here: the caller then
 * writes through SQL.
 */
bool
FgDirectMutualPair(int64 a, int64 b, bool mutual)
{
	Relation	heap = FgOpenTable(FG_MUTUAL_TABLE, RowExclusiveLock);
	Relation	index;
	TupleTableSlot *slot;

	Assert(a != b);
	if (!MutualDirectOk(heap))
	{
		table_close(heap, NoLock);
		return false;
	}
	PreventCommandIfReadOnly(mutual ? "INSERT" : "DELETE");
	index = FgOpenIndex(FG_MUTUAL_PKEY, RowExclusiveLock);
	slot = table_slot_create(heap, NULL);
	if (mutual)
	{
		IndexInfo  *info = BuildIndexInfo(index);

		MutualRowInsert(heap, index, info, slot, a, b);
		MutualRowInsert(heap, index, info, slot, b, a);
	}
	else
	{
		MutualRowDelete(heap, index, slot, a, b);
		MutualRowDelete(heap, index, slot, b, a);
	}
	CommandCounterIncrement();
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return true;
}
