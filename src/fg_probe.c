/*
 * fg_probe.c
 *		Equality probes of many (owner, id) keys into one owner's range of a
 *		two-column int8 btree of the edge table, reading one leaf page per
 *		probe instead of descending from the root each time.
 *
 * known_followers(viewer, celebrity) walks the viewer's followees and looks
 * each up among the celebrity's followers: a hundred probes into one owner's
 * range, which covers a few hundred leaf pages under one or two pages of the
 * level above.  An ordinary index scan pays a descent from the root per
 * probe (three pages, about thirty comparisons through the fmgr).  Here the
 * level-1 page above the range is copied once (a memcpy of the page); each
 * probe then picks its leaf from the copy and reads that page alone,
 * comparing the int8 keys inline.
 *
 * Correctness against concurrent changes of the tree is the Lehman-Yao
 * argument nbtree's own scans rely on: keys only ever move right (a page
 * split moves the upper half to a new right sibling, a page deletion hands
 * the deleted page's key space to its right sibling), so a downlink copied
 * earlier leads to the right leaf or to one left of it, from which we move
 * right while the key is beyond the page's high key or the page is being
 * deleted.  A deleted page is not recycled while a snapshot that could have
 * seen its downlink is held, and ours is held for the whole call.  The copy
 * serves keys between the one that led to it and its high key; any other key
 * descends again.
 *
 * Visibility is judged as by FgScanNextId: from the visibility map when
 * the heap page is all-visible (with the index-only scan's predicate lock on
 * the heap page under SERIALIZABLE), else from the heap tuple.  The leaf
 * page is predicate-locked as nbtree's scans do, so a serializable probe
 * that finds nothing still conflicts with a later insert of the key.
 */
#include "postgres.h"

#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/visibilitymap.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "fg.h"
#include "fg_probe.h"

/* 16 added the heap relation to _bt_getroot() (for the lock on recycling). */
#if PG_VERSION_NUM >= 160000
#define FgBtGetRoot(index, heap)	_bt_getroot((index), (heap), BT_READ)
#else
#define FgBtGetRoot(index, heap)	_bt_getroot((index), BT_READ)
#endif

/*
 * Leaves read recently by this backend's probes: the buffer that held
 * each, so that the next read of the same block skips the buffer mapping
 * table (ReadRecentBuffer() checks the buffer's tag under its header lock
 * and pins it only if it still holds that block; a stale entry costs one
 * failed check and an ordinary ReadBuffer()).  Direct-mapped by block
 * number: the few hundred leaves of a celebrity's follower range, read by
 * every known_followers() call against it, stay here across calls.  Only
 * hints: nothing needs invalidating when a relation is dropped, rebuilt or
 * truncated, since its buffers then no longer carry the tag.
 */
#define FG_RECENT_LEAVES	4096	/* a power of two */

typedef struct FgRecentLeaf
{
	FgRelFileLocator locator;
	BlockNumber blkno;
	Buffer		buffer;			/* InvalidBuffer: empty slot */
} FgRecentLeaf;

static FgRecentLeaf fg_recent_leaves[FG_RECENT_LEAVES];

/*
 * Read and share-lock leaf blkno of the probe's index, as
 * _bt_relandgetbuf(index, InvalidBuffer, blkno, BT_READ) does, through the
 * recent-leaf hint when it still holds.  The statistics count a hit as
 * ReadBuffer() would (ReadRecentBuffer() itself counts only the buffer
 * usage): in the relation's and, from 16 on, in pg_stat_io.
 */
