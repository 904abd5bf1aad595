/*
 * fg_bound_walk.c
 *		A btree on one int8 key with one int8 INCLUDE column, read from the
 *		highest key down (or from below a start key), one leaf page at a
 *		time: item_bound_newest (newest) INCLUDE (author) for a first page of
 *		feed(), item_pkey (item) INCLUDE (author) for a later one.
 *
 * feed() reads thousands of such entries per page and looks at each for a
 * few nanoseconds (a bit test of the viewer's filter).  Through
 * index_getnext_tid() every entry costs a trip through the index AM (the
 * scan keys checked, the tuple copied, the scan position advanced), which
 * was a third of a first page's time.  Here each leaf page is read under its
 * share lock into arrays, highest key first, with the entries' heap TIDs,
 * and the caller loops over them.  The page stays pinned (not locked) until
 * the next page is read, so that the caller can judge the heap tuples of
 * the entries it keeps as an index-only scan does: the pin keeps VACUUM
 * from recycling their TIDs meanwhile.
 *
 * The walk of item_bound_newest needs no heap access: every index entry,
 * live or dead, is a hint (fg_items.c: a bound too high costs one needless
 * look; the row covering an item the snapshot sees was committed before the
 * snapshot, so its entry is in the index, possibly beside dead ones).
 * Entries marked LP_DEAD are read too, for the same reason.
 *
 * Moving left is nbtree's own protocol (nbtree/README, "scans moving
 * left"): keys only move right, so the page whose right link is the page
 * just read, found by stepping to the old left sibling and then right a few
 * times, holds the keys just below it; if the page just read was deleted,
 * its right sibling took over its key space and we step left from there.
 * A deleted page is not recycled while our snapshot is held.  Under
 * SERIALIZABLE each leaf read is predicate-locked, as nbtree's scans do.
 */
#include "postgres.h"

#include "access/nbtree.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/predicate.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "fg.h"
#include "fg_bound_walk.h"

/* 17 dropped the snapshot argument (old_snapshot_threshold went away). */
#if PG_VERSION_NUM >= 170000
#define FgBtRightmostLeaf(index, snapshot)	_bt_get_endpoint((index), 0, true)
#else
#define FgBtRightmostLeaf(index, snapshot)	_bt_get_endpoint((index), 0, true, (snapshot))
#endif

/* Prefetch a cache line (a hint: nothing where the compiler has no way). */
#define FG_CACHE_LINE	64
#if defined(__GNUC__) || defined(__clang__)
#define FgPrefetch(p)	__builtin_prefetch(p)
#else
#define FgPrefetch(p)	((void) 0)
#endif

/* 16 added the heap relation to _bt_getroot() (for the lock on recycling). */
#if PG_VERSION_NUM >= 160000
#define FgBtGetRoot(index, heap)	_bt_getroot((index), (heap), BT_READ)
#else
#define FgBtGetRoot(index, heap)	_bt_getroot((index), BT_READ)
#endif

/* Right steps before returning to the page we came from (as nbtree does). */
#define FG_WALK_LEFT_TRIES 4

/*
 * Can the walk read index?  A btree on the int8 column key_att of its table
 * in ascending order with the int8 column include_att as its INCLUDE
 * column, as the install script makes it; otherwise (a DBA rebuilt it
 * differently: another order, an expression, other columns, another
 * operator family) the caller walks it with an ordinary index scan.
 */
bool
FgBoundWalkSupported(Relation index, AttrNumber key_att, AttrNumber include_att)
{
	TupleDesc	desc = RelationGetDescr(index);
	bool		heapkeyspace;
	bool		allequalimage;

	if (index->rd_rel->relam != BTREE_AM_OID ||
		IndexRelationGetNumberOfKeyAttributes(index) != 1 ||
		IndexRelationGetNumberOfAttributes(index) != 2 ||
		index->rd_index->indkey.values[0] != key_att ||
		index->rd_index->indkey.values[1] != include_att ||
		TupleDescAttr(desc, 0)->atttypid != INT8OID ||
		TupleDescAttr(desc, 1)->atttypid != INT8OID ||
		index->rd_opfamily[0] != INTEGER_BTREE_FAM_OID ||
		index->rd_indoption[0] != 0)
		return false;
	/* Suffix truncation and heap TID order (version 4 btrees) assumed. */
	_bt_metaversion(index, &heapkeyspace, &allequalimage);
	return heapkeyspace;
}

