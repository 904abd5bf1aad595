/*
 * idset_toast.c
 *		Read a byte range of a value stored out of line without compression
 *		straight from its TOAST chunks into a caller's buffer.
 *
 * The detoast API (detoast_attr_slice()) opens the TOAST relation and its
 * index, scans the index and allocates a fresh result for every slice, and
 * fetches each chunk through the index: a buffer lookup, a visibility check
 * that first touches the tuple, then the copy of its 1996 bytes, which the
 * core waits on (on the sparse 62-bit 1M x 1M count about 30% of the time
 * went to copying chunks and to those checks).  Here the relation and its
 * index are opened once per call, and a range is read as the chunks of a
 * value are laid out: written one after another, four to a heap page.  The
 * first chunk of the range is found through the TOAST index; the ones
 * after it are read in place from that heap page and the pages after it,
 * in line pointer order, each checked (chunk_id, inserter as the first's,
 * visibility under the TOAST snapshot, chunk number in sequence, size as
 * the value's size implies)
 * and copied while the next tuple of the page is prefetched (and the next
 * page pinned, its header prefetched).  Where the layout is
 * not that (a chunk out of sequence, a page without the next chunk), the
 * rest comes from the index, as the detoast code reads it; a chunk that is
 * missing or malformed there is reported as a corrupt value.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/toast_internals.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "idset.h"
#include "idset_toast.h"

/* TOAST_MAX_CHUNK_SIZE as an int32 (it is a size_t expression on 18). */
#define TOAST_CHUNK			((int32) TOAST_MAX_CHUNK_SIZE)

/* Cache line size assumed by the prefetch loop. */
#define PREFETCH_LINE		64

/*
 * Open the TOAST relation relid and its valid index for IdsetToastFetch()
 * (AccessShareLock, as the detoast code takes), and note its size.
 */
void
IdsetToastOpen(IdsetToast *t, Oid relid)
{
	t->rel = table_open(relid, AccessShareLock);
	t->valid = toast_open_indexes(t->rel, AccessShareLock, &t->indexes,
								  &t->nindexes);
	t->nblocks = RelationGetNumberOfBlocks(t->rel);
}

/* Close what IdsetToastOpen() opened. */
void
IdsetToastClose(IdsetToast *t)
{
	toast_close_indexes(t->indexes, t->nindexes, AccessShareLock);
	table_close(t->rel, AccessShareLock);
}

/* Where a fetch stands: the range wanted and the next chunk expected. */
typedef struct FetchState
{
	TupleDesc	desc;
	int32		extsize;
	int32		total;			/* chunks of the value */
	int32		off;
	int32		len;
	int32		last;			/* last chunk wanted */
	int32		expect;			/* next chunk to copy */
	TransactionId xmin;			/* inserter of the chunk the index found */
	char	   *dest;
} FetchState;

/*
 * Check chunk tup (number f->expect) as the detoast code does and copy its
 * part of the range; corrupt if its number or size is wrong.
 */
static void
CopyChunk(FetchState *f, HeapTuple tup)
{
	bool		isnull;
	int32		seq = DatumGetInt32(fastgetattr(tup, 2, f->desc, &isnull));
	struct varlena *chunk;
	int32		size;
	int32		from;
	int32		to;

	if (isnull || seq != f->expect)
		IdsetCorrupt();
	chunk = (struct varlena *) DatumGetPointer(fastgetattr(tup, 3, f->desc, &isnull));
	if (isnull || VARATT_IS_EXTERNAL(chunk) || VARATT_IS_COMPRESSED(chunk))
		IdsetCorrupt();
	size = (int32) VARSIZE_ANY_EXHDR(chunk);
	if (size != (seq < f->total - 1 ? TOAST_CHUNK : f->extsize - seq * TOAST_CHUNK))
		IdsetCorrupt();
	/* The part of [off, off + len) in this chunk. */
	from = Max(f->off, seq * TOAST_CHUNK);
	to = Min(f->off + f->len, seq * TOAST_CHUNK + size);
	memcpy(f->dest + (from - f->off), VARDATA_ANY(chunk) + (from - seq * TOAST_CHUNK),
		   to - from);
	f->expect++;
}