static Buffer
ReadLeaf(FgProbe *p, BlockNumber blkno)
{
	FgRecentLeaf *r = &fg_recent_leaves[blkno & (FG_RECENT_LEAVES - 1)];
	FgRelFileLocator locator = FgRelationLocator(p->index);
	Buffer		buf;

	Assert(!RelationUsesLocalBuffers(p->index));
	if (BufferIsValid(r->buffer) && r->blkno == blkno &&
		FgRelFileLocatorEquals(r->locator, locator) &&
		ReadRecentBuffer(locator, MAIN_FORKNUM, blkno, r->buffer))
	{
		buf = r->buffer;
		pgstat_count_buffer_read(p->index);
		pgstat_count_buffer_hit(p->index);
		FgCountIoHit();
	}
	else
	{
		buf = ReadBuffer(p->index, blkno);
		r->locator = locator;
		r->blkno = blkno;
		r->buffer = buf;
	}
	_bt_lockbuf(p->index, buf, BT_READ);
	_bt_checkpage(p->index, buf);
	return buf;
}

/*
 * Key column attno (1 or 2) of an index tuple of an index FgProbeSupported()
 * accepted: both are int8 and never null, so they sit at offsets 0 and 8 of
 * the tuple's data whatever follows them (INCLUDE columns, a null bitmap),
 * and are read there instead of through index_getattr(), which the probe's
 * binary searches called twice per step (the largest item of its profile).
 */
static inline int64
KeyAtt(Relation index, IndexTuple itup, int attno)
{
	int64		v;

	Assert(attno == 1 || attno == 2);
	memcpy(&v, (char *) itup + IndexInfoFindDataOffset(itup->t_info) +
		   (attno - 1) * sizeof(int64), sizeof(int64));
#ifdef USE_ASSERT_CHECKING
	{
		bool		isnull;

		Assert(DatumGetInt64(index_getattr(itup, attno,
										   RelationGetDescr(index),
										   &isnull)) == v && !isnull);
	}
#else
	(void) index;
#endif
	return v;
}

/*
 * Compare the key (a, b) with a tuple's key columns as _bt_compare does
 * for a search key without a heap TID: truncated columns of a pivot are
 * minus infinity, and a pivot equal on both columns whose heap TID was
 * truncated is below the key (all its equals are to its right).
 */
static int
KeyCompare(Relation index, int64 a, int64 b, IndexTuple itup, bool pivot)
{
	int			natts = pivot ? BTreeTupleGetNAtts(itup, index) : 2;
	int64		v;

	if (natts == 0)
		return 1;
	v = KeyAtt(index, itup, 1);
	if (a != v)
		return a < v ? -1 : 1;
	if (natts == 1)
		return 1;
	v = KeyAtt(index, itup, 2);
	if (b != v)
		return b < v ? -1 : 1;
	if (pivot && BTreeTupleGetHeapTID(itup) == NULL)
		return 1;
	return 0;
}

/*
 * The same comparison against a pivot copied from a level-1 page.
 */
static int
SepCompare(const FgProbeSep *sep, int64 a, int64 b)
{
	if (sep->natts == 0)
		return 1;
	if (a != sep->a)
		return a < sep->a ? -1 : 1;
	if (sep->natts == 1)
		return 1;
	if (b != sep->b)
		return b < sep->b ? -1 : 1;
	return sep->tid_truncated ? 1 : 0;
}

/*
 * Copy a pivot tuple's key columns.
 */
static void
CopySep(Relation index, IndexTuple itup, FgProbeSep *sep)
{
	sep->natts = BTreeTupleGetNAtts(itup, index);
	sep->a = sep->natts >= 1 ? KeyAtt(index, itup, 1) : 0;
	sep->b = sep->natts >= 2 ? KeyAtt(index, itup, 2) : 0;
	sep->tid_truncated = BTreeTupleGetHeapTID(itup) == NULL;
}

/*
 * Must we move right from this page to find (a, b)?  Yes past a page being
 * deleted, or when the key is beyond the page's high key.
 */
static bool
MustMoveRight(FgProbe *p, Page page, int64 a, int64 b)
{
	BTPageOpaque opaque = BTPageGetOpaque(page);

	if (P_IGNORE(opaque))
		return true;
	if (P_RIGHTMOST(opaque))
		return false;
	return KeyCompare(p->index, a, b,
					  (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)),
					  true) > 0;
}

