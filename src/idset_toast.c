/*
 * idset_toast.c
 *		Read a byte range of a value stored out of line without compression
 *		straight from its TOAST chunks into a caller's buffer, prefetching
 *		the next chunk of a page while the current one is copied.
 *
 * The detoast API (detoast_attr_slice()) opens the TOAST relation and its
 * index, scans and allocates a fresh result for every slice, and reads the
 * chunks in order of chunk_seq, one at a time: a chunk's tuple header and
 * its 1996 bytes are cache misses that the core waits on (on the sparse
 * 62-bit 1M x 1M count, about 30% of the time went to copying chunks and to
 * the visibility check that first touches each tuple).  A value's chunks are
 * written one after another, four to a heap page, each below the one before
 * it on the page; so while one chunk is copied, the bytes just below its
 * tuple (the next chunk, when the page holds one more) are prefetched.  A
 * wrong guess costs only the prefetch: every chunk is found through the
 * TOAST index and checked as the detoast code checks it (chunk numbers in
 * sequence, sizes as the value's size implies), and a mismatch is reported
 * as a corrupt value.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/toast_internals.h"
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
 * Open the TOAST relation relid and its valid index, for
 * IdsetToastFetch() (AccessShareLock, held to the end of the transaction
 * as the detoast code does).
 */
void
IdsetToastOpen(IdsetToast *t, Oid relid)
{
	t->rel = table_open(relid, AccessShareLock);
	t->valid = toast_open_indexes(t->rel, AccessShareLock, &t->indexes,
								  &t->nindexes);
}

/* Close what IdsetToastOpen() opened. */
void
IdsetToastClose(IdsetToast *t)
{
	toast_close_indexes(t->indexes, t->nindexes, AccessShareLock);
	table_close(t->rel, AccessShareLock);
}

/*
 * Copy bytes [off, off + len) of the value valueid (extsize bytes, stored
 * without compression in t's relation) into dest.  Corrupt (IdsetCorrupt())
 * when a chunk is missing, out of sequence or of the wrong size.
 */
void
IdsetToastFetch(IdsetToast *t, Oid valueid, int32 extsize, int32 off,
				int32 len, char *dest)
{
	TupleDesc	desc = RelationGetDescr(t->rel);
	int32		total = (extsize - 1) / TOAST_CHUNK + 1;
	int32		first = off / TOAST_CHUNK;
	int32		last = (off + len - 1) / TOAST_CHUNK;
	int32		expect = first;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tup;
#if PG_VERSION_NUM >= 180000
	Snapshot	snap = get_toast_snapshot();
#else
	SnapshotData snapdata;
	Snapshot	snap = &snapdata;

	init_toast_snapshot(&snapdata);
#endif

	if (off < 0 || len <= 0 || len > extsize - off)
		IdsetCorrupt();
	ScanKeyInit(&key[0], (AttrNumber) 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(valueid));
	ScanKeyInit(&key[1], (AttrNumber) 2, BTGreaterEqualStrategyNumber,
				F_INT4GE, Int32GetDatum(first));
	ScanKeyInit(&key[2], (AttrNumber) 2, BTLessEqualStrategyNumber,
				F_INT4LE, Int32GetDatum(last));
	scan = systable_beginscan_ordered(t->rel, t->indexes[t->valid], snap,
									  3, key);
	while ((tup = systable_getnext_ordered(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		int32		seq;
		struct varlena *chunk;
		int32		size;
		int32		from;
		int32		to;
		const char *below = (const char *) tup->t_data;

		/*
		 * The next chunk of this page, if the page holds one more, lies just
		 * below this tuple: start loading it before this one is copied.
		 */
		if (ItemPointerGetOffsetNumber(&tup->t_self) < EXTERN_TUPLES_PER_PAGE)
			for (uint32 o = PREFETCH_LINE; o <= tup->t_len; o += PREFETCH_LINE)
				__builtin_prefetch(below - o, 0, 3);
		seq = DatumGetInt32(fastgetattr(tup, 2, desc, &isnull));
		if (isnull || seq != expect)
			IdsetCorrupt();
		chunk = (struct varlena *) DatumGetPointer(fastgetattr(tup, 3, desc, &isnull));
		if (isnull || VARATT_IS_EXTERNAL(chunk) || VARATT_IS_COMPRESSED(chunk))
			IdsetCorrupt();
		size = (int32) VARSIZE_ANY_EXHDR(chunk);
		if (size != (seq < total - 1 ? TOAST_CHUNK : extsize - seq * TOAST_CHUNK))
			IdsetCorrupt();
		/* The part of [off, off + len) in this chunk. */
		from = Max(off, seq * TOAST_CHUNK);
		to = Min(off + len, seq * TOAST_CHUNK + size);
		memcpy(dest + (from - off), VARDATA_ANY(chunk) + (from - seq * TOAST_CHUNK),
			   to - from);
		expect++;
	}
	systable_endscan_ordered(scan);
	if (expect != last + 1)
		IdsetCorrupt();
}