/*
 * Start a walk over index (which FgBoundWalkSupported accepted) under the
 * active snapshot.
 */
void
FgBoundWalkBegin(FgBoundWalk *w, Relation heap, Relation index,
				 bool has_below, int64 below)
{
	Assert(index->rd_rel->relam == BTREE_AM_OID);
	memset(w, 0, sizeof(FgBoundWalk));
	w->heap = heap;
	w->index = index;
	w->has_below = has_below;
	w->below = below;
	w->buf = InvalidBuffer;
	w->snapshot = GetActiveSnapshot();
	w->serializable = IsolationIsSerializable() && IsMVCCSnapshot(w->snapshot);
	w->next = InvalidBlockNumber;
	w->newest = palloc(sizeof(int64) * MaxIndexTuplesPerPage);
	w->author = palloc(sizeof(int64) * MaxIndexTuplesPerPage);
	w->tid = palloc(sizeof(ItemPointerData) * MaxIndexTuplesPerPage);
}

/*
 * Is the key k above the tuple's key?  As _bt_compare for a search key
 * without a heap TID: a pivot equal to k whose heap TID was truncated is
 * below k (every entry equal to k is right of it).
 */
static inline bool
KeyAbove(Relation index, int64 k, IndexTuple itup, bool pivot)
{
	bool		isnull;
	int64		v;

	if (pivot && BTreeTupleGetNAtts(itup, index) == 0)
		return true;			/* minus infinity */
	v = DatumGetInt64(index_getattr(itup, 1, RelationGetDescr(index), &isnull));
	if (k != v)
		return k > v;
	return pivot && BTreeTupleGetHeapTID(itup) == NULL;
}

/*
 * The leaf page where the first entry >= k is or would be, read-locked, and
 * that entry's offset in *off (past the last entry if none on the page);
 * InvalidBuffer for an empty index.  A descent from the root, moving right
 * past concurrent splits as nbtree's own descent does.
 */