/*
 * The page in buf is the leaf a probe or walk reads: check that it is one,
 * and predicate-lock it under SERIALIZABLE, as an index scan would.
 */
static void
UseLeaf(FgProbe *p, Buffer buf, BTPageOpaque opaque)
{
	if (!P_ISLEAF(opaque))
		elog(ERROR, "index \"%s\" block %u is not a leaf page",
			 RelationGetRelationName(p->index), BufferGetBlockNumber(buf));
	if (p->serializable)
		PredicateLockPage(p->index, BufferGetBlockNumber(buf), p->snapshot);
}

/*
 * Step to the right sibling of the page in buf (which must have one).
 */
static Buffer
MoveRight(FgProbe *p, Buffer buf)
{
	BTPageOpaque opaque = BTPageGetOpaque(BufferGetPage(buf));

	if (P_RIGHTMOST(opaque))
		elog(ERROR, "fell off the end of index \"%s\"",
			 RelationGetRelationName(p->index));
	return _bt_relandgetbuf(p->index, buf, opaque->btpo_next, BT_READ);
}

/*
 * Descend from the root towards (a, b) and copy the level-1
 * page on the way (or, in a one-page tree, remember the root leaf).
 */
static void
Descend(FgProbe *p, int64 a, int64 b)
{
	Buffer		buf = FgBtGetRoot(p->index, p->heap);

	p->nchild = 0;
	p->have_copy = true;
	p->low_a = a;
	p->low_b = b;
	p->high.natts = 0;
	p->rightmost = true;
	if (!BufferIsValid(buf))
		return;					/* empty index: every probe misses */

	for (;;)
	{
		Page		page = BufferGetPage(buf);
		BTPageOpaque opaque = BTPageGetOpaque(page);
		OffsetNumber low;
		OffsetNumber high;
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		FgTestForOldSnapshot(p->snapshot, p->index, page);
		if (MustMoveRight(p, page, a, b))
		{
			buf = MoveRight(p, buf);
			continue;
		}
		if (P_ISLEAF(opaque))
		{
			/* The root is a leaf: the tree is one page (for now). */
			p->root_leaf = BufferGetBlockNumber(buf);
			p->nchild = 1;
			_bt_relbuf(p->index, buf);
			return;
		}

		maxoff = PageGetMaxOffsetNumber(page);
		if (opaque->btpo_level == 1)
		{
			/* The whole page, searched in place by CopiedChild(). */
			memcpy(p->copy, page, BLCKSZ);
			p->root_leaf = InvalidBlockNumber;
			p->nchild = maxoff - P_FIRSTDATAKEY(opaque) + 1;
			p->rightmost = P_RIGHTMOST(opaque);
			if (!p->rightmost)
				CopySep(p->index,
						(IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)),
						&p->high);
			_bt_relbuf(p->index, buf);
			return;
		}

		/* The last downlink whose key is below (a, b); the first is -inf. */
		low = P_FIRSTDATAKEY(opaque);
		high = maxoff;
		while (low < high)
		{
			OffsetNumber mid = low + (high - low + 1) / 2;

			if (KeyCompare(p->index, a, b,
						   (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
						   true) > 0)
				low = mid;
			else
				high = mid - 1;
		}
		buf = _bt_relandgetbuf(p->index, buf,
							   BTreeTupleGetDownLink((IndexTuple) PageGetItem(page, PageGetItemId(page, low))),
							   BT_READ);
	}
}

/*
 * The offset in the copied level-1 page of the downlink whose key space
 * holds (a, b): the last one below the key (the first, minus infinity, is
 * below every key).
 */
