/*
 * fg_import.c
 *		The in-memory pass of a first load by import_edges(): the staged
 *		pairs appended to the edge table with multi-row heap inserts, and the
 *		count deltas and new mutual pairs computed from the pairs sorted in
 *		memory, instead of SQL aggregates and a self-join over the stage.
 *
 * import_edges() takes this path only with the edge table locked ACCESS
 * EXCLUSIVE, empty, without its indexes (the rebuild plan), when no block
 * and no deactivated account exists (every staged pair becomes an edge),
 * and when the pairs fit maintenance_work_mem (two arrays of 16 bytes per
 * pair).  Then every staged pair is a new edge, a pair is mutual exactly
 * when both of its directions are staged, and the counts follow from two
 * sorted arrays: the pairs by (follower, followee) and reversed by
 * (followee, follower).  One merge of the two gives each account's
 * followers, following and mutual counts, and each mutual pair once.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fg.h"
#include "fg_import.h"

/* Rows per multi-row insert. */
#define FG_APPEND_BATCH		1000

/* Columns of the staged rows (fg_bulk.c ReadSource). */
#define FG_STAGE_FOLLOWER	0
#define FG_STAGE_FOLLOWEE	1
#define FG_STAGE_AT			2
#define FG_STAGE_RN			3

/* Order of pairs: by a, then b. */
static inline int
PairCmp(const FgPair *x, const FgPair *y)
{
	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return 0;
}

#define ST_SORT fg_sort_pairs
#define ST_ELEMENT_TYPE FgPair
#define ST_COMPARE(x, y) PairCmp(x, y)
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Start an empty pair array whose memory comes from cxt, its budget
 * maintenance_work_mem for the pairs and their reversed copy.
 */
void
FgPairArrayInit(FgPairArray *pa, MemoryContext cxt)
{
	pa->pairs = NULL;
	pa->n = 0;
	pa->cap = 0;
	pa->max = (int64) maintenance_work_mem * 1024 / (int64) (2 * sizeof(FgPair));
	pa->overflow = false;
	pa->cxt = cxt;
}

/*
 * Keep the pair a -> b, unless the budget is spent (then every pair is
 * dropped and the array is unusable).
 */
void
FgPairArrayAdd(FgPairArray *pa, int64 a, int64 b)
{
	if (pa->overflow)
		return;
	if (pa->n == pa->cap)
	{
		int64		cap = Max(pa->cap * 2, 1024);

		if (pa->n >= pa->max)
		{
			if (pa->pairs != NULL)
				pfree(pa->pairs);
			pa->pairs = NULL;
			pa->overflow = true;
			return;
		}
		cap = Min(cap, pa->max);
		if (pa->pairs == NULL)
			pa->pairs = MemoryContextAllocHuge(pa->cxt, cap * sizeof(FgPair));
		else
			pa->pairs = repalloc_huge(pa->pairs, cap * sizeof(FgPair));
		pa->cap = cap;
	}
	pa->pairs[pa->n].a = a;
	pa->pairs[pa->n].b = b;
	pa->n++;
}

/*
 * Does the array hold every staged pair (expected of them)?
 */
bool
FgPairArrayUsable(const FgPairArray *pa, int64 expected)
{
	return !pa->overflow && pa->n == expected && pa->n > 0;
}

/*
 * Can the staged rows be appended to the edge table directly: the columns
 * follower, followee, seq, followed_at, no index (the rebuild plan dropped
 * its four), no trigger or row level security, and no CHECK but the
 * table's own edge_not_self (which the stage's rows satisfy; a multi-row
 * insert checks none)?
 */
static bool
AppendOk(Relation heap)
{
	static const char *const names[] = {"follower", "followee", "seq", "followed_at"};
	TupleDesc	desc = RelationGetDescr(heap);
	List	   *indexes;
	bool		ok;

	if (desc->natts != 4 || !FgDirectWriteOk(heap) ||
		(desc->constr && desc->constr->num_check > 1) ||
		(desc->constr && desc->constr->num_check == 1 &&
		 strcmp(desc->constr->check[0].ccname, "edge_not_self") != 0))
		return false;
	for (int i = 0; i < 4; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), names[i]) != 0 ||
			att->atttypid != (i == 3 ? TIMESTAMPTZOID : INT8OID))
			return false;
	}
	indexes = RelationGetIndexList(heap);
	ok = indexes == NIL;
	list_free(indexes);
	return ok;
}

/*
 * Append every staged row (follower, followee, followed_at, rn) to the edge
 * table as an edge with seq rn + first_seq - 1, in batches of multi-row heap
 * inserts.  Returns the rows appended, or -1, having written nothing, if
 * the table is not as AppendOk() wants it (the caller then uses SQL).
 */