static Buffer
DescendTo(FgBoundWalk *w, int64 k, OffsetNumber *off)
{
	Buffer		buf = FgBtGetRoot(w->index, w->heap);

	if (!BufferIsValid(buf))
		return InvalidBuffer;
	for (;;)
	{
		Page		page = BufferGetPage(buf);
		BTPageOpaque opaque = BTPageGetOpaque(page);
		OffsetNumber low = P_FIRSTDATAKEY(opaque);
		OffsetNumber high = PageGetMaxOffsetNumber(page);

		CHECK_FOR_INTERRUPTS();
		FgTestForOldSnapshot(w->snapshot, w->index, page);
		if (P_IGNORE(opaque) ||
			(!P_RIGHTMOST(opaque) &&
			 KeyAbove(w->index, k,
					  (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)),
					  true)))
		{
			if (P_RIGHTMOST(opaque))
				elog(ERROR, "fell off the end of index \"%s\"",
					 RelationGetRelationName(w->index));
			buf = _bt_relandgetbuf(w->index, buf, opaque->btpo_next, BT_READ);
			continue;
		}
		if (P_ISLEAF(opaque))
		{
			/* The first entry >= k. */
			high++;
			while (low < high)
			{
				OffsetNumber mid = low + (high - low) / 2;

				if (KeyAbove(w->index, k,
							 (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
							 false))
					low = mid + 1;
				else
					high = mid;
			}
			*off = low;
			return buf;
		}
		/* The last downlink whose key is below k; the first is -inf. */
		while (low < high)
		{
			OffsetNumber mid = low + (high - low + 1) / 2;

			if (KeyAbove(w->index, k,
						 (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
						 true))
				low = mid;
			else
				high = mid - 1;
		}
		buf = _bt_relandgetbuf(w->index, buf,
							   BTreeTupleGetDownLink((IndexTuple) PageGetItem(page, PageGetItemId(page, low))),
							   BT_READ);
	}
}

/*
 * Release obuf (if valid) and read-lock block blk, tested against the
 * snapshot's age as nbtree's scans test every page.
 */
static Buffer
ReadPage(FgBoundWalk *w, Buffer obuf, BlockNumber blk)
{
	Buffer		buf = _bt_relandgetbuf(w->index, obuf, blk, BT_READ);

	FgTestForOldSnapshot(w->snapshot, w->index, BufferGetPage(buf));
	return buf;
}

/*
 * The live page left of the page read last, read-locked; InvalidBuffer at
 * the left end of the leaf level.
 */
static Buffer
StepLeft(FgBoundWalk *w)
{
	Buffer		buf;

	/*
	 * Usually the left sibling the page had when we read it is still the
	 * page whose right link is the page read: then one page read is enough.
	 */
	if (w->left != P_NONE)
	{
		Page		page;
		BTPageOpaque opaque;

		buf = ReadPage(w, InvalidBuffer, w->left);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		if (!P_IGNORE(opaque) && opaque->btpo_next == w->next)
			return buf;
		_bt_relbuf(w->index, buf);
	}

	buf = ReadPage(w, InvalidBuffer, w->next);
	for (;;)
	{
		Page		page = BufferGetPage(buf);
		BTPageOpaque opaque = BTPageGetOpaque(page);
		BlockNumber from;
		BlockNumber left;
		bool		found = false;

		if (P_LEFTMOST(opaque))
		{
			_bt_relbuf(w->index, buf);
			return InvalidBuffer;
		}
		from = BufferGetBlockNumber(buf);
		left = opaque->btpo_prev;
		_bt_relbuf(w->index, buf);
		CHECK_FOR_INTERRUPTS();

		/* The old left sibling, or a page split off it: its right link is from. */
		buf = ReadPage(w, InvalidBuffer, left);
		for (int tries = 0;; tries++)
		{
			page = BufferGetPage(buf);
			opaque = BTPageGetOpaque(page);
			if (!P_ISDELETED(opaque) && opaque->btpo_next == from)
			{
				found = true;
				break;
			}
			if (P_RIGHTMOST(opaque) || tries >= FG_WALK_LEFT_TRIES)
				break;
			buf = ReadPage(w, buf, opaque->btpo_next);
		}
		if (found)
		{
			/* A half-dead page holds no entries: go on left of it. */
			if (!P_IGNORE(opaque))
				return buf;
			continue;
		}

		/* Back to the page we came from to see what happened. */
		buf = ReadPage(w, buf, from);
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		if (P_ISDELETED(opaque))
		{
			/* Its right sibling took its key space: step left from there. */
			while (P_ISDELETED(opaque))
			{
				if (P_RIGHTMOST(opaque))
					elog(ERROR, "fell off the end of index \"%s\"",
						 RelationGetRelationName(w->index));
				buf = ReadPage(w, buf, opaque->btpo_next);
				page = BufferGetPage(buf);
				opaque = BTPageGetOpaque(page);
			}
		}
		else if (opaque->btpo_prev == left)
			elog(ERROR, "could not find left sibling of block %u in index \"%s\"",
				 from, RelationGetRelationName(w->index));
		/* else its left sibling split or went away: try again */
	}
}

/*
 * Copy the entries of a locked leaf page, highest first.
 */
static void
CopyEntries(FgBoundWalk *w, Page page, OffsetNumber last)
{
	BTPageOpaque opaque = BTPageGetOpaque(page);
	TupleDesc	desc = RelationGetDescr(w->index);
	OffsetNumber first = P_FIRSTDATAKEY(opaque);
	PageHeader	header = (PageHeader) page;
	int			n = 0;

	/*
	 * The tuples lie on the page in the order they were inserted, not in key
	 * order, and the page is usually not in the CPU's cache: ask for all of
	 * it at once rather than miss on one tuple after another.
	 */
	for (char *p = (char *) page + header->pd_upper;
		 p < (char *) page + header->pd_special; p += FG_CACHE_LINE)
		FgPrefetch(p);

	for (OffsetNumber off = last; off >= first; off--)
	{
		IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));
		bool		isnull;

		/* INCLUDE columns rule out deduplication */
		Assert(!BTreeTupleIsPosting(itup));
		w->newest[n] = DatumGetInt64(index_getattr(itup, 1, desc, &isnull));
		Assert(!isnull);
		w->author[n] = DatumGetInt64(index_getattr(itup, 2, desc, &isnull));
		Assert(!isnull);
		w->tid[n] = itup->t_tid;
		n++;
	}
	w->n = n;
}