static OffsetNumber
CopiedChildOffset(FgProbe *p, int64 a, int64 b)
{
	Page		page = p->copy;
	OffsetNumber low;
	OffsetNumber high;

	Assert(p->nchild > 0 && !BlockNumberIsValid(p->root_leaf));
	low = P_FIRSTDATAKEY(BTPageGetOpaque(page));
	high = PageGetMaxOffsetNumber(page);
	while (low < high)
	{
		OffsetNumber mid = low + (high - low + 1) / 2;

		if (KeyCompare(p->index, a, b,
					   (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
					   true) > 0)
			low = mid;
		else
			high = mid - 1;
	}
	return low;
}

/*
 * The child whose key space holds (a, b): from the copied level-1 page, or
 * the root leaf of a one-page tree.
 */
static BlockNumber
CopiedChild(FgProbe *p, int64 a, int64 b)
{
	Page		page = p->copy;

	Assert(p->nchild > 0);
	if (BlockNumberIsValid(p->root_leaf))
		return p->root_leaf;
	return BTreeTupleGetDownLink((IndexTuple) PageGetItem(page, PageGetItemId(page, CopiedChildOffset(p, a, b))));
}

/*
 * Can the probe use index?  A btree whose first two key columns are int8
 * in ascending order, as every edge index is; otherwise (someone rebuilt
 * it differently) the caller probes with an ordinary index scan.
 */
bool
FgProbeSupported(Relation index)
{
	TupleDesc	desc = RelationGetDescr(index);

	bool		heapkeyspace;
	bool		allequalimage;

	if (index->rd_rel->relam != BTREE_AM_OID ||
		IndexRelationGetNumberOfKeyAttributes(index) != 2)
		return false;
	/* Suffix truncation and heap TID order (version 4 btrees) assumed. */
	_bt_metaversion(index, &heapkeyspace, &allequalimage);
	if (!heapkeyspace)
		return false;
	for (int i = 0; i < 2; i++)
		if (TupleDescAttr(desc, i)->atttypid != INT8OID ||
			index->rd_opfamily[i] != INTEGER_BTREE_FAM_OID ||
			index->rd_indoption[i] != 0 ||
			index->rd_indcollation[i] != InvalidOid)
			return false;
	return true;
}

/*
 * Start probing owner's range of index (which FgProbeSupported accepted)
 * under the active snapshot.
 */
void
FgProbeBegin(FgProbe *p, Relation heap, Relation index, int64 owner)
{
	Assert(FgProbeSupported(index));
	memset(p, 0, sizeof(FgProbe));
	p->heap = heap;
	p->index = index;
	p->owner = owner;
	p->snapshot = GetActiveSnapshot();
	p->serializable = IsolationIsSerializable() && IsMVCCSnapshot(p->snapshot);
	p->vmbuffer = InvalidBuffer;
	p->kept = InvalidBuffer;
	p->fetch = table_index_fetch_begin(heap);
	p->slot = table_slot_create(heap, NULL);
	p->copy = palloc(BLCKSZ);
	p->tids = palloc(sizeof(ItemPointerData) * MaxTIDsPerBTreePage);
}

/*
 * Is any of the ntids heap tuples visible to the snapshot?  The caller
 * holds a pin on the leaf page the TIDs came from.
 */
static bool
AnyVisible(FgProbe *p, int ntids)
{
	for (int i = 0; i < ntids; i++)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&p->tids[i]);
		bool		call_again = false;
		bool		all_dead = false;
		bool		found;

		if (VM_ALL_VISIBLE(p->heap, blk, &p->vmbuffer))
		{
			if (p->serializable)
				PredicateLockPage(p->heap, blk, p->snapshot);
			return true;
		}
		found = table_index_fetch_tuple(p->fetch, &p->tids[i], p->snapshot,
										p->slot, &call_again, &all_dead);
		ExecClearTuple(p->slot);
		if (found)
			return true;
	}
	return false;
}

/*
 * Is there a visible entry (owner, id)?
 */