int64
FgImportAppend(Relation heap, Tuplestorestate *stage, TupleDesc desc,
			   int64 first_seq)
{
	TupleTableSlot *in;
	TupleTableSlot *slots[FG_APPEND_BATCH];
	BulkInsertState bistate;
	CommandId	cid;
	int			nslots = 0;
	int64		added = 0;

	if (!AppendOk(heap))
		return -1;
	in = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	for (int i = 0; i < FG_APPEND_BATCH; i++)
		slots[i] = table_slot_create(heap, NULL);
	bistate = GetBulkInsertState();
	cid = GetCurrentCommandId(true);

	tuplestore_select_read_pointer(stage, 0);
	tuplestore_rescan(stage);
	while (tuplestore_gettupleslot(stage, true, false, in))
	{
		TupleTableSlot *out = slots[nslots];

		slot_getallattrs(in);
		Assert(!in->tts_isnull[FG_STAGE_FOLLOWER] && !in->tts_isnull[FG_STAGE_FOLLOWEE]);
		Assert(!in->tts_isnull[FG_STAGE_AT] && !in->tts_isnull[FG_STAGE_RN]);
		ExecClearTuple(out);
		out->tts_values[0] = in->tts_values[FG_STAGE_FOLLOWER];
		out->tts_values[1] = in->tts_values[FG_STAGE_FOLLOWEE];
		out->tts_values[2] = Int64GetDatum(DatumGetInt64(in->tts_values[FG_STAGE_RN]) +
										   first_seq - 1);
		out->tts_values[3] = in->tts_values[FG_STAGE_AT];
		memset(out->tts_isnull, 0, sizeof(bool) * 4);
		ExecStoreVirtualTuple(out);
		if (++nslots == FG_APPEND_BATCH)
		{
			CHECK_FOR_INTERRUPTS();
			table_multi_insert(heap, slots, nslots, cid, 0, bistate);
			added += nslots;
			nslots = 0;
		}
	}
	if (nslots > 0)
		table_multi_insert(heap, slots, nslots, cid, 0, bistate);
	added += nslots;

	FreeBulkInsertState(bistate);
	for (int i = 0; i < FG_APPEND_BATCH; i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	ExecDropSingleTupleTableSlot(in);
	CommandCounterIncrement();
	return added;
}

/*
 * Is the array in ascending order?
 */
static bool
PairsSorted(const FgPair *p, int64 n)
{
	for (int64 i = 1; i < n; i++)
		if (PairCmp(&p[i - 1], &p[i]) > 0)
			return false;
	return true;
}

/*
 * The counts of a first load from its pairs (every one a new edge): into
 * *delta the rows (account, followers, following, mutuals) of ddesc in
 * account order, into *mutual each new mutual pair (lo, hi) of mdesc once.
 * Frees the pairs.
 */
void
FgImportCounts(FgPairArray *pa, MemoryContext cxt,
			   TupleDesc ddesc, Tuplestorestate **delta, int64 *ndelta,
			   TupleDesc mdesc, Tuplestorestate **mutual, int64 *nmutual)
{
	FgPair	   *fwd = pa->pairs;
	FgPair	   *rev;
	int64		n = pa->n;
	int64		i = 0;			/* next of fwd, grouped by follower */
	int64		j = 0;			/* next of rev, grouped by followee */
	int64		k = 0;			/* fwd position of the merge for mutuals */
	MemoryContext old = MemoryContextSwitchTo(cxt);

	Assert(FgPairArrayUsable(pa, n));
	Assert(ddesc->natts == 4 && mdesc->natts == 2);
	*delta = tuplestore_begin_heap(false, false, work_mem);
	*mutual = tuplestore_begin_heap(false, false, work_mem);
	MemoryContextSwitchTo(old);
	*ndelta = 0;
	*nmutual = 0;

	/* Read in rank order, which is (follower, followee) without times. */
	if (!PairsSorted(fwd, n))
		fg_sort_pairs(fwd, n);
	rev = MemoryContextAllocHuge(pa->cxt, n * sizeof(FgPair));
	for (int64 x = 0; x < n; x++)
	{
		rev[x].a = fwd[x].b;
		rev[x].b = fwd[x].a;
	}
	fg_sort_pairs(rev, n);

	while (i < n || j < n)
	{
		int64		account;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		int64		followers = 0;
		int64		following = 0;
		int64		mutuals = 0;

		if ((*ndelta & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		if (j >= n || (i < n && fwd[i].a < rev[j].a))
			account = fwd[i].a;
		else
			account = rev[j].a;
		for (; i < n && fwd[i].a == account; i++)
			following++;
		for (; j < n && rev[j].a == account; j++)
		{
			/* rev[j]: rev[j].b -> account; is account -> rev[j].b staged? */
			followers++;
			while (k < n && PairCmp(&fwd[k], &rev[j]) < 0)
				k++;
			if (k < n && PairCmp(&fwd[k], &rev[j]) == 0)
			{
				mutuals++;
				if (account < rev[j].b)
				{
					Datum		pair[2];
					bool		pnull[2] = {false, false};

					pair[0] = Int64GetDatum(account);
					pair[1] = Int64GetDatum(rev[j].b);
					tuplestore_putvalues(*mutual, mdesc, pair, pnull);
					(*nmutual)++;
				}
			}
		}
		values[0] = Int64GetDatum(account);
		values[1] = Int64GetDatum(followers);
		values[2] = Int64GetDatum(following);
		values[3] = Int64GetDatum(mutuals);
		tuplestore_putvalues(*delta, ddesc, values, nulls);
		(*ndelta)++;
	}

	pfree(rev);
	pfree(fwd);
	pa->pairs = NULL;
	pa->n = 0;
	pa->cap = 0;
}