/*
 * Pin block blk of t's relation.  Pages read in order often sit in
 * consecutive shared buffers, so the buffer after prev (that of blk - 1) is
 * tried first: ReadRecentBuffer() checks the guess by the buffer's tag,
 * without the buffer mapping lookup; else ReadBuffer as usual.
 */
static Buffer
PinBlock(IdsetToast *t, BlockNumber blk, Buffer prev)
{
	if (prev > 0 && prev < NBuffers &&
#if PG_VERSION_NUM >= 160000
		ReadRecentBuffer(t->rel->rd_locator, MAIN_FORKNUM, blk, prev + 1)
#else
		ReadRecentBuffer(t->rel->rd_node, MAIN_FORKNUM, blk, prev + 1)
#endif
		)
		return prev + 1;
	return ReadBufferExtended(t->rel, MAIN_FORKNUM, blk, RBM_NORMAL, NULL);
}

/*
 * Copy the chunks of valueid that follow offset start of heap block blk, in
 * place on the pages, while they come in order there and on the pages after
 * it (start - 1 is the chunk the index found); the page after the current
 * one is pinned, and its header prefetched, while the current one is
 * copied.  Stops
 * (leaving the rest to the index) at a page after the first with no chunk
 * of the value, or at a chunk out of sequence or of another inserter.
 */
static void
WalkPages(IdsetToast *t, FetchState *f, Oid valueid, Snapshot snap,
		  BlockNumber blk, OffsetNumber start)
{
	Buffer		next = InvalidBuffer;
	Buffer		buf;

	if (blk >= t->nblocks || f->expect > f->last)
		return;
	buf = ReadBufferExtended(t->rel, MAIN_FORKNUM, blk, RBM_NORMAL, NULL);
	for (;;)
	{
		Page		page;
		OffsetNumber maxoff;
		bool		found = start > FirstOffsetNumber;	/* the index found one */
		bool		stop = false;

		/*
		 * The chunks left are more than this page holds: pin the next page
		 * now, to prefetch its header (else it is pinned when needed).
		 */
		if (f->last - f->expect >= (int32) EXTERN_TUPLES_PER_PAGE &&
			blk + 1 < t->nblocks)
		{
			next = PinBlock(t, blk + 1, buf);
			/*
			 * Its header and first line pointers.  (The first tuple was
			 * prefetched too, by a function of its own, which GCC dropped as
			 * one without effects: never run, now gone.)
			 */
			__builtin_prefetch(BufferGetPage(next), 0, 3);
		}
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber o = start; o <= maxoff && f->expect <= f->last; o++)
		{
			ItemId		lp = PageGetItemId(page, o);
			HeapTupleData tup;
			bool		isnull;
			int32		seq;

			if (!ItemIdIsNormal(lp))
				continue;
			/* Start loading the next tuple before this one is copied. */
			if (o < maxoff && ItemIdIsNormal(PageGetItemId(page, o + 1)))
			{
				ItemId		nlp = PageGetItemId(page, o + 1);
				const char *nt = (const char *) PageGetItem(page, nlp);

				for (uint32 l = 0; l < ItemIdGetLength(nlp); l += PREFETCH_LINE)
					__builtin_prefetch(nt + l, 0, 3);
			}
			tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
			tup.t_len = ItemIdGetLength(lp);
			tup.t_tableOid = RelationGetRelid(t->rel);
			ItemPointerSet(&tup.t_self, blk, o);
			if (DatumGetObjectId(fastgetattr(&tup, 1, f->desc, &isnull)) != valueid ||
				isnull)
				continue;

			/*
			 * A value's chunks are inserted by one transaction.  Another
			 * inserter means an older value whose id was handed out again
			 * (its dead chunks gone from the index, not yet from the page,
			 * and SnapshotToast ignores xmax): the index decides.
			 */
			if (HeapTupleHeaderGetRawXmin(tup.t_data) != f->xmin)
			{
				stop = true;
				break;
			}
			if (!HeapTupleSatisfiesVisibility(&tup, snap, buf))
				continue;
			seq = DatumGetInt32(fastgetattr(&tup, 2, f->desc, &isnull));
			if (isnull || seq != f->expect)
			{
				stop = true;
				break;
			}
			CopyChunk(f, &tup);
			found = true;
		}
		UnlockReleaseBuffer(buf);
		if (stop || !found || f->expect > f->last || blk + 1 >= t->nblocks)
			break;
		if (!BufferIsValid(next))
			next = PinBlock(t, blk + 1, buf);
		buf = next;
		next = InvalidBuffer;
		blk++;
		start = FirstOffsetNumber;
	}
	if (BufferIsValid(next))
		ReleaseBuffer(next);
}