bool
FgProbeFind(FgProbe *p, int64 id)
{
	int64		a = p->owner;
	BlockNumber blk;
	Buffer		buf;

	CHECK_FOR_INTERRUPTS();

	/*
	 * The leaf the previous probe ended on, still pinned, serves a larger
	 * key up to its high key: ascending probes that land on the same leaf
	 * skip the buffer lookup.  The key cannot be left of that page (keys
	 * only move right, and a page's low bound only ever falls, when its left
	 * sibling is deleted), and past its high key or on a page being deleted
	 * the probe goes through the copied downlinks instead.
	 */
	buf = p->kept;
	p->kept = InvalidBuffer;
	if (BufferIsValid(buf))
	{
		Page		page;

		if (id > p->kept_id)
		{
			_bt_lockbuf(p->index, buf, BT_READ);
			page = BufferGetPage(buf);
			if (!P_IGNORE(BTPageGetOpaque(page)) &&
				P_ISLEAF(BTPageGetOpaque(page)) &&
				!MustMoveRight(p, page, a, id))
				goto search;
			_bt_unlockbuf(p->index, buf);
		}
		ReleaseBuffer(buf);
	}

	if (!p->have_copy ||
		a < p->low_a || (a == p->low_a && id < p->low_b) ||
		(!p->rightmost && SepCompare(&p->high, a, id) > 0))
		Descend(p, a, id);
	if (p->nchild == 0)
		return false;

	blk = CopiedChild(p, a, id);
	buf = ReadLeaf(p, blk);

search:

	for (;;)
	{
		Page		page = BufferGetPage(buf);
		BTPageOpaque opaque = BTPageGetOpaque(page);
		OffsetNumber low;
		OffsetNumber high;
		OffsetNumber maxoff;
		OffsetNumber off;
		int			ntids = 0;
		bool		more;
		bool		found;
		BlockNumber next;

		FgTestForOldSnapshot(p->snapshot, p->index, page);
		if (MustMoveRight(p, page, a, id))
		{
			buf = MoveRight(p, buf);
			continue;
		}
		UseLeaf(p, buf, opaque);

		/* The first item >= (a, id). */
		maxoff = PageGetMaxOffsetNumber(page);
		low = P_FIRSTDATAKEY(opaque);
		high = maxoff + 1;
		while (low < high)
		{
			OffsetNumber mid = low + (high - low) / 2;

			if (KeyCompare(p->index, a, id,
						   (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
						   false) > 0)
				low = mid + 1;
			else
				high = mid;
		}

		/* The heap TIDs of every entry equal to (a, id) on this page. */
		for (off = low; off <= maxoff; off++)
		{
			IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));

			if (KeyCompare(p->index, a, id, itup, false) != 0)
				break;
			if (BTreeTupleIsPosting(itup))
			{
				for (int i = 0; i < BTreeTupleGetNPosting(itup); i++)
					if (ntids < MaxTIDsPerBTreePage)
						p->tids[ntids++] = *BTreeTupleGetPostingN(itup, i);
			}
			else if (ntids < MaxTIDsPerBTreePage)
				p->tids[ntids++] = itup->t_tid;
		}

		/* Equal entries may go on past a high key equal to the key. */
		more = off > maxoff && !P_RIGHTMOST(opaque) &&
			KeyCompare(p->index, a, id,
					   (IndexTuple) PageGetItem(page, PageGetItemId(page, P_HIKEY)),
					   true) == 0;
		next = opaque->btpo_next;

		/*
		 * Judge visibility with the page unlocked but still pinned, as an
		 * index-only scan does: the pin keeps VACUUM (which needs a cleanup
		 * lock on every leaf) from removing these entries, marking their
		 * heap items unused and setting the heap page all-visible before
		 * AnyVisible reads the visibility map (nbtree/README, "making
		 * concurrent TID recycling safe").
		 */
		_bt_unlockbuf(p->index, buf);
		found = AnyVisible(p, ntids);
		if (found || !more)
		{
			/* Keep the pin for the next, larger key (see above). */
			p->kept = buf;
			p->kept_id = id;
			return found;
		}
		ReleaseBuffer(buf);
		buf = ReadLeaf(p, next);
	}
}