/*
 * Read the next non-empty leaf page to the left (the rightmost leaf first)
 * into w->newest and w->author; returns how many entries it holds, 0 when
 * the walk has read every page.
 */
int
FgBoundWalkPage(FgBoundWalk *w)
{
	if (BufferIsValid(w->buf))
	{
		ReleaseBuffer(w->buf);
		w->buf = InvalidBuffer;
	}
	while (!w->done)
	{
		Buffer		buf;
		Page		page;
		BTPageOpaque opaque;
		OffsetNumber last = InvalidOffsetNumber;
		bool		limited = false;

		CHECK_FOR_INTERRUPTS();
		if (w->next == InvalidBlockNumber && w->has_below)
		{
			/* the entries below the start key on its leaf */
			buf = DescendTo(w, w->below, &last);
			last = OffsetNumberPrev(last);
			limited = true;
		}
		else if (w->next == InvalidBlockNumber)
			buf = FgBtRightmostLeaf(w->index, w->snapshot);
		else
			buf = StepLeft(w);
		if (!BufferIsValid(buf))
		{
			/* An empty index: lock the relation, as a btree scan would. */
			if (w->next == InvalidBlockNumber && w->serializable)
				PredicateLockRelation(w->index, w->snapshot);
			w->done = true;
			break;
		}
		page = BufferGetPage(buf);
		opaque = BTPageGetOpaque(page);
		if (!P_ISLEAF(opaque) || P_IGNORE(opaque))
			elog(ERROR, "index \"%s\" block %u is not a live leaf page",
				 RelationGetRelationName(w->index), BufferGetBlockNumber(buf));
		w->next = BufferGetBlockNumber(buf);
		if (w->serializable)
			PredicateLockPage(w->index, w->next, w->snapshot);
		CopyEntries(w, page,
					limited ? last : PageGetMaxOffsetNumber(page));
		w->done = P_LEFTMOST(opaque);
		w->left = opaque->btpo_prev;

		/*
		 * Unlocked, still pinned while the caller judges the entries' heap
		 * tuples: the pin keeps VACUUM from removing them and recycling the
		 * TIDs meanwhile (nbtree/README, "making concurrent TID recycling
		 * safe"), as an index-only scan's does.
		 */
		_bt_unlockbuf(w->index, buf);
		if (w->n > 0)
		{
			w->buf = buf;
			return w->n;
		}
		ReleaseBuffer(buf);
	}
	w->n = 0;
	return 0;
}

/*
 * Release what the walk holds; the index stays open for the caller.
 */
void
FgBoundWalkEnd(FgBoundWalk *w)
{
	if (BufferIsValid(w->buf))
		ReleaseBuffer(w->buf);
	pfree(w->tid);
	pfree(w->newest);
	pfree(w->author);
}
