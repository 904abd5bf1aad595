/*
 * fg_pages.c
 *		followers() pages index-only: from 0.3.0 the (followee, seq) index of
 *		the edges carries follower and followed_at as INCLUDE columns, so a
 *		page reads its rows from the index leaf alone, as the plain-SQL
 *		schema's (followee, created_at, follower) index does, with no heap
 *		visit per row while the visibility map says the heap page is
 *		all-visible.
 *
 * Only the followers' index is covering: doing the same for following()
 * would cost as much again on disk (about 70 MB at SCALE 18) and break the
 * size budget of issue 15.  On a catalog older than 0.3.0 the index has no
 * INCLUDE columns and pages read followed_at from the heap, as before.
 */
#include "postgres.h"

#include "access/itup.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/rel.h"

#include "fg.h"

/* Columns of the covering (followee, seq) INCLUDE (follower, followed_at). */
#define FG_COVER_ATT_FOLLOWER		3
#define FG_COVER_ATT_FOLLOWED_AT	4
#define FG_COVER_NATTS				4

/*
 * Does the open (followee, seq) index carry (follower, followed_at), in
 * that order, after its two key columns?  One a DBA rebuilt with other
 * INCLUDE columns, or these in another order, is read through the heap.
 */
static bool
IndexCovers(Relation index)
{
	return IndexRelationGetNumberOfAttributes(index) == FG_COVER_NATTS &&
		IndexRelationGetNumberOfKeyAttributes(index) == 2 &&
		index->rd_index->indkey.values[FG_COVER_ATT_FOLLOWER - 1] == FG_EDGE_ATT_FOLLOWER &&
		index->rd_index->indkey.values[FG_COVER_ATT_FOLLOWED_AT - 1] == FG_EDGE_ATT_FOLLOWED_AT;
}

/*
 * One page of followers(account, page_size, before), newest first:
 * (follower, followed_at, cursor) per row, from the index tuples when the
 * (followee, seq) index is covering, else from the heap tuples.  Same rules
 * as FgSeqListPage: a NULL account or page_size gives no rows, a NULL
 * cursor the first page.
 */
Datum
FgFollowersPage(FunctionCallInfo fcinfo, const char *indexname)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		account;
	int32		page_size;
	Relation	heap;
	FgScan	   *s;
	bool		covering;
	int32		n = 0;

	InitMaterializedSRF(fcinfo,
						rsinfo != NULL && IsA(rsinfo, ReturnSetInfo) &&
						rsinfo->expectedDesc != NULL ?
						MAT_SRF_USE_EXPECTED_DESC : 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;
	account = PG_GETARG_INT64(0);
	page_size = PG_GETARG_INT32(1);
	FgCheckPageSize(page_size);

	heap = FgOpenEdges();
	s = FgScanBegin(heap, indexname, BackwardScanDirection, false);
	covering = IndexCovers(s->index);
	s->scan->xs_want_itup = covering;	/* else each row from its heap tuple */
	if (PG_ARGISNULL(2))
		FgScanSeek(s, account, InvalidStrategy, 0);
	else
		FgScanSeek(s, account, BTLessStrategyNumber, PG_GETARG_INT64(2));

	while (n < page_size)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int64		seq;

		if (covering)
		{
			/* FgScanNextId leaves the entry's index tuple in xs_itup. */
			if (!FgScanNextId(s, &seq))
				break;
			values[0] = index_getattr(s->scan->xs_itup, FG_COVER_ATT_FOLLOWER,
									  s->scan->xs_itupdesc, &nulls[0]);
			values[1] = index_getattr(s->scan->xs_itup, FG_COVER_ATT_FOLLOWED_AT,
									  s->scan->xs_itupdesc, &nulls[1]);
			values[2] = Int64GetDatum(seq);
		}
		else
		{
			if (!FgScanNextTuple(s))
				break;
			values[0] = slot_getattr(s->slot, FG_EDGE_ATT_FOLLOWER, &nulls[0]);
			values[1] = slot_getattr(s->slot, FG_EDGE_ATT_FOLLOWED_AT, &nulls[1]);
			values[2] = slot_getattr(s->slot, FG_EDGE_ATT_SEQ, &nulls[2]);
		}
		Assert(!nulls[0] && !nulls[1] && !nulls[2]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		n++;
	}
	FgScanEnd(s);
	table_close(heap, NoLock);
	return (Datum) 0;
}

/*
 * Does the named edge index carry (other, followed_at) after its two key
 * columns?  (import_edges() builds it again the way it found it.)
 */
bool
FgEdgeIndexCovers(const char *indexname)
{
	Relation	index = FgOpenIndex(indexname, AccessShareLock);
	bool		covers;

	covers = IndexCovers(index);
	index_close(index, NoLock);
	return covers;
}