/*
 * How many leaf pages the owner's range spans at most, from the level-1
 * page above its start (copied for the probes that may follow): 0 in an
 * empty index, 1 in a one-page tree, INT_MAX when the range goes on past
 * that level-1 page.  An estimate of the range's size that costs no leaf
 * read (a leaf holds up to a few hundred entries; fewer after deletions),
 * for choosing between probing the range and reading it whole; it takes
 * no predicate lock, and nothing may depend on it but that choice.
 */
int
FgProbeRangeLeaves(FgProbe *p)
{
	int64		a = p->owner;

	Assert(!BufferIsValid(p->kept));
	Descend(p, a, PG_INT64_MIN);
	if (p->nchild == 0)
		return 0;
	if (BlockNumberIsValid(p->root_leaf))
		return 1;
	if (!p->rightmost && SepCompare(&p->high, a, PG_INT64_MAX) > 0)
		return INT_MAX;
	return CopiedChildOffset(p, a, PG_INT64_MAX) -
		CopiedChildOffset(p, a, PG_INT64_MIN) + 1;
}

/*
 * Release what the probes hold; the relations stay open for the caller.
 */
void
FgProbeEnd(FgProbe *p)
{
	if (BufferIsValid(p->kept))
		ReleaseBuffer(p->kept);
	if (BufferIsValid(p->vmbuffer))
		ReleaseBuffer(p->vmbuffer);
	table_index_fetch_end(p->fetch);
	ExecDropSingleTupleTableSlot(p->slot);
	pfree(p->copy);
	pfree(p->tids);
}

/*
 * Every visible id of the owner's range, ascending, appended to *ids (of
 * capacity *cap, grown with repalloc_huge; *n ids so far).  The range is
 * read one leaf page at a time from the first entry at or above
 * (owner, -inf), rightwards: the entries and heap TIDs of a page are copied
 * under its share lock, then judged visible with the page still pinned, as
 * FgProbeFind does, and the page's right link is followed while the range
 * may go on (nbtree's forward scan protocol: a split only moves entries
 * right, to a page between this one and the right link it had, which the
 * copy already covered).  For feed(), which reads a viewer's whole followee
 * set per call: an index scan costs the scan keys, a copy and a call per
 * entry.
 */
void
FgProbeOwnerIds(FgProbe *p, int64 **ids, int *n, int *cap)
{
	bool		complete PG_USED_FOR_ASSERTS_ONLY;

	complete = FgProbeOwnerIdsUpTo(p, ids, n, cap, INT_MAX);
	Assert(complete);
}

/*
 * FgProbeOwnerIds, but giving up (false) as soon as more than max ids have
 * been read: *n is then more than max and the ids are a prefix of the range,
 * for the caller to throw away.  A copy of the level-1 page that an
 * FgProbeRangeLeaves() of this probe made is used instead of a descent.
 */