/*
 * Copy bytes [off, off + len) of the value valueid (extsize bytes, stored
 * without compression in t's relation) into dest: the first chunk found
 * through the TOAST index, the ones after it read in place from the heap
 * pages that follow (WalkPages()), and any the walk did not reach through
 * the index again.  Corrupt (IdsetCorrupt()) when a chunk is missing, out
 * of sequence or of the wrong size.
 */
void
IdsetToastFetch(IdsetToast *t, Oid valueid, int32 extsize, int32 off,
				int32 len, char *dest)
{
	FetchState	f;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
	bool		walked = false;
#if PG_VERSION_NUM >= 180000
	Snapshot	snap = get_toast_snapshot();
#else
	SnapshotData snapdata;
	Snapshot	snap = &snapdata;

	init_toast_snapshot(&snapdata);
#endif

	if (off < 0 || len <= 0 || len > extsize - off)
		IdsetCorrupt();
	f.desc = RelationGetDescr(t->rel);
	f.extsize = extsize;
	f.total = (extsize - 1) / TOAST_CHUNK + 1;
	f.off = off;
	f.len = len;
	f.last = (off + len - 1) / TOAST_CHUNK;
	f.expect = off / TOAST_CHUNK;
	f.dest = dest;
	while (f.expect <= f.last)
	{
		BlockNumber blk = InvalidBlockNumber;
		OffsetNumber at = InvalidOffsetNumber;

		ScanKeyInit(&key[0], (AttrNumber) 1, BTEqualStrategyNumber, F_OIDEQ,
					ObjectIdGetDatum(valueid));
		ScanKeyInit(&key[1], (AttrNumber) 2, BTGreaterEqualStrategyNumber,
					F_INT4GE, Int32GetDatum(f.expect));
		ScanKeyInit(&key[2], (AttrNumber) 2, BTLessEqualStrategyNumber,
					F_INT4LE, Int32GetDatum(f.last));
		scan = systable_beginscan_ordered(t->rel, t->indexes[t->valid], snap,
										  3, key);
		/* After a walk stopped short, the rest comes from the index. */
		while ((tup = systable_getnext_ordered(scan, ForwardScanDirection)) != NULL)
		{
			CopyChunk(&f, tup);
			f.xmin = HeapTupleHeaderGetRawXmin(tup->t_data);
			blk = ItemPointerGetBlockNumber(&tup->t_self);
			at = ItemPointerGetOffsetNumber(&tup->t_self);
			if (!walked)
				break;
		}
		systable_endscan_ordered(scan);
		if (blk == InvalidBlockNumber)
			break;				/* a chunk is missing */
		if (!walked)
		{
			walked = true;
			WalkPages(t, &f, valueid, snap, blk, OffsetNumberNext(at));
		}
	}
	if (f.expect != f.last + 1)
		IdsetCorrupt();
}