bool
FgProbeOwnerIdsUpTo(FgProbe *p, int64 **ids, int *n, int *cap, int max)
{
	int64		a = p->owner;
	bool		complete = true;
	int64	   *vals = palloc(sizeof(int64) * MaxTIDsPerBTreePage);
	int		   *ends = palloc(sizeof(int) * MaxTIDsPerBTreePage);
	bool		first = true;
	Buffer		buf;

	CHECK_FOR_INTERRUPTS();
	Assert(!BufferIsValid(p->kept));
	if (!p->have_copy || p->low_a != a || p->low_b != PG_INT64_MIN)
		Descend(p, a, PG_INT64_MIN);
	if (p->nchild == 0)
	{
		/* an empty index: lock the relation, as a btree scan would */
		if (p->serializable)
			PredicateLockRelation(p->index, p->snapshot);
		pfree(vals);
		pfree(ends);
		return true;
	}
	buf = ReadLeaf(p, CopiedChild(p, a, PG_INT64_MIN));

	for (;;)
	{
		Page		page = BufferGetPage(buf);
		BTPageOpaque opaque = BTPageGetOpaque(page);
		TupleDesc	desc = RelationGetDescr(p->index);
		OffsetNumber off;
		OffsetNumber maxoff;
		int			nvals = 0;
		int			ntids = 0;
		bool		more;
		BlockNumber next;

		FgTestForOldSnapshot(p->snapshot, p->index, page);
		if (first ? MustMoveRight(p, page, a, PG_INT64_MIN) : P_IGNORE(opaque))
		{
			/* past the key, or a page being deleted: its right sibling */
			buf = MoveRight(p, buf);
			continue;
		}
		UseLeaf(p, buf, opaque);

		maxoff = PageGetMaxOffsetNumber(page);
		off = P_FIRSTDATAKEY(opaque);
		if (first)
		{
			/* The first entry >= (a, -inf). */
			OffsetNumber high = maxoff + 1;

			while (off < high)
			{
				OffsetNumber mid = off + (high - off) / 2;

				if (KeyCompare(p->index, a, PG_INT64_MIN,
							   (IndexTuple) PageGetItem(page, PageGetItemId(page, mid)),
							   false) > 0)
					off = mid + 1;
				else
					high = mid;
			}
			first = false;
		}

		/* The owner's entries on this page: ids and their heap TIDs. */
		for (; off <= maxoff; off++)
		{
			IndexTuple	itup = (IndexTuple) PageGetItem(page, PageGetItemId(page, off));
			bool		isnull;

			if (DatumGetInt64(index_getattr(itup, 1, desc, &isnull)) != a)
				break;
			vals[nvals] = DatumGetInt64(index_getattr(itup, 2, desc, &isnull));
			if (BTreeTupleIsPosting(itup))
			{
				for (int i = 0; i < BTreeTupleGetNPosting(itup); i++)
					p->tids[ntids++] = *BTreeTupleGetPostingN(itup, i);
			}
			else
				p->tids[ntids++] = itup->t_tid;
			ends[nvals++] = ntids;
		}
		more = off > maxoff && !P_RIGHTMOST(opaque);
		next = opaque->btpo_next;

		/* Visibility with the page pinned, unlocked (see FgProbeFind). */
		_bt_unlockbuf(p->index, buf);
		for (int v = 0, t = 0; v < nvals; t = ends[v], v++)
		{
			ItemPointerData *tids = &p->tids[t];
			int			count = ends[v] - t;
			bool		visible = false;

			for (int i = 0; i < count && !visible; i++)
			{
				BlockNumber blk = ItemPointerGetBlockNumber(&tids[i]);

				if (VM_ALL_VISIBLE(p->heap, blk, &p->vmbuffer))
				{
					if (p->serializable)
						PredicateLockPage(p->heap, blk, p->snapshot);
					visible = true;
				}
				else
				{
					bool		call_again = false;
					bool		all_dead = false;

					visible = table_index_fetch_tuple(p->fetch, &tids[i],
													  p->snapshot, p->slot,
													  &call_again, &all_dead);
					ExecClearTuple(p->slot);
				}
			}
			if (!visible)
				continue;
			if (*n >= *cap)
			{
				*cap *= 2;
				*ids = repalloc_huge(*ids, sizeof(int64) * *cap);
			}
			(*ids)[(*n)++] = vals[v];
		}
		ReleaseBuffer(buf);
		if (*n > max)
		{
			complete = false;
			break;
		}
		if (!more)
			break;
		/* Here, holding no lock: under a page's lock it would do nothing. */
		CHECK_FOR_INTERRUPTS();
		buf = ReadLeaf(p, next);
	}
	pfree(vals);
	pfree(ends);
	return complete;
}
